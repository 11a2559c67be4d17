//! Health, readiness, unknown routes, request ids, security headers, CORS,
//! and the form token.

use crate::harness::{TestApp, comment};
use serde_json::{Value, json};
use sqlx::Connection;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    let resp = app.get("/readyz").await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "ready");
}

#[tokio::test]
async fn readiness_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    // The database refuses new sessions and ends the server's.
    let name = app.db.get_database().unwrap_or_default().to_owned();
    let mut admin = sqlx::PgConnection::connect_with(&app.db.clone().database("postgres"))
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "alter database {} allow_connections false",
        crate::harness::quote_ident(&name)
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();
    let resp = app.get("/readyz").await;
    assert_eq!(resp.status(), 503);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "db_unavailable");
}

#[tokio::test]
async fn connections_the_database_dropped_while_idle_are_replaced_unnoticed() {
    let app = TestApp::spawn().await;
    // Fill the pool (five connections in the tests), then have Postgres end
    // them all (a restart, a pooler recycling them, an idle timeout).
    let burst = || async {
        let bodies: Vec<_> = (0..8).map(|_| comment("a1", &uuid())).collect();
        futures_util::future::join_all(bodies.iter().map(|c| app.post_json(c)))
            .await
            .iter()
            .map(|r| r.status().as_u16())
            .collect::<Vec<_>>()
    };
    assert_eq!(burst().await, [201; 8]);
    let ended: i64 = sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'majlis' and datname = current_database()
            and pid <> pg_backend_pid()) t",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(ended >= 1, "no connection to end");
    // Idle for longer than the pool hands out unchecked.
    tokio::time::sleep(majlis::db::CHECK_IDLE_AFTER + std::time::Duration::from_millis(300)).await;
    assert_eq!(burst().await, [201; 8], "no dead connection handed out");
}

fn uuid() -> String {
    format!("a comment {}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = TestApp::spawn().await;
    let resp = app.get("/api/v1/nothing-here").await;
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let resp = app.get("/api/v1/comments").await;
    assert_eq!(resp.status(), 405);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = TestApp::spawn().await;
    let resp = app.get("/healthz").await;
    let id = resp.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert!(resp.headers().contains_key("referrer-policy"));
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(resp.headers()["x-request-id"], "<script>");
}

#[tokio::test]
async fn cors_allows_the_site_origin_only_and_never_credentials() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/comments"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let ok = preflight("https://news.example").await.unwrap();
    assert!(ok.status().is_success());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://news.example"
    );
    assert!(
        !ok.headers()
            .contains_key("access-control-allow-credentials")
    );
    let bad = preflight("https://evil.example").await.unwrap();
    assert!(!bad.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn form_token_is_issued_per_article() {
    let app = TestApp::spawn().await;
    let resp = app.get("/api/v1/form-token?article_id=a1").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let v: Value = resp.json().await.unwrap();
    let token = v["token"].as_str().unwrap();
    assert!(token.contains('.'));
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    let resp = app.get("/api/v1/form-token").await;
    assert_eq!(resp.status(), 422);
    // The token rides along with a submission.
    let mut c = comment("a1", "with a token");
    c["form_token"] = json!(token);
    assert_eq!(app.post_json(&c).await.status(), 201);
}

#[tokio::test]
async fn the_docs_page_is_self_contained_under_a_strict_csp() {
    let app = TestApp::spawn().await;
    let resp = app.get("/docs").await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'")
    );
    let html = resp.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    for asset in [
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/docs/init.js",
    ] {
        assert!(html.contains(asset));
        let resp = app.get(asset).await;
        assert_eq!(resp.status(), 200, "{asset}");
        assert!(resp.bytes().await.unwrap().len() > 100);
    }
    assert_eq!(app.get("/docs/nope.js").await.status(), 404);
}

