//! Building the application: the database (embedded or external), the
//! shared state, the middleware stack and the HTTP server. `main` and the
//! tests go through the same code.

use crate::config::{Config, MigrateMode};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::pg::Cluster;
use crate::public_cache::{self, PublicCache};
use crate::routes::guard::{self, EdgeGuards};
use crate::state::{AppState, Shared};
use crate::usecases::settings::SettingsCache;
use crate::{db, routes, telemetry};
use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::{ConnectionType, Method, header};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::net::TcpListener;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The database a server runs on, and the embedded cluster if it owns one.
pub struct Database {
    pub pool: PgPool,
    pub read_pool: Option<PgPool>,
    pub cluster: Option<Cluster>,
}

pub const EMBEDDED_DB_NAME: &str = "majlis";

/// What opening the database does about the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Apply the pending migrations (`majlis migrate`, `MAJLIS_MIGRATE=auto`).
    Migrate,
    /// Refuse a schema older than this build needs (`MAJLIS_MIGRATE=off`).
    Check,
}

/// The schema is older than this build needs and it may not migrate.
#[derive(Debug, thiserror::Error)]
#[error(
    "the database schema is older than this majlis needs: {} migration(s) not applied, \
     the oldest {} ({}). With MAJLIS_MIGRATE=off the deploy applies them: run \
     `majlis migrate` once, then start the instances",
    missing.len(),
    missing.first().map_or(0, |m| m.0),
    missing.first().map_or("", |m| m.1.as_str())
)]
pub struct SchemaBehind {
    pub missing: Vec<(i64, String)>,
}

/// The database is reached through a pooler that does not keep a session
/// on one server.
#[derive(Debug, thiserror::Error)]
#[error(
    "majlis reaches the database of {url} through a connection pooler in transaction or \
     statement mode (two of its sessions ran on one server process, {pid}), and it needs each \
     session to keep its server (prepared statements, session settings, the migrations' lock). \
     Use session mode for majlis (PgBouncer: pool_mode = session) or connect directly; \
     see the README, \"Connection poolers\""
)]
pub struct TransactionPooling {
    /// Which variable names the database: `DATABASE_URL` or `DATABASE_READ_URL`.
    pub url: &'static str,
    pub pid: i32,
}

/// Connects to `DATABASE_URL`, or starts (or reuses) the embedded cluster
/// under the data directory; then applies pending migrations or checks that
/// there are none, as `MAJLIS_MIGRATE` says.
pub async fn open_database(config: &Config) -> anyhow::Result<Database> {
    let schema = match config.migrate {
        MigrateMode::Auto => Schema::Migrate,
        MigrateMode::Off => Schema::Check,
    };
    open_database_with(config, schema).await
}

/// [`open_database`], saying what to do about the schema.
pub async fn open_database_with(config: &Config, schema: Schema) -> anyhow::Result<Database> {
    let (opts, cluster) = match &config.database_url {
        Some(url) => (
            PgConnectOptions::from_str(url.expose_secret())
                .context("DATABASE_URL is not a valid PostgreSQL URL")?,
            None,
        ),
        None => {
            let cluster = Cluster::new(&config.data_dir)?;
            let started = cluster.start(&[]).await?;
            tracing::info!(
                data_dir = %cluster.data_dir.display(),
                started,
                "embedded PostgreSQL is running (Unix socket only)"
            );
            cluster.ensure_database(EMBEDDED_DB_NAME).await?;
            (cluster.connect_options(EMBEDDED_DB_NAME), Some(cluster))
        }
    };
    let pool = db::connect(opts, config.db_max_connections)
        .await
        .context("cannot connect to the database")?;
    if let Some(pid) = db::shared_server_process(&pool).await? {
        pool.close().await;
        return Err(TransactionPooling {
            url: "DATABASE_URL",
            pid,
        }
        .into());
    }
    match schema {
        Schema::Migrate => db::MIGRATOR
            .run(&pool)
            .await
            .context("applying migrations failed")?,
        Schema::Check => {
            let mut conn = pool.acquire().await?;
            let missing = db::missing_migrations(&mut conn).await?;
            if !missing.is_empty() {
                return Err(SchemaBehind { missing }.into());
            }
        }
    }
    let read_pool = match &config.database_read_url {
        Some(url) => Some(
            db::connect(
                PgConnectOptions::from_str(url.expose_secret())
                    .context("DATABASE_READ_URL is not a valid PostgreSQL URL")?,
                config.db_max_connections,
            )
            .await
            .context("cannot connect to the read replica")?,
        ),
        None => None,
    };
    // The replica's statements are prepared once per session too.
    if let Some(read) = &read_pool
        && let Some(pid) = db::shared_server_process(read).await?
    {
        read.close().await;
        pool.close().await;
        return Err(TransactionPooling {
            url: "DATABASE_READ_URL",
            pid,
        }
        .into());
    }
    Ok(Database {
        pool,
        read_pool,
        cluster,
    })
}

