//! Retention: the purge of old spam and rejected comments (leaving
//! tombstones) and legal holds, which exempt comments and authors from it
//! and from erasure.

use crate::domain::CommentStatus;
use crate::domain::ids::{Actor, CommentId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The lock that keeps one instance purging at a time (transaction-scoped,
/// so it works behind a pooler and never outlives a crash).
const PURGE_LOCK: i64 = 0x6d61_6a6c_6973_0001;

/// Takes the purge lock for the current transaction; `false` when another
/// instance holds it.
pub async fn try_purge_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    super::try_xact_lock(conn, PURGE_LOCK).await
}

/// The lock that keeps one instance clearing network data at a time.
const NETWORK_DATA_LOCK: i64 = 0x6d61_6a6c_6973_0002;

/// Clears the IP address, user agent and referrer of at most `limit` of
/// `site`'s comments written more than `days` days ago (oldest first),
/// except those under a legal hold (the comment's or its author's);
/// `updated_at` stays (the migration's `majlis.network_data_retention`).
/// `None` when another instance holds the lock; else how many were
/// cleared. Runs in the caller's transaction.
pub async fn clear_network_data(
    conn: &mut PgConnection,
    site: &str,
    days: u32,
    limit: i64,
) -> Result<Option<u64>, sqlx::Error> {
    if !super::try_xact_lock(&mut *conn, NETWORK_DATA_LOCK).await? {
        return Ok(None);
    }
    sqlx::query("select set_config('majlis.network_data_retention', 'on', true)")
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query(
        "with kept as (
             select c.id from comments c
             where c.site_id = $1
               and c.created_at < now() - make_interval(days => $2)
               and (c.ip is not null or c.user_agent is not null or c.referrer is not null)
               and not exists (select 1 from legal_holds h
                               where h.lifted_at is null and h.comment_id = c.id)
               and not exists (select 1 from legal_holds h
                               where h.lifted_at is null
                                 and h.author_email = lower(c.author_email))
             order by c.created_at
             limit $3
             for update skip locked
         )
         update comments c set ip = null, user_agent = null, referrer = null
         from kept where c.id = kept.id",
    )
    .bind(site)
    .bind(i32::try_from(days).unwrap_or(i32::MAX))
    .bind(limit)
    .execute(&mut *conn)
    .await?;
    // The setting lasts until the transaction ends, which the caller
    // commits now: nothing else it writes is a comment.
    Ok(Some(done.rows_affected()))
}

/// Deletes at most `limit` comments with `status` created more than `days`
/// days ago, with their training rows, and writes their tombstones;
/// comments with replies, held comments and held authors' comments stay.
/// Returns the purged ids.
pub async fn purge_batch(
    conn: &mut PgConnection,
    site: &str,
    status: CommentStatus,
    days: u32,
    reason: &str,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "with doomed as (
             select c.id from comments c
             where c.site_id = $5 and c.status = $1
               and c.created_at < now() - make_interval(days => $2)
               and not exists (select 1 from comments r where r.parent_id = c.id)
               and not exists (select 1 from legal_holds h
                               where h.lifted_at is null and h.comment_id = c.id)
               and not exists (select 1 from legal_holds h
                               where h.lifted_at is null
                                 and h.author_email = lower(c.author_email))
             order by c.created_at, c.id
             limit $4
             for update skip locked
         ), untrained as (
             delete from spam_training t using doomed d where t.comment_id = d.id
         ), gone as (
             delete from comments c using doomed d where c.id = d.id
             returning c.id, c.site_id, c.article_id, c.status, c.created_at, c.updated_at
         )
         insert into comment_tombstones
             (id, site_id, article_id, status, reason, created_at, decided_at)
         select id, site_id, article_id, status, $3, created_at, updated_at from gone
         returning id",
    )
    .bind(status.as_str())
    .bind(i32::try_from(days).unwrap_or(i32::MAX))
    .bind(reason)
    .bind(limit)
    .bind(site)
    .fetch_all(conn)
    .await
}

/// A legal hold as admins see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LegalHold {
    pub id: i64,
    /// The held comment, or `null` for a hold on an author.
    pub comment_id: Option<i64>,
    /// The held author's email (lowercased), or `null` for a hold on a
    /// comment.
    pub author_email: Option<String>,
    pub reason: String,
    pub placed_by: Option<i64>,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub placed_at: DateTime<Utc>,
    pub lifted_by: Option<i64>,
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub lifted_at: Option<DateTime<Utc>>,
}

const HOLD_COLUMNS: &str =
    "id, comment_id, author_email, reason, placed_by, placed_at, lifted_by, lifted_at";

/// What a hold covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldTarget {
    Comment(CommentId),
    /// A normalized (lowercased) email.
    Author(String),
}

pub async fn place_hold(
    conn: &mut PgConnection,
    target: &HoldTarget,
    reason: &str,
    by: Actor,
) -> Result<LegalHold, sqlx::Error> {
    let (comment, email) = match target {
        HoldTarget::Comment(CommentId(id)) => (Some(*id), None),
        HoldTarget::Author(email) => (None, Some(email.as_str())),
    };
    let sql = format!(
        "insert into legal_holds (comment_id, author_email, reason, placed_by)
         values ($1, $2, $3, $4) returning {HOLD_COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(comment)
        .bind(email)
        .bind(reason)
        .bind(by.0)
        .fetch_one(conn)
        .await
}

/// Lifts an active hold; `None` when there is no active hold `id`.
pub async fn lift_hold(
    conn: &mut PgConnection,
    id: i64,
    by: Actor,
) -> Result<Option<LegalHold>, sqlx::Error> {
    let sql = format!(
        "update legal_holds set lifted_by = $2, lifted_at = now()
         where id = $1 and lifted_at is null returning {HOLD_COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(by.0)
        .fetch_optional(conn)
        .await
}

/// Holds, newest first: the active ones, or all with `lifted`.
pub async fn list_holds(
    conn: &mut PgConnection,
    lifted: bool,
) -> Result<Vec<LegalHold>, sqlx::Error> {
    let sql = format!(
        "select {HOLD_COLUMNS} from legal_holds where $1 or lifted_at is null
         order by id desc limit 1000"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(lifted)
        .fetch_all(conn)
        .await
}

/// Whether an active hold covers the author with this email or any of
/// their comments.
pub async fn person_is_held(conn: &mut PgConnection, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (
             select 1 from legal_holds h
             where h.lifted_at is null
               and (h.author_email = lower($1)
                    or h.comment_id in (select id from comments
                                        where lower(author_email) = lower($1))))",
    )
    .bind(email)
    .fetch_one(conn)
    .await
}

/// Whether comment `id` exists (a hold needs one).
pub async fn comment_exists(conn: &mut PgConnection, id: CommentId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from comments where id = $1)")
        .bind(id.0)
        .fetch_one(conn)
        .await
}
