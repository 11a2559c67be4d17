//! The approval workflow: from a verdict and the site's mode to the status a
//! new comment gets.

use serde::{Deserialize, Serialize};

use super::facts::{Reason, Verdict};
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

/// What the workflow knows of the author, besides the verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Their approved comments that carry the returning-commenter token
    /// this comment carries (so typing someone's email earns nothing).
    pub approved_with_token: u32,
    /// Their comments of the distrust window that a decision or the
    /// workflow settled: approved, rejected or spam.
    pub recent_decided: u32,
    /// Of those, rejected or spam.
    pub recent_removed: u32,
}

/// The site's trust settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrustRules {
    /// Publish an author with this many approved comments (with their
    /// token) whatever the mode, unless the score holds it; 0: never.
    pub trust_after_approved: u32,
    /// Hold an author whose removed share of recent comments is above
    /// this.
    pub distrust_share: f64,
    /// The window of "recent", in days; 0: no distrust.
    pub distrust_window_days: u32,
}

/// The status the workflow gives a comment, and the reason it records
/// when the author's standing decided it: the score first (spam, then
/// held), then distrust (an author whose share of rejected and spam
/// comments in the window is above `distrust_share` is held: `distrusted`),
/// then trust (an author with `trust_after_approved` approved comments
/// carrying this comment's token is published in any mode: `trusted`),
/// then the approval mode, where `first_time` counts only approved
/// comments with the token too.
pub fn decide_status(
    verdict: &Verdict,
    t: &Thresholds,
    mode: ApprovalMode,
    standing: &Standing,
    rules: &TrustRules,
) -> (CommentStatus, Option<Reason>) {
    let by_score = initial_status(verdict, t, ApprovalMode::None, true);
    if by_score != CommentStatus::Approved {
        return (by_score, None);
    }
    let s = standing;
    if rules.distrust_window_days > 0
        && s.recent_decided > 0
        && f64::from(s.recent_removed) / f64::from(s.recent_decided) > rules.distrust_share
    {
        let why = format!(
            "{} of {} comments in {} days rejected or spam",
            s.recent_removed, s.recent_decided, rules.distrust_window_days
        );
        return (
            CommentStatus::Pending,
            Some(Reason::new("distrusted", 0.0, why)),
        );
    }
    if rules.trust_after_approved > 0 && s.approved_with_token >= rules.trust_after_approved {
        let why = format!(
            "{} approved comments by this commenter",
            s.approved_with_token
        );
        return (
            CommentStatus::Approved,
            Some(Reason::new("trusted", 0.0, why)),
        );
    }
    (
        initial_status(verdict, t, mode, s.approved_with_token > 0),
        None,
    )
}