/// After SIGTERM or SIGINT, requests in flight have this long to finish;
/// then their connections are dropped.
pub const SHUTDOWN_GRACE_SECS: u64 = 30;

/// Resolves on SIGTERM (a service manager, `docker stop`) or SIGINT
/// (Ctrl-C), and the server then stops gracefully for both. With its own
/// signal handling, actix would stop at once on SIGINT and cut the requests
/// in flight. Never resolves when the handlers cannot be installed (a
/// runtime without its signal driver): the signals then end the process.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            let which = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            tracing::info!(
                signal = which,
                grace_secs = SHUTDOWN_GRACE_SECS,
                "stopping: finishing the requests in flight"
            );
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot listen for stop signals");
            std::future::pending::<()>().await;
        }
    }
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `config.addr` (port 0 picks a free port, as the tests do).
    pub async fn build(config: Config, pool: PgPool) -> anyhow::Result<Application> {
        Application::build_with_read_pool(config, pool, None).await
    }

    /// Like `build`, with public reads going to `read_pool` (a replica)
    /// when there is one. The HTTP workers open pools of their own with the
    /// settings and limits of these (see [`AppState`]); these serve the
    /// background tasks.
    pub async fn build_with_read_pool(
        config: Config,
        pool: PgPool,
        read_pool: Option<PgPool>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.addr)
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let port = listener.local_addr()?.port();
        let secret: Arc<[u8]> = match &config.secret {
            Some(s) => s.expose_secret().as_bytes().into(),
            None => {
                let mut conn = pool.acquire().await?;
                db::secrets::get_or_create(&mut conn, "form_token")
                    .await?
                    .into()
            }
        };
        // Keys the hashes that find a sanctioned email (the privacy
        // secret: an erasure computes the same hash to forget the address
        // and keep the sanction).
        let person_secret: Arc<[u8]> = {
            let mut conn = pool.acquire().await?;
            db::secrets::get_or_create(&mut conn, crate::usecases::privacy::SECRET_NAME)
                .await?
                .into()
        };
        let settings = SettingsCache::load(&pool).await?;
        crate::metrics::handle();
        let public_cache = PublicCache::new(config.public_cache_mb);
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let worker_pools = db::WorkerPools::new(&pool, read_pool.as_ref(), workers);
        let state = web::Data::new(AppState {
            read_pool: read_pool.unwrap_or_else(|| pool.clone()),
            pool,
            shared: Arc::new(Shared {
                public_cache,
                config: Arc::new(config),
                secret,
                person_secret,
                settings,
                learner: Default::default(),
                learner_loading: Default::default(),
                worker_pools,
            }),
        });
        spawn_housekeeping(state.clone().into_inner());
        crate::usecases::webhooks::spawn_worker(state.clone().into_inner());
        crate::usecases::mail::spawn_worker(state.clone().into_inner());
        let warming = state.clone().into_inner();
        tokio::spawn(async move {
            if let Err(e) = crate::usecases::submission::warm_learner(&warming).await {
                tracing::warn!(error = %e, "loading the learner's copy failed; the first submission loads it");
            }
        });
        spawn_metrics_upkeep();
        let polling = spawn_change_poller(state.clone().into_inner());
        // Serve once this instance follows other instances' changes (or
        // give up waiting: the cache then relies on its recheck interval).
        let _ = tokio::time::timeout(Duration::from_secs(5), polling).await;
        let guards = Arc::new(EdgeGuards::new(&state.config));
        let on_connect = guards.on_connect();
        let guards = web::Data::from(guards);
        let max_connections = state.config.max_connections;
        guard::ensure_file_limit(max_connections, state.config.db_max_connections);
        let base = state.clone();
        let server = HttpServer::new(move || {
            // Called on each worker's runtime: its own pools, opened there.
            let (pool, read_pool) = base.worker_pools.open();
            let state = web::Data::new(AppState {
                pool,
                read_pool,
                shared: base.shared.clone(),
            });
            // The first `wrap` is the innermost layer.
            App::new()
                .app_data(state.clone())
                .app_data(guards.clone())
                .wrap(from_fn(guard::body_deadline))
                .wrap(from_fn(guard::limit_in_flight))
                .wrap(cors(state.clone().into_inner()))
                .wrap(from_fn(guard::shape_cors_errors))
                .wrap(from_fn(localize_errors))
                .wrap(from_fn(guard::no_store_private))
                .wrap(security_headers())
                .wrap(from_fn(frame_options))
                .wrap(from_fn(telemetry::request_log))
                .wrap(from_fn(guard::close_after_unread_body))
                .wrap(from_fn(guard::own_request_headers))
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        .on_connect(on_connect)
        .workers(workers)
        .max_connections(guard::connections_per_worker(max_connections, workers))
        .listen(listener)?
        // Slow heads get 408 from actix; slow bodies from `body_deadline`.
        .client_request_timeout(Duration::from_secs(10))
        .client_disconnect_timeout(Duration::from_secs(5))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .shutdown_signal(stop_signal())
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or `handle().stop(true)`), then
    /// finishes the requests in flight (for `SHUTDOWN_GRACE_SECS` at most).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Every few minutes: purges expired rate-limit counters (every instance
/// may; the delete is idempotent) and runs retention (old spam and
/// rejected comments, and old comments' network data, as the settings
/// say; one instance at a time).
fn spawn_housekeeping(state: Arc<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Ok(mut conn) = state.pool.acquire().await
                && let Err(e) = db::rate_limits::purge_expired(&mut conn).await
            {
                tracing::warn!(error = %e, "purging rate limits failed");
            }
            if let Err(e) = crate::usecases::retention::purge_sites(&state).await {
                tracing::warn!(error = %e, "retention failed");
            }
            if let Err(e) = crate::usecases::retention::clear_network_data_sites(&state).await {
                tracing::warn!(error = %e, "clearing network data failed");
            }
        }
    });
}

