//! Cache-friendly public reads: ETag, Cache-Control, 304, invalidation on
//! this instance and on another one.

use crate::harness::{TestApp, comment};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn approved(app: &TestApp, article: &str, body: &str, email: &str) -> i64 {
    let mut c = comment(article, body);
    c["author_email"] = json!(email);
    let v: Value = app.post_json(&c).await.json().await.unwrap();
    let id = v["id"].as_i64().unwrap();
    app.set_status(id, "approved").await;
    id
}

async fn total(app: &TestApp, article: &str) -> i64 {
    let v: Value = app
        .get(&format!("/api/v1/articles/{article}/comments"))
        .await
        .json()
        .await
        .unwrap();
    v["total"].as_i64().unwrap()
}

/// Polls until the listing shows `want` (notifications are asynchronous).
async fn wait_for_total(app: &TestApp, article: &str, want: i64) -> Duration {
    let start = Instant::now();
    while total(app, article).await != want {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "listing never showed {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn listings_carry_etag_and_cache_control_and_answer_304() {
    let app = TestApp::spawn().await;
    approved(&app, "a1", "first", "r1@example.org").await;
    wait_for_total(&app, "a1", 1).await;
    let resp = app.get("/api/v1/articles/a1/comments").await;
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong etag: {etag}"
    );
    assert_eq!(resp.headers()["cache-control"], "public, max-age=10");
    let resp = app
        .client
        .get(app.url("/api/v1/articles/a1/comments"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
    // Another page has another validator.
    let other = app.get("/api/v1/articles/a1/comments?limit=1").await;
    assert_ne!(other.headers()["etag"].to_str().unwrap(), etag);
    // A change makes the old validator fail.
    approved(&app, "a1", "second", "r2@example.org").await;
    wait_for_total(&app, "a1", 2).await;
    let resp = app
        .client
        .get(app.url("/api/v1/articles/a1/comments"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_ne!(resp.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn a_comment_published_on_this_instance_shows_on_the_next_request() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    assert_eq!(total(&app, "a1").await, 0); // now cached
    let v: Value = app
        .post_json(&comment("a1", "published at once"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "approved");
    assert_eq!(
        total(&app, "a1").await,
        1,
        "no stale cache after a local change"
    );
}

#[tokio::test]
async fn changes_made_through_another_instance_invalidate_this_one() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let other = app.sibling().await;
    assert_eq!(total(&app, "a1").await, 0);
    assert_eq!(total(&app, "a1").await, 0); // served from the cache
    let resp = other.post_json(&comment("a1", "posted elsewhere")).await;
    assert_eq!(resp.status(), 201);
    let took = wait_for_total(&app, "a1", 1).await;
    assert!(
        took < majlis::public_cache::RECHECK,
        "notified, not merely expired: {took:?}"
    );
}

async fn version(app: &TestApp, article: &str) -> i64 {
    sqlx::query_scalar("select comment_version from articles where id = $1")
        .bind(article)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn only_changes_the_public_sees_move_the_article_version() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"approval_mode": "all", "flood_interval_seconds": 0}),
    )
    .await;
    let (token, _) = app.login_as("moderator").await;
    let first: Value = app
        .post_json(&comment("a1", "held for review"))
        .await
        .json()
        .await
        .unwrap();
    let id = first["id"].as_i64().unwrap();
    let created = version(&app, "a1").await;
    let mut other = comment("a1", "also held");
    other["author_email"] = json!("other@example.org");
    let second: Value = app.post_json(&other).await.json().await.unwrap();
    assert_eq!(second["status"], "pending", "{second}");
    assert_eq!(version(&app, "a1").await, created, "a pending comment");

    let decide = |id: i64, status: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let resp = app
                .authed(
                    reqwest::Method::PATCH,
                    &format!("/api/v1/moderation/comments/{id}"),
                    &token,
                )
                .json(&json!({"status": status}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{status}");
        }
    };
    let second_id = second["id"].as_i64().unwrap();
    decide(second_id, "spam").await;
    decide(second_id, "rejected").await;
    assert_eq!(version(&app, "a1").await, created, "never public");
    decide(id, "approved").await;
    let published = version(&app, "a1").await;
    assert!(published > created, "published");
    decide(id, "rejected").await;
    assert!(version(&app, "a1").await > published, "unpublished");
}

#[tokio::test]
async fn counts_are_validated_by_their_articles_versions() {
    let app = TestApp::spawn().await;
    approved(&app, "a1", "one", "r1@example.org").await;
    let path = "/api/v1/comment-counts?article_id=a1&article_id=a2";
    let start = Instant::now();
    let etag = loop {
        let resp = app.get(path).await;
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        let v: Value = resp.json().await.unwrap();
        if v["counts"]["a1"] == 1 {
            break etag;
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    };
    let resp = app
        .client
        .get(app.url(path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    // The same set in another order is the same resource.
    let resp = app
        .client
        .get(app.url("/api/v1/comment-counts?article_id=a2&article_id=a1"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);
    approved(&app, "a2", "two", "r2@example.org").await;
    let start = Instant::now();
    loop {
        let v: Value = app.get(path).await.json().await.unwrap();
        if v["counts"]["a2"] == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}

async fn etag_of(app: &TestApp, path: &str) -> String {
    app.get(path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn status_with(app: &TestApp, path: &str, etag: &str) -> u16 {
    app.client
        .get(app.url(path))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

const WXR: &str = include_str!("../fixtures/wordpress.xml");

#[tokio::test]
async fn an_article_read_before_an_import_shows_the_imported_comments_after_it() {
    let app = TestApp::spawn().await;
    let list = "/api/v1/articles/101/comments";
    let counts = "/api/v1/comment-counts?article_id=101";
    assert_eq!(total(&app, "101").await, 0);
    let before = etag_of(&app, list).await;
    let counts_before = etag_of(&app, counts).await;
    assert_eq!(status_with(&app, list, &before).await, 304);

    // The CLI imports on its own connection, as another process would.
    let mut conn = app.pool.acquire().await.unwrap();
    majlis::import::import_wordpress(
        &mut conn,
        WXR.as_bytes(),
        majlis::import::WordPressOptions::default(),
    )
    .await
    .unwrap();
    let took = wait_for_total(&app, "101", 4).await;
    assert!(
        took < majlis::public_cache::RECHECK,
        "notified, not merely expired: {took:?}"
    );
    assert_ne!(etag_of(&app, list).await, before);
    assert_eq!(status_with(&app, list, &before).await, 200);
    assert_eq!(status_with(&app, counts, &counts_before).await, 200);
    let v: Value = app.get(counts).await.json().await.unwrap();
    assert_eq!(v["counts"]["101"], 4);
}

#[tokio::test]
async fn an_article_read_before_a_restore_or_an_erasure_changes_its_etag() {
    let source = TestApp::spawn().await;
    approved(
        &source,
        "restored",
        "kept through a restore",
        "r1@example.org",
    )
    .await;
    let dump = crate::seed::run_export(
        &source.pool,
        majlis::export::ExportFilter::default(),
        majlis::export::ExportOptions::new(majlis::export::ExportFormat::Ndjson),
    )
    .await
    .concat();

    let app = TestApp::spawn().await;
    let list = "/api/v1/articles/restored/comments";
    assert_eq!(total(&app, "restored").await, 0);
    let before = etag_of(&app, list).await;
    let mut conn = app.pool.acquire().await.unwrap();
    majlis::import::import_ndjson(&mut conn, dump.as_slice())
        .await
        .unwrap();
    wait_for_total(&app, "restored", 1).await;
    assert_eq!(status_with(&app, list, &before).await, 200);

    // Erasure rewrites the name shown: the old validator must fail.
    let before = etag_of(&app, list).await;
    assert_eq!(status_with(&app, list, &before).await, 304);
    majlis::usecases::privacy::erase_person(
        &mut conn,
        &majlis::usecases::privacy::SubjectEmail::parse("R1@example.org").unwrap(),
        None,
        majlis::i18n::Lang::En,
    )
    .await
    .unwrap();
    let start = Instant::now();
    while status_with(&app, list, &before).await == 304 {
        assert!(start.elapsed() < Duration::from_secs(5), "still 304");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let v: Value = app.get(list).await.json().await.unwrap();
    assert_eq!(v["comments"][0]["author_name"], "Anonymous");
    assert_eq!(v["comments"][0]["avatar"], Value::Null);
}
