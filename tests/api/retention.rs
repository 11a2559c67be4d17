//! Retention: old spam and rejected comments are deleted with their
//! personal data, leaving tombstones and a whole audit log; legal holds
//! exempt comments and authors from that and from erasure until lifted.

use crate::harness::{SeedComment, TestApp};
use majlis::domain::ModerationSettings;
use majlis::domain::SiteId;
use majlis::usecases::retention::{Purged, clear_network_data, purge};
use reqwest::Method;
use serde_json::{Value, json};

async fn seed(app: &TestApp, status: &str, email: &str, days_old: i32) -> i64 {
    let id = app
        .seed_comment(&SeedComment {
            status,
            author_email: email,
            article_id: "2026/12/retention",
            ..SeedComment::default()
        })
        .await;
    sqlx::query("update comments set created_at = now() - make_interval(days => $2) where id = $1")
        .bind(id)
        .bind(days_old)
        .execute(&app.pool)
        .await
        .unwrap();
    id
}

async fn exists(app: &TestApp, id: i64) -> bool {
    sqlx::query_scalar("select exists (select 1 from comments where id = $1)")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn hold(app: &TestApp, admin: &str, body: Value) -> Value {
    let resp = app
        .authed(Method::POST, "/api/v1/admin/legal-holds", admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn old_spam_and_rejected_comments_go_leaving_tombstones_and_their_history() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"purge_spam_after_days": 30, "purge_rejected_after_days": 60}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let settings: Value = resp.json().await.unwrap();
    assert_eq!(settings["purge_spam_after_days"], 30, "{settings}");

    // Decided spam by a moderator (so the learner has a training row).
    let old_spam = seed(&app, "pending", "spammer@example.com", 0).await;
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{old_spam}"),
            &admin,
        )
        .json(&json!({"status": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    sqlx::query("update comments set created_at = now() - interval '40 days' where id = $1")
        .bind(old_spam)
        .execute(&app.pool)
        .await
        .unwrap();
    let new_spam = seed(&app, "spam", "spammer@example.com", 2).await;
    let rejected_70 = seed(&app, "rejected", "troll@example.com", 70).await;
    let rejected_40 = seed(&app, "rejected", "troll@example.com", 40).await;
    let old_pending = seed(&app, "pending", "reader@example.com", 40).await;
    let held_comment = seed(&app, "spam", "spammer@example.com", 40).await;
    let held_author = seed(&app, "spam", "Witness@Example.com", 40).await;
    let parent = seed(&app, "spam", "spammer@example.com", 40).await;
    let reply = seed(&app, "approved", "reader@example.com", 1).await;
    sqlx::query("update comments set parent_id = $1 where id = $2")
        .bind(parent)
        .bind(reply)
        .execute(&app.pool)
        .await
        .unwrap();
    hold(
        &app,
        &admin,
        json!({"comment_id": held_comment, "reason": "case 17/2026"}),
    )
    .await;
    let author_hold = hold(
        &app,
        &admin,
        json!({"author_email": "witness@example.com", "reason": "court order"}),
    )
    .await;

    let settings = ModerationSettings {
        purge_spam_after_days: 30,
        purge_rejected_after_days: 60,
        ..ModerationSettings::default()
    };
    let done = purge(&app.pool, &SiteId::default_site(), &settings)
        .await
        .unwrap();
    assert_eq!(
        done,
        Purged {
            spam: 1,
            rejected: 1,
            busy: false
        }
    );
    for (id, kept) in [
        (old_spam, false),
        (rejected_70, false),
        (new_spam, true),
        (rejected_40, true),
        (old_pending, true),
        (held_comment, true),
        (held_author, true),
        (parent, true),
        (reply, true),
    ] {
        assert_eq!(exists(&app, id).await, kept, "comment {id}");
    }
    let tombstones: Vec<(i64, String, String)> =
        sqlx::query_as("select id, status, reason from comment_tombstones order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        tombstones,
        [
            (old_spam, "spam".to_owned(), "spam_retention".to_owned()),
            (
                rejected_70,
                "rejected".to_owned(),
                "rejected_retention".to_owned()
            ),
        ]
    );
    let trained: i64 =
        sqlx::query_scalar("select count(*) from spam_training where comment_id = $1")
            .bind(old_spam)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(trained, 0);
    // No personal data is left anywhere for it; its history stays whole.
    let leftovers: i64 = sqlx::query_scalar(
        "select count(*) from comments where author_email = 'spammer@example.com' and id = $1",
    )
    .bind(old_spam)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(leftovers, 0);
    let resp = app
        .authed(
            Method::GET,
            &format!("/api/v1/moderation/comments/{old_spam}"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        app.log_actions(&admin, old_spam).await,
        ["comment.status_changed", "comment.submitted"]
    );
    let log = app
        .read("/api/v1/moderation/log?action=comments.purged", &admin)
        .await;
    let counts: Vec<(&str, i64)> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["details"]["status"].as_str().unwrap(),
                e["details"]["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [("rejected", 1), ("spam", 1)]);

    // Nothing more to do; a lifted hold lets its comments go next time.
    assert_eq!(
        purge(&app.pool, &SiteId::default_site(), &settings)
            .await
            .unwrap(),
        Purged::default()
    );
    let resp = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/admin/legal-holds/{}", author_hold["id"]),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let lifted: Value = resp.json().await.unwrap();
    assert!(lifted["lifted_at"].is_string());
    let done = purge(&app.pool, &SiteId::default_site(), &settings)
        .await
        .unwrap();
    assert_eq!(done.spam, 1);
    assert!(!exists(&app, held_author).await);
    assert!(exists(&app, held_comment).await);
}

#[tokio::test]
async fn a_legal_hold_stops_erasure_until_it_is_lifted() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let id = seed(&app, "approved", "layla@example.com", 3).await;
    let placed = hold(&app, &admin, json!({"comment_id": id, "reason": "inquiry"})).await;
    assert_eq!(placed["comment_id"], id);
    assert_eq!(placed["author_email"], Value::Null);

    let erase = || async {
        app.authed(Method::POST, "/api/v1/privacy/erase", &admin)
            .json(&json!({"email": "Layla@example.com"}))
            .send()
            .await
            .unwrap()
    };
    let resp = erase().await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "legal_hold", "{body}");
    let name: String = sqlx::query_scalar("select author_email from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "layla@example.com", "nothing was erased");

    let holds = app.read("/api/v1/admin/legal-holds", &admin).await;
    assert_eq!(holds[0]["id"], placed["id"]);
    assert_eq!(holds[0]["reason"], "inquiry");
    let path = format!("/api/v1/admin/legal-holds/{}", placed["id"]);
    let resp = app
        .authed(Method::DELETE, &path, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .authed(Method::DELETE, &path, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "a lifted hold cannot be lifted again");
    assert_eq!(erase().await.status(), 200);

    // Both steps are in the log, with no email in them.
    let log = app.read("/api/v1/moderation/log", &admin).await;
    let text = log.to_string();
    assert!(text.contains("legal_hold.placed") && text.contains("legal_hold.lifted"));
    assert!(!text.to_lowercase().contains("layla@example.com"));

    // Bad requests name their field.
    for (body, field) in [
        (json!({"reason": "x"}), "comment_id"),
        (json!({"comment_id": id}), "reason"),
        (
            json!({"author_email": "nope", "reason": "x"}),
            "author_email",
        ),
        (json!({"comment_id": "seven", "reason": "x"}), "comment_id"),
        (
            json!({"comment_id": null, "author_email": "a@news.example", "reason": "x"}),
            "comment_id",
        ),
    ] {
        let resp = app
            .authed(Method::POST, "/api/v1/admin/legal-holds", &admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{body}");
        let e: Value = resp.json().await.unwrap();
        assert!(e["error"]["fields"][field].is_array(), "{body}: {e}");
    }
    let resp = app
        .authed(Method::POST, "/api/v1/admin/legal-holds", &admin)
        .json(&json!({"comment_id": 999_999_999, "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"purge_spam_after_days": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
}

/// The address, user agent and referrer of a comment, and when it last
/// changed.
async fn network_data(
    app: &TestApp,
    id: i64,
) -> (
    Option<String>,
    Option<String>,
    Option<String>,
    chrono::DateTime<chrono::Utc>,
) {
    sqlx::query_as("select host(ip), user_agent, referrer, updated_at from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn old_comments_lose_their_address_user_agent_and_referrer_unless_held() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let settings = app.read("/api/v1/admin/settings", &admin).await;
    // Thirty days by default (the harness stores 0 so that no test's old
    // comments lose their addresses under it).
    assert_eq!(ModerationSettings::default().ip_retention_days, 30);
    assert_eq!(settings["ip_retention_days"], 0, "{settings}");
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"ip_retention_days": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);

    let old = seed(&app, "approved", "reader@example.com", 45).await;
    let old_spam = seed(&app, "spam", "bot@example.com", 31).await;
    let recent = seed(&app, "approved", "reader@example.com", 20).await;
    let held_comment = seed(&app, "approved", "other@example.com", 60).await;
    let held_author = seed(&app, "approved", "Witness@Example.com", 60).await;
    sqlx::query(
        "update comments set user_agent = 'Mozilla/5.0 (X11; Linux x86_64)',
             referrer = 'https://news.example/2026/12/retention',
             updated_at = now() - interval '7 days'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    hold(
        &app,
        &admin,
        json!({"comment_id": held_comment, "reason": "case 18/2026"}),
    )
    .await;
    hold(
        &app,
        &admin,
        json!({"author_email": "witness@example.com", "reason": "court order"}),
    )
    .await;
    let before = network_data(&app, old).await;
    assert_eq!(before.0.as_deref(), Some("203.0.113.7"));

    let sites = [(SiteId::default_site(), 30)];
    let done = clear_network_data(&app.pool, &sites).await.unwrap();
    assert_eq!(done.sites, vec![(SiteId::default_site(), 2)]);
    assert!(!done.busy);
    for (id, cleared) in [
        (old, true),
        (old_spam, true),
        (recent, false),
        (held_comment, false),
        (held_author, false),
    ] {
        let (ip, agent, referrer, _) = network_data(&app, id).await;
        assert_eq!(
            (ip.is_none(), agent.is_none(), referrer.is_none()),
            (cleared, cleared, cleared),
            "comment {id}"
        );
    }
    // Clearing is not a change of the comment: its text, status and
    // last change stay.
    let after = network_data(&app, old).await;
    assert_eq!(after.3, before.3);
    let old_view = app
        .read(&format!("/api/v1/moderation/comments/{old}"), &admin)
        .await;
    assert_eq!(old_view["status"], "approved");
    assert!(old_view["ip"].is_null(), "{old_view}");

    // One audit event for the run, with its counts and no addresses.
    let log = app
        .read(
            "/api/v1/moderation/log?action=comments.network_data_cleared",
            &admin,
        )
        .await;
    let events = log["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{log}");
    assert_eq!(events[0]["details"]["count"], 2);
    assert_eq!(events[0]["details"]["sites"]["default"]["count"], 2);
    assert_eq!(
        events[0]["details"]["sites"]["default"]["older_than_days"],
        30
    );
    assert!(!log.to_string().contains("203.0.113"));

    // A second run finds nothing and records nothing; 0 days keeps all.
    let again = clear_network_data(&app.pool, &sites).await.unwrap();
    assert_eq!(again.total(), 0);
    let keep = clear_network_data(&app.pool, &[(SiteId::default_site(), 0)])
        .await
        .unwrap();
    assert_eq!(keep.total(), 0);
    assert_eq!(
        network_data(&app, recent).await.0.as_deref(),
        Some("203.0.113.7")
    );
    let log = app
        .read(
            "/api/v1/moderation/log?action=comments.network_data_cleared",
            &admin,
        )
        .await;
    assert_eq!(log["events"].as_array().unwrap().len(), 1);
}
