//! Feeding moderators' decisions to the spam classifier. A decision to
//! `approved` trains the comment as ham, to `spam` as spam; moving it
//! anywhere else (or to the other class) undoes what it was trained as.
//! Runs inside the decision's transaction, so training and decision
//! commit or roll back together.
//!
//! # Lock order
//!
//! Decisions, edits, bulk decisions and erasures run concurrently and share
//! rows, so every transaction that trains takes its row locks in this one
//! order, each class in ascending key order:
//!
//! 1. comments (`for no key update`, so a reply being inserted, which takes
//!    a key-share lock on its parent, never waits on a decision);
//! 2. articles (their `comment_version`);
//! 3. `spam_training` rows of those comments;
//! 4. `spam_tokens`, sorted, in one statement ([`db::spam::apply_delta`]);
//! 5. `spam_corpus_shards`, sorted, last.
//!
//! Steps 4 and 5 happen once per transaction, with the net change of
//! everything it untrains and trains ([`TrainingDelta`]). The class totals
//! are sixteen shards (`comment_id % 16`) instead of one row, so trainings
//! of different comments rarely wait on each other there.

use crate::db;
use crate::domain::CommentStatus;
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// The number of corpus shards (`spam_corpus_shards`).
pub const CORPUS_SHARDS: i64 = 16;

/// What a comment in `status` teaches the classifier: `Some(true)` spam,
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

/// The net change one transaction makes to the classifier: per token and
/// per corpus shard, each in sorted order (the order rows are locked in).
/// Pure; [`db::spam::apply_delta`] writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingDelta {
    tokens: BTreeMap<String, Counts>,
    shards: BTreeMap<i16, Counts>,
}

impl TrainingDelta {
    /// The shard a comment's training counts in.
    pub fn shard_of(comment_id: i64) -> i16 {
        i16::try_from(comment_id.rem_euclid(CORPUS_SHARDS)).unwrap_or(0)
    }

    /// Adds (`sign` = 1) or removes (`sign` = -1) one comment's lesson.
    pub fn add(&mut self, comment_id: i64, tokens: &[String], is_spam: bool, sign: i32) {
        for t in tokens {
            self.tokens.entry(t.clone()).or_default().add(is_spam, sign);
        }
        self.shards
            .entry(Self::shard_of(comment_id))
            .or_default()
            .add(is_spam, sign);
    }

    /// Tokens whose counts change, sorted.
    pub fn tokens(&self) -> impl Iterator<Item = (&str, Counts)> {
        self.tokens
            .iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|(t, c)| (t.as_str(), *c))
    }

    /// Shards whose totals change, sorted.
    pub fn shards(&self) -> impl Iterator<Item = (i16, Counts)> {
        self.shards
            .iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|(s, c)| (*s, *c))
    }

    pub fn is_empty(&self) -> bool {
        self.tokens().next().is_none() && self.shards().next().is_none()
    }
}

/// Called whenever a comment's status changes by a moderator's decision,
/// after the comment (and its article) are locked and updated.
pub async fn apply_decision(
    conn: &mut PgConnection,
    comment_id: i64,
    _old: CommentStatus,
    new: CommentStatus,
) -> Result<(), sqlx::Error> {
    let target = lesson(new);
    let current = db::spam::training_of(&mut *conn, comment_id).await?;
    if current.as_ref().map(|(was_spam, _)| *was_spam) == target {
        return Ok(());
    }
    let mut delta = TrainingDelta::default();
    if let Some((was_spam, tokens)) = &current {
        delta.add(comment_id, tokens, *was_spam, -1);
    }
    match target {
        Some(is_spam) => {
            let (body, name, email, url): (String, String, String, Option<String>) = sqlx::query_as(
                "select body, author_name, author_email, author_url from comments where id = $1",
            )
            .bind(comment_id)
            .fetch_one(&mut *conn)
            .await?;
            let tokens = crate::spam::comment_tokens(&body, &name, &email, url.as_deref());
            delta.add(comment_id, &tokens, is_spam, 1);
            db::spam::set_training(&mut *conn, comment_id, Some((is_spam, &tokens))).await?;
        }
        None => db::spam::set_training(&mut *conn, comment_id, None).await?,
    }
    db::spam::apply_delta(&mut *conn, &delta).await
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

    fn toks(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_delta_is_the_net_change_in_lock_order() {
        let mut d = TrainingDelta::default();
        // Comment 17 moves from ham to spam with an edited text.
        d.add(17, &toks(&["zeta", "alpha", "shared"]), false, -1);
        d.add(17, &toks(&["shared", "beta"]), true, 1);
        let tokens: Vec<(&str, Counts)> = d.tokens().collect();
        assert_eq!(
            tokens,
            [
                ("alpha", Counts { spam: 0, ham: -1 }),
                ("beta", Counts { spam: 1, ham: 0 }),
                ("shared", Counts { spam: 1, ham: -1 }),
                ("zeta", Counts { spam: 0, ham: -1 }),
            ]
        );
        assert_eq!(
            d.shards().collect::<Vec<_>>(),
            [(1, Counts { spam: 1, ham: -1 })]
        );
        // Untraining what was trained leaves nothing to write.
        let mut same = TrainingDelta::default();
        same.add(3, &toks(&["a", "b"]), true, 1);
        same.add(3, &toks(&["b", "a"]), true, -1);
        assert!(same.is_empty());
    }

    #[test]
    fn shards_are_sorted_and_in_range() {
        let mut d = TrainingDelta::default();
        for id in [33, 2, 15, 16, 0] {
            d.add(id, &[], true, 1);
        }
        let shards: Vec<i16> = d.shards().map(|(s, _)| s).collect();
        assert_eq!(shards, [0, 1, 2, 15]);
        assert_eq!(TrainingDelta::shard_of(-1), 15);
    }
}
