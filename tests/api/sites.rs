//! Several sites on one majlis: an Arabic and an English edition whose
//! article ids collide, told apart by a `site` field or by the page's
//! origin; settings and origins per site; moderators limited to a site;
//! WordPress imports into a site.

use crate::harness::{TestApp, comment};
use majlis::domain::SiteId;
use majlis::i18n::Lang;
use majlis::import::{self, WordPressOptions};
use reqwest::Method;
use serde_json::{Value, json};

const EN_ORIGIN: &str = "https://en.news.example";

/// Creates site `en`, with its own origin, holding or publishing as asked
/// (the default site likewise).
async fn two_editions(app: &TestApp, admin: &str, approval_mode: &str) {
    let set = |path: &str, body: Value| app.authed(Method::PATCH, path, admin).json(&body).send();
    let resp = set(
        "/api/v1/admin/settings",
        json!({"approval_mode": approval_mode}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .authed(Method::POST, "/api/v1/admin/sites", admin)
        .json(&json!({"id": "en", "name": "English edition"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let site: Value = resp.json().await.unwrap();
    assert_eq!(site["id"], "en");
    assert_eq!(site["name"], "English edition");
    // A new site starts from the default site's settings, without origins.
    assert_eq!(site["allowed_origins"], json!([]));
    let resp = set(
        "/api/v1/admin/settings?site=en",
        json!({"allowed_origins": [EN_ORIGIN]}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let en: Value = resp.json().await.unwrap();
    assert_eq!(en["approval_mode"], approval_mode, "{en}");
}

async fn error_code(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn two_editions_keep_their_own_article_42() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    two_editions(&app, &admin, "none").await;

    // Site ids are checked, taken once, and an origin names one site.
    let (status, body) = error_code(
        app.authed(Method::POST, "/api/v1/admin/sites", &admin)
            .json(&json!({"id": "en"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("site_exists"))
    );
    let (status, body) = error_code(
        app.authed(Method::POST, "/api/v1/admin/sites", &admin)
            .json(&json!({"id": "English Edition"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["id"][0]["code"], "invalid_site");
    let (status, body) = error_code(
        app.authed(Method::PATCH, "/api/v1/admin/settings", &admin)
            .json(&json!({"allowed_origins": [EN_ORIGIN]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["fields"]["allowed_origins"][0]["code"],
        "origin_taken"
    );

    // Post 42 of each edition: by default, by the `site` field, by origin.
    let text = "Thanks for the clear reporting on the budget.";
    let resp = app.post_json(&comment("42", text)).await;
    assert_eq!(resp.status(), 201);
    let ar: Value = resp.json().await.unwrap();
    assert_eq!(ar["site"], "default");
    // The same text by the same author on the other edition's 42 is not a
    // duplicate.
    let mut named = comment("42", text);
    named["site"] = json!("en");
    let resp = app.post_json(&named).await;
    assert_eq!(resp.status(), 201);
    let en: Value = resp.json().await.unwrap();
    assert_eq!(en["site"], "en");
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Origin", EN_ORIGIN)
        .json(&comment("42", "A second reader on the English page."))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let by_origin: Value = resp.json().await.unwrap();
    assert_eq!(by_origin["site"], "en");

    let default_thread = app.get("/api/v1/articles/42/comments").await;
    let default_thread: Value = default_thread.json().await.unwrap();
    assert_eq!(default_thread["total"], 1, "{default_thread}");
    assert_eq!(default_thread["comments"][0]["id"], ar["id"]);
    let en_thread: Value = app
        .get("/api/v1/articles/42/comments?site=en")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(en_thread["total"], 2, "{en_thread}");
    let resp = app
        .client
        .get(app.url("/api/v1/articles/42/comments"))
        .header("Origin", EN_ORIGIN)
        .send()
        .await
        .unwrap();
    // Chosen by the page's origin: no shared cache may keep it for others.
    let cache_control = resp.headers()["cache-control"].to_str().unwrap();
    assert!(cache_control.starts_with("private"), "{cache_control}");
    let vary: Vec<&str> = resp
        .headers()
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(str::trim)
        .collect();
    assert!(
        vary.contains(&"Origin") && vary.contains(&"Referer"),
        "{vary:?}"
    );
    let en_by_origin: Value = resp.json().await.unwrap();
    assert_eq!(en_by_origin["total"], 2);
    let by_name = app.get("/api/v1/articles/42/comments?site=en").await;
    let cache_control = by_name.headers()["cache-control"].to_str().unwrap();
    assert!(cache_control.starts_with("public"), "{cache_control}");
    assert_ne!(
        en_thread["comments"], default_thread["comments"],
        "each edition lists its own thread"
    );
    let counts: Value = app
        .get("/api/v1/comment-counts?article_id=42&site=en")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["counts"]["42"], 2);
    let (status, body) = error_code(app.get("/api/v1/articles/42/comments?site=nope").await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("site_not_found"))
    );
    let (status, body) = error_code(app.get("/api/v1/articles/42/comments?site=Nope").await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["site"][0]["code"], "invalid_site");
    let mut unknown = comment("42", "To a site that is not there.");
    unknown["site"] = json!("fr");
    let (status, body) = error_code(app.post_json(&unknown).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("site_not_found"))
    );

    // Two rows for article 42, one per site.
    let articles: Vec<(String, String)> =
        sqlx::query_as("select site_id, id from articles where id = '42' order by site_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        articles,
        vec![
            ("default".to_owned(), "42".to_owned()),
            ("en".to_owned(), "42".to_owned())
        ]
    );

    // A decision on the English 42 moves its cache version only.
    let version = |site: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select comment_version from articles where site_id = $1 and id = '42'",
            )
            .bind(site)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (ar_before, en_before) = (version("default").await, version("en").await);
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{}", by_origin["id"]),
            &admin,
        )
        .json(&json!({"status": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(version("default").await, ar_before);
    assert!(version("en").await > en_before);

    // Closing the English 42 leaves the Arabic one open.
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/articles/42?site=en", &admin)
        .json(&json!({"closed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let closed = app.post_json(&named).await;
    assert_eq!(closed.status(), 403);
    let open = app
        .post_json(&comment("42", "Still open on the Arabic edition."))
        .await;
    assert_eq!(open.status(), 201);

    // Exports name the site, and filter by it.
    let csv = app
        .authed(
            Method::GET,
            "/api/v1/export/comments?format=csv&site=en",
            &admin,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("id,site,article_id,"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows.iter().all(|r| r.split(',').nth(1) == Some("en")));
}

#[tokio::test]
async fn a_moderator_limited_to_a_site_sees_and_decides_only_its_comments() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    two_editions(&app, &admin, "all").await;
    let post = |site: &str, body: &str| {
        let mut c = comment("7", body);
        c["site"] = json!(site);
        c
    };
    let ar: Value = app
        .post_json(&post("default", "تعليق على النسخة العربية"))
        .await
        .json()
        .await
        .unwrap();
    let en: Value = app
        .post_json(&post("en", "A comment on the English edition."))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ar["status"].as_str(), en["status"].as_str()),
        (Some("pending"), Some("pending"))
    );

    let (moderator, moderator_id) = app.login_as("moderator").await;
    let path = format!("/api/v1/admin/moderators/{moderator_id}");
    let (status, body) = error_code(
        app.authed(Method::PATCH, &path, &admin)
            .json(&json!({"sites": ["fr"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"]["sites"][0]["code"], "invalid_site");
    let resp = app
        .authed(Method::PATCH, &path, &admin)
        .json(&json!({"sites": ["en"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["sites"], json!(["en"]));

    // The queue, the counts and the export hold the English comment only.
    let queue = app.read("/api/v1/moderation/comments", &moderator).await;
    let ids: Vec<&Value> = queue["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, vec![&en["id"]]);
    assert_eq!(queue["comments"][0]["site"], "en");
    let counts = app.read("/api/v1/moderation/counts", &moderator).await;
    assert_eq!(counts["pending"], 1);
    let all_counts = app.read("/api/v1/moderation/counts", &admin).await;
    assert_eq!(all_counts["pending"], 2);
    let default_counts = app
        .read("/api/v1/moderation/counts?site=default", &admin)
        .await;
    assert_eq!(default_counts["pending"], 1);
    let resp = app
        .authed(
            Method::GET,
            "/api/v1/moderation/comments?site=default",
            &moderator,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let export = app
        .authed(
            Method::GET,
            "/api/v1/export/comments?format=ndjson",
            &moderator,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["site"], "en");

    // The English comment's author record counts the English edition only
    // (the same reader also wrote on the Arabic one).
    let detail = app
        .read(
            &format!("/api/v1/moderation/comments/{}", en["id"]),
            &moderator,
        )
        .await;
    assert_eq!(
        detail["author_record"]["by_email"]["pending"], 1,
        "{detail}"
    );
    let full = app
        .read(&format!("/api/v1/moderation/comments/{}", en["id"]), &admin)
        .await;
    assert_eq!(full["author_record"]["by_email"]["pending"], 2, "{full}");

    // The other edition's comment is not found: read, decided, in bulk.
    let other = format!("/api/v1/moderation/comments/{}", ar["id"]);
    let resp = app
        .authed(Method::GET, &other, &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = app
        .authed(Method::PATCH, &other, &moderator)
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let bulk: Value = app
        .authed(Method::POST, "/api/v1/moderation/comments/bulk", &moderator)
        .json(&json!({"ids": [ar["id"], en["id"]], "status": "approved"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bulk["results"][0]["ok"], false, "{bulk}");
    assert_eq!(bulk["results"][0]["error"]["code"], "comment_not_found");
    assert_eq!(bulk["results"][1]["ok"], true, "{bulk}");
    let status: String = sqlx::query_scalar("select status from comments where id = $1")
        .bind(ar["id"].as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending", "the Arabic comment is untouched");
    // Its log shows the English decision, not the Arabic comment's events.
    let log = app.read("/api/v1/moderation/log", &moderator).await;
    assert!(
        log["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["comment_id"] == en["id"]),
        "{log}"
    );

    // Every site again.
    let resp = app
        .authed(Method::PATCH, &path, &admin)
        .json(&json!({"sites": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .authed(Method::GET, &other, &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn settings_belong_to_their_site_but_the_account_rules_to_all() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    two_editions(&app, &admin, "none").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings?site=en", &admin)
        .json(&json!({"approval_mode": "all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ar = app.read("/api/v1/admin/settings", &admin).await;
    let en = app.read("/api/v1/admin/settings?site=en", &admin).await;
    assert_eq!(ar["approval_mode"], "none");
    assert_eq!(en["approval_mode"], "all");
    let mut c = comment("9", "Held on the English edition, as its settings say.");
    c["site"] = json!("en");
    let held: Value = app.post_json(&c).await.json().await.unwrap();
    assert_eq!(held["status"], "pending");
    let published: Value = app
        .post_json(&comment("9", "Published on the Arabic edition."))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(published["status"], "approved");

    let (status, body) = error_code(
        app.authed(Method::PATCH, "/api/v1/admin/settings?site=en", &admin)
            .json(&json!({"mask_personal_data": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["fields"]["mask_personal_data"][0]["code"],
        "instance_wide"
    );
    let (status, body) = error_code(
        app.authed(Method::GET, "/api/v1/admin/settings?site=fr", &admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("site_not_found"))
    );

    // The origins of MAJLIS_ALLOWED_ORIGINS are the default site's.
    let (status, body) = error_code(
        app.authed(Method::PATCH, "/api/v1/admin/settings?site=en", &admin)
            .json(&json!({"allowed_origins": [crate::harness::SITE]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["fields"]["allowed_origins"][0]["code"],
        "origin_taken"
    );
    // A form token for a site that is not there is refused like its thread.
    let (status, body) = error_code(app.get("/api/v1/form-token?article_id=9&site=fr").await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("site_not_found"))
    );
    let token: Value = app
        .get("/api/v1/form-token?article_id=9&site=en")
        .await
        .json()
        .await
        .unwrap();
    assert!(token["token"].is_string());

    let sites = app.read("/api/v1/admin/sites", &admin).await;
    let ids: Vec<&str> = sites["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["default", "en"]);
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/sites/en", &admin)
        .json(&json!({"name": "The English edition"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let renamed: Value = resp.json().await.unwrap();
    assert_eq!(renamed["name"], "The English edition");
    assert_eq!(renamed["allowed_origins"], json!([EN_ORIGIN]));
    // A control character is refused as sent, not trimmed away (the
    // schema's pattern says so), and the name stays as it was.
    let (status, body) = error_code(
        app.authed(Method::PATCH, "/api/v1/admin/sites/en", &admin)
            .json(&json!({"name": "Renamed\r"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["fields"]["name"][0]["code"].as_str()),
        (422, Some("control_characters"))
    );
    let sites = app.read("/api/v1/admin/sites", &admin).await;
    assert_eq!(sites["sites"][1]["name"], "The English edition");
    let log = app
        .read("/api/v1/moderation/log?action=site.created", &admin)
        .await;
    assert_eq!(log["events"][0]["details"]["site"], "en");
}

#[tokio::test]
async fn a_wordpress_export_imports_into_each_edition_apart() {
    const WXR: &str = include_str!("../fixtures/wordpress.xml");
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let import_into = |site: &str| {
        let pool = app.pool.clone();
        let site = SiteId::parse(site).unwrap();
        async move {
            let mut conn = pool.acquire().await.unwrap();
            import::import_wordpress(
                &mut conn,
                WXR.as_bytes(),
                WordPressOptions {
                    site,
                    lang: Lang::Ar,
                    ..WordPressOptions::default()
                },
            )
            .await
        }
    };
    let err = import_into("en").await.unwrap_err();
    assert!(err.to_string().contains("there is no site `en`"), "{err}");
    let resp = app
        .authed(Method::POST, "/api/v1/admin/sites", &admin)
        .json(&json!({"id": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let first = import_into("default").await.unwrap();
    let second = import_into("en").await.unwrap();
    assert!(first.comments_imported > 0);
    assert_eq!(second.comments_imported, first.comments_imported);
    assert_eq!(import_into("en").await.unwrap().comments_imported, 0);
    let per_site: Vec<(String, i64)> =
        sqlx::query_as("select site_id, count(*) from comments group by site_id order by site_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let n = i64::try_from(first.comments_imported).unwrap();
    assert_eq!(
        per_site,
        vec![("default".to_owned(), n), ("en".to_owned(), n)]
    );
}

/// An NDJSON restore threads a reply only under a comment of its own site
/// and article; a reply whose parent is another edition's is restored
/// without it and counted as an orphan.
#[tokio::test]
async fn a_restore_never_threads_a_reply_under_another_sites_comment() {
    let app = TestApp::spawn().await;
    let record = |id: i64, site: &str, parent: Option<i64>| {
        json!({
            "id": id, "site": site, "article_id": "42", "parent_id": parent,
            "author_name": "Sara", "author_email": format!("r{id}@example.com"),
            "author_url": null, "avatar": null, "body": format!("comment {id}"),
            "body_html": format!("<p>comment {id}</p>"), "status": "approved",
            "spam_score": 0.0, "spam_reasons": [], "ip": null, "user_agent": null,
            "referrer": null, "version": 1,
            "created_at": "2026-11-01T10:00:00.000000Z",
            "updated_at": "2026-11-01T10:00:00.000000Z"
        })
        .to_string()
    };
    // 1 is the Arabic 42's; 2 replies to it from the English 42 (refused);
    // 3 replies to 4, which arrives later on the English 42 (linked).
    let file = [
        record(1, "default", None),
        record(2, "en", Some(1)),
        record(3, "en", Some(4)),
        record(4, "en", None),
    ]
    .join("\n");
    let mut conn = app.pool.acquire().await.unwrap();
    let summary = import::import_ndjson(&mut conn, file.as_bytes())
        .await
        .unwrap();
    assert_eq!(summary.comments_imported, 4);
    assert_eq!(summary.orphans, 1, "{summary:?}");
    let parents: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("select id, site_id, parent_id from comments order by id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        parents,
        vec![
            (1, "default".to_owned(), None),
            (2, "en".to_owned(), None),
            (3, "en".to_owned(), Some(4)),
            (4, "en".to_owned(), None),
        ]
    );
}
