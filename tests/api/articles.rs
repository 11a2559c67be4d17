//! The public side of articles and comments: `GET /api/v1/comments/{id}`
//! (the `Location` of a 201), the article registry the site controls
//! (`PUT /api/v1/admin/articles/{id}`, `require_known_articles`), and
//! avatars that cannot confirm a guessed email.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn article(app: &TestApp, id: &str) -> Option<(Option<String>, Option<String>, bool)> {
    sqlx::query_as("select url, title, registered_at is not null from articles where id = $1")
        .bind(id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

async fn register(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.authed(Method::PUT, &format!("/api/v1/admin/articles/{id}"), token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_location_of_a_201_serves_the_comment_once_approved_and_404s_otherwise() {
    let app = TestApp::spawn().await;
    let resp = app.post_json(&comment("a1", "أول تعليق")).await;
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/comments/{id}"));

    // Pending: the same answer as an id that does not exist.
    let missing = app.get("/api/v1/comments/987654321").await;
    assert_eq!(missing.status(), 404);
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["error"]["code"], "comment_not_found");
    let pending = app.get(&location).await;
    assert_eq!(pending.status(), 404);
    assert_eq!(pending.json::<Value>().await.unwrap(), missing);

    app.set_status(id, "approved").await;
    let resp = app.get(&location).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let text = resp.text().await.unwrap();
    assert!(!text.to_lowercase().contains("sara.reader@example.com"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["id"], id);
    assert_eq!(v["article_id"], "a1");
    assert_eq!(v["body"], "أول تعليق");
    assert_eq!(v["status"], "approved");
    for private in ["author_email", "ip", "user_agent", "spam_score"] {
        assert!(v.get(private).is_none(), "{private} must not be public");
    }

    for status in ["spam", "rejected", "pending"] {
        app.set_status(id, status).await;
        let resp = app.get(&location).await;
        assert_eq!(resp.status(), 404, "{status}");
        assert_eq!(resp.json::<Value>().await.unwrap(), missing, "{status}");
    }
    for odd in ["0", "-1", "abc", "99999999999999999999"] {
        let resp = app.get(&format!("/api/v1/comments/{odd}")).await;
        assert_eq!(resp.status(), 404, "{odd}");
    }
}

#[tokio::test]
async fn submitters_describe_an_article_only_on_the_site_and_only_until_it_is_registered() {
    let app = TestApp::spawn().await;
    // A page on another origin is not the article's page.
    let mut c = comment("a1", "first on a1");
    c["article_url"] = json!("https://evil.example/a1");
    c["article_title"] = json!("Evil title");
    assert_eq!(app.post_json(&c).await.status(), 201);
    assert_eq!(article(&app, "a1").await, Some((None, None, false)));

    let mut c = comment("a2", "first on a2");
    c["article_url"] = json!("https://news.example/first-guess");
    c["article_title"] = json!("First guess");
    assert_eq!(app.post_json(&c).await.status(), 201);
    assert_eq!(
        article(&app, "a2").await,
        Some((
            Some("https://news.example/first-guess".into()),
            Some("First guess".into()),
            false
        ))
    );

    // The site corrects it; submitters can no longer change it.
    let (admin, _) = app.login_as("admin").await;
    let resp = register(
        &app,
        &admin,
        "a2",
        &json!({"url": "https://news.example/2024/11/real/", "title": "العنوان الحقيقي"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["url"], "https://news.example/2024/11/real/");
    assert_eq!(v["title"], "العنوان الحقيقي");
    assert_eq!(v["registered"], true);
    assert_eq!(v["closed"], false);
    let mut c = comment("a2", "second on a2");
    c["author_email"] = json!("omar@example.org");
    c["article_url"] = json!("https://news.example/other");
    c["article_title"] = json!("Other");
    assert_eq!(app.post_json(&c).await.status(), 201);
    assert_eq!(
        article(&app, "a2").await,
        Some((
            Some("https://news.example/2024/11/real/".into()),
            Some("العنوان الحقيقي".into()),
            true
        ))
    );

    // A new id: 201, and closing works through the same call.
    let resp = register(
        &app,
        &admin,
        "2024/12/new",
        &json!({"url": "https://news.example/2024/12/new/", "title": "New", "closed": true}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.json::<Value>().await.unwrap()["closed"], true);
    let resp = app.post_json(&comment("2024/12/new", "too late")).await;
    assert_eq!(resp.status(), 403);

    // Bad input names the field; moderators may not register.
    let resp = register(&app, &admin, "a3", &json!({"url": "javascript:alert(1)"})).await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["url"][0]["code"], "invalid_url_scheme");
    assert_eq!(v["error"]["fields"]["title"][0]["code"], "required");
    assert_eq!(article(&app, "a3").await, None);
    let (moderator, _) = app.login_as("moderator").await;
    let resp = register(
        &app,
        &moderator,
        "a3",
        &json!({"url": "https://news.example/a3", "title": "x"}),
    )
    .await;
    assert_eq!(resp.status(), 403);
    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_events where action = 'article.registered'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn require_known_articles_refuses_comments_on_unregistered_ids() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "require_known_articles": true}),
    )
    .await;
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", "en")
        .json(&comment("made-up-id", "hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "article_not_found");
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(article(&app, "made-up-id").await, None, "nothing created");
    let comments: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(comments, 0);

    let (admin, _) = app.login_as("admin").await;
    let resp = register(
        &app,
        &admin,
        "made-up-id",
        &json!({"url": "https://news.example/real", "title": "Real"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let resp = app.post_json(&comment("made-up-id", "hello")).await;
    assert_eq!(resp.status(), 201);
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

async fn listing(app: &TestApp, article: &str) -> (Value, String) {
    let resp = app
        .get(&format!("/api/v1/articles/{article}/comments"))
        .await;
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    (resp.json().await.unwrap(), etag)
}

async fn set_avatar(app: &TestApp, admin: &str, mode: &str) {
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", admin)
        .json(&json!({ "avatar": mode }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "avatar = {mode}");
}

#[tokio::test]
async fn avatars_are_keyed_by_default_and_follow_the_setting() {
    let app = TestApp::spawn().await;
    let gravatar = sha256_hex("sara.reader@example.com");
    let resp = app.post_json(&comment("a1", "one")).await;
    let v: Value = resp.json().await.unwrap();
    let keyed = v["avatar"].as_str().unwrap().to_owned();
    assert_eq!(keyed.len(), 64);
    assert_ne!(keyed, gravatar, "the public hash confirms a guessed email");
    app.set_status(v["id"].as_i64().unwrap(), "approved").await;
    let mut again = comment("a1", "two");
    again["author_email"] = json!("  SARA.reader@example.com ");
    let v: Value = app.post_json(&again).await.json().await.unwrap();
    app.set_status(v["id"].as_i64().unwrap(), "approved").await;

    let (page, keyed_etag) = listing(&app, "a1").await;
    let avatars: Vec<&str> = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["avatar"].as_str().unwrap())
        .collect();
    assert_eq!(
        avatars,
        vec![keyed.as_str(), keyed.as_str()],
        "stable per email"
    );

    let (admin, _) = app.login_as("admin").await;
    set_avatar(&app, &admin, "gravatar").await;
    let (page, gravatar_etag) = listing(&app, "a1").await;
    assert_eq!(page["comments"][0]["avatar"], gravatar.as_str());
    assert_ne!(gravatar_etag, keyed_etag, "another body, another ETag");

    set_avatar(&app, &admin, "none").await;
    let (page, _) = listing(&app, "a1").await;
    assert_eq!(page["comments"][0]["avatar"], Value::Null);
    assert_eq!(page["comments"][1]["avatar"], Value::Null);
    let id = page["comments"][0]["id"].as_i64().unwrap();
    let one: Value = app
        .get(&format!("/api/v1/comments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["avatar"], Value::Null);

    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({ "avatar": "md5" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["avatar"][0]["code"], "invalid_value");
}

#[tokio::test]
async fn admins_list_articles_newest_first_filtered_and_paged() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    app.authed(Method::POST, "/api/v1/admin/sites", &admin)
        .json(&json!({"id": "en", "name": "English"}))
        .send()
        .await
        .unwrap();
    for (site, id, title) in [
        ("default", "2024/11/strikes", "غارات الليل"),
        ("default", "2024/11/budget", "الميزانية"),
        ("en", "2024/11/strikes", "Night strikes"),
    ] {
        let resp = app
            .authed(
                Method::PUT,
                &format!("/api/v1/admin/articles/{id}?site={site}"),
                &admin,
            )
            .json(&json!({"url": format!("https://news.example/{site}/{id}"), "title": title}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{site} {id}");
    }
    app.authed(
        Method::PATCH,
        "/api/v1/admin/articles/2024/11/budget",
        &admin,
    )
    .json(&json!({"closed": true}))
    .send()
    .await
    .unwrap();

    let all = app.read("/api/v1/admin/articles", &admin).await;
    let keys: Vec<(String, String)> = all["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["site"].as_str().unwrap().to_owned(),
                a["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("en".to_owned(), "2024/11/strikes".to_owned()),
            ("default".to_owned(), "2024/11/budget".to_owned()),
            ("default".to_owned(), "2024/11/strikes".to_owned()),
        ]
    );
    assert_eq!(all["articles"][1]["closed"], true);
    assert_eq!(all["articles"][1]["title"], "الميزانية");
    assert_eq!(all["next_cursor"], Value::Null);

    let found = app
        .read(
            "/api/v1/admin/articles?q=%D8%BA%D8%A7%D8%B1%D8%A7%D8%AA",
            &admin,
        )
        .await;
    assert_eq!(found["articles"].as_array().unwrap().len(), 1);
    assert_eq!(found["articles"][0]["title"], "غارات الليل");
    let closed = app.read("/api/v1/admin/articles?closed=true", &admin).await;
    assert_eq!(closed["articles"][0]["id"], "2024/11/budget");
    assert_eq!(closed["articles"].as_array().unwrap().len(), 1);
    let en = app.read("/api/v1/admin/articles?site=en", &admin).await;
    assert_eq!(en["articles"].as_array().unwrap().len(), 1);

    // Two at a time, the cursor carrying an id with `/` in it.
    let first = app.read("/api/v1/admin/articles?limit=2", &admin).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .read(
            &format!("/api/v1/admin/articles?limit=2&cursor={cursor}"),
            &admin,
        )
        .await;
    assert_eq!(second["articles"][0]["id"], "2024/11/strikes");
    assert_eq!(second["articles"][0]["site"], "default");
    assert_eq!(second["next_cursor"], Value::Null);

    for (query, field) in [
        ("closed=maybe", "closed"),
        ("cursor=bm9wZQ", "cursor"),
        ("limit=0", "limit"),
        ("site=EN", "site"),
    ] {
        let resp = app
            .authed(
                Method::GET,
                &format!("/api/v1/admin/articles?{query}"),
                &admin,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{query}");
        let v: Value = resp.json().await.unwrap();
        assert!(v["error"]["fields"][field].is_array(), "{query}: {v}");
    }
    let (moderator, _) = app.login_as("moderator").await;
    let resp = app
        .authed(Method::GET, "/api/v1/admin/articles", &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}
