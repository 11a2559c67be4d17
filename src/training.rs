//! Feeding moderators' decisions to the learner ([`crate::spam::learner`]).
//! A decision to `approved` trains the comment as ham, to `spam` as spam;
//! moving it anywhere else (or to the other class) undoes what it was
//! trained as. An explicit decision always teaches: confirming the status a
//! comment already has trains it when it is not trained so yet. An edit of
//! a trained comment retrains it on the new text. What a comment teaches is
//! its [`features`] (body, author name, email and URL), and what it was
//! trained with is stored, so untraining (a reversed decision, an erasure)
//! subtracts exactly what was added. Runs inside the decision's
//! transaction, so training and decision commit or roll back together.
//!
//! # Lock order
//!
//! Decisions, edits, bulk decisions, erasures and `majlis spam-retrain` run
//! concurrently and share rows, so every transaction that trains takes its
//! row locks in this one order, each class in ascending key order:
//!
//! 1. comments (`for no key update`, so a reply being inserted, which takes
//!    a key-share lock on its parent, never waits on a decision);
//! 2. articles (their `comment_version`; a confirmation takes none);
//! 3. `spam_training` rows of those comments;
//! 4. `spam_features`, ascending buckets, in one statement
//!    ([`db::spam::apply_delta`]);
//! 5. `spam_corpus_shards`, ascending, last.
//!
//! Steps 4 and 5 happen once per transaction, with the net change of
//! everything it untrains and trains ([`TrainingDelta`]). The class totals
//! are kept per script (the body's, [`Script::of`]) in sixteen shards each
//! (`comment_id % 16`) instead of one row, so trainings of different
//! comments rarely wait on each other there. A reset of the
//! learner (`db::spam::reset`) locks the whole training table first, so it
//! waits for trainings under way and holds nothing they wait for.
//!
//! [`features`]: crate::spam::features::features

use crate::db;
use crate::db::spam::{Trained, TrainingText};
use crate::domain::CommentStatus;
use crate::spam::features::{Feature, features};
use crate::spam::learner::Script;
use sqlx::PgConnection;
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
/// rows are locked in). Pure; [`db::spam::apply_delta`] writes it. The
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
        for f in features {
            self.buckets.entry(*f).or_default().add(is_spam, sign);
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

/// The features a comment teaches (its body and author fields) and the
/// script whose totals it counts in (its body's).
pub fn features_of(t: &TrainingText) -> (Vec<Feature>, Script) {
    let f = features(
        &t.body,
        &t.author_name,
        &t.author_email,
        t.author_url.as_deref(),
    );
    (f, Script::of(&t.body))
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

/// Adds to `delta` what re-teaching one comment changes and records the
/// comment's new training row. `current`: what it is trained as (its row
/// locked); `text`: its current text.
async fn retrain(
    conn: &mut PgConnection,
    delta: &mut TrainingDelta,
    id: i64,
    current: Option<&Trained>,
    target: Option<bool>,
    text: Option<&TrainingText>,
) -> Result<(), sqlx::Error> {
    if let Some(t) = current {
        delta.add(id, &t.features, t.script, t.is_spam, -1);
    }
    match (target, text) {
        (Some(is_spam), Some(text)) => {
            let (f, script) = features_of(text);
            delta.add(id, &f, script, is_spam, 1);
            db::spam::set_training(&mut *conn, id, Some((is_spam, &f, script))).await
        }
        _ => db::spam::set_training(&mut *conn, id, None).await,
    }
}

/// Teaches the learner what a moderator did to one comment, after the
/// comment (and its article) are locked and updated: `decided` is the
/// status asked for (changed or confirmed; `None` for an edit alone),
/// `edited` whether the text changed. Returns whether the comment's class
/// in the learner changed (it was trained as something else, or nothing).
pub async fn apply_decision(
    conn: &mut PgConnection,
    comment_id: i64,
    decided: Option<CommentStatus>,
    edited: bool,
) -> Result<bool, sqlx::Error> {
    let ids = [comment_id];
    let current = db::spam::training_of(&mut *conn, &ids).await?.pop();
    let was = current.as_ref().map(|t| t.is_spam);
    let Plan::Train(target) = plan(was, decided, edited) else {
        return Ok(false);
    };
    let text = match target {
        Some(_) => db::spam::training_texts(&mut *conn, &ids).await?.pop(),
        None => None,
    };
    let mut delta = TrainingDelta::default();
    retrain(
        &mut *conn,
        &mut delta,
        comment_id,
        current.as_ref(),
        target,
        text.as_ref(),
    )
    .await?;
    db::spam::apply_delta(&mut *conn, &delta).await?;
    Ok(target != was)
}

/// Trains these comments as their current status teaches, in one
/// transaction of the caller's (`majlis spam-retrain`): locks them, then
/// their training rows, then writes one net delta. Comments already
/// trained as their status teaches, and those whose status teaches
/// nothing, are left alone. Returns how many were taught.
pub async fn train_as_status(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let texts = db::spam::lock_training_texts(&mut *conn, comment_ids).await?;
    let trained = db::spam::training_of(&mut *conn, comment_ids).await?;
    let mut delta = TrainingDelta::default();
    let mut taught = 0;
    for text in &texts {
        let Ok(status) = text.status.parse::<CommentStatus>() else {
            continue;
        };
        let current = trained.iter().find(|t| t.comment_id == text.id);
        let target = lesson(status);
        if target.is_none() || target == current.map(|t| t.is_spam) {
            continue;
        }
        retrain(&mut *conn, &mut delta, text.id, current, target, Some(text)).await?;
        taught += 1;
    }
    db::spam::apply_delta(&mut *conn, &delta).await?;
    Ok(taught)
}

/// What `majlis spam-retrain` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetrainReport {
    /// Comments taught (trained as their status teaches).
    pub taught: u64,
    /// Transactions it took.
    pub batches: u64,
}

/// Teaches the learner again every comment whose current status
/// (`approved` or `spam`) a moderator set or confirmed (from the audit log),
/// `batch` comments per transaction, in id order. Idempotent: a comment
/// already trained as its status teaches is skipped, so running it twice
/// teaches nothing the second time.
pub async fn retrain_decided(
    pool: &sqlx::PgPool,
    batch: i64,
) -> Result<RetrainReport, sqlx::Error> {
    let mut report = RetrainReport::default();
    let mut after = 0;
    loop {
        let ids = {
            let mut conn = pool.acquire().await?;
            db::spam::retrain_candidates(&mut conn, after, batch.max(1)).await?
        };
        let Some(last) = ids.last() else {
            return Ok(report);
        };
        after = *last;
        let mut tx = pool.begin().await?;
        report.taught += train_as_status(&mut tx, &ids).await?;
        tx.commit().await?;
        report.batches += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