/// The category of the workflow's own decision, when it removed or held
/// the comment (the audit log's `reason_category` on `comment.submitted`,
/// which the transparency report counts as automatic): `spam` for spam or
/// a hold by the score, `other` for a hold by the author's standing or a
/// sanction; `None` when it published the comment or only the approval
/// mode held it (a review, not a restriction).
pub fn automatic_category(
    verdict: &Verdict,
    status: CommentStatus,
    t: &Thresholds,
) -> Option<crate::domain::decision::ReasonCategory> {
    use crate::domain::decision::ReasonCategory;
    match status {
        CommentStatus::Spam => Some(ReasonCategory::Spam),
        CommentStatus::Pending if verdict.score >= t.hold => Some(ReasonCategory::Spam),
        CommentStatus::Pending
            if verdict
                .reasons
                .iter()
                .any(|r| r.rule == "distrusted" || r.rule == "sanction") =>
        {
            Some(ReasonCategory::Other)
        }
        _ => None,
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

    const TRUST: TrustRules = TrustRules {
        trust_after_approved: 3,
        distrust_share: 0.3,
        distrust_window_days: 7,
    };

    fn standing(approved: u32, decided: u32, removed: u32) -> Standing {
        Standing {
            approved_with_token: approved,
            recent_decided: decided,
            recent_removed: removed,
        }
    }

    #[test]
    fn the_workflow_names_a_category_only_when_it_restricts() {
        use crate::domain::decision::ReasonCategory as C;
        let t = Thresholds::default();
        assert_eq!(
            automatic_category(&verdict(12.0), CommentStatus::Spam, &t),
            Some(C::Spam)
        );
        assert_eq!(
            automatic_category(&verdict(6.0), CommentStatus::Pending, &t),
            Some(C::Spam)
        );
        // Held by the approval mode alone: a review, not a restriction.
        assert_eq!(
            automatic_category(&verdict(0.0), CommentStatus::Pending, &t),
            None
        );
        assert_eq!(
            automatic_category(&verdict(0.0), CommentStatus::Approved, &t),
            None
        );
        let mut distrusted = verdict(0.0);
        distrusted
            .reasons
            .push(Reason::new("distrusted", 0.0, "2 of 3"));
        assert_eq!(
            automatic_category(&distrusted, CommentStatus::Pending, &t),
            Some(C::Other)
        );
    }

    #[test]
    fn trust_publishes_in_any_mode_and_distrust_holds_in_any_mode() {
        let t = Thresholds::default();
        let clean = verdict(0.0);
        for mode in MODES {
            let (status, why) = decide_status(&clean, &t, mode, &standing(3, 3, 0), &TRUST);
            assert_eq!(status, CommentStatus::Approved, "{mode:?}");
            assert_eq!(why.map(|r| r.rule).as_deref(), Some("trusted"));
            // 2 of 5 removed (0.4 > 0.3): held, trusted or not.
            let (status, why) = decide_status(&clean, &t, mode, &standing(9, 5, 2), &TRUST);
            assert_eq!(status, CommentStatus::Pending, "{mode:?}");
            let why = why.unwrap();
            assert_eq!(why.rule, "distrusted");
            assert_eq!(why.detail, "2 of 5 comments in 7 days rejected or spam");
            assert_eq!(why.score, 0.0);
        }
        // At the share exactly: not above it.
        let (status, _) =
            decide_status(&clean, &t, ApprovalMode::None, &standing(0, 10, 3), &TRUST);
        assert_eq!(status, CommentStatus::Approved);
        // Off: a window of 0 days, a trust of 0.
        let off = TrustRules {
            trust_after_approved: 0,
            distrust_window_days: 0,
            ..TRUST
        };
        assert_eq!(
            decide_status(&clean, &t, ApprovalMode::None, &standing(0, 4, 4), &off),
            (CommentStatus::Approved, None)
        );
        assert_eq!(
            decide_status(&clean, &t, ApprovalMode::All, &standing(50, 0, 0), &off),
            (CommentStatus::Pending, None)
        );
    }

    #[test]
    fn first_time_counts_approved_comments_with_the_token_and_the_score_still_rules() {
        let t = Thresholds::default();
        let clean = verdict(0.0);
        let first = ApprovalMode::FirstTime;
        assert_eq!(
            decide_status(&clean, &t, first, &standing(0, 0, 0), &TRUST),
            (CommentStatus::Pending, None)
        );
        assert_eq!(
            decide_status(&clean, &t, first, &standing(1, 1, 0), &TRUST),
            (CommentStatus::Approved, None)
        );
        // Trust never outweighs the score.
        for (score, want) in [(5.0, CommentStatus::Pending), (10.0, CommentStatus::Spam)] {
            assert_eq!(
                decide_status(&verdict(score), &t, first, &standing(50, 50, 0), &TRUST),
                (want, None)
            );
        }
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
                approved_with_token: 5,
                ..AuthorHistory::default()
            },
            AuthorHistory {
                spam_by_email: 2,
                spam_by_ip: 3,
                rejected_by_email: 1,
                approved_with_token: 0,
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
                            learner_fresh: false,
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
