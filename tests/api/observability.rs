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
