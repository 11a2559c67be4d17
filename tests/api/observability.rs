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

#[tokio::test]
async fn logs_never_hold_emails_ips_user_agents_passwords_or_tokens() {
    let app =
        TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let email = "Leaky.Person@Secret-Domain.example";
    let ip = "198.51.100.77";
    let ua = "LeakProbe/9.9";
    for (i, body) in ["first probe", "second probe", ""].iter().enumerate() {
        let mut c = comment("log-article", body);
        c["author_email"] = json!(email);
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
    let admin_email = "Logged.Admin@Secret-Domain.example";
    app.seed_moderator(admin_email, "admin", crate::harness::PASSWORD)
        .await;
    let bad = app.login(admin_email, "wrong password, surely").await;
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
    let logs = captured_logs();
    if std::env::var("TEST_LOG").is_ok() {
        return; // logs went to stderr
    }
    assert!(
        logs.contains("log-article"),
        "the probe's requests were logged"
    );
    let lower = logs.to_lowercase();
    for secret in [
        email.to_lowercase(),
        "secret-domain".to_owned(),
        ip.to_owned(),
        ua.to_lowercase(),
    ] {
        assert!(!lower.contains(&secret), "{secret} leaked into the logs");
    }
}
