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
pub mod mail;
pub mod moderation;
pub mod moderators;
pub mod outbox;
pub mod privacy;
pub mod rate_limits;
pub mod reports;
pub mod retention;
pub mod revisions;
pub mod sanctions;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod spam;
pub mod submissions;
pub mod transparency;
pub mod webhooks;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Whether a read of one row locks it for the rest of the transaction
/// (each table's module says how: comments `for no key update`, accounts
/// `for update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    Row,
}

/// Takes the advisory lock `key` for the current transaction (so it works
/// behind a pooler and never outlives a crash); `false` when another
/// session holds it. The jobs that run on one instance at a time use it.
pub async fn try_xact_lock(conn: &mut sqlx::PgConnection, key: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select pg_try_advisory_xact_lock($1)")
        .bind(key)
        .fetch_one(conn)
        .await
}

/// The schema's migrations. A database may hold migrations this build does
/// not know (a newer release applied them during a rolling deploy: they
/// only add, see `migrations/README.md`), so those are not an error.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("./migrations")
};

/// This build's migrations that the database has not applied, oldest
/// first, as (version, description). Empty: the schema is what this build
/// needs, or newer.
pub async fn missing_migrations(
    conn: &mut sqlx::PgConnection,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let table: Option<String> = sqlx::query_scalar("select to_regclass('_sqlx_migrations')::text")
        .fetch_one(&mut *conn)
        .await?;
    let applied: Vec<i64> = match table {
        Some(_) => {
            sqlx::query_scalar("select version from _sqlx_migrations where success")
                .fetch_all(&mut *conn)
                .await?
        }
        None => Vec::new(),
    };
    Ok(MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
        .map(|m| (m.version, m.description.to_string()))
        .collect())
}

/// A connection idle for longer than this is checked (one round trip)
/// before it is handed out; one used more recently is handed out as is.
pub const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// A pool with sane limits: a bounded acquire wait (so a dead database
/// answers 503 quickly) and a statement timeout on every session.
///
/// sqlx checks every connection it hands out by default, a round trip per
/// request: under load that is a third of a submission's round trips for
/// connections that were in use a millisecond earlier. Only connections
/// idle for [`CHECK_IDLE_AFTER`] are checked; one that broke while busy
/// (the database restarted) fails the request that draws it with a 503
/// and is dropped, and the next request gets a new one.
/// Adds `and site_id = ..` for one site and `and site_id = any(..)` for an
/// account's sites, each only when given (lists name only the filters
/// set, so each combination gets its own plan).
pub fn push_site_scope(
    qb: &mut sqlx::QueryBuilder<sqlx::Postgres>,
    site: Option<&String>,
    sites: Option<&Vec<String>>,
) {
    if let Some(s) = site {
        qb.push(" and site_id = ").push_bind(s.clone());
    }
    if let Some(s) = sites {
        qb.push(" and site_id = any(")
            .push_bind(s.clone())
            .push(")");
    }
}

/// Adds `and (a ilike .. or b ilike ..)`: the moderator's text as a
/// substring of either column, `%`, `_` and `\` matching themselves.
pub fn push_text_search(
    qb: &mut sqlx::QueryBuilder<sqlx::Postgres>,
    [a, b]: [&str; 2],
    text: &str,
) {
    let pattern = moderation::like_pattern(text);
    qb.push(format_args!(" and ({a} ilike "))
        .push_bind(pattern.clone())
        .push(format_args!(" or {b} ilike "))
        .push_bind(pattern)
        .push(")");
}

pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql(SESSION_SETTINGS).execute(conn).await?;
                Ok(())
            })
        })
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECK_IDLE_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// Every connection's settings. `plan_cache_mode`: a statement is planned
/// once per connection (sqlx prepares each and keeps it), not at every
/// execution. Left to Postgres's `auto`, the submission's two statements
/// were planned again at every execution on a seeded database (their
/// custom plans looked cheaper than the generic one), which cost more
/// Postgres CPU than running them (`bench/PROFILE.md`, "Planning once").
/// Statements with optional filters are written with only the filters
/// that are set (each combination its own statement), so a generic plan
/// keeps every filter an index condition; the moderators' text search,
/// whose best plan depends on its words, opts back into per-execution
/// plans (`db::moderation::list_queue`).
///
/// They are set by `SET` as each connection opens (`pool_options`), not in
/// the startup packet: a connection pooler (PgBouncer) refuses startup
/// parameters it does not know (`options`, `extra_float_digits`).
pub fn with_session_settings(opts: PgConnectOptions) -> PgConnectOptions {
    opts.extra_float_digits(None).application_name("majlis")
}

