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
use crate::spam::lessons::{Plan, TrainingDelta, lesson, plan};
use sqlx::PgConnection;

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

/// Forgets what the learner learned from this comment (its author changed
/// or withdrew the text a moderator judged; the new text teaches nothing
/// until a moderator decides again). Returns whether it had taught
/// anything.
pub async fn forget(conn: &mut PgConnection, comment_id: i64) -> Result<bool, sqlx::Error> {
    // `pending` teaches nothing: the comment's training, if any, is undone.
    apply_decision(conn, comment_id, Some(CommentStatus::Pending), true).await
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

/// Forgets what the site's moderators taught (the shipped prior stays),
/// audited as `learner.reset`. Returns the training before and after.
pub async fn reset(
    pool: &sqlx::PgPool,
    actor: crate::domain::ids::Actor,
) -> Result<(db::spam::SiteTraining, db::spam::SiteTraining), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let before = db::spam::reset(&mut tx).await?;
    let event = crate::db::audit::NewAuditEvent::learner_reset(
        actor,
        before.spam,
        before.ham,
        before.features,
    );
    db::audit::insert(&mut tx, &event).await?;
    let after = db::spam::site_training(&mut tx).await?;
    tx.commit().await?;
    Ok((before, after))
}
