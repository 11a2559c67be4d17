//! Issue 10: what hostile and careless clients sent, and the one mechanism
//! that reads every request (typed shapes): forged cursors, URLs, NUL,
//! invisible text, Content-Type, small wire defects.

use crate::harness::{TestApp, comment};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};

/// The field codes of a 422 answer, as `field: code`.
async fn field_codes(resp: reqwest::Response) -> Vec<String> {
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "validation_failed");
    v["error"]["fields"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(k, list)| {
            list.as_array()
                .unwrap()
                .iter()
                .map(move |e| format!("{k}: {}", e["code"].as_str().unwrap()))
        })
        .collect()
}

/// `GET path` with a bearer token.
async fn get_as(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.authed(Method::GET, path, token).send().await.unwrap()
}

async fn comment_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The timestamp 200,000 years ago that Postgres cannot hold.
const FORGED: &str = "LTYzMDcyMDAwMDAwMDAwMDAwMDA6MQ";

#[tokio::test]
async fn a_forged_cursor_is_invalid_cursor_on_the_public_list_and_the_queue() {
    let app = TestApp::spawn().await;
    let resp = app
        .get(&format!("/api/v1/articles/any/comments?cursor={FORGED}"))
        .await;
    assert_eq!(field_codes(resp).await, ["cursor: invalid_cursor"]);

    let (token, _) = app.login_as("moderator").await;
    let resp = get_as(
        &app,
        &token,
        &format!("/api/v1/moderation/comments?status=all&cursor={FORGED}"),
    )
    .await;
    assert_eq!(field_codes(resp).await, ["cursor: invalid_cursor"]);

    // A far-future time and a zero id are refused the same way.
    for raw in ["253402300800000000:1", "0:0", "0:-7"] {
        let c = URL_SAFE_NO_PAD.encode(raw);
        let resp = app
            .get(&format!("/api/v1/articles/any/comments?cursor={c}"))
            .await;
        assert_eq!(field_codes(resp).await, ["cursor: invalid_cursor"], "{raw}");
    }
    // The log's cursor: forged ids are refused or simply list nothing.
    let bad = URL_SAFE_NO_PAD.encode("log:-1");
    let resp = get_as(
        &app,
        &token,
        &format!("/api/v1/moderation/log?cursor={bad}"),
    )
    .await;
    assert_eq!(field_codes(resp).await, ["cursor: invalid_cursor"]);
    let huge = URL_SAFE_NO_PAD.encode(format!("log:{}", i64::MAX));
    let resp = get_as(
        &app,
        &token,
        &format!("/api/v1/moderation/log?cursor={huge}"),
    )
    .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn export_times_postgres_cannot_hold_are_refused_before_streaming() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    // `-5000-01-01` parses as a date (year 5001 BC), before Postgres'
    // first timestamp: it used to answer 200 and cut the stream.
    for (query, field) in [
        ("since=-5000-01-01", "since"),
        ("until=-5000-01-01", "until"),
        ("since=200000-01-01", "since"),
    ] {
        let resp = get_as(
            &app,
            &token,
            &format!("/api/v1/export/comments?format=ndjson&{query}"),
        )
        .await;
        assert_eq!(
            field_codes(resp).await,
            [format!("{field}: invalid_value")],
            "{query}"
        );
    }
}

async fn stored_url(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("select author_url from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn author_urls_are_stored_and_served_normalized() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "https://x.example/\"onmouseover=\"alert(1)",
            "https://x.example/%22onmouseover=%22alert(1)",
        ),
        ("https://evil.com/<script>", "https://evil.com/%3Cscript%3E"),
        ("https://Evil.COM\\a\\b", "https://evil.com/a/b"),
    ];
    for (i, (typed, normalized)) in cases.iter().enumerate() {
        let mut c = comment("urls", &format!("comment number {i} about links"));
        c["author_url"] = json!(typed);
        c["author_email"] = json!(format!("reader{i}@example.org"));
        let resp = app.post_json(&c).await;
        assert_eq!(resp.status(), 201, "{typed}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["author_url"], *normalized);
        let id = v["id"].as_i64().unwrap();
        assert_eq!(stored_url(&app, id).await.as_deref(), Some(*normalized));
    }
}

#[tokio::test]
async fn urls_with_credentials_or_invisible_characters_are_refused() {
    let app = TestApp::spawn().await;
    for (url, code) in [
        ("https://news.example@evil.com/", "url_credentials"),
        ("https://user:pw@evil.com/", "url_credentials"),
        ("https://x.example/\u{202E}gpj.exe", "invisible_characters"),
        ("https://x.example/a\u{200B}b", "invisible_characters"),
    ] {
        let mut c = comment("urls", "a comment with a link");
        c["author_url"] = json!(url);
        let resp = app.post_json(&c).await;
        assert_eq!(
            field_codes(resp).await,
            [format!("author_url: {code}")],
            "{url}"
        );
    }
    assert_eq!(comment_count(&app).await, 0);
}

#[tokio::test]
async fn nul_in_queue_filters_is_a_field_error_not_a_server_error() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    for (query, field) in [("q=a%00b", "q"), ("email=a%00@b.example", "email")] {
        let resp = get_as(
            &app,
            &token,
            &format!("/api/v1/moderation/comments?{query}"),
        )
        .await;
        assert_eq!(
            field_codes(resp).await,
            [format!("{field}: control_characters")],
            "{query}"
        );
    }
}

