//! Fixed-window counters in Postgres, shared by every instance: one atomic
//! upsert per check, so concurrent requests on several servers count once
//! each. Keys are hashed; no email or IP is stored here in clear.

use sha2::{Digest, Sha256};
use sqlx::PgConnection;

/// A counter key: `kind` plus a hash of the value (an IP, an email).
pub fn key(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("{kind}\u{0}{value}").as_bytes());
    format!("{kind}:{}", hex::encode(&digest[..16]))
}

/// The outcome of one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Hits in the current window, this one included.
    pub hits: i32,
    /// Seconds until the window ends.
    pub resets_in: i64,
}

impl Hit {
    /// `Some(seconds to wait)` when this hit went over `limit` hits per window.
    pub fn over(self, limit: i32) -> Option<u64> {
        (self.hits > limit).then(|| u64::try_from(self.resets_in.max(1)).unwrap_or(1))
    }
}

/// The longest wait among hits over `limit` (e.g. an account and an IP).
pub fn longest_wait(hits: &[Hit], limit: i32) -> Option<u64> {
    hits.iter().filter_map(|h| h.over(limit)).max()
}

/// Counts one hit on `key` in windows of `window_secs`.
pub async fn hit(conn: &mut PgConnection, key: &str, window_secs: i64) -> Result<Hit, sqlx::Error> {
    let (hits, resets_in): (i32, f64) = sqlx::query_as(
        "insert into rate_limits as r (key, window_start, hits, expires_at)
         values ($1, now(), 1, now() + make_interval(secs => $2))
         on conflict (key) do update set
            hits = case when r.expires_at <= now() then 1 else r.hits + 1 end,
            window_start = case when r.expires_at <= now() then now() else r.window_start end,
            expires_at = case when r.expires_at <= now() then now() + make_interval(secs => $2) else r.expires_at end
         returning hits, extract(epoch from (expires_at - now()))::float8",
    )
    .bind(key)
    .bind(window_secs as f64)
    .fetch_one(conn)
    .await?;
    Ok(Hit {
        hits,
        resets_in: resets_in.ceil().max(1.0) as i64,
    })
}

/// Current hits on `key` without counting one (0 when the window is over).
pub async fn peek(conn: &mut PgConnection, key: &str) -> Result<Hit, sqlx::Error> {
    let row: Option<(i32, f64)> = sqlx::query_as(
        "select hits, extract(epoch from (expires_at - now()))::float8 from rate_limits
         where key = $1 and expires_at > now()",
    )
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or(
        Hit {
            hits: 0,
            resets_in: 0,
        },
        |(hits, s)| Hit {
            hits,
            resets_in: s.ceil().max(1.0) as i64,
        },
    ))
}

/// Takes one hit back (an attempt that turned out fine).
pub async fn give_back(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update rate_limits set hits = greatest(hits - 1, 0) where key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn clear(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from rate_limits where key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops counters whose window is over.
pub async fn purge_expired(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("delete from rate_limits where expires_at < now() - interval '1 minute'")
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_over_the_limit_wait_for_the_window_and_the_longest_wait_wins() {
        let h = |hits, resets_in| Hit { hits, resets_in };
        assert_eq!(h(5, 100).over(5), None);
        assert_eq!(h(6, 100).over(5), Some(100));
        assert_eq!(h(6, 0).over(5), Some(1), "never 0");
        assert_eq!(
            longest_wait(&[h(6, 100), h(9, 800), h(1, 900)], 5),
            Some(800)
        );
        assert_eq!(longest_wait(&[h(1, 900)], 5), None);
        assert_eq!(longest_wait(&[], 5), None);
    }

    #[test]
    fn keys_never_hold_the_value_in_clear() {
        let k = key("login:ip", "203.0.113.9");
        assert!(k.starts_with("login:ip:"));
        assert!(!k.contains("203.0.113.9"));
        assert_ne!(k, key("flood:ip", "203.0.113.9"));
    }
}
