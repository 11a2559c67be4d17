//! All SQL lives here, one module per table group. Functions take a
//! `&mut PgConnection` (a pooled connection or `&mut *tx`) and return row
//! or domain types; they never see HTTP types. Queries are runtime-checked
//! (`query_as` + `FromRow`) and every one of them runs in the integration
//! tests against the real schema.

pub mod articles;
pub mod audit;
pub mod comments;
pub mod export;
pub mod import;
pub mod moderation;
pub mod moderators;
pub mod privacy;
pub mod rate_limits;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod spam;
pub mod submissions;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool with sane limits: a bounded acquire wait (so a dead database
/// answers 503 quickly) and a statement timeout on every session.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
}

pub fn with_session_settings(opts: PgConnectOptions) -> PgConnectOptions {
    opts.options([
        ("statement_timeout", "15s"),
        ("idle_in_transaction_session_timeout", "60s"),
    ])
    .application_name("majlis")
}

pub async fn connect(opts: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    pool_options(max_connections)
        .connect_with(with_session_settings(opts))
        .await
}