/// An empty free-text filter reads as no filter (a search form sends its
/// empty fields), but a query value the schema says cannot be empty (a
/// number, an article id) is refused with 422 naming the field instead of
/// silently taking the default.
#[tokio::test]
async fn empty_query_values_are_absent_text_but_not_numbers() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    let resp = get_as(
        &app,
        &token,
        "/api/v1/moderation/comments?status=all&q=&email=",
    )
    .await;
    assert_eq!(resp.status(), 200);
    for (query, field) in [
        ("limit=", "limit"),
        ("min_score=", "min_score"),
        ("article_id=", "article_id"),
    ] {
        let resp = get_as(
            &app,
            &token,
            &format!("/api/v1/moderation/comments?status=all&{query}"),
        )
        .await;
        assert_eq!(resp.status(), 422, "{query}");
        let codes = field_codes(resp).await;
        assert!(
            codes.iter().all(|c| c.starts_with(&format!("{field}: "))) && !codes.is_empty(),
            "{query}: {codes:?}"
        );
    }
    let resp = app
        .client
        .get(app.url("/api/v1/articles/a1/comments?limit="))
        .send()
        .await
        .unwrap();
    assert_eq!(field_codes(resp).await.len(), 1);
}

#[tokio::test]
async fn nul_in_any_body_field_is_named() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "a@b.example", "password": "x\u{0}y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(field_codes(resp).await, ["password: control_characters"]);
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "7"),
                ("author", "سارة"),
                ("email", "s@example.org"),
                ("comment", "hello\u{0}"),
            ],
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(field_codes(resp).await, ["body: control_characters"]);
}

#[tokio::test]
async fn required_fields_made_only_of_invisible_characters_are_required() {
    let app = TestApp::spawn().await;
    let mut c = comment("invisible", "\u{200B}\u{200B}\u{200B}");
    c["author_name"] = json!("\u{2060}\u{200D}");
    let resp = app.post_json(&c).await;
    assert_eq!(
        field_codes(resp).await,
        ["author_name: required", "body: required"]
    );
    assert_eq!(comment_count(&app).await, 0);
}

#[tokio::test]
async fn settings_patch_answers_415_to_anything_but_json() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("admin").await;
    let body = r#"{"max_links": 7}"#;
    for ctype in [
        Some("text/plain"),
        None,
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = app
            .authed(Method::PATCH, "/api/v1/admin/settings", &token)
            .header("Accept", "application/json")
            .body(body);
        if let Some(ct) = ctype {
            req = req.header("Content-Type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 415, "{ctype:?}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unsupported_media_type");
    }
    let v: Value = get_as(&app, &token, "/api/v1/admin/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["max_links"], 2, "nothing was applied");
}

#[tokio::test]
async fn a_parent_id_of_one_point_zero_is_an_integer() {
    let app = TestApp::spawn().await;
    let v: Value = app
        .post_json(&comment("threads", "the first comment here"))
        .await
        .json()
        .await
        .unwrap();
    let parent = v["id"].as_i64().unwrap();
    app.set_status(parent, "approved").await;
    let mut reply = comment("threads", "a reply to the first comment");
    reply["author_email"] = json!("replier@example.org");
    reply["parent_id"] = json!(parent as f64);
    let resp = app.post_json(&reply).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["parent_id"], parent);

    reply["parent_id"] = json!(1.5);
    reply["body"] = json!("another reply");
    let resp = app.post_json(&reply).await;
    assert_eq!(field_codes(resp).await, ["parent_id: invalid_number"]);
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_a_field_error_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut c = comment("types", "a comment");
    c["author_name"] = json!(5);
    let resp = app.post_json(&c).await;
    assert_eq!(field_codes(resp).await, ["author_name: invalid_value"]);
    // Bytes that are not JSON stay a 400.
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "malformed_body");
}

#[tokio::test]
async fn an_id_of_zero_on_the_log_is_out_of_range_not_a_bad_number() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    let resp = get_as(&app, &token, "/api/v1/moderation/log?moderator_id=0").await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    let e = &v["error"]["fields"]["moderator_id"][0];
    assert_eq!(e["code"], "out_of_range");
    assert_eq!(e["message"], "This must be at least 1.");
}

#[tokio::test]
async fn an_empty_article_update_says_what_an_article_update_takes() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("admin").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/articles/a1", &token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    let e = &v["error"]["fields"]["closed"][0];
    assert_eq!(e["code"], "nothing_to_change");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("closed") && message.contains("approval_mode"),
        "{message}"
    );
    assert!(!message.contains("body"), "{message}");
}

#[tokio::test]
async fn a_null_where_a_value_is_needed_is_refused_not_read_as_absent() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("admin").await;
    // `closed: null` next to a real change: the change is not applied.
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/articles/a1", &token)
        .json(&json!({"closed": null, "approval_mode": "all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["closed"][0]["code"], "invalid_value");
    let mode: Option<(Option<String>,)> =
        sqlx::query_as("select approval_mode from articles where id = 'a1'")
            .fetch_optional(&app.pool)
            .await
            .unwrap();
    assert!(mode.and_then(|m| m.0).is_none(), "nothing was changed");

    let created: Value = app
        .post_json(&comment("a1", "تعليق للمراجعة"))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &token,
        )
        .json(&json!({"status": null, "body": "نص جديد"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["status"][0]["code"], "invalid_value");
    let (body,): (String,) = sqlx::query_as("select body from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(body, "تعليق للمراجعة");
}
