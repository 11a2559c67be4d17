//! The approval workflow: from a verdict and the site's mode to the status a
//! new comment gets.

use serde::{Deserialize, Serialize};

use super::facts::Verdict;
use crate::domain::{ApprovalMode, CommentStatus};

/// Score thresholds from the site settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// At or above: held for moderation.
    pub hold: f64,
    /// At or above: spam.
    pub spam: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            hold: 5.0,
            spam: 10.0,
        }
    }
}

/// Status of a new comment: a filled honeypot or the spam score ->
/// `Spam`; hold score -> `Pending`; otherwise the approval mode decides
/// (`All` holds everything, `FirstTime` holds authors without an approved
/// comment, `None` publishes).
///
/// A filled honeypot is certain, not a matter of points: the learner may
/// find a bot's text harmless and take points off, and the honeypot must
/// still mean spam.
pub fn initial_status(
    verdict: &Verdict,
    t: &Thresholds,
    mode: ApprovalMode,
    author_has_approved_comment: bool,
) -> CommentStatus {
    if verdict.score >= t.spam || verdict.reasons.iter().any(|r| r.rule == "honeypot") {
        return CommentStatus::Spam;
    }
    if verdict.score >= t.hold {
        return CommentStatus::Pending;
    }
    match mode {
        ApprovalMode::All => CommentStatus::Pending,
        ApprovalMode::FirstTime if !author_has_approved_comment => CommentStatus::Pending,
        ApprovalMode::FirstTime | ApprovalMode::None => CommentStatus::Approved,
    }
}

