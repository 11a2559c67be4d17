//! Counters in Postgres, shared by every instance: one atomic upsert per
//! check, so concurrent requests on several servers count once each.
//!
//! Two kinds of counter live in one table:
//! - fixed windows ([`take`]): at most `limit` takes per window;
//! - paced budgets ([`pace`], the generic cell rate algorithm): a burst,
//!   then one take per interval; `expires_at` holds the theoretical
//!   arrival time of the next take.
//!
//! A refused take changes nothing, so a client that waits the
//! `Retry-After` it was given is let through.
//!
//! Keys are HMACs of the counted value (an address, an email) under a key
//! derived from the instance secret: no email or IP is stored here in
//! clear, nor as a plain hash anyone can reverse by trying every IPv4
//! address.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgConnection;

type HmacSha256 = Hmac<Sha256>;

/// What the purpose key is derived with: counter keys never share a key
/// with form tokens, though both come from the same instance secret.
const PURPOSE: &[u8] = b"majlis:rate-limit-keys:v1";

/// The key that rate-limit keys are made with, derived from the instance
/// secret (HMAC-SHA256 as a key derivation function).
fn purpose_key(instance_secret: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` never fails.
    HmacSha256::new_from_slice(instance_secret)
        .map(|mut m| {
            m.update(PURPOSE);
            m.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default()
}

/// A counter key: `kind` plus a keyed hash of the value (an IP, an email).
pub fn key(instance_secret: &[u8], kind: &str, value: &str) -> String {
    let digest = HmacSha256::new_from_slice(&purpose_key(instance_secret))
        .map(|mut m| {
            m.update(kind.as_bytes());
            m.update(&[0]);
            m.update(value.as_bytes());
            m.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default();
    format!("{kind}:{}", hex::encode(&digest[..16.min(digest.len())]))
}

/// The outcome of one take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Take {
    /// Counted.
    Taken,
    /// Not counted: try again after this many seconds (at least 1).
    Refused { retry_after: u64 },
}

fn whole_seconds(secs: f64) -> u64 {
    if secs.is_finite() && secs > 1.0 {
        secs.ceil() as u64
    } else {
        1
    }
}

/// The statement that counts one take on each key of the text array
/// `keys` whose fixed window (`window_secs` long) has had fewer than
/// `limit` takes, starting a new window where the old one is over; full
/// counters change nothing. The arguments are SQL expressions (placeholders)
/// so that the submission's single statement can embed it as a CTE; append
/// a `returning` clause. Upserting takes the row's lock and re-checks the
/// latest committed row, so concurrent takes on several instances count
/// once each.
pub(crate) fn take_statement(keys: &str, window_secs: &str, limit: &str) -> String {
    format!(
        "insert into rate_limits as r (key, window_start, hits, expires_at)
         select k, now(), 1, now() + make_interval(secs => {window_secs}) from unnest({keys}) as k
         on conflict (key) do update set
            hits = case when r.expires_at <= now() then 1 else r.hits + 1 end,
            window_start = case when r.expires_at <= now() then now() else r.window_start end,
            expires_at = case when r.expires_at <= now()
                              then now() + make_interval(secs => {window_secs}) else r.expires_at end
         where r.expires_at <= now() or r.hits < {limit}"
    )
}

/// Counts one take on `key` if it has had fewer than `limit` in its
/// current window of `window_secs`; otherwise changes nothing.
pub async fn take(
    conn: &mut PgConnection,
    key: &str,
    limit: u32,
    window_secs: i64,
) -> Result<Take, sqlx::Error> {
    let sql = format!(
        "{} returning hits",
        take_statement("array[$1::text]", "$2", "$3")
    );
    let taken: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .bind(window_secs as f64)
        .bind(db_limit(limit))
        .fetch_optional(&mut *conn)
        .await?;
    outcome(conn, key, taken, 0.0).await
}

/// A take's answer: taken when the statement returned a row, else refused
/// with the wait until the counter lets one through (`early`: the burst
/// tolerance a paced budget grants before its due time).
async fn outcome(
    conn: &mut PgConnection,
    key: &str,
    taken: Option<i32>,
    early: f64,
) -> Result<Take, sqlx::Error> {
    if taken.is_some() {
        return Ok(Take::Taken);
    }
    let left = seconds_left(conn, key).await?;
    Ok(Take::Refused {
        retry_after: whole_seconds(left - early),
    })
}

/// A limit as the `hits` column compares it (at least 1).
pub(crate) fn db_limit(limit: u32) -> i32 {
    i32::try_from(limit.max(1)).unwrap_or(i32::MAX)
}

/// The wait a refused multi-key take answers: the longest of the full
/// counters among `keys` (at least 1 s).
pub async fn longest_wait(
    conn: &mut PgConnection,
    keys: &[String],
    limit: u32,
) -> Result<u64, sqlx::Error> {
    let left: Option<f64> = sqlx::query_scalar(
        "select max(extract(epoch from (expires_at - now())))::float8 from rate_limits
         where key = any($1) and expires_at > now() and hits >= $2",
    )
    .bind(keys)
    .bind(db_limit(limit))
    .fetch_one(conn)
    .await?;
    Ok(whole_seconds(left.unwrap_or(0.0)))
}

/// Counts one take on a paced budget: up to `burst` takes at once, then
/// one every `interval_secs` (generic cell rate algorithm). Refused takes
/// change nothing.
pub async fn pace(
    conn: &mut PgConnection,
    key: &str,
    interval_secs: i64,
    burst: u32,
) -> Result<Take, sqlx::Error> {
    let tolerance = interval_secs as f64 * f64::from(burst.max(1) - 1);
    let taken: Option<i32> = sqlx::query_scalar(
        "insert into rate_limits as r (key, window_start, hits, expires_at)
         values ($1, now(), 1, now() + make_interval(secs => $2))
         on conflict (key) do update set
            hits = r.hits + 1,
            expires_at = greatest(r.expires_at, now()) + make_interval(secs => $2)
         where greatest(r.expires_at, now()) <= now() + make_interval(secs => $3)
         returning hits",
    )
    .bind(key)
    .bind(interval_secs as f64)
    .bind(tolerance)
    .fetch_optional(&mut *conn)
    .await?;
    outcome(conn, key, taken, tolerance).await
}

/// Seconds until `key`'s window ends (or its next paced take is due
/// without burst); 0 when there is no live counter.
async fn seconds_left(conn: &mut PgConnection, key: &str) -> Result<f64, sqlx::Error> {
    let left: Option<f64> = sqlx::query_scalar(
        "select extract(epoch from (expires_at - now()))::float8 from rate_limits
         where key = $1 and expires_at > now()",
    )
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(left.unwrap_or(0.0))
}

/// Takes one take back from a fixed window (an attempt that turned out fine).
pub async fn give_back(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update rate_limits set hits = greatest(hits - 1, 0) where key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes one take back from a paced budget.
pub async fn give_back_paced(
    conn: &mut PgConnection,
    key: &str,
    interval_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update rate_limits
            set hits = greatest(hits - 1, 0),
                expires_at = expires_at - make_interval(secs => $2)
          where key = $1",
    )
    .bind(key)
    .bind(interval_secs as f64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps a marker `key` alive for `secs` from now (e.g. "this account
/// logged in from this network").
pub async fn remember(conn: &mut PgConnection, key: &str, secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into rate_limits (key, window_start, hits, expires_at)
         values ($1, now(), 1, now() + make_interval(secs => $2))
         on conflict (key) do update set expires_at = excluded.expires_at",
    )
    .bind(key)
    .bind(secs as f64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a marker set by [`remember`] is still alive.
pub async fn is_remembered(conn: &mut PgConnection, key: &str) -> Result<bool, sqlx::Error> {
    Ok(seconds_left(conn, key).await? > 0.0)
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
    use sha2::Digest;

    const SECRET: &[u8] = b"an instance secret of some length";

    #[test]
    fn waits_are_whole_seconds_and_never_zero() {
        assert_eq!(whole_seconds(99.2), 100);
        assert_eq!(whole_seconds(0.0), 1);
        assert_eq!(whole_seconds(-5.0), 1);
        assert_eq!(whole_seconds(f64::NAN), 1);
    }

    #[test]
    fn keys_never_hold_the_value_in_clear() {
        let k = key(SECRET, "login:ip", "203.0.113.9");
        assert!(k.starts_with("login:ip:"));
        assert!(!k.contains("203.0.113.9"));
        assert_eq!(k.len(), "login:ip:".len() + 32);
        assert_ne!(k, key(SECRET, "flood:ip", "203.0.113.9"));
        assert_eq!(k, key(SECRET, "login:ip", "203.0.113.9"));
    }

    #[test]
    fn keys_are_keyed_by_the_secret_not_a_plain_hash() {
        let k = key(SECRET, "login:ip", "203.0.113.9");
        // What the keys used to be: a plain SHA-256 anyone can recompute
        // (and reverse for IPv4 by trying all 2^32 addresses).
        let plain = Sha256::digest("login:ip\u{0}203.0.113.9".as_bytes());
        assert_ne!(k, format!("login:ip:{}", hex::encode(&plain[..16])));
        assert_ne!(
            k,
            key(
                b"another instance secret, rotated",
                "login:ip",
                "203.0.113.9"
            )
        );
        // The purpose key is not the instance secret itself (the form
        // tokens' key).
        assert_ne!(purpose_key(SECRET), SECRET);
    }
}
