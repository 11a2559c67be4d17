//! Reasons a regulator can read: categories on decisions (audit log,
//! comment, export), the author's statement of reasons and one appeal,
//! readers as actors, erasure of the free text, and a transparency report
//! whose numbers are the audit log's.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};

async fn app() -> TestApp {
    TestApp::spawn_full(
        |c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()],
        json!({"flood_interval_seconds": 0, "approval_mode": "none", "report_threshold": 1}),
    )
    .await
}

/// A published comment and its edit token.
async fn published(app: &TestApp, text: &str, email: &str) -> (i64, String) {
    let mut c = comment("a/decisions", text);
    c["author_email"] = json!(email);
    let v: Value = app.post_json(&c).await.json().await.unwrap();
    assert_eq!(v["status"], "approved", "{v}");
    (
        v["id"].as_i64().unwrap(),
        v["edit_token"].as_str().unwrap().to_owned(),
    )
}

async fn decide(app: &TestApp, token: &str, id: i64, body: Value) -> reqwest::Response {
    app.authed(
        Method::PATCH,
        &format!("/api/v1/moderation/comments/{id}"),
        token,
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

async fn as_author(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Accept-Language", "ar");
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn a_rejection_states_its_reasons_and_its_author_may_appeal_once() {
    let app = app().await;
    let (admin, _) = app.login_as("admin").await;
    let (id, token) = published(&app, "A comment about a neighbour", "nadia@example.com").await;
    let decision = format!("/api/v1/comments/{id}/decision");
    // Published: nothing decided against it.
    let v: Value = as_author(&app, Method::GET, &decision, &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "approved");
    assert_eq!(v["decision"], Value::Null);
    assert_eq!(v["appeal"]["possible"], false);
    // A category with an approval is refused; a rejection carries one.
    let resp = decide(
        &app,
        &admin,
        id,
        json!({"status": "approved", "reason_category": "hate"}),
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["fields"]["reason_category"][0]["code"],
        "invalid_value"
    );
    let resp = decide(
        &app,
        &admin,
        id,
        json!({"status": "rejected", "reason_category": "personal_data",
               "reason": "names a private person's street"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let private: Value = resp.json().await.unwrap();
    assert_eq!(private["decision_category"], "personal_data");
    let (category, actor): (Option<String>, String) = sqlx::query_as(
        "select reason_category, actor from audit_events
         where comment_id = $1 and action = 'comment.status_changed'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (category.as_deref(), actor.as_str()),
        (Some("personal_data"), "moderator")
    );
    // The author reads why, in Arabic, after the edit window too.
    sqlx::query("update comments set created_at = now() - interval '2 days' where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let v: Value = as_author(&app, Method::GET, &decision, &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["decision"]["category"], "personal_data");
    assert_eq!(v["decision"]["category_label"], "بيانات شخصية للغير");
    assert_eq!(
        v["decision"]["explanation"],
        "names a private person's street"
    );
    assert_eq!(
        (&v["decision"]["decided_by"], &v["decision"]["automated"]),
        (&json!("moderator"), &json!(false))
    );
    assert_eq!(v["appeal"]["possible"], true);
    // The appeal: back in the queue, with the note for moderators.
    let appeal = format!("/api/v1/comments/{id}/appeal");
    let resp = as_author(
        &app,
        Method::POST,
        &appeal,
        &token,
        Some(json!({"note": "I removed\nthe street name"})),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (&v["status"], &v["appeal"]["possible"]),
        (&json!("pending"), &json!(false))
    );
    let queued = app
        .read(&format!("/api/v1/moderation/comments/{id}"), &admin)
        .await;
    assert_eq!(queued["status"], "pending");
    assert_eq!(queued["appeal"]["note"], "I removed\nthe street name");
    assert!(
        queued["spam_reasons"].to_string().contains("\"appeal\""),
        "{queued}"
    );
    let actor: String = sqlx::query_scalar(
        "select actor from audit_events where comment_id = $1 and action = 'comment.appealed'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(actor, "author");
    // Rejected again: final.
    assert_eq!(
        decide(&app, &admin, id, json!({"status": "rejected"}))
            .await
            .status(),
        200
    );
    let resp = as_author(&app, Method::POST, &appeal, &token, Some(json!({}))).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "appeal_not_possible"
    );
    // No token, a wrong one: 401, 404.
    let resp = app.client.get(app.url(&decision)).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = as_author(
        &app,
        Method::GET,
        &decision,
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        None,
    )
    .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn spam_reads_as_pending_to_its_author_and_cannot_be_appealed() {
    let app = app().await;
    let (admin, _) = app.login_as("admin").await;
    let (id, token) = published(&app, "Perfectly ordinary text", "omar@example.com").await;
    assert_eq!(
        decide(&app, &admin, id, json!({"status": "spam"}))
            .await
            .status(),
        200
    );
    let v: Value = as_author(
        &app,
        Method::GET,
        &format!("/api/v1/comments/{id}/decision"),
        &token,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (&v["status"], &v["decision"]),
        (&json!("pending"), &Value::Null)
    );
    let resp = as_author(
        &app,
        Method::POST,
        &format!("/api/v1/comments/{id}/appeal"),
        &token,
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), 409);
    // Spam without a chosen category is `spam`.
    let category: Option<String> =
        sqlx::query_scalar("select decision_category from comments where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(category.as_deref(), Some("spam"));
}

#[tokio::test]
async fn the_transparency_report_counts_what_the_audit_log_holds() {
    let app = app().await;
    let (admin, _) = app.login_as("admin").await;
    // Automatic: a honeypot's spam, and a report that held a comment.
    let mut bot = comment("a/decisions", "Visit my page");
    bot["honeypot"] = json!("x");
    assert_eq!(app.post_json(&bot).await.status(), 201);
    let (reported, _) = published(&app, "Reported by a reader", "r1@example.com").await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/comments/{reported}/reports")))
        .header("X-Forwarded-For", "198.51.100.9")
        .json(&json!({"reason": "misinformation"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    // Manual: two rejections for abuse, one for hate, one approval (not
    // counted: it restricts nothing).
    let mut manual = Vec::new();
    for (n, category) in ["abuse", "abuse", "hate"].into_iter().enumerate() {
        let (id, _) = published(
            &app,
            &format!("Rude remark {n}"),
            &format!("m{n}@example.com"),
        )
        .await;
        let resp = decide(
            &app,
            &admin,
            id,
            json!({"status": "rejected", "reason_category": category}),
        )
        .await;
        assert_eq!(resp.status(), 200);
        manual.push(id);
    }
    assert_eq!(
        decide(&app, &admin, reported, json!({"status": "approved"}))
            .await
            .status(),
        200
    );
    let report = app.read("/api/v1/admin/transparency", &admin).await;
    assert_eq!(
        report["decisions"],
        json!({"total": 5, "automatic": 2, "manual": 3}),
        "{report}"
    );
    assert_eq!(
        report["by_category"]["abuse"],
        json!({"automatic": 0, "manual": 2})
    );
    assert_eq!(
        report["by_category"]["hate"],
        json!({"automatic": 0, "manual": 1})
    );
    assert_eq!(
        report["by_category"]["spam"],
        json!({"automatic": 1, "manual": 0})
    );
    assert_eq!(
        report["by_category"]["misinformation"],
        json!({"automatic": 1, "manual": 0})
    );
    assert_eq!(
        report["by_category"]["legal"],
        json!({"automatic": 0, "manual": 0})
    );
    assert_eq!(report["reports_received"], 1);
    // The same numbers, straight from the log.
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "select reason_category, actor, count(*) from audit_events
         where reason_category is not null group by 1, 2 order by 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (category, actor, n) in rows {
        let key = if actor == "system" {
            "automatic"
        } else {
            "manual"
        };
        assert_eq!(
            report["by_category"][&category][key], n,
            "{category} {actor}"
        );
    }
    let median: f64 = sqlx::query_scalar(
        "select percentile_cont(0.5) within group (order by extract(epoch from (e.at - c.created_at)))::float8
         from audit_events e join comments c on c.id = e.comment_id
         where e.actor = 'moderator' and e.reason_category is not null",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let got = report["median_seconds_to_decision"].as_f64().unwrap();
    assert!((got - median).abs() < 1e-6, "{got} vs {median}");
    // Readers act in the log under their own name.
    let readers: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where actor = 'reader' and action = 'comment.report_received'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(readers, 1);
    // A window before everything: zeros. A bad bound: 422.
    let empty = app
        .read(
            "/api/v1/admin/transparency?since=2001-01-01&until=2001-12-31",
            &admin,
        )
        .await;
    assert_eq!(empty["decisions"]["total"], 0);
    assert_eq!(empty["median_seconds_to_decision"], Value::Null);
    let resp = app
        .authed(
            Method::GET,
            "/api/v1/admin/transparency?since=yesterday",
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // The export carries the category and the text; an erasure forgets
    // the text, not the category.
    let csv = app
        .authed(Method::GET, "/api/v1/export/comments?format=csv", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with("decision_category,decision_reason,appealed_at,appeal_note"),
        "{csv}"
    );
    decide(
        &app,
        &admin,
        manual[0],
        json!({"status": "rejected", "reason": "insults m0's sister"}),
    )
    .await;
    decide(
        &app,
        &admin,
        manual[0],
        json!({"status": "spam", "reason": "insults m0's sister"}),
    )
    .await;
    let resp = app
        .authed(Method::POST, "/api/v1/privacy/erase", &admin)
        .json(&json!({"email": "m0@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.json::<Value>().await.unwrap()["decision_texts_erased"]
            .as_u64()
            .unwrap()
            >= 2
    );
    let left: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where comment_id = $1 and reason is not null",
    )
    .bind(manual[0])
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    let category: Option<String> =
        sqlx::query_scalar("select decision_category from comments where id = $1")
            .bind(manual[0])
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(category.as_deref(), Some("spam"));
    // Nothing else in the log can change.
    let refused = sqlx::query("update audit_events set action = 'x' where comment_id = $1")
        .bind(manual[0])
        .execute(&app.pool)
        .await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn decisions_on_purged_comments_stay_in_the_transparency_report() {
    use majlis::domain::settings::ModerationSettings;
    use majlis::domain::site::SiteId;
    use majlis::usecases::retention::purge;

    let app = app().await;
    let (admin, _) = app.login_as("admin").await;
    let (id, _) = published(&app, "An insult that will be purged", "p@example.com").await;
    let resp = decide(
        &app,
        &admin,
        id,
        json!({"status": "rejected", "reason_category": "abuse"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    sqlx::query("update comments set created_at = now() - interval '70 days' where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let path = "/api/v1/admin/transparency?site=default";
    let before = app.read(path, &admin).await;
    assert_eq!(
        before["by_category"]["abuse"],
        json!({"automatic": 0, "manual": 1}),
        "{before}"
    );
    assert!(before["median_seconds_to_decision"].as_f64().unwrap() > 69.0 * 86_400.0);

    let settings = ModerationSettings {
        purge_rejected_after_days: 60,
        ..ModerationSettings::default()
    };
    let done = purge(&app.pool, &SiteId::default_site(), &settings)
        .await
        .unwrap();
    assert_eq!(done.rejected, 1);
    let gone: i64 = sqlx::query_scalar("select count(*) from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(gone, 0, "the comment was purged");

    let after = app.read(path, &admin).await;
    assert_eq!(after["decisions"], before["decisions"], "{after}");
    assert_eq!(after["by_category"], before["by_category"]);
    assert_eq!(
        after["median_seconds_to_decision"],
        before["median_seconds_to_decision"]
    );
}
