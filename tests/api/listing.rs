//! `GET /api/v1/articles/{article_id}/comments` and `GET /api/v1/comment-counts`.

use crate::harness::{TestApp, comment};
use serde_json::{Value, json};

async fn seed(app: &TestApp, article: &str, n: usize, status: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let mut c = comment(article, &format!("comment {i} on {article}, {status}"));
        c["author_email"] = json!(format!("reader{i}@example.org"));
        let v: Value = app.post_json(&c).await.json().await.unwrap();
        let id = v["id"].as_i64().unwrap();
        app.set_status(id, status).await;
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn listing_shows_only_approved_comments_oldest_first_in_pages() {
    let app = TestApp::spawn().await;
    let approved = seed(&app, "a1", 5, "approved").await;
    seed(&app, "a1", 2, "pending").await;
    seed(&app, "a1", 1, "spam").await;
    seed(&app, "a1", 1, "rejected").await;
    seed(&app, "a2", 3, "approved").await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/articles/a1/comments?limit=2&cursor={c}"),
            None => "/api/v1/articles/a1/comments?limit=2".to_owned(),
        };
        let v: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(v["total"], 5);
        pages += 1;
        for c in v["comments"].as_array().unwrap() {
            assert_eq!(c["status"], "approved");
            assert!(c.get("author_email").is_none());
            seen.push(c["id"].as_i64().unwrap());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, approved, "all approved, oldest first, no repeats");
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn listing_newest_first_pages_backwards_in_time() {
    let app = TestApp::spawn().await;
    let mut approved = seed(&app, "a1", 5, "approved").await;
    seed(&app, "a1", 1, "pending").await;
    approved.reverse();
    let mut seen = Vec::new();
    let mut path = "/api/v1/articles/a1/comments?limit=2&order=newest".to_owned();
    loop {
        let v: Value = app.get(&path).await.json().await.unwrap();
        assert_eq!(v["total"], 5);
        seen.extend(
            v["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => {
                path = format!("/api/v1/articles/a1/comments?limit=2&order=newest&cursor={c}")
            }
            None => break,
        }
    }
    assert_eq!(seen, approved);
    let bad = app.get("/api/v1/articles/a1/comments?order=random").await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn an_article_without_comments_lists_empty() {
    let app = TestApp::spawn().await;
    let v: Value = app
        .get("/api/v1/articles/never-seen/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!({"comments": [], "next_cursor": null, "total": 0}));
}

#[tokio::test]
async fn article_ids_with_slashes_work_raw_and_encoded() {
    let app = TestApp::spawn().await;
    seed(&app, "2024/11/strikes", 1, "approved").await;
    for path in [
        "/api/v1/articles/2024/11/strikes/comments",
        "/api/v1/articles/2024%2F11%2Fstrikes/comments",
    ] {
        let v: Value = app.get(path).await.json().await.unwrap();
        assert_eq!(v["total"], 1, "{path}");
        assert_eq!(v["comments"][0]["article_id"], "2024/11/strikes");
    }
}

#[tokio::test]
async fn bad_paging_parameters_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    for (query, field, code) in [
        ("limit=0", "limit", "out_of_range"),
        ("limit=101", "limit", "out_of_range"),
        ("limit=ten", "limit", "invalid_number"),
        ("cursor=%21%21", "cursor", "invalid_cursor"),
    ] {
        let resp = app
            .get(&format!("/api/v1/articles/a1/comments?{query}"))
            .await;
        assert_eq!(resp.status(), 422, "{query}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["fields"][field][0]["code"], code);
    }
    let resp = app.get("/api/v1/articles/a1/comments?limit=%FF").await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn counts_answer_for_many_articles_at_once() {
    let app = TestApp::spawn().await;
    seed(&app, "a1", 3, "approved").await;
    seed(&app, "a1", 2, "pending").await;
    seed(&app, "a2", 1, "approved").await;
    let v: Value = app
        .get("/api/v1/comment-counts?article_id=a1&article_id=a2&article_id=unknown")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!({"counts": {"a1": 3, "a2": 1, "unknown": 0}}));

    let resp = app.get("/api/v1/comment-counts").await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["article_id"][0]["code"], "required");

    let many: Vec<String> = (0..101).map(|i| format!("article_id=p{i}")).collect();
    let resp = app
        .get(&format!("/api/v1/comment-counts?{}", many.join("&")))
        .await;
    assert_eq!(resp.status(), 422);
}
