//! The thread fragment for pages without JavaScript.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};

async fn fragment(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn the_fragment_shows_the_thread_and_a_form_that_comes_back_to_the_article() {
    let app = TestApp::spawn_full(
        |c| c.allowed_origins = vec!["https://news.example".to_owned()],
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let (admin, _) = app.login_as("admin").await;
    let put = app
        .authed(
            Method::PUT,
            "/api/v1/admin/articles/2024/11/strikes",
            &admin,
        )
        .json(&json!({"url": "https://news.example/2024/11/strikes/", "title": "غارات"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let first: Value = app
        .post_json(&comment(
            "2024/11/strikes",
            "أول تعليق <script>window.x=1</script>",
        ))
        .await
        .json()
        .await
        .unwrap();
    let mut reply = comment("2024/11/strikes", "رد على التعليق الأول");
    reply["parent_id"] = first["id"].clone();
    reply["author_name"] = json!("<b>عمر</b>");
    let reply: Value = app.post_json(&reply).await.json().await.unwrap();

    let resp = fragment(&app, "/embed/articles/2024/11/strikes?lang=ar").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors https://news.example"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' https://news.example"),
        "{csp}"
    );
    assert!(
        resp.headers().get("x-frame-options").is_none(),
        "framable by the site"
    );
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let html = resp.text().await.unwrap();
    assert!(html.contains("dir=\"rtl\""));
    assert!(
        html.contains("تعليقان") || html.contains("2 تعليقات"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>عمر</b>"), "{html}");
    assert!(html.contains("&lt;b&gt;عمر&lt;/b&gt;"));
    // The reply sits inside its parent's item.
    let parent_at = html
        .find(&format!("data-comment-id=\"{}\"", first["id"]))
        .unwrap();
    let reply_at = html
        .find(&format!("data-comment-id=\"{}\"", reply["id"]))
        .unwrap();
    let children_at = html[parent_at..].find("majlis-children").unwrap() + parent_at;
    assert!(parent_at < children_at && children_at < reply_at);
    assert!(html.contains("name=\"redirect_to\" value=\"https://news.example/2024/11/strikes/\""));
    assert!(
        !html.contains("Sara.Reader@Example.com"),
        "no email in public markup"
    );

    // Unchanged: 304 on its ETag.
    let resp = app
        .client
        .get(app.url("/embed/articles/2024/11/strikes?lang=ar"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);

    // The article moves: the form's way back follows at once (registering
    // changes the article's version, so the cached page is not served).
    let put = app
        .authed(
            Method::PUT,
            "/api/v1/admin/articles/2024/11/strikes",
            &admin,
        )
        .json(&json!({"url": "https://news.example/2024/11/strikes-moved/", "title": "غارات"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let html = fragment(&app, "/embed/articles/2024/11/strikes?lang=ar")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"https://news.example/2024/11/strikes-moved/\""),
        "{html}"
    );
    assert!(
        html.contains("target=\"_top\""),
        "a framed form leaves the frame"
    );

    // Its form, posted as a browser would, comes back to the article.
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "2024/11/strikes"),
                ("comment_parent", "0"),
                ("site", "default"),
                ("redirect_to", "https://news.example/2024/11/strikes/"),
                ("author", "Omar"),
                ("email", "omar@example.com"),
                ("url", ""),
                ("comment", "from the fragment"),
                ("honeypot", ""),
            ],
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://news.example/2024/11/strikes/#comment-"),
        "{location}"
    );

    // Closing the article is seen at once: no form, no reply links.
    app.authed(
        Method::PATCH,
        "/api/v1/admin/articles/2024/11/strikes",
        &admin,
    )
    .json(&json!({"closed": true}))
    .send()
    .await
    .unwrap();
    let html = fragment(&app, "/embed/articles/2024/11/strikes?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Comments are closed."), "{html}");
    assert!(!html.contains("<form"));

    // Every other answer refuses to be framed.
    let other = fragment(&app, "/api/v1/articles/2024/11/strikes/comments").await;
    assert_eq!(other.headers()["x-frame-options"], "DENY");
    let bad = fragment(&app, "/embed/articles/2024/11/strikes?lang=fr").await;
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn a_reply_link_sets_the_forms_parent_and_pages_keep_site_and_language() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..51 {
        let v: Value = app
            .post_json(&comment("a/many", &format!("تعليق رقم {i}")))
            .await
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_i64().unwrap());
    }
    let html = fragment(&app, "/embed/articles/a/many?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("class=\"majlis-comment\"").count(), 50);
    assert!(html.contains("51 comments"));
    let more = html.split("class=\"majlis-more\" href=\"").nth(1).unwrap();
    let more = more.split('"').next().unwrap().replace("&amp;", "&");
    assert!(more.starts_with("?site=default&lang=en&cursor="), "{more}");
    let second = fragment(&app, &format!("/embed/articles/a/many{more}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("class=\"majlis-comment\"").count(), 1);
    assert!(second.contains(&format!("data-comment-id=\"{}\"", ids[50])));

    let html = fragment(
        &app,
        &format!("/embed/articles/a/many?lang=en&reply_to={}", ids[3]),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(html.contains(&format!("name=\"comment_parent\" value=\"{}\"", ids[3])));
    assert!(html.contains(&format!(
        "href=\"?site=default&amp;lang=en&amp;reply_to={}#respond\"",
        ids[0]
    )));
    // A reply to a comment that is not on the page is a plain comment.
    let html = fragment(
        &app,
        &format!("/embed/articles/a/many?lang=en&reply_to={}", ids[50]),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        html.contains("name=\"comment_parent\" value=\"0\""),
        "{html}"
    );
}
