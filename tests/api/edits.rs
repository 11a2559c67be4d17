//! The commenter's edit window: the token of the 201, edits judged again,
//! withdrawal, the window closing, revisions for moderators and privacy.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};

/// Posts a comment as JSON and returns the 201's body.
async fn posted(app: &TestApp, body: &Value) -> Value {
    let resp = app.post_json(body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// Posts a comment as JSON: its id and edit token.
async fn posted_own(app: &TestApp, body: &Value) -> (i64, String) {
    let c = posted(app, body).await;
    (
        c["id"].as_i64().unwrap(),
        c["edit_token"].as_str().unwrap().to_owned(),
    )
}

/// A moderator's `PATCH /api/v1/moderation/comments/{id}` with `change`.
async fn moderate(app: &TestApp, admin: &str, id: i64, change: Value) -> reqwest::Response {
    app.authed(
        Method::PATCH,
        &format!("/api/v1/moderation/comments/{id}"),
        admin,
    )
    .json(&change)
    .send()
    .await
    .unwrap()
}

/// `PATCH /api/v1/comments/{id}` with `body` and the edit token.
async fn edit_as(app: &TestApp, id: i64, token: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/comments/{id}")))
        .header("Accept-Language", "en")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn row(app: &TestApp, id: i64) -> (String, String, f64, i32) {
    sqlx::query_as("select status, body, spam_score, version from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The comment's latest audit event as `actor action old->new`.
async fn last_event(app: &TestApp, id: i64) -> String {
    let (actor, action, old, new): (String, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "select actor, action, old_status, new_status from audit_events
             where comment_id = $1 order by id desc limit 1",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    format!(
        "{actor} {action} {}->{}",
        old.unwrap_or_default(),
        new.unwrap_or_default()
    )
}

#[tokio::test]
async fn the_author_edits_within_the_window_and_the_old_text_is_kept() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let c = posted(&app, &comment("a/edit", "تعليق فيه خطأ مطبعي")).await;
    let id = c["id"].as_i64().unwrap();
    let token = c["edit_token"].as_str().unwrap().to_owned();
    assert_eq!(c["status"], "approved");
    let until = chrono::DateTime::parse_from_rfc3339(c["edit_until"].as_str().unwrap()).unwrap();
    let left = until.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        left > chrono::Duration::minutes(14) && left <= chrono::Duration::minutes(15),
        "{left}"
    );
    // The token is stored only as its hash.
    let stored: Vec<u8> = sqlx::query_scalar("select edit_token_hash from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&token));

    let resp = edit_as(&app, id, &token, json!({"body": "تعليق بلا خطأ مطبعي"})).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["body"], "تعليق بلا خطأ مطبعي");
    let reasons: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(v["status"], "approved", "{reasons}");
    assert!(v.get("edit_token").is_none());
    let (status, body, _, version) = row(&app, id).await;
    assert_eq!(
        (status.as_str(), body.as_str(), version),
        ("approved", "تعليق بلا خطأ مطبعي", 2)
    );
    let listed = app
        .get("/api/v1/articles/a/edit/comments")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(listed["comments"][0]["body"], "تعليق بلا خطأ مطبعي");
    assert_eq!(
        last_event(&app, id).await,
        "author comment.edited approved->approved"
    );

    // Moderators see the earlier text; a moderator's edit keeps one too.
    let (admin, _) = app.login_as("admin").await;
    let resp = moderate(&app, &admin, id, json!({"body": "نص عدّله المشرف"})).await;
    assert_eq!(resp.status(), 200);
    let detail = app
        .read(&format!("/api/v1/moderation/comments/{id}"), &admin)
        .await;
    let revisions = detail["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["body"], "تعليق فيه خطأ مطبعي");
    assert_eq!(revisions[0]["edited_by"], "author");
    assert_eq!(revisions[1]["body"], "تعليق بلا خطأ مطبعي");
    assert_eq!(revisions[1]["edited_by"], "moderator");

    // The same text again changes nothing.
    let resp = edit_as(&app, id, &token, json!({"body": "نص عدّله المشرف"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(row(&app, id).await.3, 3);

    // A privacy export lists the revisions; an erasure deletes them.
    let export = app
        .read(
            "/api/v1/privacy/export?email=sara.reader@example.com",
            &admin,
        )
        .await;
    assert_eq!(export["revisions"].as_array().unwrap().len(), 2);
    let resp = app
        .authed(Method::POST, "/api/v1/privacy/erase", &admin)
        .json(&json!({"email": "sara.reader@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["revisions_erased"], 2);
    let left: i64 = sqlx::query_scalar("select count(*) from comment_revisions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_edit_is_judged_again_as_a_new_submission_would_be() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "all", "blocked_words": ["كازينو"]}),
    )
    .await;
    let c = posted(&app, &comment("a/judge", "رأي هادئ في المقال")).await;
    let id = c["id"].as_i64().unwrap();
    let token = c["edit_token"].as_str().unwrap().to_owned();
    assert_eq!(c["status"], "pending");
    // A moderator approves it; its author then edits it: under
    // `approval_mode` all it goes back to the queue, out of the thread.
    let (admin, _) = app.login_as("admin").await;
    moderate(&app, &admin, id, json!({"status": "approved"})).await;
    let trained: i64 =
        sqlx::query_scalar("select count(*) from spam_training where comment_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(trained, 1, "the approval taught the learner");
    let resp = edit_as(&app, id, &token, json!({"body": "رأي هادئ، بعد التعديل"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "pending");
    assert_eq!(row(&app, id).await.0, "pending");
    let listed = app
        .get("/api/v1/articles/a/judge/comments")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(listed["comments"].as_array().unwrap().len(), 0);
    // What the approval taught was about the old text: forgotten.
    let trained: i64 =
        sqlx::query_scalar("select count(*) from spam_training where comment_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(trained, 0);
    assert_eq!(
        last_event(&app, id).await,
        "author comment.edited approved->pending"
    );

    // Edited into spam: the spam rules score it; its author reads `pending`.
    let resp = edit_as(
        &app,
        id,
        &token,
        json!({"body": "كازينو كازينو http://a.example http://b.example http://c.example"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "pending");
    let (status, _, score, _) = row(&app, id).await;
    assert_eq!(status, "spam");
    assert!(score >= 10.0, "{score}");
    let reasons: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        reasons.to_string().contains("\"blocked_word\""),
        "{reasons}"
    );
    // Spam is no longer its author's to change: an edit cannot be a way to
    // have it judged again until it passes.
    let resp = edit_as(&app, id, &token, json!({"body": "رأي هادئ من جديد"})).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(row(&app, id).await.0, "spam");
}

#[tokio::test]
async fn withdrawing_rejects_the_comment_and_tokens_open_only_their_comment() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let a = posted(&app, &comment("a/withdraw", "سأسحب هذا التعليق")).await;
    let b = posted(&app, &comment("a/withdraw", "وهذا يبقى")).await;
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let a_token = a["edit_token"].as_str().unwrap().to_owned();

    // No token: 401; another comment's token, or a made-up one: 404.
    let resp = app
        .client
        .delete(app.url(&format!("/api/v1/comments/{a_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = app.withdraw(b_id, &a_token).await;
    assert_eq!(resp.status(), 404);
    let forged = "A".repeat(43);
    let resp = edit_as(&app, a_id, &forged, json!({"body": "x y"})).await;
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "comment_not_found");

    let resp = app.withdraw(a_id, &a_token).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(row(&app, a_id).await.0, "rejected");
    assert_eq!(row(&app, b_id).await.0, "approved");
    assert_eq!(
        last_event(&app, a_id).await,
        "author comment.withdrawn approved->rejected"
    );
    let listed = app
        .get("/api/v1/articles/a/withdraw/comments")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1);
    // The token is forgotten with the withdrawal.
    let hash: Option<Vec<u8>> =
        sqlx::query_scalar("select edit_token_hash from comments where id = $1")
            .bind(a_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(hash, None);
    // Gone for its author too.
    let resp = app.withdraw(a_id, &a_token).await;
    assert_eq!(resp.status(), 404);
    let resp = edit_as(&app, a_id, &a_token, json!({"body": "عودة"})).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn after_the_window_edits_are_refused_and_form_posts_get_no_token() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let c = posted(&app, &comment("a/late", "كتبته قبل ساعة")).await;
    let id = c["id"].as_i64().unwrap();
    let token = c["edit_token"].as_str().unwrap().to_owned();
    sqlx::query("update comments set created_at = now() - interval '16 minutes' where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = edit_as(&app, id, &token, json!({"body": "تعديل متأخر"})).await;
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "edit_window_closed");
    assert_eq!(
        v["error"]["message"],
        "The time to edit or delete this comment has passed."
    );
    let resp = app.withdraw(id, &token).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(row(&app, id).await.0, "approved");

    // Bad bodies are 422 naming the field.
    let fresh = posted(&app, &comment("a/late", "تعليق جديد")).await;
    let (fid, ftoken) = (
        fresh["id"].as_i64().unwrap(),
        fresh["edit_token"].as_str().unwrap().to_owned(),
    );
    for bad in [json!({}), json!({"body": "   "}), json!({"body": 5})] {
        let resp = edit_as(&app, fid, &ftoken, bad.clone()).await;
        assert_eq!(resp.status(), 422, "{bad}");
        let v: Value = resp.json().await.unwrap();
        assert!(v["error"]["fields"]["body"].is_array(), "{bad}: {v}");
    }

    // A form post has nowhere to keep a token.
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "a/late"),
                ("author", "Omar"),
                ("email", "omar@example.com"),
                ("comment", "from the plain form"),
            ],
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["edit_token"], Value::Null);

    // A window of 0 gives no token at all.
    let (admin, _) = app.login_as("admin").await;
    app.authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"edit_window_minutes": 0}))
        .send()
        .await
        .unwrap();
    let v = posted(&app, &comment("a/late", "بلا مهلة تعديل")).await;
    assert_eq!(v["edit_token"], Value::Null);
    assert_eq!(v["edit_until"], Value::Null);
    // And the earlier token stops working at once.
    let resp = edit_as(&app, fid, &ftoken, json!({"body": "تعديل"})).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn edits_are_capped_carry_the_forms_cost_and_stop_at_a_closed_article() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    // Ten edits, then 429 `too_many_edits`.
    let (id, token) = posted_own(&app, &comment("a/cap", "المسودة الأولى")).await;
    for n in 1..=10 {
        let resp = edit_as(
            &app,
            id,
            &token,
            json!({"body": format!("المسودة رقم {n}")}),
        )
        .await;
        assert_eq!(resp.status(), 200, "edit {n}");
    }
    let resp = edit_as(&app, id, &token, json!({"body": "المسودة الأخيرة"})).await;
    assert_eq!(resp.status(), 429);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "too_many_edits");
    assert_eq!(row(&app, id).await.1, "المسودة رقم 10");
    let revisions: i64 =
        sqlx::query_scalar("select count(*) from comment_revisions where comment_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(revisions, 10);

    // What the posted form cost counts again in the edit: a comment that
    // was posted from a form filled in 0.2 s (8 points, kept in its
    // reasons) is held when edited, even under `approval_mode` none.
    let (id, token) = posted_own(&app, &comment("a/cap", "نص عادي")).await;
    sqlx::query(
        "update comments set spam_reasons = \
         '[{\"rule\": \"form_token\", \"score\": 8.0, \"detail\": \"too fast\"}]' \
         where id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
    let resp = edit_as(&app, id, &token, json!({"body": "نص عادي بعد التعديل"})).await;
    assert_eq!(resp.status(), 200);
    let (status, _, score, _) = row(&app, id).await;
    assert_eq!(status, "pending");
    assert!(score >= 5.0, "{score}");
    let reasons: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let carried = reasons
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "form_token")
        .unwrap_or_else(|| panic!("{reasons}"));
    assert_eq!(carried["score"], 8.0);

    // A closed article takes no edits; withdrawing stays possible.
    let (id, token) = posted_own(&app, &comment("a/cap", "قبل الإغلاق")).await;
    sqlx::query("update articles set closed = true where id = 'a/cap'")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = edit_as(&app, id, &token, json!({"body": "بعد الإغلاق"})).await;
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "comments_closed");
    assert_eq!(row(&app, id).await.1, "قبل الإغلاق");
    assert_eq!(app.withdraw(id, &token).await.status(), 204);
}

#[tokio::test]
async fn a_withdrawal_keeps_what_the_moderators_decision_taught() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "all"}),
    )
    .await;
    let (id, token) = posted_own(&app, &comment("a/keep", "تعليق يوافق عليه مشرف")).await;
    let (admin, _) = app.login_as("admin").await;
    let resp = moderate(&app, &admin, id, json!({"status": "approved"})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.withdraw(id, &token).await.status(), 204);
    let trained: Option<String> =
        sqlx::query_scalar("select trained_as from spam_training where comment_id = $1")
            .bind(id)
            .fetch_optional(&app.pool)
            .await
            .unwrap();
    assert_eq!(trained.as_deref(), Some("ham"));
}
