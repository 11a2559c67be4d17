//! Sessions: bearer tokens stored as SHA-256 digests, with a sliding expiry
//! that never passes an absolute one counted from the login.

use crate::db::moderators::RoleColumn;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// How long sessions live: `idle_hours` after their last use (sliding),
/// and never more than `max_hours` after the login, however busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    pub idle_hours: u32,
    pub max_hours: u32,
}

impl Default for Lifetime {
    fn default() -> Self {
        Lifetime {
            idle_hours: 12,
            max_hours: 7 * 24,
        }
    }
}

impl Lifetime {
    fn idle(self) -> f64 {
        f64::from(self.idle_hours) * 3600.0
    }

    fn max(self) -> f64 {
        f64::from(self.max_hours) * 3600.0
    }
}
/// `last_seen_at`/`expires_at` are refreshed at most this often, so most
/// requests only read.
pub const TOUCH_EVERY_SECS: i32 = 60;

pub async fn insert(
    conn: &mut PgConnection,
    token_hash: &[u8],
    moderator_id: i64,
    lifetime: Lifetime,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into sessions (token_hash, moderator_id, expires_at)
         values ($1, $2, now() + make_interval(secs => least($3, $4))) returning expires_at",
    )
    .bind(token_hash)
    .bind(moderator_id)
    .bind(lifetime.idle())
    .bind(lifetime.max())
    .fetch_one(conn)
    .await
}

/// Who a live session belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionOwner {
    pub moderator_id: i64,
    #[sqlx(try_from = "String")]
    pub role: RoleColumn,
    /// The sites a moderator is limited to; `None`: every site.
    pub sites: Option<Vec<String>>,
    pub expires_at: DateTime<Utc>,
}

/// The owner of an unexpired session of an enabled account, sliding the
/// expiry forward (at most once a minute) but never past the session's
/// absolute end (`created_at` plus the maximum lifetime; checked here too,
/// so lowering the maximum ends older sessions at once).
pub async fn authenticate(
    conn: &mut PgConnection,
    token_hash: &[u8],
    lifetime: Lifetime,
    slide: bool,
) -> Result<Option<SessionOwner>, sqlx::Error> {
    sqlx::query_as(
        "with live as (
            select s.token_hash, s.moderator_id, m.role, m.sites, s.expires_at, s.last_seen_at,
                   s.created_at + make_interval(secs => $4) as ends_at
            from sessions s join moderators m on m.id = s.moderator_id
            where s.token_hash = $1 and s.expires_at > now()
              and s.created_at + make_interval(secs => $4) > now()
              and not m.disabled
         ), touched as (
            update sessions s
               set last_seen_at = now(),
                   expires_at = least(now() + make_interval(secs => $2), live.ends_at)
              from live
             where s.token_hash = live.token_hash and $5
               and live.last_seen_at < now() - make_interval(secs => $3)
            returning s.expires_at
         )
         select moderator_id, role, sites,
                least(coalesce((select expires_at from touched), expires_at), ends_at) as expires_at
         from live",
    )
    .bind(token_hash)
    .bind(lifetime.idle())
    .bind(f64::from(TOUCH_EVERY_SECS))
    .bind(lifetime.max())
    .bind(slide)
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

/// Housekeeping on login: forgets sessions that ended (idle or past their
/// absolute lifetime) a day ago or more.
pub async fn delete_expired(
    conn: &mut PgConnection,
    lifetime: Lifetime,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "delete from sessions
          where expires_at < now() - interval '1 day'
             or created_at + make_interval(secs => $1) < now() - interval '1 day'",
    )
    .bind(lifetime.max())
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