/// The Prometheus recorder keeps every histogram sample until upkeep drains
/// it: without this (and with nobody scraping `/metrics`), memory would
/// grow with every request. One task per process.
fn spawn_metrics_upkeep() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    let Some(handle) = crate::metrics::handle() else {
        return;
    };
    STARTED.call_once(|| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    });
}

/// Polls the primary every `POLL` for articles whose comment version moved,
/// whichever instance moved it, and marks this instance's cached public
/// reads of them stale. Resolves once the feed has its starting point.
fn spawn_change_poller(state: Arc<AppState>) -> tokio::sync::oneshot::Receiver<()> {
    /// More than this in one poll (an import, a restore): drop every cached
    /// read rather than track each article.
    const MOST: i64 = 5_000;
    let (ready, started) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut ready = Some(ready);
        let mut feed: Option<public_cache::ChangeFeed> = None;
        let mut tick = tokio::time::interval(public_cache::POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if state.pool.is_closed() {
                return;
            }
            let Ok(mut conn) = state.pool.acquire().await else {
                continue;
            };
            let now = Instant::now();
            let Some(f) = feed.as_mut() else {
                if let Ok(v) = db::articles::highest_version(&mut conn).await {
                    feed = Some(public_cache::ChangeFeed::starting_at(v, now));
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                }
                continue;
            };
            match db::articles::versions_above(&mut conn, f.since(now), MOST).await {
                Ok(moved) => {
                    let mut highest = 0;
                    for (article, version) in &moved {
                        state.public_cache.saw(article, *version);
                        highest = highest.max(*version);
                    }
                    if moved.len() as i64 >= MOST {
                        state.public_cache.invalidate_all();
                        highest = db::articles::highest_version(&mut conn)
                            .await
                            .unwrap_or(highest);
                    }
                    f.advance(now, highest);
                }
                // Cached reads are revalidated after RECHECK meanwhile, and
                // the next poll reads everything above the same mark.
                Err(e) => tracing::debug!(error = %e, "change poll failed"),
            }
        }
    });
    started
}

