//! Behind PgBouncer (Debian's `pgbouncer`, started here): session mode
//! works end to end; transaction and statement modes are refused at
//! start-up with a message that says what to change.

use crate::harness::{self, TestApp, comment};
use majlis::startup::{Schema, open_database_with};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use std::path::PathBuf;
use std::str::FromStr;

struct Bouncer {
    _child: tokio::process::Child,
    port: u16,
}

fn pgbouncer_binary() -> PathBuf {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("pgbouncer"))
                .find(|p| p.is_file())
        })
        .expect("the pooler tests need PgBouncer: apt-get install pgbouncer")
}

/// PgBouncer in `mode` in front of the test cluster (which `db` is on).
async fn start_bouncer(db: &PgConnectOptions, mode: &str) -> Bouncer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!(
        "majlis-test-{}-bouncer-{mode}-{port}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = db
        .get_socket()
        .expect("the test cluster listens on a socket");
    std::fs::write(dir.join("users.txt"), "\"postgres\" \"\"\n").unwrap();
    let ini = format!(
        "[databases]\n* = host={} port={} user=postgres\n\n[pgbouncer]\n\
         listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
         auth_type = trust\nauth_file = {}\npool_mode = {mode}\n\
         max_client_conn = 200\ndefault_pool_size = 20\n",
        socket.display(),
        db.get_port(),
        dir.join("users.txt").display(),
    );
    std::fs::write(dir.join("pgbouncer.ini"), ini).unwrap();
    let log = std::fs::File::create(dir.join("pgbouncer.log")).unwrap();
    let mut cmd = tokio::process::Command::new(pgbouncer_binary());
    if nix::unistd::geteuid().is_root() {
        // PgBouncer will not run as root.
        cmd.args(["-u", "postgres"]);
    }
    let child = cmd
        .arg(dir.join("pgbouncer.ini"))
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start pgbouncer");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Bouncer {
                _child: child,
                port,
            };
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "pgbouncer did not start: {}",
        std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default()
    );
}

fn through(bouncer: &Bouncer, db: &PgConnectOptions) -> String {
    format!(
        "postgres://postgres@127.0.0.1:{}/{}",
        bouncer.port,
        db.get_database().unwrap()
    )
}

#[tokio::test]
async fn behind_pgbouncer_in_session_mode_everything_works() {
    let db = harness::fresh_database().await;
    let bouncer = start_bouncer(&db, "session").await;
    let url = through(&bouncer, &db);
    let mut config = harness::test_config();
    config.database_url = Some(SecretString::from(url.clone()));
    // Start-up's checks and the migrations (with their lock) pass.
    let opened = open_database_with(&config, Schema::Migrate).await.unwrap();
    opened.pool.close().await;

    let app = TestApp::on_database(PgConnectOptions::from_str(&url).unwrap()).await;
    let (admin, _) = app.login_as("admin").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"approval_mode": "none", "flood_interval_seconds": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for n in 0..5 {
        let resp = app
            .post_json(&comment("pooled/story", &format!("عبر المجمّع رقم {n}")))
            .await;
        assert_eq!(resp.status(), 201);
    }
    let page: Value = app
        .get("/api/v1/articles/pooled/story/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 5);
    let id = page["comments"][0]["id"].as_i64().unwrap();
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &admin,
        )
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The session settings reached the server through the pooler.
    let mut conn = app.pool.acquire().await.unwrap();
    let (timeout, plans): (String, String) = sqlx::query_as(
        "select current_setting('statement_timeout'), current_setting('plan_cache_mode')",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(
        (timeout.as_str(), plans.as_str()),
        ("15s", "force_generic_plan")
    );
}

#[tokio::test]
async fn transaction_and_statement_pooling_are_refused_with_what_to_change() {
    let db = harness::fresh_database().await;
    for mode in ["transaction", "statement"] {
        let bouncer = start_bouncer(&db, mode).await;
        let mut config = harness::test_config();
        config.database_url = Some(SecretString::from(through(&bouncer, &db)));
        let refused = open_database_with(&config, Schema::Migrate).await;
        let message = format!("{:#}", refused.err().expect("{mode} pooling is refused"));
        assert!(
            message.contains("transaction or statement mode")
                && message.contains("pool_mode = session")
                && message.contains("of DATABASE_URL"),
            "{mode}: {message}"
        );
    }
    // A replica behind a pooler in transaction mode is refused too, by name.
    let bouncer = start_bouncer(&db, "transaction").await;
    let mut config = harness::test_config();
    config.database_url = Some(SecretString::from(harness::url_of(&db)));
    config.database_read_url = Some(SecretString::from(through(&bouncer, &db)));
    let refused = open_database_with(&config, Schema::Migrate).await;
    let message = format!(
        "{:#}",
        refused.err().expect("the replica's pooling is refused")
    );
    assert!(message.contains("of DATABASE_READ_URL"), "{message}");
}
