//! Trust from history: approved comments earn trust only with the
//! returning-commenter token the browser was given, so typing someone's
//! email earns nothing; `trust_after_approved` publishes in any mode;
//! recent rejections hold an author; the reason is on the comment.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};

/// A comment by `email` with `token` as its returning-commenter token.
async fn post(app: &TestApp, email: &str, token: Option<&str>, text: &str) -> Value {
    let mut c = comment("a/trust", text);
    c["author_email"] = json!(email);
    if let Some(t) = token {
        c["commenter_token"] = json!(t);
    }
    let resp = app.post_json(&c).await;
    assert_eq!(resp.status(), 201, "{text}");
    resp.json().await.unwrap()
}

async fn decide(app: &TestApp, token: &str, id: i64, status: &str) {
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            token,
        )
        .json(&json!({"status": status}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn reasons(app: &TestApp, id: &Value) -> Vec<(String, String)> {
    let v: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id.as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                r["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn typing_someone_elses_email_earns_none_of_their_trust() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "first_time"}),
    )
    .await;
    let (admin, _) = app.login_as("admin").await;
    // A first comment: held, and the browser gets a token once.
    let first = post(&app, "layla@example.com", None, "My first comment here").await;
    assert_eq!(first["status"], "pending");
    let token = first["commenter_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 32, "{token}");
    decide(&app, &admin, first["id"].as_i64().unwrap(), "approved").await;
    // Back with the token: one approved comment is enough in first_time.
    let back = post(&app, "Layla@Example.com", Some(&token), "Back again").await;
    assert_eq!(back["status"], "approved");
    assert!(back.get("commenter_token").is_none(), "{back}");
    let rules = |r: Vec<(String, String)>| r.into_iter().map(|(rule, _)| rule).collect::<Vec<_>>();
    assert!(
        rules(reasons(&app, &back["id"]).await).contains(&"author_approved".to_owned()),
        "her record lowers her score"
    );
    // Someone typing her email, without her token or with their own: held.
    let impostor = post(&app, "layla@example.com", None, "Pretending to be Layla").await;
    assert_eq!(impostor["status"], "pending");
    assert!(
        !rules(reasons(&app, &impostor["id"]).await).contains(&"author_approved".to_owned()),
        "her record does not lower an impostor's spam score"
    );
    let own = impostor["commenter_token"].as_str().unwrap().to_owned();
    assert_ne!(own, token);
    let again = post(&app, "layla@example.com", Some(&own), "Still pretending").await;
    assert_eq!(again["status"], "pending");
    // Her token with another email is not her record either.
    let other = post(
        &app,
        "someone@example.com",
        Some(&token),
        "Her browser, not her",
    )
    .await;
    assert_eq!(other["status"], "pending");
    // The token is stored only as a hash.
    let stored: Vec<u8> = sqlx::query_scalar("select commenter_key from comments where id = $1")
        .bind(back["id"].as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&token));
    // A form post gets no token; a malformed one is refused by name.
    let resp = app
        .post_json(&json!({
            "article_id": "a/trust", "author_name": "x", "author_email": "x@example.com",
            "body": "hello", "commenter_token": "short"
        }))
        .await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["error"]["fields"]["commenter_token"][0]["code"],
        "invalid_value"
    );
}

#[tokio::test]
async fn an_author_with_enough_approved_comments_is_published_in_any_mode() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({
            "flood_interval_seconds": 0, "approval_mode": "all", "trust_after_approved": 2
        }),
    )
    .await;
    let (admin, _) = app.login_as("admin").await;
    let first = post(&app, "omar@example.com", None, "First of several").await;
    let token = first["commenter_token"].as_str().unwrap().to_owned();
    let second = post(&app, "omar@example.com", Some(&token), "Second of several").await;
    assert_eq!(second["status"], "pending");
    for c in [&first, &second] {
        decide(&app, &admin, c["id"].as_i64().unwrap(), "approved").await;
    }
    let third = post(&app, "omar@example.com", Some(&token), "Third of several").await;
    assert_eq!(third["status"], "approved");
    assert!(reasons(&app, &third["id"]).await.contains(&(
        "trusted".into(),
        "2 approved comments by this commenter".into()
    )));
    // Trust never outweighs the spam score.
    let spammy = post(
        &app,
        "omar@example.com",
        Some(&token),
        "CASINO BONUS http://a.example http://b.example http://c.example viagra",
    )
    .await;
    assert_eq!(spammy["status"], "pending");
    // 0 turns trust off: every comment waits again under `all`.
    app.authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"trust_after_approved": 0}))
        .send()
        .await
        .unwrap();
    let fourth = post(&app, "omar@example.com", Some(&token), "Fourth of several").await;
    assert_eq!(fourth["status"], "pending");
}

#[tokio::test]
async fn recent_rejections_hold_an_author_until_they_age_out_of_the_window() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let (admin, _) = app.login_as("admin").await;
    let mut ids = Vec::new();
    for text in ["One remark", "Another remark", "A third remark"] {
        let c = post(&app, "sami@example.com", None, text).await;
        assert_eq!(c["status"], "approved");
        ids.push(c["id"].as_i64().unwrap());
    }
    decide(&app, &admin, ids[0], "rejected").await;
    // 1 of 3 (0.33) is above 0.3.
    let held = post(&app, "sami@example.com", None, "A fourth remark").await;
    assert_eq!(held["status"], "pending");
    assert!(
        reasons(&app, &held["id"]).await.contains(&(
            "distrusted".into(),
            "1 of 3 comments in 7 days rejected or spam".into()
        )),
        "{:?}",
        reasons(&app, &held["id"]).await
    );
    // The rejection ages out of the window: published again.
    sqlx::query("update comments set created_at = now() - interval '8 days' where id = $1")
        .bind(ids[0])
        .execute(&app.pool)
        .await
        .unwrap();
    let back = post(&app, "sami@example.com", None, "A fifth remark").await;
    assert_eq!(back["status"], "approved");
    // Withdrawing one's own comments is nobody's judgement: two withdrawn
    // of five recent comments hold nobody.
    for c in [&held, &back] {
        let token = c["edit_token"].as_str().unwrap();
        let resp = app.withdraw(c["id"].as_i64().unwrap(), token).await;
        assert_eq!(resp.status(), 204);
    }
    let after = post(&app, "sami@example.com", None, "A sixth remark").await;
    assert_eq!(
        after["status"],
        "approved",
        "{:?}",
        reasons(&app, &after["id"]).await
    );
    let withdrawn: i64 = sqlx::query_scalar(
        "select count(*) from comments where withdrawn_at is not null and status = 'rejected'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(withdrawn, 2);
    // Bad settings are refused by name.
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"distrust_share": 1.5, "distrust_window_days": 400}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["error"]["fields"]["distrust_share"][0]["code"],
        "out_of_range"
    );
    assert_eq!(
        v["error"]["fields"]["distrust_window_days"][0]["code"],
        "out_of_range"
    );
}
