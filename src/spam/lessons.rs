//! What moderators' decisions teach the learner, as numbers: which class
//! a status teaches, whether a decision retrains a comment, and the net
//! change a transaction makes to the feature counts and class totals (in
//! the order their rows are locked). Pure; `training` applies them in a
//! decision's transaction and `db::spam` writes them.

use super::features::Feature;
use super::learner::{Script, key_in};
use crate::domain::CommentStatus;
use std::collections::BTreeMap;

/// The number of corpus shards (`spam_corpus_shards`).
pub const CORPUS_SHARDS: i64 = 16;

/// What a comment in `status` teaches the learner: `Some(true)` spam,
/// `Some(false)` ham, `None` nothing.
pub fn lesson(status: CommentStatus) -> Option<bool> {
    match status {
        CommentStatus::Spam => Some(true),
        CommentStatus::Approved => Some(false),
        CommentStatus::Pending | CommentStatus::Rejected => None,
    }
}

/// A change to spam and ham counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub spam: i32,
    pub ham: i32,
}

impl Counts {
    fn add(&mut self, is_spam: bool, sign: i32) {
        if is_spam {
            self.spam += sign;
        } else {
            self.ham += sign;
        }
    }

    fn is_zero(self) -> bool {
        self.spam == 0 && self.ham == 0
    }
}

/// A change to one shard's class totals: comments, and feature
/// occurrences, per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardChange {
    pub docs: Counts,
    pub spam_features: i64,
    pub ham_features: i64,
}

impl ShardChange {
    fn is_zero(self) -> bool {
        self.docs.is_zero() && self.spam_features == 0 && self.ham_features == 0
    }
}

/// The net change one transaction makes to the learner: per feature bucket
/// and per corpus shard (of a script), each in ascending order (the order
/// rows are locked in). Pure; `db::spam::apply_delta` writes it. The
/// arithmetic is [`Evidence::learn`](crate::spam::learner::Evidence::learn)'s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingDelta {
    buckets: BTreeMap<Feature, Counts>,
    shards: BTreeMap<(i16, Script), ShardChange>,
}

impl TrainingDelta {
    /// The shard a comment's training counts in.
    pub fn shard_of(comment_id: i64) -> i16 {
        i16::try_from(comment_id.rem_euclid(CORPUS_SHARDS)).unwrap_or(0)
    }

    /// Adds (`sign` = 1) or removes (`sign` = -1) one comment's lesson:
    /// its class's comment count in its script by one, the feature total
    /// by the number of its (distinct) features, and each of its features'
    /// class count by one.
    pub fn add(
        &mut self,
        comment_id: i64,
        features: &[Feature],
        script: Script,
        is_spam: bool,
        sign: i32,
    ) {
        // Each script's counts in its own range (`learner::key_in`).
        for f in features {
            self.buckets
                .entry(key_in(*f, script))
                .or_default()
                .add(is_spam, sign);
        }
        let shard = self
            .shards
            .entry((Self::shard_of(comment_id), script))
            .or_default();
        shard.docs.add(is_spam, sign);
        let n = i64::try_from(features.len()).unwrap_or(i64::MAX) * i64::from(sign);
        if is_spam {
            shard.spam_features += n;
        } else {
            shard.ham_features += n;
        }
    }

    /// Buckets whose counts change, ascending.
    pub fn buckets(&self) -> impl Iterator<Item = (Feature, Counts)> {
        self.buckets
            .iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|(f, c)| (*f, *c))
    }

    /// Shards (with their script) whose totals change, ascending.
    pub fn shards(&self) -> impl Iterator<Item = ((i16, Script), ShardChange)> {
        self.shards
            .iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|(s, c)| (*s, *c))
    }

    pub fn is_empty(&self) -> bool {
        self.buckets().next().is_none() && self.shards().next().is_none()
    }
}

/// What a comment should be trained as now, given what it is trained as.
/// `decided`: the status a moderator asked for (a change or a
/// confirmation), `None` for an edit alone, which keeps the class.
/// `edited`: the text changed. Pure.
pub fn plan(current: Option<bool>, decided: Option<CommentStatus>, edited: bool) -> Plan {
    let target = match decided {
        Some(status) => lesson(status),
        None => current,
    };
    if target == current && !(edited && target.is_some()) {
        Plan::Keep
    } else {
        Plan::Train(target)
    }
}

