//! Metrics content, the metrics token, and logs that never hold personal data.

use crate::harness::{TestApp, captured_logs, comment};
use serde_json::{Value, json};

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_submissions_by_verdict() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/articles/2024/11/some-slug/comments").await;
    app.post_json(&comment("a1", "measured")).await;
    let mut spammy = comment("a1", "measured spam");
    spammy["honeypot"] = json!("filled");
    app.post_json(&spammy).await;
    let (admin, admin_id) = app.login_as("admin").await;
    let held = app
        .seed_comment(&crate::harness::SeedComment::default())
        .await;
    let resp = app
        .authed(
            reqwest::Method::PATCH,
            &format!("/api/v1/moderation/comments/{held}"),
            &admin,
        )
        .json(&json!({"status": "rejected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1/articles/{article_id:.+}/comments",status="200"}"#),
        "{text}"
    );
    assert!(!text.contains("some-slug"), "raw paths never become labels");
    assert!(text.contains(r#"http_request_duration_seconds_bucket{method="POST",route="/api/v1/comments",status="201""#));
    assert!(text.contains(r#"majlis_submissions_total{status="spam"}"#));
    assert!(text.contains(r#"majlis_spam_rule_hits_total{rule="honeypot"}"#));
    assert!(text.contains("majlis_pending_comments"));
    assert!(text.contains("majlis_oldest_pending_age_seconds"));
    assert!(text.contains(r#"majlis_spam_caught_total{by="rules"}"#));
    assert!(text.contains(&format!(
        r#"majlis_decisions_total{{moderator_id="{admin_id}",decision="rejected"}}"#
    )));
    assert!(text.contains(r#"majlis_db_pool_connections{state="idle"}"#));
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let token = "metrics-token-0123456789";
    let app =
        TestApp::spawn_with(|c| c.metrics_token = Some(secrecy::SecretString::from(token))).await;
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unauthorized");
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Whether `logs` hold `secret` in any letter case.
fn leaked(logs: &str, secret: &str) -> bool {
    logs.to_lowercase().contains(&secret.to_lowercase())
}

#[tokio::test]
async fn logs_never_hold_emails_ips_user_agents_passwords_or_tokens() {
    let app =
        TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let email = "Leaky.Person@Secret-Domain.example";
    let ip = "198.51.100.77";
    let ua = "LeakProbe/9.9";
    let form: Value = app
        .get("/api/v1/form-token?article_id=log-article")
        .await
        .json()
        .await
        .unwrap();
    let form_token = form["token"].as_str().unwrap().to_owned();
    for (i, body) in ["first probe", "second probe", ""].iter().enumerate() {
        let mut c = comment("log-article", body);
        c["author_email"] = json!(email);
        c["form_token"] = json!(form_token);
        let resp = app
            .client
            .post(app.url("/api/v1/comments"))
            .header("X-Forwarded-For", ip)
            .header("User-Agent", ua)
            .json(&c)
            .send()
            .await
            .unwrap();
        assert!(resp.status().as_u16() < 500, "request {i}");
    }
    // A failed and a good login, a token used and a logout.
    let admin_email = "Logged.Admin@Admin-Domain.example";
    let wrong_password = "wrong password, surely";
    app.seed_moderator(admin_email, "admin", crate::harness::PASSWORD)
        .await;
    let bad = app.login(admin_email, wrong_password).await;
    assert_eq!(bad.status(), 401);
    let good: Value = app
        .login(admin_email, crate::harness::PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let token = good["token"].as_str().unwrap().to_owned();
    let queue = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/moderation/comments?status=all",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200);
    app.authed(reqwest::Method::POST, "/api/v1/auth/logout", &token)
        .send()
        .await
        .unwrap();
    // A token that is no longer valid, presented again.
    let after = app
        .authed(reqwest::Method::GET, "/api/v1/moderation/counts", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);

    // With TEST_LOG=1 the lines went to stderr too, and were captured.
    let logs = captured_logs();
    assert!(
        logs.contains("log-article") && logs.contains("/api/v1/auth/login"),
        "the probe's requests were logged"
    );
    let form_signature = form_token.rsplit('.').next().unwrap().to_owned();
    for (what, secret) in [
        ("the commenter's email", email),
        ("the commenter's email domain", "secret-domain"),
        ("the moderator's email", admin_email),
        ("the moderator's email domain", "admin-domain"),
        ("the client address", ip),
        ("the user agent", ua),
        ("the password", crate::harness::PASSWORD),
        ("a wrong password", wrong_password),
        ("the session token", token.as_str()),
        ("the form token", form_token.as_str()),
        ("the form token's signature", form_signature.as_str()),
    ] {
        assert!(!leaked(&logs, secret), "{what} leaked into the logs");
    }
}

/// One HTTP request a fake collector received: the request line, the
/// headers (lowercased names) and the body.
struct Received {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A fake OTLP/HTTP collector on a free port: answers every request 200
/// with an empty (valid) protobuf message and hands each one over.
async fn fake_collector() -> (u16, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n");
                    if let Some(end) = head_end {
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        let mut lines = head.split("\r\n");
                        let line = lines.next().unwrap_or_default().to_owned();
                        let headers: Vec<(String, String)> = lines
                            .filter_map(|l| l.split_once(':'))
                            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                            .collect();
                        let length: usize = headers
                            .iter()
                            .find(|(k, _)| k == "content-length")
                            .and_then(|(_, v)| v.parse().ok())
                            .unwrap_or(0);
                        while buf.len() < end + 4 + length {
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body = buf[end + 4..end + 4 + length].to_vec();
                        buf.drain(..end + 4 + length);
                        let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                        if stream.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                        let _ = tx.send(Received {
                            line,
                            headers,
                            body,
                        });
                        continue;
                    }
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (port, rx)
}

/// With `OTEL_EXPORTER_OTLP_ENDPOINT`, requests leave as OTLP spans (one
/// per request, named by its route pattern, never its raw path) to
/// `<endpoint>/v1/traces`, from the majlis service.
#[tokio::test]
async fn traces_reach_an_otlp_collector_when_one_is_configured() {
    let app = TestApp::spawn().await;
    let (collector, mut received) = fake_collector().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
        .arg("serve")
        .env("DATABASE_URL", crate::admin::database_url(&app))
        .env("MAJLIS_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{collector}/"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env_remove("OTEL_SERVICE_NAME")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = app.client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "majlis did not get ready");
    let resp = app
        .client
        .get(format!("{base}/api/v1/articles/traced%2Fstory/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let mut seen = Vec::new();
    let found = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(r) = received.recv().await {
            let has = |needle: &[u8]| r.body.windows(needle.len()).any(|w| w == needle);
            let done = has(b"/api/v1/articles/{article_id:.+}/comments");
            let raw_path = has(b"traced");
            seen.push((r.line.clone(), r.headers.clone(), has(b"majlis"), raw_path));
            if done {
                return;
            }
        }
    })
    .await;
    let _ = server.kill().await;
    assert!(
        found.is_ok(),
        "no span of the listing reached the collector: {:?}",
        seen.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let (line, headers, service, raw_path) = seen.last().unwrap();
    assert_eq!(line, "POST /v1/traces HTTP/1.1");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/x-protobuf"),
        "{headers:?}"
    );
    assert!(*service, "the spans name the service majlis");
    assert!(
        !raw_path,
        "spans carry the route pattern, never the raw path"
    );
}
