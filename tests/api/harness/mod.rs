//! The hermetic test harness: one throwaway PostgreSQL cluster per test
//! process (or the server in `DATABASE_URL`), a template database migrated
//! once, and a fresh database cloned from it for every test.

use majlis::config::Config;
use majlis::pg::Cluster;
use majlis::startup::Application;
use secrecy::SecretString;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::path::PathBuf;
use std::str::FromStr;
use tokio::sync::{Mutex, OnceCell};

const TEMPLATE: &str = "majlis_template";

/// Where the test server is, shared by every test of this process.
struct Server {
    admin: PgConnectOptions,
    template: String,
    /// The throwaway cluster's server log (`None` with `DATABASE_URL`).
    log_file: Option<PathBuf>,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();
static CLONE_LOCK: Mutex<()> = Mutex::const_new(());

pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Stops clusters left behind by test processes that died without cleanup.
async fn sweep_stale(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("majlis-test-")
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            if let Ok(c) = Cluster::new(&e.path()) {
                let _ = c.stop("immediate").await;
            }
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Starts a throwaway cluster under the system temp dir (not target/: when
/// tests run as root the cluster runs as `postgres`, which must be able to
/// reach its directory), stopped by a watchdog when this process exits.
/// `replica_of` makes it a streaming replica of that cluster.
pub async fn start_cluster(name: &str, replica_of: Option<&Cluster>) -> Cluster {
    let root = std::env::temp_dir();
    let base: PathBuf = root.join(format!("majlis-test-{}-{name}", std::process::id()));
    let cluster = Cluster::new(&base).expect("PostgreSQL binaries for the test cluster");
    if let Some(primary) = replica_of {
        cluster
            .clone_as_replica_of(primary)
            .await
            .expect("pg_basebackup");
    }
    cluster
        .start(&[
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 200",
            "shared_buffers = 128MB",
            // Plans per statement, seen from outside the server's sessions
            // (`ops::submissions_are_planned_once_per_connection`).
            "shared_preload_libraries = 'pg_stat_statements'",
            "pg_stat_statements.track_planning = on",
        ])
        .await
        .expect("start the test cluster");
    cluster
        .stop_when_process_exits(&base)
        .expect("spawn the cluster watchdog");
    cluster
}

async fn start_private_cluster() -> Cluster {
    sweep_stale(&std::env::temp_dir()).await;
    start_cluster("main", None).await
}

async fn server() -> &'static Server {
    SERVER
        .get_or_init(|| async {
            let (admin, template, log_file) = match std::env::var("DATABASE_URL") {
                Ok(url) if !url.trim().is_empty() => (
                    PgConnectOptions::from_str(&url).expect("DATABASE_URL"),
                    format!("{TEMPLATE}_{}", std::process::id()),
                    None,
                ),
                _ => {
                    let cluster = start_private_cluster().await;
                    (
                        cluster.connect_options("postgres"),
                        TEMPLATE.to_owned(),
                        Some(cluster.log_file.clone()),
                    )
                }
            };
            let mut conn = PgConnection::connect_with(&admin)
                .await
                .expect("connect as admin");
            let drop = format!(
                "drop database if exists {} with (force)",
                quote_ident(&template)
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                .execute(&mut conn)
                .await
                .expect("drop template");
            let create = format!("create database {}", quote_ident(&template));
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut conn)
                .await
                .expect("create template");
            conn.close().await.ok();
            let mut tpl = PgConnection::connect_with(&admin.clone().database(&template))
                .await
                .expect("connect to template");
            majlis::db::MIGRATOR
                .run(&mut tpl)
                .await
                .expect("migrate template");
            tpl.close().await.ok();
            Server {
                admin,
                template,
                log_file,
            }
        })
        .await
}

/// What the test cluster's server has logged so far, or `None` when the
/// tests run against the server in `DATABASE_URL` (its log is not ours).
pub async fn cluster_log() -> Option<String> {
    let path = server().await.log_file.as_ref()?;
    Some(String::from_utf8_lossy(&std::fs::read(path).ok()?).into_owned())
}

/// A new database with no schema at all (upgrade tests migrate it).
pub async fn empty_database() -> PgConnectOptions {
    let server = server().await;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&server.admin)
        .await
        .expect("connect as admin");
    let sql = format!("create database {}", quote_ident(&name));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("create database");
    conn.close().await.ok();
    server.admin.clone().database(&name)
}

/// A `postgres://` URL for `db` (for the `majlis` binary's DATABASE_URL).
pub fn url_of(db: &PgConnectOptions) -> String {
    let name = db.get_database().unwrap_or("postgres");
    let user = db.get_username();
    match db.get_socket() {
        Some(dir) => format!(
            "postgres://{user}@localhost/{name}?host={}&port={}",
            dir.display(),
            db.get_port()
        ),
        None => format!(
            "postgres://{user}@{}:{}/{name}",
            db.get_host(),
            db.get_port()
        ),
    }
}

/// A fresh database cloned from the migrated template.
pub async fn fresh_database() -> PgConnectOptions {
    let server = server().await;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    {
        let _guard = CLONE_LOCK.lock().await;
        let mut conn = PgConnection::connect_with(&server.admin)
            .await
            .expect("connect as admin");
        let sql = format!(
            "create database {} template {}",
            quote_ident(&name),
            quote_ident(&server.template)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("clone template");
        conn.close().await.ok();
    }
    server.admin.clone().database(&name)
}

/// Everything the servers of this test process logged (debug level), for
/// tests that check what never appears in logs: JSON lines, or with
/// `TEST_LOG=1` human lines, also copied to stderr.
pub static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogSink {
    to_stderr: bool,
}

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut l) = LOGS.lock() {
            l.extend_from_slice(buf);
        }
        if self.to_stderr {
            std::io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let to_stderr = std::env::var("TEST_LOG").is_ok();
        let format = if to_stderr {
            majlis::config::LogFormat::Human
        } else {
            majlis::config::LogFormat::Json
        };
        majlis::telemetry::init_with(
            format,
            "debug,hyper=info,reqwest=info,h2=info,rustls=info,mio=info,actix_server=info",
            move || LogSink { to_stderr },
        );
    });
}

