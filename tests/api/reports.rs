//! Reader reports: the threshold in distinct networks, crossed once under
//! concurrency; one report per reader; what moderators see and how their
//! decision resolves the reports; the doubled threshold after a moderator
//! kept a comment; the learner untouched by reports; limits and erasure.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};

/// An app that believes `X-Forwarded-For` from loopback, so each test
/// reader can come from an address of its own.
async fn app_with(settings: Value) -> TestApp {
    TestApp::spawn_full(
        |c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()],
        settings,
    )
    .await
}

/// A report on comment `id` from `ip`, with `token` as the reader token.
async fn report(
    app: &TestApp,
    id: i64,
    ip: &str,
    token: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut body = body;
    if let Some(t) = token {
        body["reader_token"] = json!(t);
    }
    app.client
        .post(app.url(&format!("/api/v1/comments/{id}/reports")))
        .header("X-Forwarded-For", ip)
        .header("Accept-Language", "en")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A reader token for reader `n`.
fn reader(n: usize) -> String {
    format!("reader-token-{n:04}-abcdef")
}

async fn published(app: &TestApp, article: &str, text: &str) -> i64 {
    let resp = app.post_json(&comment(article, text)).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "approved");
    v["id"].as_i64().unwrap()
}

async fn status_of(app: &TestApp, id: i64) -> (String, i32) {
    sqlx::query_as("select status, open_reports from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn events(app: &TestApp, id: i64, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_events where comment_id = $1 and action = $2")
        .bind(id)
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn ten_simultaneous_reports_hold_the_comment_exactly_once() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let id = published(&app, "a/reported", "تعليق سيبلغ عنه القراء").await;
    let other = published(&app, "a/reported", "تعليق آخر يبقى").await;
    let sends = (0..10).map(|n| {
        let app = &app;
        let ip = format!("198.51.{n}.7");
        let token = reader(n);
        async move {
            report(
                app,
                id,
                &ip,
                Some(&token),
                json!({"reason": "abuse", "note": format!("note {n}")}),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(sends).await;
    let mut bodies = Vec::new();
    let mut gone = 0;
    for resp in answers {
        match resp.status().as_u16() {
            202 => bodies.push(resp.json::<Value>().await.unwrap()),
            404 => {
                // After the hold the comment is not published: not found,
                // like any comment that left the thread.
                let v: Value = resp.json().await.unwrap();
                assert_eq!(v["error"]["code"], "comment_not_found");
                gone += 1;
            }
            s => panic!("unexpected {s}"),
        }
    }
    // The reports queue on the comment's row: the first three count (the
    // third holds it), the seven after find it gone.
    assert_eq!((bodies.len(), gone), (3, 7));
    // Every counted reader is told the same, whatever their report did.
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert_eq!(
        bodies[0],
        json!({"received": true, "message": "Thank you. Our moderators will review this comment."})
    );
    assert_eq!(status_of(&app, id).await, ("pending".to_owned(), 3));
    assert_eq!(events(&app, id, "comment.reported").await, 1);
    let reasons: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(reasons.to_string().contains("\"reported\""), "{reasons}");
    // Out of the thread at once; the other comment stays.
    let listed: Value = app
        .get("/api/v1/articles/a/reported/comments")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = listed["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![other]);
    assert_eq!(
        app.get(&format!("/api/v1/comments/{id}")).await.status(),
        404
    );
    // No address or token is stored in clear.
    let keys: Vec<(String, String)> =
        sqlx::query_as("select reader_key, network_key from comment_reports")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(keys.len(), 3);
    for (r, n) in keys {
        assert!(
            !r.contains("reader-token") && !n.contains("198.51"),
            "{r} {n}"
        );
    }
}

#[tokio::test]
async fn a_reader_counts_once_and_a_network_counts_once() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let id = published(&app, "a/once", "A remark some readers dislike").await;
    // One reader (one token) from three networks: one report.
    for ip in ["198.51.100.1", "203.0.113.1", "192.0.2.1"] {
        let resp = report(&app, id, ip, Some(&reader(1)), json!({"reason": "spam"})).await;
        assert_eq!(resp.status(), 202);
    }
    assert_eq!(status_of(&app, id).await, ("approved".to_owned(), 1));
    // Two more readers in the first reader's /24: three readers, one
    // network.
    for (n, ip) in [(2, "198.51.100.2"), (3, "198.51.100.3")] {
        let resp = report(&app, id, ip, Some(&reader(n)), json!({"reason": "spam"})).await;
        assert_eq!(resp.status(), 202);
    }
    assert_eq!(status_of(&app, id).await, ("approved".to_owned(), 3));
    // Without a token the address is the reader: twice from one address
    // counts once.
    for _ in 0..2 {
        let resp = report(&app, id, "203.0.113.50", None, json!({"reason": "other"})).await;
        assert_eq!(resp.status(), 202);
    }
    assert_eq!(status_of(&app, id).await, ("approved".to_owned(), 4));
    // A third network: held.
    let resp = report(
        &app,
        id,
        "192.0.2.9",
        Some(&reader(4)),
        json!({"reason": "abuse"}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    assert_eq!(status_of(&app, id).await, ("pending".to_owned(), 5));
}

#[tokio::test]
async fn only_published_comments_take_reports_and_bad_reports_are_422() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "all"})).await;
    let resp = app.post_json(&comment("a/held", "Held for review")).await;
    let held = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    for id in [held, 999_999] {
        let resp = report(&app, id, "198.51.100.1", None, json!({"reason": "spam"})).await;
        assert_eq!(resp.status(), 404);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "comment_not_found");
    }
    let resp = app
        .client
        .post(app.url("/api/v1/comments/abc/reports"))
        .json(&json!({"reason": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let (admin, _) = app.login_as("admin").await;
    app.authed(
        Method::PATCH,
        &format!("/api/v1/moderation/comments/{held}"),
        &admin,
    )
    .json(&json!({"status": "approved"}))
    .send()
    .await
    .unwrap();
    for (body, field, code) in [
        (json!({}), "reason", "required"),
        (json!({"reason": "hate"}), "reason", "invalid_value"),
        (json!({"reason": 5}), "reason", "invalid_value"),
        (
            json!({"reason": "other", "note": "x".repeat(501)}),
            "note",
            "too_long",
        ),
        (
            json!({"reason": "other", "note": format!("{}x", " ".repeat(500))}),
            "note",
            "too_long",
        ),
        (
            json!({"reason": "other", "note": "\t"}),
            "note",
            "control_characters",
        ),
        (
            json!({"reason": "other", "note": "first line\r\nsecond"}),
            "note",
            "control_characters",
        ),
        (
            json!({"reason": "other", "reader_token": "short"}),
            "reader_token",
            "invalid_value",
        ),
    ] {
        let resp = report(&app, held, "198.51.100.1", None, body.clone()).await;
        assert_eq!(resp.status(), 422, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["fields"][field][0]["code"], code, "{body}: {v}");
    }
    assert_eq!(status_of(&app, held).await, ("approved".to_owned(), 0));
    // A note of several lines (the widget's text area) keeps its lines.
    let resp = report(
        &app,
        held,
        "198.51.100.1",
        None,
        json!({"reason": "other", "note": " first line\nsecond line \n"}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    let note: String = sqlx::query_scalar("select note from comment_reports where comment_id = $1")
        .bind(held)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(note, "first line\nsecond line");
}

#[tokio::test]
async fn moderators_see_reports_and_their_decision_resolves_them() {
    let app = app_with(json!({
        "flood_interval_seconds": 0, "approval_mode": "all", "report_threshold": 2
    }))
    .await;
    let (admin, _) = app.login_as("admin").await;
    let decide = |id: i64, status: &str| {
        app.authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &admin,
        )
        .json(&json!({"status": status}))
        .send()
    };
    let mut ids = Vec::new();
    for text in [
        "First, reported once",
        "Second, reported twice",
        "Third, never",
    ] {
        let resp = app.post_json(&comment("a/queue", text)).await;
        let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        assert_eq!(decide(id, "approved").await.unwrap().status(), 200);
        ids.push(id);
    }
    let trained = |id: i64| {
        sqlx::query_scalar::<_, String>(
            "select trained_as from spam_training where comment_id = $1",
        )
        .bind(id)
        .fetch_one(&app.pool)
    };
    assert_eq!(trained(ids[1]).await.unwrap(), "ham");
    report(
        &app,
        ids[0],
        "198.51.100.1",
        Some(&reader(1)),
        json!({"reason": "off_topic"}),
    )
    .await;
    report(
        &app,
        ids[1],
        "198.51.100.1",
        Some(&reader(1)),
        json!({"reason": "abuse", "note": "insults another reader"}),
    )
    .await;
    report(
        &app,
        ids[1],
        "203.0.113.1",
        Some(&reader(2)),
        json!({"reason": "misinformation"}),
    )
    .await;
    // Fresh reader tokens are free, networks are not: four more readers in
    // the first reader's /24 make five reports from one network.
    for n in 10..14 {
        let resp = report(
            &app,
            ids[0],
            &format!("198.51.100.{n}"),
            Some(&reader(n)),
            json!({"reason": "off_topic"}),
        )
        .await;
        assert_eq!(resp.status(), 202);
    }
    // The second is held (two networks), the first is still published.
    assert_eq!(status_of(&app, ids[1]).await.0, "pending");
    assert_eq!(status_of(&app, ids[0]).await, ("approved".to_owned(), 5));
    // What its approval taught the learner stays until a moderator decides.
    assert_eq!(trained(ids[1]).await.unwrap(), "ham");

    let counts = app.read("/api/v1/moderation/counts", &admin).await;
    assert_eq!(counts["reported"], 2, "{counts}");
    let page = app
        .read(
            "/api/v1/moderation/comments?status=all&reported=true&order=reports&limit=1",
            &admin,
        )
        .await;
    let first = &page["comments"][0];
    assert_eq!(first["id"], ids[1]);
    assert_eq!(first["reports"]["count"], 2);
    assert_eq!(first["reports"]["networks"], 2);
    assert_eq!(
        first["reports"]["reasons"],
        json!({"abuse": 1, "misinformation": 1})
    );
    assert_eq!(first["reports"]["notes"], json!(["insults another reader"]));
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .read(
            &format!(
                "/api/v1/moderation/comments?status=all&reported=true&order=reports&cursor={cursor}"
            ),
            &admin,
        )
        .await;
    let rest_ids: Vec<i64> = rest["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(rest_ids, vec![ids[0]]);
    assert_eq!(rest["next_cursor"], Value::Null);
    // The unreported comment has no summary.
    let third = app
        .read(&format!("/api/v1/moderation/comments/{}", ids[2]), &admin)
        .await;
    assert_eq!(third["reports"], Value::Null);

    // Ranked by networks: the comment with two reports from two networks
    // comes before the one with five from one.
    assert_eq!(
        rest["comments"][0]["reports"],
        json!({"count": 5, "networks": 1, "reasons": {"off_topic": 5}, "notes": []})
    );
    // A moderator keeps the held comment: its reports are resolved, it is
    // back in the thread, and holding it again takes twice as many networks.
    assert_eq!(decide(ids[1], "approved").await.unwrap().status(), 200);
    assert_eq!(status_of(&app, ids[1]).await, ("approved".to_owned(), 0));
    assert_eq!(events(&app, ids[1], "comment.reports_resolved").await, 1);
    let resolved: Vec<String> =
        sqlx::query_scalar("select resolution from comment_reports where comment_id = $1")
            .bind(ids[1])
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(resolved, vec!["approved", "approved"]);
    for (n, ip) in [(3, "192.0.2.1"), (4, "198.51.101.1"), (5, "203.0.114.1")] {
        report(
            &app,
            ids[1],
            ip,
            Some(&reader(n)),
            json!({"reason": "abuse"}),
        )
        .await;
    }
    assert_eq!(status_of(&app, ids[1]).await, ("approved".to_owned(), 3));
    report(
        &app,
        ids[1],
        "192.0.3.1",
        Some(&reader(6)),
        json!({"reason": "abuse"}),
    )
    .await;
    assert_eq!(status_of(&app, ids[1]).await.0, "pending");
    // A decision to remove it resolves them too; its spam lesson replaces
    // the approval's.
    assert_eq!(decide(ids[1], "spam").await.unwrap().status(), 200);
    assert_eq!(status_of(&app, ids[1]).await, ("spam".to_owned(), 0));
    assert_eq!(trained(ids[1]).await.unwrap(), "spam");
    let counts = app.read("/api/v1/moderation/counts", &admin).await;
    assert_eq!(counts["reported"], 1, "{counts}");
}

#[tokio::test]
async fn one_address_sends_at_most_twenty_reports_an_hour_and_notes_are_erased() {
    let app = app_with(json!({
        "flood_interval_seconds": 0, "approval_mode": "none", "report_threshold": 0
    }))
    .await;
    let id = published(&app, "a/limit", "Reported by a busy address").await;
    for n in 0..20 {
        let resp = report(
            &app,
            id,
            "198.51.100.1",
            Some(&reader(n)),
            json!({"reason": "other", "note": "mentions the author by name"}),
        )
        .await;
        assert_eq!(resp.status(), 202, "report {n}");
    }
    let resp = report(
        &app,
        id,
        "198.51.100.1",
        Some(&reader(99)),
        json!({"reason": "other"}),
    )
    .await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    // A threshold of 0: reports reach moderators only.
    assert_eq!(status_of(&app, id).await, ("approved".to_owned(), 20));

    let (admin, _) = app.login_as("admin").await;
    let resp = app
        .authed(Method::POST, "/api/v1/privacy/erase", &admin)
        .json(&json!({"email": "Sara.Reader@Example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let erased: Value = resp.json().await.unwrap();
    assert_eq!(erased["report_notes_erased"], 20, "{erased}");
    let notes: i64 = sqlx::query_scalar(
        "select count(*) from comment_reports where comment_id = $1 and note is not null",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn an_authors_edit_does_not_republish_a_comment_reports_held() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let resp = app
        .post_json(&comment("a/edit-held", "Original text"))
        .await;
    let v: Value = resp.json().await.unwrap();
    let (id, token) = (
        v["id"].as_i64().unwrap(),
        v["edit_token"].as_str().unwrap().to_owned(),
    );
    for (n, ip) in [(1, "198.51.100.1"), (2, "203.0.113.1"), (3, "192.0.2.1")] {
        report(&app, id, ip, Some(&reader(n)), json!({"reason": "abuse"})).await;
    }
    assert_eq!(status_of(&app, id).await.0, "pending");
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/comments/{id}")))
        .bearer_auth(&token)
        .json(&json!({"body": "Softened text"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "pending");
    assert_eq!(status_of(&app, id).await, ("pending".to_owned(), 3));
    // Moderators still see why it waits.
    let reasons: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        reasons
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "reported" && r["detail"] == "reported by readers in 3 networks"),
        "{reasons}"
    );
    // Withdrawn by its author: nothing is left to decide about the
    // reports, and the Reported queue no longer shows it.
    let resp = app.withdraw(id, &token).await;
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(status_of(&app, id).await, ("rejected".to_owned(), 0));
    let open: i64 = sqlx::query_scalar(
        "select count(*) from comment_reports where comment_id = $1 and resolution = 'rejected'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(open, 3);
}
