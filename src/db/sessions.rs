//! Sessions: bearer tokens stored as SHA-256 digests, with a sliding expiry.

use crate::db::moderators::RoleColumn;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// How long a session lives without use.
pub const IDLE_HOURS: i32 = 12;
/// `last_seen_at`/`expires_at` are refreshed at most this often, so most
/// requests only read.
pub const TOUCH_EVERY_SECS: i32 = 60;

pub async fn insert(
    conn: &mut PgConnection,
    token_hash: &[u8],
    moderator_id: i64,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into sessions (token_hash, moderator_id, expires_at)
         values ($1, $2, now() + make_interval(hours => $3)) returning expires_at",
    )
    .bind(token_hash)
    .bind(moderator_id)
    .bind(IDLE_HOURS)
    .fetch_one(conn)
    .await
}

/// Who a live session belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionOwner {
    pub moderator_id: i64,
    #[sqlx(try_from = "String")]
    pub role: RoleColumn,
    pub expires_at: DateTime<Utc>,
}

/// The owner of an unexpired session of an enabled account, sliding the
/// expiry forward (at most once a minute).
pub async fn authenticate(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<SessionOwner>, sqlx::Error> {
    sqlx::query_as(
        "with live as (
            select s.token_hash, s.moderator_id, m.role, s.expires_at, s.last_seen_at
            from sessions s join moderators m on m.id = s.moderator_id
            where s.token_hash = $1 and s.expires_at > now() and not m.disabled
         ), touched as (
            update sessions s
               set last_seen_at = now(), expires_at = now() + make_interval(hours => $2)
              from live
             where s.token_hash = live.token_hash
               and live.last_seen_at < now() - make_interval(secs => $3)
            returning s.expires_at
         )
         select moderator_id, role, coalesce((select expires_at from touched), expires_at) as expires_at
         from live",
    )
    .bind(token_hash)
    .bind(IDLE_HOURS)
    .bind(f64::from(TOUCH_EVERY_SECS))
    .fetch_optional(conn)
    .await
}

pub async fn delete(conn: &mut PgConnection, token_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("delete from sessions where token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn delete_for_moderator(
    conn: &mut PgConnection,
    moderator_id: i64,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("delete from sessions where moderator_id = $1")
        .bind(moderator_id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// Housekeeping on login: forgets sessions that expired a day ago or more.
pub async fn delete_expired(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("delete from sessions where expires_at < now() - interval '1 day'")
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// Ends an account's sessions but `keep` (an admin's own current one).
pub async fn delete_for_moderator_except(
    conn: &mut PgConnection,
    moderator_id: i64,
    keep: &[u8],
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("delete from sessions where moderator_id = $1 and token_hash <> $2")
        .bind(moderator_id)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}
