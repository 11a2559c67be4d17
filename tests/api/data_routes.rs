//! The HTTP side of settings, export and privacy: thin handlers over the
//! cores tested in export.rs and privacy.rs.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn admins_read_and_patch_settings_field_by_field() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.login_as("admin").await;
    let v: Value = app
        .authed(Method::GET, "/api/v1/admin/settings", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["approval_mode"], "first_time");
    assert_eq!(v["max_links"], 2);
    assert_eq!(v["languages"], json!(["ar", "en"]));

    // Every bad field is named, and nothing is written.
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"approval_mode": "sometimes", "max_links": 0, "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["error"]["fields"]["approval_mode"][0]["code"],
        "invalid_value"
    );
    assert_eq!(v["error"]["fields"]["max_links"][0]["code"], "out_of_range");
    assert_eq!(v["error"]["fields"]["colour"][0]["code"], "unknown_field");
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .header("Content-Type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"approval_mode": "none", "held_words": ["casino"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["approval_mode"], "none");
    assert_eq!(v["max_links"], 2, "fields not named are kept");
    // At once on this instance.
    let c: Value = app
        .post_json(&comment("a1", "published straight away"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["status"], "approved");
    let (fields,): (Value,) = sqlx::query_as(
        "select details -> 'fields' from audit_events where action = 'settings.changed' and moderator_id = $1",
    )
    .bind(admin_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(fields, json!(["approval_mode", "held_words"]));
}

#[tokio::test]
async fn origins_added_in_settings_are_allowed_for_cors_and_redirects() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"allowed_origins": ["https://ar.news.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["allowed_origins"],
        json!(["https://ar.news.example"]),
        "{v}"
    );
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "1"),
                ("author", "Omar"),
                ("email", "omar@example.org"),
                ("comment", "hi"),
            ],
            &[("Referer", "https://ar.news.example/p/1")],
        )
        .await;
    assert_eq!(resp.status(), 303);
}

async fn seed_many(app: &TestApp, n: i64) {
    app.seed_sql(&[
        "insert into articles (id) values ('bulk') on conflict do nothing",
        &format!(
            "insert into comments (article_id, author_name, author_email, avatar, body, body_html, body_fingerprint, status)
             select 'bulk', 'قارئ ' || g, 'r' || g || '@example.org', md5(g::text),
                    'تعليق ' || g, '<p>تعليق ' || g || '</p>', md5('f' || g), 'approved'
             from generate_series(1, {n}) g"
        ),
    ])
    .await;
}

#[tokio::test]
async fn moderators_stream_csv_with_a_dated_file_name_and_inert_formulas() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    let mut c = comment("a1", "=HYPERLINK(\"http://evil.example\")");
    c["author_name"] = json!("@admin");
    app.post_json(&c).await;
    let resp = app
        .authed(
            Method::GET,
            "/api/v1/export/comments?format=csv&status=pending",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        resp.headers()["content-disposition"],
        format!("attachment; filename=\"majlis-comments-{today}.csv\"").as_str()
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "BOM for spreadsheet programs"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("id,"));
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'@admin"));
    assert!(text.contains("\r\n"));

    let resp = app
        .authed(
            Method::GET,
            "/api/v1/export/comments?format=xml&since=yesterday",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert!(v["error"]["fields"].get("format").is_some());
    assert!(v["error"]["fields"].get("since").is_some());
}

/// The `export.finished` audit event of this test's database (written when
/// the export's stream ends or is dropped), waiting a little for it.
async fn export_finished(app: &TestApp) -> Value {
    for _ in 0..100 {
        let row: Option<(sqlx::types::Json<Value>,)> = sqlx::query_as(
            "select details from audit_events where action = 'export.finished'
             order by id desc limit 1",
        )
        .fetch_optional(&app.pool)
        .await
        .unwrap();
        if let Some((details,)) = row {
            return details.0;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no export.finished event: the export's stream was never dropped");
}

#[tokio::test]
async fn a_client_that_disconnects_stops_the_export() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    let rows = 60_000;
    seed_many(&app, rows).await;
    let mut resp = app
        .authed(Method::GET, "/api/v1/export/comments?format=ndjson", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let first = resp.chunk().await.unwrap().unwrap();
    let line: Value = serde_json::from_slice(first.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert!(line.get("author_email").is_some(), "the private view");
    drop(resp);
    // The server notices the closed connection, drops the stream (no more
    // batches are read) and records how far it got.
    let finished = export_finished(&app).await;
    assert_eq!(finished["complete"], false, "{finished}");
    let sent = finished["rows"].as_i64().unwrap();
    assert!(sent < rows, "stopped early: {sent} of {rows}");
}

#[tokio::test]
async fn admins_export_and_erase_a_commenter_over_http() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.login_as("admin").await;
    let (moderator, _) = app.login_as("moderator").await;
    let v: Value = app
        .post_json(&comment("a1", "كلامي هنا"))
        .await
        .json()
        .await
        .unwrap();
    let id = v["id"].as_i64().unwrap();

    let resp = app
        .authed(
            Method::GET,
            "/api/v1/privacy/export?email=sara.reader%40EXAMPLE.com",
            &moderator,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "admins only");
    let resp = app
        .authed(
            Method::GET,
            "/api/v1/privacy/export?email=sara.reader%40EXAMPLE.com",
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["comments"][0]["id"], id);
    assert_eq!(v["comments"][0]["ip"], "127.0.0.1");
    let resp = app
        .authed(Method::GET, "/api/v1/privacy/export", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);

    let resp = app
        .authed(Method::POST, "/api/v1/privacy/erase", &admin)
        .json(&json!({"email": "SARA.reader@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["comments_erased"], 1);
    assert_eq!(report["erased_before"], false);
    let (name, email, ip, body): (String, String, Option<String>, String) = sqlx::query_as(
        "select author_name, author_email, host(ip), body from comments where id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(name, "مجهول", "the site's language (Arabic by default)");
    assert_eq!(email, "");
    assert_eq!(ip, None);
    assert_eq!(body, "كلامي هنا", "the text stays");
    let audit: Vec<String> =
        sqlx::query_scalar("select details::text from audit_events where moderator_id = $1")
            .bind(admin_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(
        audit
            .iter()
            .all(|d| !d.to_lowercase().contains("sara.reader"))
    );
    let again: Value = app
        .authed(Method::POST, "/api/v1/privacy/erase", &admin)
        .json(&json!({"email": "sara.reader@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["erased_before"], true);
}
