//! `POST /api/v1/comments`: JSON and WordPress form posts, validation,
//! limits, threading, hidden emails.

use crate::harness::{SITE, TestApp, comment};
use serde_json::{Value, json};

const EMAIL: &str = "Sara.Reader@Example.com";

#[tokio::test]
async fn json_comment_is_stored_and_answered_with_the_public_view() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("User-Agent", "TestBrowser/1.0")
        .json(&comment("2024/11/strikes", "تعليق أول على الخبر"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let text = resp.text().await.unwrap();
    assert!(
        !text.to_lowercase().contains(&EMAIL.to_lowercase()),
        "email leaked: {text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["article_id"], "2024/11/strikes");
    assert_eq!(v["author_name"], "سارة");
    assert_eq!(v["author_url"], "https://sara.example/blog");
    assert_eq!(v["body"], "تعليق أول على الخبر");
    assert_eq!(v["parent_id"], Value::Null);
    assert_eq!(v["avatar"].as_str().unwrap().len(), 64);
    for private in [
        "author_email",
        "ip",
        "user_agent",
        "spam_score",
        "spam_reasons",
    ] {
        assert!(v.get(private).is_none(), "{private} must not be public");
    }
    let id = v["id"].as_i64().unwrap();
    let (email, ip, ua, status): (String, Option<String>, Option<String>, String) = sqlx::query_as(
        "select author_email, host(ip), user_agent, status from comments where id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(email, EMAIL, "email stored as typed");
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(ua.as_deref(), Some("TestBrowser/1.0"));
    assert_eq!(status, "pending");
    let articles: i64 =
        sqlx::query_scalar("select count(*) from articles where id = '2024/11/strikes'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(articles, 1, "article created on first comment");
}

#[tokio::test]
async fn wordpress_form_post_is_stored_and_redirected_back_to_the_comment() {
    let app = TestApp::spawn().await;
    let page = format!("{SITE}/2024/11/strikes/");
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "123"),
                ("comment_parent", "0"),
                ("author", "Omar"),
                ("email", "omar@example.org"),
                ("url", ""),
                ("comment", "Good reporting.\nThanks."),
                ("submit", "Post Comment"),
            ],
            &[("Referer", page.as_str())],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let (id, body): (i64, String) =
        sqlx::query_as("select id, body from comments where article_id = '123'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(location, format!("{page}#comment-{id}"));
    assert_eq!(body, "Good reporting.\nThanks.");
}

#[tokio::test]
async fn form_post_prefers_redirect_to_and_refuses_foreign_targets() {
    let app = TestApp::spawn().await;
    let fields = |redirect: &'static str| {
        vec![
            ("comment_post_ID", "7"),
            ("author", "Omar"),
            ("email", "omar@example.org"),
            ("comment", "hello"),
            ("redirect_to", redirect),
        ]
    };
    let f = fields("https://news.example/p/7?x=1#old");
    let resp = app
        .post_form(&f, &[("Referer", "https://news.example/other")])
        .await;
    assert_eq!(resp.status(), 303);
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(
        loc.starts_with("https://news.example/p/7?x=1#comment-"),
        "{loc}"
    );

    // A target off the site is never a redirect (no open redirect): JSON 201.
    let f = [
        ("comment_post_ID", "7"),
        ("author", "Omar"),
        ("email", "omar@example.org"),
        ("comment", "again, differently"),
        ("redirect_to", "https://evil.example/"),
    ];
    let resp = app
        .post_form(&f, &[("Referer", "https://evil.example/x")])
        .await;
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn form_post_asking_for_json_gets_the_json_answer() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "9"),
                ("author", "Omar"),
                ("email", "omar@example.org"),
                ("comment", "json please"),
            ],
            &[
                ("Accept", "application/json"),
                ("Referer", "https://news.example/p/9"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["article_id"], "9");
    assert_eq!(v["body"], "json please");
}

#[tokio::test]
async fn missing_fields_are_all_named_in_arabic_and_in_english() {
    let app = TestApp::spawn().await;
    for (lang, needle) in [("ar", "مطلوب"), ("en", "required")] {
        let resp = app
            .client
            .post(app.url("/api/v1/comments"))
            .header("Accept-Language", lang)
            .json(&json!({"article_id": "a1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "validation_failed");
        for field in ["author_name", "author_email", "body"] {
            assert_eq!(
                v["error"]["fields"][field][0]["code"], "required",
                "{field}"
            );
            let msg = v["error"]["fields"][field][0]["message"].as_str().unwrap();
            assert!(msg.contains(needle), "{lang}: {msg}");
        }
        assert!(v["error"]["fields"].get("article_id").is_none());
    }
    let count: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn default_language_is_arabic_and_configurable() {
    let app = TestApp::spawn().await;
    let v: Value = app.post_json(&json!({})).await.json().await.unwrap();
    assert_eq!(v["error"]["message"], "بعض الحقول تحتاج إلى مراجعة.");
    let app = TestApp::spawn_with(|c| c.default_lang = majlis::i18n::Lang::En).await;
    let v: Value = app.post_json(&json!({})).await.json().await.unwrap();
    assert_eq!(v["error"]["message"], "Some fields need your attention.");
}

#[tokio::test]
async fn each_bad_field_gets_its_own_code() {
    let app = TestApp::spawn().await;
    let cases = [
        ("author_email", json!("not-an-email"), "invalid_email"),
        (
            "author_url",
            json!("javascript:alert(1)"),
            "invalid_url_scheme",
        ),
        ("author_url", json!("http//broken"), "invalid_url"),
        ("author_name", json!("م".repeat(101)), "too_long"),
        ("author_name", json!("bad\u{0}name"), "control_characters"),
        ("body", json!("nul \u{0} inside"), "control_characters"),
        ("body", json!("bell \u{7}"), "control_characters"),
        ("body", json!("ع".repeat(5001)), "too_long"),
        ("article_id", json!("has space"), "invalid_article_id"),
        ("parent_id", json!("abc"), "invalid_number"),
        ("parent_id", json!(-4), "invalid_number"),
    ];
    for (field, value, code) in cases {
        let mut c = comment("a1", "fine");
        c[field] = value;
        let resp = app.post_json(&c).await;
        assert_eq!(resp.status(), 422, "{field} {code}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["fields"][field][0]["code"], code, "{field}: {v}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing stored from bad input");
}

#[tokio::test]
async fn limits_are_counted_in_characters_not_bytes() {
    let app = TestApp::spawn().await;
    let mut c = comment("a1", &"ع".repeat(5000)); // 10,000 bytes
    c["author_name"] = json!("م".repeat(100));
    assert_eq!(app.post_json(&c).await.status(), 201);
}

#[tokio::test]
async fn malformed_bodies_are_400_not_500() {
    let app = TestApp::spawn().await;
    let send = |ct: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url("/api/v1/comments"))
            .header("Content-Type", ct)
            .header("Accept", "application/json")
            .header("Accept-Language", "en")
            .body(body)
            .send()
    };
    for (ct, body) in [
        ("application/json", b"{\"article_id\": ".to_vec()),
        (
            "application/json",
            b"{\"article_id\": \"a\", \"body\": \"\xff\xfe\"}".to_vec(),
        ),
        ("application/json", b"[1,2]".to_vec()),
        (
            "application/x-www-form-urlencoded",
            b"comment=%FF%FE&author=x".to_vec(),
        ),
        ("application/x-www-form-urlencoded", b"comment=%ZZ".to_vec()),
    ] {
        let resp = send(ct, body.clone()).await.unwrap();
        assert_eq!(
            resp.status(),
            400,
            "{ct} {:?}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "malformed_body");
    }
}

#[tokio::test]
async fn oversized_and_unknown_bodies_get_413_and_415() {
    let app = TestApp::spawn().await;
    let big = json!({"article_id": "a1", "body": "x".repeat(70 * 1024)});
    let resp = app.post_json(&big).await;
    assert_eq!(resp.status(), 413);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "payload_too_large");

    for ct in [
        Some("text/plain"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut req = app.client.post(app.url("/api/v1/comments")).body("hello");
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 415, "{ct:?}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unsupported_media_type");
    }
}

#[tokio::test]
async fn replies_must_name_an_approved_comment_of_the_same_article() {
    let app = TestApp::spawn().await;
    let parent: Value = app
        .post_json(&comment("a1", "parent"))
        .await
        .json()
        .await
        .unwrap();
    let parent_id = parent["id"].as_i64().unwrap();

    let mut reply = comment("a1", "reply");
    reply["parent_id"] = json!(parent_id);
    let resp = app.post_json(&reply).await;
    assert_eq!(resp.status(), 404, "pending parent is not public");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "parent_not_found");

    app.set_status(parent_id, "approved").await;
    let mut elsewhere = comment("a2", "reply elsewhere");
    elsewhere["parent_id"] = json!(parent_id);
    assert_eq!(app.post_json(&elsewhere).await.status(), 404);

    let mut missing = comment("a1", "reply to nothing");
    missing["parent_id"] = json!(999_999);
    assert_eq!(app.post_json(&missing).await.status(), 404);

    let resp = app.post_json(&reply).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["parent_id"], parent_id);
}

#[tokio::test]
async fn closed_articles_refuse_comments_with_403() {
    let app = TestApp::spawn().await;
    assert_eq!(app.post_json(&comment("a1", "first")).await.status(), 201);
    sqlx::query("update articles set closed = true where id = 'a1'")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.post_json(&comment("a1", "second")).await;
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "comments_closed");
}

#[tokio::test]
async fn arabic_emoji_and_rtl_marks_survive_the_round_trip() {
    let app = TestApp::spawn().await;
    let text =
        "\u{200F}السلام عليكم 👋🏽 مع رابط https://www.un.org/ar\n\nفقرة ثانية\u{200E} with English";
    let v: Value = app
        .post_json(&comment("a1", text))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["body"], text);
    let html = v["body_html"].as_str().unwrap();
    assert!(html.contains("\u{200F}السلام عليكم 👋🏽"));
    assert!(html.contains("<a href=\"https://www.un.org/ar\" rel=\"nofollow ugc noopener\">"));
    assert!(html.contains("</p><p dir=\"auto\">فقرة ثانية\u{200E} with English</p>"));
    app.set_status(v["id"].as_i64().unwrap(), "approved").await;
    let list: Value = app
        .get("/api/v1/articles/a1/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["comments"][0]["body"], text);
}

#[tokio::test]
async fn spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("X-Forwarded-For", "203.0.113.50")
        .json(&comment("a1", "from an untrusted peer"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let ip: String = sqlx::query_scalar("select host(ip) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ip, "127.0.0.1");

    let app =
        TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    app.client
        .post(app.url("/api/v1/comments"))
        .header("X-Forwarded-For", "6.6.6.6, 203.0.113.50")
        .json(&comment("a1", "through our proxy"))
        .send()
        .await
        .unwrap();
    let ip: String = sqlx::query_scalar("select host(ip) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ip, "203.0.113.50");
}

#[tokio::test]
async fn no_public_response_ever_contains_the_email() {
    let app = TestApp::spawn().await;
    let mut bodies = Vec::new();
    let first: Value = app
        .post_json(&comment("a1", "one"))
        .await
        .json()
        .await
        .unwrap();
    app.set_status(first["id"].as_i64().unwrap(), "approved")
        .await;
    let mut reply = comment("a1", "two");
    reply["parent_id"] = json!(first["id"]);
    bodies.push(app.post_json(&reply).await.text().await.unwrap());
    let mut bad = comment("a1", "");
    bad["author_email"] = json!(EMAIL);
    bodies.push(app.post_json(&bad).await.text().await.unwrap());
    let mut dup_bad = comment("a1", "x");
    dup_bad["author_email"] = json!(format!("{EMAIL}@"));
    bodies.push(app.post_json(&dup_bad).await.text().await.unwrap());
    for path in [
        "/api/v1/articles/a1/comments",
        "/api/v1/comment-counts?article_id=a1",
        "/api/v1/form-token?article_id=a1",
        "/healthz",
        "/readyz",
        "/nope",
    ] {
        bodies.push(app.get(path).await.text().await.unwrap());
    }
    for b in &bodies {
        let lower = b.to_lowercase();
        assert!(!lower.contains("sara.reader"), "email leaked in {b}");
        assert!(!lower.contains("127.0.0.1"), "ip leaked in {b}");
    }
}

#[tokio::test]
async fn each_submission_leaves_a_system_audit_event() {
    let app = TestApp::spawn().await;
    let v: Value = app
        .post_json(&comment("a1", "audited"))
        .await
        .json()
        .await
        .unwrap();
    let (actor, action, new_status): (String, String, String) =
        sqlx::query_as("select actor, action, new_status from audit_events where comment_id = $1")
            .bind(v["id"].as_i64().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str(), new_status.as_str()),
        ("system", "comment.submitted", "pending")
    );
    let err = sqlx::query("delete from audit_events")
        .execute(&app.pool)
        .await;
    assert!(err.is_err(), "the audit log is append-only");
}

#[tokio::test]
async fn a_plain_form_post_with_errors_gets_a_readable_page_in_arabic() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "5"),
                ("author", ""),
                ("email", "bad"),
                ("comment", "<b>hi</b>"),
            ],
            &[
                ("Accept-Language", "ar"),
                ("Accept", "text/html"),
                ("Referer", "https://news.example/p/5"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("dir=\"rtl\""));
    assert!(html.contains("الاسم") && html.contains("هذا الحقل مطلوب."));
    assert!(html.contains("البريد الإلكتروني") && html.contains("أدخل بريدًا إلكترونيًا صالحًا."));
    assert!(html.contains("href=\"https://news.example/p/5\""));
    // A script asking for JSON still gets JSON.
    let resp = app
        .post_form(
            &[("comment_post_ID", "5")],
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "validation_failed");
}

async fn register_article(app: &TestApp, id: &str, url: &str) {
    let (admin, _) = app.login_as("admin").await;
    let resp = app
        .authed(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/articles/{id}"),
            &admin,
        )
        .json(&json!({"url": url, "title": "An article"}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

fn form<'a>(article: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("comment_post_ID", article),
        ("comment_parent", "0"),
        ("author", "Omar"),
        ("email", "omar@example.org"),
        ("url", ""),
        ("comment", body),
    ]
}

#[tokio::test]
async fn a_form_post_with_only_the_origin_as_referer_goes_back_to_the_article_page() {
    let app = TestApp::spawn().await;
    // Browsers send only the origin across origins.
    let origin_only = [("Referer", "https://news.example/")];
    register_article(&app, "123", "https://news.example/2024/11/strikes/").await;
    let resp = app
        .post_form(&form("123", "from the registry"), &origin_only)
        .await;
    assert_eq!(resp.status(), 303);
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(
        loc.starts_with("https://news.example/2024/11/strikes/#comment-"),
        "{loc}"
    );

    // Unregistered: the form's own `article_url`, when on the site.
    let mut f = form("124", "from the form");
    f.push(("article_url", "https://news.example/2024/11/other/"));
    let resp = app.post_form(&f, &origin_only).await;
    assert_eq!(resp.status(), 303);
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(
        loc.starts_with("https://news.example/2024/11/other/#comment-"),
        "{loc}"
    );
    // ... which majlis now knows for the next reader without it.
    let resp = app
        .post_form(&form("124", "a second one, no article_url"), &origin_only)
        .await;
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(
        loc.starts_with("https://news.example/2024/11/other/#comment-"),
        "{loc}"
    );

    // An article_url off the site is ignored: the home page as before.
    let mut f = form("125", "nothing known");
    f.push(("article_url", "https://evil.example/phish"));
    let resp = app.post_form(&f, &origin_only).await;
    assert_eq!(resp.status(), 303);
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with("https://news.example/#comment-"), "{loc}");
}

#[tokio::test]
async fn a_failed_form_post_shows_the_form_again_with_what_was_typed() {
    let app = TestApp::spawn().await;
    register_article(&app, "123", "https://news.example/2024/11/strikes/").await;
    let typed = "رأيي: <script>alert(1)</script> & \"more\"";
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "123"),
                ("comment_parent", "0"),
                ("author", "عمر \"O'Brien\""),
                ("email", "not-an-email"),
                ("url", ""),
                ("comment", typed),
            ],
            &[
                ("Accept-Language", "en"),
                ("Accept", "text/html"),
                ("Referer", "https://news.example/"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.headers().get("location").is_none());
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(html.contains("<form method=\"post\">"), "{html}");
    // What was typed, escaped, in the fields it was typed in.
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains(
            "<textarea id=\"comment\" name=\"comment\" rows=\"8\" cols=\"60\">رأيي: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;</textarea>"
        ),
        "{html}"
    );
    assert!(
        html.contains("name=\"author\" type=\"text\" value=\"عمر &quot;O&#39;Brien&quot;\""),
        "{html}"
    );
    assert!(html.contains("name=\"email\" type=\"email\" value=\"not-an-email\""));
    assert!(html.contains("<input type=\"hidden\" name=\"comment_post_ID\" value=\"123\">"));
    // The problem beside its field.
    assert!(
        html.contains(
            "value=\"not-an-email\"> <strong class=\"error\">Enter a valid email address.</strong>"
        ),
        "{html}"
    );
    // Back to the article, not the home page; the re-sent form goes there too.
    assert!(html.contains("href=\"https://news.example/2024/11/strikes/\""));
    assert!(html.contains(
        "<input type=\"hidden\" name=\"redirect_to\" value=\"https://news.example/2024/11/strikes/\">"
    ));
    // The email is never part of a link.
    assert!(!html.contains("href=\"https://news.example/2024/11/strikes/?"));
    assert_eq!(html.matches("not-an-email").count(), 1, "{html}");

    // Sending the shown form again (fixed) lands on the article.
    let resp = app
        .post_form(
            &[
                ("comment_post_ID", "123"),
                ("comment_parent", "0"),
                ("author", "Omar"),
                ("email", "omar@example.org"),
                ("comment", "fixed"),
                ("redirect_to", "https://news.example/2024/11/strikes/"),
            ],
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);
}
