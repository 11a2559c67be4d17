//! What every request handler can reach ([`AppState`]): the database pools
//! of the worker it runs on, and what the instance's workers share. Built
//! by `startup`; read by the routes and the use cases.

use crate::config::Config;
use crate::db;
use crate::public_cache::PublicCache;
use crate::usecases::settings::SettingsCache;
use sqlx::PgPool;
use std::sync::Arc;

/// What every handler can reach. Nothing here is state two instances could
/// disagree on: the pools, the configuration, and a secret shared through
/// the database.
///
/// Each HTTP worker has its own `pool` and `read_pool`; the rest is shared
/// by the workers (through [`Shared`]). actix runs every worker on its own
/// single-threaded runtime, and a database connection belongs to the
/// runtime that opened it: its socket is driven by that runtime's I/O loop.
/// One pool shared by all workers let a worker borrow a connection another
/// worker had opened, so its queries waited for that worker's thread, and
/// when a worker stopped (the first idle one, at a graceful shutdown), the
/// connections it had opened failed the requests still running elsewhere
/// with 503s ("A Tokio 1.x context was found, but it is being shutdown").
/// Background tasks use the pools the application was built with, on the
/// runtime that built it.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Public listings and counts read here: a replica when
    /// `DATABASE_READ_URL` is set, else the primary pool.
    pub read_pool: PgPool,
    pub(crate) shared: Arc<Shared>,
}

/// The state all workers of one instance share.
pub struct Shared {
    pub public_cache: PublicCache,
    pub config: Arc<Config>,
    pub secret: Arc<[u8]>,
    /// The instance's privacy secret (`usecases::privacy::SECRET_NAME`),
    /// which keys the hashes of sanctioned emails.
    pub person_secret: Arc<[u8]>,
    pub settings: SettingsCache,
    /// This instance's exact copy of the learner's feature store.
    pub learner: crate::spam::mirror::Mirror,
    /// Held while loading the whole copy, so that submissions arriving
    /// together load it once.
    pub learner_loading: tokio::sync::Mutex<()>,
    /// Every worker's primary pool (for the pool gauges).
    pub worker_pools: db::WorkerPools,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl AppState {
    /// An origin of any site: `MAJLIS_ALLOWED_ORIGINS` plus every site's
    /// `allowed_origins` (CORS: which pages may call the API at all).
    pub fn is_allowed_origin(&self, origin: &str) -> bool {
        let Some(o) = crate::domain::settings::normalize_origin(origin) else {
            return false;
        };
        self.config.allowed_origins.contains(&o) || self.settings.allowed_origins().contains(&o)
    }

    /// An origin of one site: its `allowed_origins`, plus
    /// `MAJLIS_ALLOWED_ORIGINS` for the default site (where a form post may
    /// go back to, what a submitter may describe as the article's page).
    pub fn is_site_origin(&self, site: &crate::usecases::settings::Snapshot, origin: &str) -> bool {
        let Some(o) = crate::domain::settings::normalize_origin(origin) else {
            return false;
        };
        site.settings.allowed_origins.contains(&o)
            || (site.site.as_str() == crate::domain::SiteId::DEFAULT
                && self.config.allowed_origins.contains(&o))
    }
}