/// The outcome of [`plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Nothing to do.
    Keep,
    /// Untrain what the comment was trained as (if anything), then train it
    /// as this class (`None`: nothing) on its current text.
    Train(Option<bool>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spam::features::features;

    #[test]
    fn only_approved_and_spam_teach_anything() {
        assert_eq!(lesson(CommentStatus::Spam), Some(true));
        assert_eq!(lesson(CommentStatus::Approved), Some(false));
        assert_eq!(lesson(CommentStatus::Pending), None);
        assert_eq!(lesson(CommentStatus::Rejected), None);
    }

    #[test]
    fn an_explicit_decision_always_teaches_and_an_edit_keeps_the_class() {
        use CommentStatus::*;
        // A confirmation of a comment not trained so teaches it.
        assert_eq!(plan(None, Some(Approved), false), Plan::Train(Some(false)));
        assert_eq!(
            plan(Some(false), Some(Spam), false),
            Plan::Train(Some(true))
        );
        // Already trained so: nothing.
        assert_eq!(plan(Some(false), Some(Approved), false), Plan::Keep);
        assert_eq!(plan(None, Some(Pending), false), Plan::Keep);
        // Moving out of a class untrains.
        assert_eq!(plan(Some(true), Some(Rejected), false), Plan::Train(None));
        // An edit retrains a trained comment on its new text, as the
        // class it has; an untrained one stays untrained.
        assert_eq!(plan(Some(true), None, true), Plan::Train(Some(true)));
        assert_eq!(plan(None, None, true), Plan::Keep);
        assert_eq!(plan(Some(true), None, false), Plan::Keep);
    }

    #[test]
    fn a_delta_is_the_net_change_in_lock_order() {
        let mut d = TrainingDelta::default();
        // Comment 17 moves from ham to spam with an edited text.
        d.add(17, &[900, 5, 40], Script::Latin, false, -1);
        d.add(17, &[40, 7], Script::Latin, true, 1);
        let buckets: Vec<(Feature, Counts)> = d.buckets().collect();
        assert_eq!(
            buckets,
            [
                (5, Counts { spam: 0, ham: -1 }),
                (7, Counts { spam: 1, ham: 0 }),
                (40, Counts { spam: 1, ham: -1 }),
                (900, Counts { spam: 0, ham: -1 }),
            ]
        );
        assert_eq!(
            d.shards().collect::<Vec<_>>(),
            [(
                (1, Script::Latin),
                ShardChange {
                    docs: Counts { spam: 1, ham: -1 },
                    spam_features: 2,
                    ham_features: -3,
                }
            )]
        );
        // Untraining what was trained leaves nothing to write.
        let mut same = TrainingDelta::default();
        same.add(3, &[1, 2], Script::Arabic, true, 1);
        same.add(3, &[1, 2], Script::Arabic, true, -1);
        assert!(same.is_empty());
        // A comment whose edit changed its script moves between totals.
        let mut moved = TrainingDelta::default();
        moved.add(3, &[1], Script::Arabic, true, -1);
        moved.add(3, &[1], Script::Latin, true, 1);
        let shards: Vec<(i16, Script)> = moved.shards().map(|(k, _)| k).collect();
        assert_eq!(shards, [(3, Script::Arabic), (3, Script::Latin)]);
    }

    #[test]
    fn a_delta_mirrors_the_learners_arithmetic() {
        use crate::spam::learner::Evidence;
        let lessons: [(i64, &str, bool); 3] = [
            (1, "win free followers, subscribe to my channel", true),
            (2, "the minister said the talks would resume", false),
            (3, "اشترك في قناتي واربح متابعين", true),
        ];
        let mut e = Evidence::default();
        let mut d = TrainingDelta::default();
        for (id, body, is_spam) in lessons {
            let f = features(body, "", "", None);
            e.learn(&f, Script::of(body), is_spam, 1);
            d.add(id, &f, Script::of(body), is_spam, 1);
        }
        for (f, c) in d.buckets() {
            let (s, h) = e.counts[&f];
            assert_eq!((c.spam, c.ham), (s as i32, h as i32));
        }
        for script in Script::ALL {
            let (mut docs, mut fs, mut fh) = (Counts::default(), 0, 0);
            for ((_, sc), s) in d.shards() {
                if sc == script {
                    docs.spam += s.docs.spam;
                    docs.ham += s.docs.ham;
                    fs += s.spam_features;
                    fh += s.ham_features;
                }
            }
            let t = e.totals(script);
            assert_eq!(
                (f64::from(docs.spam), f64::from(docs.ham)),
                (t.spam.docs, t.ham.docs)
            );
            assert_eq!((fs as f64, fh as f64), (t.spam.features, t.ham.features));
        }
    }

    #[test]
    fn shards_are_sorted_and_in_range() {
        let mut d = TrainingDelta::default();
        for id in [33, 2, 15, 16, 0] {
            d.add(id, &[], Script::Other, true, 1);
        }
        let shards: Vec<i16> = d.shards().map(|((s, _), _)| s).collect();
        assert_eq!(shards, [0, 1, 2, 15]);
        assert_eq!(TrainingDelta::shard_of(-1), 15);
    }
}