#[tokio::test]
async fn the_openapi_document_is_served_as_json() {
    let app = TestApp::spawn().await;
    let resp = app.get("/openapi.json").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["paths"]["/api/v1/comments"]["post"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// Stopping majlis with SIGTERM (a service manager, `docker stop`) or
/// SIGINT (Ctrl-C) lets the requests in progress finish, answered and
/// stored, and the process then exits cleanly: here submissions whose
/// bodies are half sent when the signal comes.
///
/// Connections alternate between the two HTTP workers (actix hands them
/// out in turn): every other one is a whole submission, answered at once,
/// so one worker has used the database and is idle at the signal, and the
/// other holds the half-sent ones. The idle worker stops first; the others'
/// submissions, finished after that, must not be served by connections it
/// opened (they died with its runtime: 503s, when one pool was shared).
#[tokio::test]
async fn a_stop_signal_lets_the_requests_in_progress_finish() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const HALF_SENT: usize = 4;
    let app = TestApp::spawn().await;
    // No kept-alive connection of the test's own holds a worker busy.
    let probe = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for signal in ["TERM", "INT"] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = tokio::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
            .arg("serve")
            .env("DATABASE_URL", crate::admin::database_url(&app))
            .env("MAJLIS_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start majlis");
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let mut up = false;
        for _ in 0..300 {
            if let Ok(r) = probe.get(&ready).send().await
                && r.status() == 200
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(up, "majlis did not get ready");

        let request = |text: &str, close: bool| {
            let body = serde_json::to_vec(&comment("news/stopping", text)).unwrap();
            let head = format!(
                "POST /api/v1/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept-Language: en\r\n{}Content-Length: {}\r\n\r\n",
                if close { "Connection: close\r\n" } else { "" },
                body.len()
            );
            (head, body)
        };
        let mut whole = Vec::new();
        let mut halves = Vec::new();
        for n in 0..HALF_SENT {
            let (head, body) = request(&format!("SIG{signal}: posted whole, number {n}"), true);
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(&body).await.unwrap();
            whole.push(stream);

            let text = format!("SIG{signal}: posted across the signal, number {n}");
            let (head, body) = request(&text, false);
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            stream.write_all(head.as_bytes()).await.unwrap();
            let (first, rest) = body.split_at(body.len() / 2);
            stream.write_all(first).await.unwrap();
            halves.push((stream, rest.to_vec(), text));
        }
        // Everything the server sends until it closes the connection.
        async fn answer_of(mut stream: tokio::net::TcpStream) -> String {
            let mut answer = Vec::new();
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
                .await
                .expect("an answer within 10 s")
                .ok();
            String::from_utf8_lossy(&answer).into_owned()
        }
        for stream in whole {
            let answer = answer_of(stream).await;
            assert!(
                answer.starts_with("HTTP/1.1 201"),
                "SIG{signal}: {answer:?}"
            );
        }

        let pid = server.id().expect("pid").to_string();
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), pid])
            .status()
            .expect("kill(1)");
        assert!(sent.success());
        tokio::time::sleep(Duration::from_millis(300)).await;
        for (stream, rest, _) in &mut halves {
            stream.write_all(rest).await.unwrap();
        }
        for (stream, _, text) in halves {
            let answer = answer_of(stream).await;
            assert!(
                answer.starts_with("HTTP/1.1 201"),
                "SIG{signal}: {answer:?}"
            );
            let stored: i64 = sqlx::query_scalar("select count(*) from comments where body = $1")
                .bind(&text)
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(stored, 1, "SIG{signal}");
        }

        let out = tokio::time::timeout(Duration::from_secs(20), server.wait_with_output())
            .await
            .expect("majlis exits within 20 s")
            .unwrap();
        assert!(
            out.status.success(),
            "SIG{signal}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A submission's statements are planned once per connection, never again
/// at each execution (`db::with_session_settings`): planning the read cost
/// five times running it. The server's connections are its workers' own,
/// so the plans are counted by `pg_stat_statements` (the test cluster
/// loads it; with `DATABASE_URL`, that server must load it too).
#[tokio::test]
async fn submissions_are_planned_once_per_connection() {
    const SUBMISSIONS: i64 = 12;
    let db = crate::harness::fresh_database().await;
    let pool = majlis::db::connect(db.clone(), 2).await.unwrap();
    sqlx::query("update sites set settings = $1 where id = 'default'")
        .bind(sqlx::types::Json(json!({
            "flood_interval_seconds": 60, "flood_max_comments": 1000, "approval_mode": "none"
        })))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("create extension if not exists pg_stat_statements")
        .execute(&pool)
        .await
        .unwrap();
    let app = TestApp::on_pools(pool.clone(), pool.clone(), db).await;
    for n in 0..SUBMISSIONS {
        let mut c = comment("a1", &format!("comment number {n}, planned once"));
        c["author_email"] = json!(format!("reader{n}@example.org"));
        assert_eq!(app.post_json(&c).await.status(), 201);
    }
    let sessions: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_activity
         where datname = current_database() and application_name = 'majlis'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let plans: Vec<(String, i64, i64)> = sqlx::query_as(
        "select left(query, 40), calls, plans from pg_stat_statements
         where dbid = (select oid from pg_database where datname = current_database())
           and (query like '%from comments%' or query like '%insert into rate_limits%')",
    )
    .fetch_all(&pool)
    .await
    .expect("pg_stat_statements must be loaded (shared_preload_libraries)");
    let read = plans.iter().find(|p| p.0.contains("with mine as"));
    let write = plans.iter().find(|p| p.0.contains("with taken as"));
    for (what, p) in [("the read", read), ("the write", write)] {
        let (_, calls, planned) = p.unwrap_or_else(|| panic!("{what} never ran: {plans:?}"));
        assert!(*calls >= SUBMISSIONS, "{what}: {plans:?}");
        assert!(
            *planned <= sessions,
            "{what} was planned {planned} times on {sessions} connections: {plans:?}"
        );
    }
}

/// Configuration comes from the environment: a bad variable stops the
/// process with status 2 and a message naming it (a secret's value is
/// never echoed), an empty one counts as unset, and `--help` lists every
/// variable without showing a secret's value.
#[test]
fn a_bad_variable_stops_start_up_naming_it() {
    let run = |vars: &[(&str, &str)], args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_majlis"));
        for k in ["DATABASE_URL", "DATABASE_READ_URL", "MAJLIS_SECRET"] {
            cmd.env_remove(k);
        }
        let out = cmd.envs(vars.iter().copied()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // `spam-eval` needs no database: it runs only if the configuration is good.
    let (code, _, err) = run(&[("MAJLIS_ADDR", "nope")], &["spam-eval", "/nonexistent"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("MAJLIS_ADDR") && err.contains("nope"), "{err}");
    let (code, _, err) = run(
        &[("MAJLIS_SECRET", "tiny-secret-value")],
        &["spam-eval", "/nonexistent"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("MAJLIS_SECRET") && err.contains("32"), "{err}");
    assert!(!err.contains("tiny-secret-value"), "{err}");
    let (code, _, err) = run(
        &[
            ("MAJLIS_SESSION_IDLE_HOURS", "48"),
            ("MAJLIS_SESSION_MAX_HOURS", "24"),
        ],
        &["spam-eval", "/nonexistent"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("configuration error: MAJLIS_SESSION_MAX_HOURS:"),
        "{err}"
    );
    // Empty variables are unset: the command goes on and fails on its file.
    let (code, _, err) = run(
        &[("MAJLIS_ADDR", ""), ("MAJLIS_SECRET", " ")],
        &["spam-eval", "/nonexistent"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot read /nonexistent"), "{err}");
    let (code, help, _) = run(
        &[("DATABASE_URL", "postgres://u:hunter2@db/majlis")],
        &["--help"],
    );
    assert_eq!(code, Some(0));
    assert!(help.contains("[env: MAJLIS_DATA_DIR=") && help.contains("[env: DATABASE_URL]"));
    assert!(!help.contains("hunter2"), "{help}");
}

/// `majlis spam-eval --curve SCALE,OFFSET` scores with another calibration
/// curve where the prior speaks: a curve that reads every raw score as
/// more spam-like holds more of the fixture corpus on a fresh site than
/// the built-in one, and a curve that is not two numbers with a positive
/// scale is refused before any scoring.
#[test]
fn spam_eval_scores_with_the_curve_it_is_given() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
            .env_remove("DATABASE_URL")
            .env_remove("MAJLIS_SECRET")
            .arg("spam-eval")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/spam_corpus.jsonl"
            ))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let held_on_a_fresh_site = |report: &str| {
        let v: serde_json::Value = serde_json::from_str(report).unwrap();
        let row = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["stage"] == "prior" && r["slice"] == "lang:en")
            .unwrap()
            .clone();
        (
            row["metrics"]["spam_caught"].as_u64().unwrap(),
            row["metrics"]["ham_held"].as_u64().unwrap(),
        )
    };
    let (code, built_in, err) = run(&["--json"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, eager, err) = run(&["--json", "--curve", "0.5,6"]);
    assert_eq!(code, Some(0), "{err}");
    let (built_in, eager) = (
        held_on_a_fresh_site(&built_in),
        held_on_a_fresh_site(&eager),
    );
    assert!(
        eager.0 >= built_in.0 && eager.1 > built_in.1,
        "built-in {built_in:?}, eager {eager:?}"
    );
    for bad in ["0.1", "-1,0", "0,0", "x,1", "0.1,inf"] {
        let (code, out, err) = run(&["--curve", bad]);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(err.contains("--curve"), "{bad}: {err}");
        assert!(out.is_empty(), "{bad}: {out}");
    }
}
