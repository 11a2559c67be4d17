//! Constraint violations on every write path answer the same client error,
//! and the database's log never receives the row values that caused them.

use crate::harness::{PASSWORD, TestApp, cluster_log, comment};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn an_edit_into_a_duplicate_is_409_and_no_email_reaches_the_database_log() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let (admin, _) = app.login_as("admin").await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let commenter = format!("dup-{tag}@example.org");
    let article = format!("dup-{tag}");
    let mut ids = Vec::new();
    for body in [
        "The first thing I wanted to say.",
        "Something else entirely.",
    ] {
        let mut c = comment(&article, body);
        c["author_email"] = json!(commenter);
        let resp = app.post_json(&c).await;
        assert_eq!(resp.status(), 201);
        let v: Value = resp.json().await.unwrap();
        ids.push(v["id"].as_i64().unwrap());
    }

    // The second comment edited into the first: same author, same article,
    // same text.
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{}", ids[1]),
            &moderator,
        )
        .json(&json!({"body": "The first thing I wanted to say."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "duplicate_comment");
    let body: String = sqlx::query_scalar("select body from comments where id = $1")
        .bind(ids[1])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(body, "Something else entirely.", "the edit was rolled back");

    // A moderator account whose email is taken (in another case).
    let taken = format!("taken-{tag}@news.example");
    for (email, expected) in [(taken.clone(), 201), (taken.to_uppercase(), 409)] {
        let resp = app
            .authed(Method::POST, "/api/v1/admin/moderators", &admin)
            .json(&json!({"email": email, "password": PASSWORD, "role": "moderator"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected);
        if expected == 409 {
            let v: Value = resp.json().await.unwrap();
            assert_eq!(v["error"]["code"], "email_taken");
        }
    }

    // The server saw both violations, and logged neither row's values.
    let Some(log) = cluster_log().await else {
        return; // DATABASE_URL: that server's log is not ours to read.
    };
    assert!(
        log.contains("comments_no_duplicate") && log.contains("moderators_email_key"),
        "both violations reach the log by constraint name"
    );
    for secret in [&commenter, &tag] {
        assert!(
            !log.to_lowercase().contains(&secret.to_lowercase()),
            "the database log holds a row value ({secret})"
        );
    }
}