/// What held a comment (pending or spam by its score, not by the approval
/// mode): `rules` alone, the `learner` (the rules alone would have let it
/// through), or `rules_and_learner` (either would have held it). `None`:
/// the score did not hold it.
pub fn caught_by(verdict: &Verdict, t: &Thresholds) -> Option<&'static str> {
    if verdict.reasons.iter().any(|r| r.rule == "honeypot") {
        return Some("rules");
    }
    if verdict.score < t.hold {
        return None;
    }
    let learner: f64 = verdict
        .reasons
        .iter()
        .filter(|r| r.rule == "learner")
        .map(|r| r.score)
        .sum();
    Some(match (verdict.score - learner >= t.hold, learner > 0.0) {
        (true, false) => "rules",
        (true, true) => "rules_and_learner",
        (false, _) => "learner",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spam::engine::score;
    use crate::spam::facts::{AuthorHistory, FormTokenCheck, SpamInput, SpamRules};

    fn verdict(score: f64) -> Verdict {
        Verdict {
            score,
            reasons: Vec::new(),
        }
    }

    #[test]
    fn what_held_a_comment_is_told_apart() {
        use crate::spam::facts::Reason;
        let t = Thresholds {
            hold: 5.0,
            spam: 10.0,
        };
        let with = |reasons: &[(&str, f64)]| Verdict {
            score: reasons.iter().map(|r| r.1).sum(),
            reasons: reasons
                .iter()
                .map(|(n, s)| Reason::new(n, *s, ""))
                .collect(),
        };
        assert_eq!(caught_by(&with(&[("links", 2.0)]), &t), None);
        assert_eq!(caught_by(&with(&[("links", 6.0)]), &t), Some("rules"));
        assert_eq!(
            caught_by(&with(&[("links", 6.0), ("learner", -1.0)]), &t),
            Some("rules")
        );
        assert_eq!(
            caught_by(&with(&[("links", 2.0), ("learner", 4.0)]), &t),
            Some("learner")
        );
        assert_eq!(
            caught_by(&with(&[("links", 6.0), ("learner", 4.0)]), &t),
            Some("rules_and_learner")
        );
        assert_eq!(caught_by(&with(&[("honeypot", 0.0)]), &t), Some("rules"));
    }

    const MODES: [ApprovalMode; 3] = [
        ApprovalMode::All,
        ApprovalMode::FirstTime,
        ApprovalMode::None,
    ];

    #[test]
    fn a_filled_honeypot_is_spam_whatever_the_points() {
        let v = Verdict {
            score: 8.0,
            reasons: vec![
                crate::spam::Reason::new("honeypot", 12.0, "filled"),
                crate::spam::Reason::new("learner", -3.0, "sure it is ham"),
            ],
        };
        for mode in MODES {
            for known in [false, true] {
                assert_eq!(
                    initial_status(&v, &Thresholds::default(), mode, known),
                    CommentStatus::Spam
                );
            }
        }
    }

    #[test]
    fn thresholds_come_first() {
        let t = Thresholds::default();
        for mode in MODES {
            for known in [false, true] {
                assert_eq!(
                    initial_status(&verdict(10.0), &t, mode, known),
                    CommentStatus::Spam
                );
                assert_eq!(
                    initial_status(&verdict(5.0), &t, mode, known),
                    CommentStatus::Pending
                );
            }
        }
    }

    #[test]
    fn modes_decide_clean_comments() {
        let t = Thresholds::default();
        let clean = verdict(0.0);
        assert_eq!(
            initial_status(&clean, &t, ApprovalMode::All, true),
            CommentStatus::Pending
        );
        assert_eq!(
            initial_status(&clean, &t, ApprovalMode::FirstTime, false),
            CommentStatus::Pending
        );
        assert_eq!(
            initial_status(&clean, &t, ApprovalMode::FirstTime, true),
            CommentStatus::Approved
        );
        assert_eq!(
            initial_status(&clean, &t, ApprovalMode::None, false),
            CommentStatus::Approved
        );
    }

    /// Property: whatever the mode and history, a score at or above the hold
    /// threshold is never published.
    #[test]
    fn a_held_author_never_publishes() {
        let t = Thresholds::default();
        let mut s = t.hold;
        while s < 30.0 {
            for mode in MODES {
                for known in [false, true] {
                    assert_ne!(
                        initial_status(&verdict(s), &t, mode, known),
                        CommentStatus::Approved,
                        "{s} {mode:?}"
                    );
                }
            }
            s += 0.25;
        }
    }

    const BODIES: &[&str] = &[
        "مقال ممتاز، شكرا للكاتب على التحليل",
        "The strike on ISIS positions near Raqqa was reported by Reuters https://reuters.com/x",
        "للتواصل واتساب ٠٥٥١٢٣٤٥٦٧ ارباح مضمونة",
        "Best online casino free spins bit.ly/x",
        "قال تعالى ﴿وَلَا تَقْتُلُوا النَّفْسَ﴾",
        "",
        "👍",
    ];

    /// Property: appending a blocked word to any comment, in any field
    /// combination and history, never lowers its score.
    #[test]
    fn adding_a_blocked_word_never_lowers_the_score() {
        let rules = SpamRules::new(
            &["hold"] as &[&str],
            &["viagra", "قمار", "spam.example"],
            &[] as &[&str],
        );
        let histories = [
            AuthorHistory::default(),
            AuthorHistory {
                approved_by_email: 5,
                ..AuthorHistory::default()
            },
            AuthorHistory {
                spam_by_email: 2,
                spam_by_ip: 3,
                rejected_by_email: 1,
                approved_by_email: 0,
            },
        ];
        for body in BODIES {
            for history in histories {
                for bayes in [None, Some(0.001), Some(0.999)] {
                    for word in ["viagra", "قمار", "VIAGRA", "spam.example"] {
                        let mk = |b: &'static str| SpamInput {
                            body: b,
                            author_name: "Reader",
                            author_email: "r@example.org",
                            author_url: None,
                            ip: "192.0.2.1",
                            user_agent: "Mozilla/5.0",
                            honeypot_filled: false,
                            form_token: FormTokenCheck::Missing,
                            history,
                            same_text_other_authors_24h: 0,
                            spam_probability: bayes,
                        };
                        let with: &'static str =
                            Box::leak(format!("{body} {word}").into_boxed_str());
                        let before = score(&mk(body), &rules).score;
                        let after = score(&mk(with), &rules).score;
                        assert!(after >= before, "{body:?} + {word}: {before} -> {after}");
                        assert!(
                            after >= before + 3.0,
                            "a blocked word must weigh: {body:?} + {word}"
                        );
                    }
                }
            }
        }
    }
}