/// What every connection sets as it opens ([`with_session_settings`]).
pub const SESSION_SETTINGS: &str = "set statement_timeout = '15s'; \
     set idle_in_transaction_session_timeout = '60s'; \
     set plan_cache_mode = force_generic_plan";

/// Whether two sessions on `pool`'s database are served by one server
/// process: a pooler in transaction or statement mode (PgBouncer's
/// `pool_mode = transaction`), which hands each transaction to whichever
/// server is free. majlis needs a session to stay on its server (prepared
/// statements, session settings, the migrations' advisory lock). Returns
/// the shared process id.
pub async fn shared_server_process(pool: &PgPool) -> Result<Option<i32>, sqlx::Error> {
    use sqlx::{Connection, Row};
    // The simple protocol: a prepared statement would already be the
    // problem (another session's `sqlx_s_1` on the same server).
    async fn pid(conn: &mut sqlx::PgConnection) -> Result<i32, sqlx::Error> {
        sqlx::raw_sql("select pg_backend_pid()")
            .fetch_one(conn)
            .await?
            .try_get(0)
    }
    let mut a = pool.acquire().await?;
    let mut b = sqlx::PgConnection::connect_with(&pool.connect_options()).await?;
    let first = pid(&mut a).await?;
    let other = pid(&mut b).await?;
    let again = pid(&mut a).await?;
    b.close().await.ok();
    Ok((first == other || first != again).then_some(first))
}

pub async fn connect(opts: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    pool_options(max_connections)
        .connect_with(with_session_settings(opts))
        .await
}

/// The HTTP workers' pools: one primary pool (and one replica pool when
/// reads go to a replica) per worker, opened on the worker's own runtime
/// (`state::AppState` tells why). The workers together keep to the
/// connection limits of the pools they derive from: each gets an equal
/// share, rounded up.
pub struct WorkerPools {
    primary: Arc<PgConnectOptions>,
    primary_each: u32,
    replica: Option<(Arc<PgConnectOptions>, u32)>,
    /// The primary pool of each worker, by worker thread: a worker that
    /// actix starts again after a crash replaces its entry.
    opened: Mutex<Vec<(String, PgPool)>>,
}

impl WorkerPools {
    /// Shares of `primary` (and of `replica`, if reads go elsewhere) among
    /// `workers`; the connection settings are those of the given pools.
    pub fn new(primary: &PgPool, replica: Option<&PgPool>, workers: usize) -> WorkerPools {
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        let share = |pool: &PgPool| {
            pool.options()
                .get_max_connections()
                .div_ceil(workers)
                .max(1)
        };
        WorkerPools {
            primary: primary.connect_options(),
            primary_each: share(primary),
            replica: replica.map(|r| (r.connect_options(), share(r))),
            opened: Mutex::new(Vec::new()),
        }
    }

    /// The primary and read pools of the worker this is called on. Opens
    /// no connection: each pool connects when first used, on the runtime
    /// that uses it.
    pub fn open(&self) -> (PgPool, PgPool) {
        let primary = pool_options(self.primary_each).connect_lazy_with((*self.primary).clone());
        let read = match &self.replica {
            Some((opts, each)) => pool_options(*each).connect_lazy_with((**opts).clone()),
            None => primary.clone(),
        };
        let worker = std::thread::current().name().map_or_else(
            || format!("{:?}", std::thread::current().id()),
            str::to_owned,
        );
        let mut opened = self.opened.lock().unwrap_or_else(|e| e.into_inner());
        opened.retain(|(name, _)| *name != worker);
        opened.push((worker, primary.clone()));
        (primary, read)
    }

    /// Connections open in the workers' primary pools, and how many of them
    /// are idle.
    pub fn usage(&self) -> (u32, usize) {
        let opened = self.opened.lock().unwrap_or_else(|e| e.into_inner());
        opened.iter().fold((0, 0), |(size, idle), (_, p)| {
            (size + p.size(), idle + p.num_idle())
        })
    }
}