fn cors(state: Arc<AppState>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin.to_str().is_ok_and(|o| state.is_allowed_origin(o))
        })
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::AUTHORIZATION,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LOCATION,
            telemetry::REQUEST_ID,
        ])
        .max_age(3600)
        // Requests from other origins still get answers (form posts,
        // server-to-server); browsers just won't let pages read them.
        .block_on_origin_mismatch(false)
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
}

/// No page of majlis may be framed (`X-Frame-Options: DENY`), but for an
/// answer whose own Content-Security-Policy names the pages that may frame
/// it (the thread fragment, for the site's allowed origins).
async fn frame_options(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let framable = res
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::routes::embed::names_frame_ancestors);
    if !framable {
        res.headers_mut().insert(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        );
    }
    Ok(res)
}

/// Renders API errors in the language the client asked for.
async fn localize_errors(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let default = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.default_lang)
        .unwrap_or_default();
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        default,
    );
    // A plain HTML form post (no JavaScript) gets a readable page, as
    // WordPress shows one; everyone else gets the JSON error.
    let html_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
        && !crate::routes::request::wants_json(req.request());
    let back = html_form
        .then(|| {
            let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
            let state = req.app_data::<web::Data<AppState>>()?;
            let origin = url::Url::parse(referer)
                .ok()?
                .origin()
                .ascii_serialization();
            state.is_allowed_origin(&origin).then(|| referer.to_owned())
        })
        .flatten();
    let res = next.call(req).await?;
    // The handler keeps what the reader typed once it read the form: the
    // page then shows the form again, and links to the page it found.
    let echo = res
        .request()
        .extensions()
        .get::<crate::error::FormEcho>()
        .cloned();
    let rendered = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|api| {
            if html_form {
                let back = echo
                    .as_ref()
                    .and_then(|e| e.back.as_deref())
                    .or(back.as_deref());
                api.render_html(lang, back, echo.as_ref())
            } else {
                api.render(lang)
            }
        });
    Ok(match rendered {
        Some(mut r) => {
            keep_response_extras(res.response(), &mut r);
            res.into_response(r)
        }
        None => res,
    })
}

/// What the handler or an inner layer put on an error response besides its
/// body (`Allow` on a 405, CORS headers, closing the connection) survives
/// rendering it in another language.
fn keep_response_extras(original: &HttpResponse, rendered: &mut HttpResponse) {
    let extra: Vec<header::HeaderName> = original
        .headers()
        .keys()
        .filter(|name| !rendered.headers().contains_key(*name))
        .cloned()
        .collect();
    for name in extra {
        for value in original.headers().get_all(&name) {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    if original.head().connection_type() == ConnectionType::Close {
        rendered
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
}