pub fn captured_logs() -> String {
    LOGS.lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default()
}

pub const SITE: &str = "https://news.example";
/// The password of every seeded test account.
pub const PASSWORD: &str = "correct horse battery staple";
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0001";

/// The configuration every test server starts from.
pub fn test_config() -> Config {
    Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        allowed_origins: vec![SITE.to_owned()],
        secret: Some(SecretString::from(TEST_SECRET)),
        // Every test client is one address (127.0.0.1) and some tests fire
        // dozens of requests at once; the per-client bounds are tested in
        // `transport.rs`, which sets them.
        max_connections_per_client: 0,
        max_requests_per_client: 0,
        // Test receivers listen on 127.0.0.1.
        webhooks_allow_private: true,
        ..Config::default()
    }
}

pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub client: reqwest::Client,
    pub db: PgConnectOptions,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts the real application on a random port with its own database.
    /// Flood control is off unless a test turns it on (every test client
    /// posts from 127.0.0.1).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        // Retention of network data off: the housekeeping task's first run
        // would otherwise clear the addresses of old imported or seeded
        // comments while a test reads them (`retention.rs` runs it itself).
        TestApp::spawn_full(
            adjust,
            serde_json::json!({"flood_interval_seconds": 0, "ip_retention_days": 0}),
        )
        .await
    }

    /// Like `spawn_with`, with the site settings stored before start.
    pub async fn spawn_full(
        adjust: impl FnOnce(&mut Config),
        settings: serde_json::Value,
    ) -> TestApp {
        capture_logs();
        let mut config = test_config();
        adjust(&mut config);
        let db = fresh_database().await;
        let pool = majlis::db::connect(db.clone(), 5).await.expect("app pool");
        sqlx::query("update sites set settings = $1 where id = 'default'")
            .bind(sqlx::types::Json(settings))
            .execute(&pool)
            .await
            .expect("store settings");
        TestApp::start(config, pool, None, db).await
    }

    /// An application on an existing database (upgrade tests).
    pub async fn on_database(db: PgConnectOptions) -> TestApp {
        capture_logs();
        let pool = majlis::db::connect(db.clone(), 5).await.expect("app pool");
        TestApp::start(test_config(), pool, None, db).await
    }

    /// An application on given pools (replica tests).
    pub async fn on_pools(pool: PgPool, read_pool: PgPool, db: PgConnectOptions) -> TestApp {
        TestApp::start(test_config(), pool, Some(read_pool), db).await
    }

    /// Builds the real application and serves it in the background.
    async fn start(
        config: Config,
        pool: PgPool,
        read_pool: Option<PgPool>,
        db: PgConnectOptions,
    ) -> TestApp {
        let app = Application::build_with_read_pool(config, pool.clone(), read_pool)
            .await
            .expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            address,
            pool,
            client,
            db,
        }
    }

    /// A second server process on the same database (scale-out tests).
    pub async fn sibling(&self) -> TestApp {
        let pool = majlis::db::connect(self.db.clone(), 5)
            .await
            .expect("app pool");
        TestApp::start(test_config(), pool, None, self.db.clone()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/comments"))
            .json(body)
            .send()
            .await
            .expect("post comment")
    }

    /// `DELETE /api/v1/comments/{id}` with the comment's edit token (its
    /// author withdraws it).
    /// Runs `statements` in one transaction without the pool's statement
    /// timeout: a bulk seed, not a request, so a busy machine cannot fail
    /// it.
    pub async fn seed_sql(&self, statements: &[&str]) {
        let mut tx = self.pool.begin().await.expect("begin");
        sqlx::query("set local statement_timeout = 0")
            .execute(&mut *tx)
            .await
            .expect("no timeout");
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        tx.commit().await.expect("commit");
    }

    pub async fn withdraw(&self, id: i64, token: &str) -> reqwest::Response {
        self.client
            .delete(self.url(&format!("/api/v1/comments/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("withdraw comment")
    }

    pub async fn post_form(
        &self,
        pairs: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let body = serde_urlencoded::to_string(pairs).expect("encode form");
        let mut req = self
            .client
            .post(self.url("/api/v1/comments"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req.send().await.expect("post form")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("get")
    }

    /// Creates an account directly (as the CLI does) and returns its id.
    pub async fn seed_moderator(&self, email: &str, role: &str, password: &str) -> i64 {
        let new = majlis::usecases::accounts::NewModerator::parse(
            Some(email),
            Some(SecretString::from(password)),
            Some(role),
            None,
        )
        .expect("valid test account");
        majlis::usecases::accounts::create(&self.pool, None, new)
            .await
            .expect("seed moderator")
            .id
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .header("Accept-Language", "en")
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login")
    }

    /// Seeds an account with `role` (`admin` or `moderator`), logs it in,
    /// and returns (token, moderator id).
    pub async fn login_as(&self, role: &str) -> (String, i64) {
        let email = format!("{role}-{}@news.example", uuid::Uuid::new_v4().simple());
        let id = self.seed_moderator(&email, role, PASSWORD).await;
        let resp = self.login(&email, PASSWORD).await;
        assert_eq!(resp.status(), 200, "login as {role}");
        let body: serde_json::Value = resp.json().await.expect("login body");
        (body["token"].as_str().expect("token").to_owned(), id)
    }

    /// `GET path` with a bearer token: the JSON answer (which must be 200).
    pub async fn read(&self, path: &str, token: &str) -> serde_json::Value {
        let resp = self
            .authed(reqwest::Method::GET, path, token)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("JSON answer")
    }

    /// `method path` with a bearer token and a JSON body: the answer.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.authed(method, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// The actions of a comment's audit events, newest first.
    pub async fn log_actions(&self, token: &str, comment_id: i64) -> Vec<String> {
        let log = self
            .read(
                &format!("/api/v1/moderation/log?comment_id={comment_id}"),
                token,
            )
            .await;
        log["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["action"].as_str().expect("action").to_owned())
            .collect()
    }

    /// A request with a bearer token (and English messages).
    pub fn authed(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("Accept-Language", "en")
    }

    /// Stores a comment directly (whatever the spam engine would say) and
    /// returns its id.
    pub async fn seed_comment(&self, c: &SeedComment<'_>) -> i64 {
        let mut tx = self.pool.begin().await.expect("begin");
        sqlx::query("insert into articles (id) values ($1) on conflict (site_id, id) do nothing")
            .bind(c.article_id)
            .execute(&mut *tx)
            .await
            .expect("article");
        let html = majlis::render::body_html(c.body);
        let row = majlis::db::comments::insert(
            &mut tx,
            &majlis::db::comments::InsertComment {
                site: "default",
                article_id: c.article_id,
                parent_id: None,
                author_name: c.author_name,
                author_email: c.author_email,
                author_url: None,
                avatar: &majlis::domain::avatar_hash(c.author_email),
                body: c.body,
                body_html: &html,
                // Unique per seed: tests store the same text many times.
                body_fingerprint: &format!("seed-{}", uuid::Uuid::new_v4().simple()),
                status: c.status.parse().expect("status"),
                spam_score: c.spam_score,
                spam_reasons: serde_json::json!([{"rule": "links", "score": c.spam_score, "detail": "test"}]),
                ip: Some(c.ip.parse().expect("ip")),
                user_agent: Some("TestBrowser/1.0"),
                referrer: Some("https://news.example/a"),
            },
        )
        .await
        .expect("insert comment");
        majlis::db::audit::insert(
            &mut tx,
            &majlis::db::audit::NewAuditEvent::submitted(row.id, row.status, c.spam_score),
        )
        .await
        .expect("audit");
        tx.commit().await.expect("commit");
        row.id
    }

    /// Sets a comment's status directly (stand-in for a moderator), bumping
    /// its article's comment version as every change does.
    pub async fn set_status(&self, id: i64, status: &str) {
        sqlx::query(
            "with c as (update comments set status = $2 where id = $1 returning article_id)
             update articles set comment_version = comment_version + 1 where id in (select article_id from c)",
        )
        .bind(id)
        .bind(status)
        .execute(&self.pool)
        .await
        .expect("set status");
    }
}

/// A valid JSON submission; tests override what they need.
pub fn comment(article: &str, body: &str) -> serde_json::Value {
    serde_json::json!({
        "article_id": article,
        "author_name": "سارة",
        "author_email": "Sara.Reader@Example.com",
        "author_url": "https://sara.example/blog",
        "body": body,
    })
}

/// A comment to store with `TestApp::seed_comment`; tests override fields.
#[derive(Debug, Clone, Copy)]
pub struct SeedComment<'a> {
    pub article_id: &'a str,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub body: &'a str,
    pub ip: &'a str,
    pub status: &'a str,
    pub spam_score: f64,
}

impl Default for SeedComment<'_> {
    fn default() -> Self {
        SeedComment {
            article_id: "2024/11/strikes",
            author_name: "سارة",
            author_email: "Sara.Reader@Example.com",
            body: "تحليل ممتاز، شكرًا",
            ip: "203.0.113.7",
            status: "pending",
            spam_score: 0.1,
        }
    }
}
