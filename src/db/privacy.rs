//! Privacy requests: everything stored about one commenter (matched by
//! email, case-insensitively) and its erasure.

use crate::db::audit::AuditRow;
use crate::db::comments::{COLUMNS, CommentRow};
use serde::Serialize;
use sqlx::PgConnection;

/// What the spam learner learned from one of the person's comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TrainingRow {
    pub comment_id: i64,
    /// `spam` or `ham`
    pub trained_as: String,
    /// The comment's features as the learner counts them: hashed buckets
    /// (0 to 1,048,575) of its words, word pairs and character n-grams.
    pub features: Vec<i32>,
    /// The script whose totals it counted in: 0 Arabic, 1 Latin, 2 other.
    pub script: i16,
}

/// The person's comments, oldest id first.
pub async fn comments_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let sql =
        format!("select {COLUMNS} from comments where lower(author_email) = lower($1) order by id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .fetch_all(conn)
        .await
}

/// Locks the person's comments for the erasure, in id order (`no key`: a
/// reply's insert may still reference them); returns `(id, status)`.
pub async fn lock_comments_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "select id, status from comments where lower(author_email) = lower($1)
         order by id for no key update",
    )
    .bind(email)
    .fetch_all(conn)
    .await
}

pub async fn audit_events_for(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "select id, at, actor, moderator_id, null::text as moderator_name, action, comment_id,
                old_status, new_status, reason, reason_category, details
         from audit_events where comment_id = any($1) order by id",
    )
    .bind(comment_ids)
    .fetch_all(conn)
    .await
}

/// Forgets the free text moderators and the author wrote about these
/// comments' decisions (the audit events' reasons, the comments' decision
/// reasons and appeal notes); categories stay. Returns how many texts.
pub async fn erase_decision_texts(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let events = sqlx::query(
        "update audit_events set reason = null where comment_id = any($1) and reason is not null",
    )
    .bind(comment_ids)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let comments = sqlx::query(
        "update comments set decision_reason = null, appeal_note = null
         where id = any($1) and (decision_reason is not null or appeal_note is not null)",
    )
    .bind(comment_ids)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(events + comments)
}

/// The learner's training of these comments (locked when in a transaction
/// that will untrain them).
pub async fn training_of_comments(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<Vec<TrainingRow>, sqlx::Error> {
    sqlx::query_as(
        "select comment_id, trained_as, features, script from spam_training
         where comment_id = any($1) order by comment_id for update",
    )
    .bind(comment_ids)
    .fetch_all(conn)
    .await
}

pub async fn delete_training(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("delete from spam_training where comment_id = any($1)")
        .bind(comment_ids)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// Replaces the personal data of these comments (the text and threads
/// stay) and bumps their articles' comment version (cache validators).
pub async fn anonymize(
    conn: &mut PgConnection,
    comment_ids: &[i64],
    anonymous_name: &str,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "update comments
         set author_name = $2, author_email = '', author_url = null, avatar = null,
             ip = null, user_agent = null, referrer = null, edit_token_hash = null,
             commenter_key = null, notify_lang = null,
             version = version + 1
         where id = any($1)",
    )
    .bind(comment_ids)
    .bind(anonymous_name)
    .execute(&mut *conn)
    .await?;
    // Articles locked in id order (the lock order of `crate::usecases::training`).
    sqlx::query(
        "with a as materialized (
            select site_id, id from articles
            where (site_id, id) in (select site_id, article_id from comments where id = any($1))
            order by site_id, id for no key update
         )
         update articles set comment_version = comment_version + 1
         where (site_id, id) in (select site_id, id from a)",
    )
    .bind(comment_ids)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected())
}

/// Whether an erasure was recorded for this keyed hash of an email.
pub async fn erased_before(conn: &mut PgConnection, email_hmac: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from audit_events
                        where action = 'privacy.erased' and details ->> 'email_hmac' = $1)",
    )
    .bind(email_hmac)
    .fetch_one(conn)
    .await
}
