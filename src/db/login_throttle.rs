//! Login attempt counters, one row per key, updated with one atomic
//! `insert .. on conflict` so that concurrent attempts on any number of
//! server processes are all counted.

use crate::auth::throttle::{Counter, WINDOW_SECS};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Counts one attempt for `key`, starting a new window when the old one
/// has ended, and returns the counter as it now stands.
pub async fn count_attempt(conn: &mut PgConnection, key: &str) -> Result<Counter, sqlx::Error> {
    let (attempts, window_started): (i32, DateTime<Utc>) = sqlx::query_as(
        "insert into login_throttle as t (key, attempts, window_started) values ($1, 1, now())
         on conflict (key) do update set
            attempts = case when t.window_started <= now() - make_interval(secs => $2)
                            then 1 else t.attempts + 1 end,
            window_started = case when t.window_started <= now() - make_interval(secs => $2)
                                  then now() else t.window_started end
         returning attempts, window_started",
    )
    .bind(key)
    .bind(WINDOW_SECS as f64)
    .fetch_one(conn)
    .await?;
    Ok(Counter {
        attempts,
        window_started,
    })
}

/// Gives back an attempt that turned out to be a good login.
pub async fn give_back(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update login_throttle set attempts = greatest(attempts - 1, 0) where key = $1")
        .bind(key)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Clears an account's counter after a good login.
pub async fn clear(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_throttle where key = $1")
        .bind(key)
        .execute(conn)
        .await
        .map(|_| ())
}
