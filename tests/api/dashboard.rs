//! The dashboard's server side: its page and versioned assets under a
//! strict policy, the cookie session, and polls that keep nothing alive.
//! (The page itself is tested in Chromium: tests/browser/.)

use crate::auth::cookie_session;
use crate::harness::TestApp;
use serde_json::Value;

#[tokio::test]
async fn the_page_names_versioned_assets_served_for_a_year_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let resp = app.get("/moderate/").await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = resp.text().await.unwrap();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        script.starts_with("/moderate/assets/app-") && script.ends_with(".js"),
        "{script}"
    );
    assert!(!html.contains("<script>"), "no inline script");
    let asset = app.get(&script).await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let body = asset.bytes().await.unwrap();
    assert!(body.len() > 1000);
    assert_eq!(
        app.get("/moderate/assets/app-000000000000.js")
            .await
            .status(),
        404
    );
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/moderate"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/moderate/");
}

#[tokio::test]
async fn the_session_route_answers_the_cookie_only() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/moderate/session").await.status(), 401);
    let (cookie, csrf) = cookie_session(&app, "moderator").await;
    let resp = app
        .client
        .get(app.url("/moderate/session"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["csrf_token"], csrf.as_str());
    assert_eq!(body["moderator"]["role"], "moderator");
    let (token, _) = app.login_as("admin").await;
    let by_bearer = app
        .authed(reqwest::Method::GET, "/moderate/session", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_bearer.status(),
        401,
        "bearer clients have the API's login"
    );
}

/// Polling for counts (with `X-Majlis-Poll: 1`) does not move a session's
/// expiry; any other request does (at most once a minute).
#[tokio::test]
async fn polls_never_keep_a_session_alive() {
    let app = TestApp::spawn().await;
    let (cookie, _) = cookie_session(&app, "moderator").await;
    let token = cookie.trim_start_matches("majlis_session=").to_owned();
    let hash = {
        use sha2::{Digest, Sha256};
        Sha256::digest(token.as_bytes()).to_vec()
    };
    // As if the last use was two hours ago, ending in ten minutes.
    sqlx::query(
        "update sessions set last_seen_at = now() - interval '2 hours',
                             expires_at = now() + interval '10 minutes'
         where token_hash = $1",
    )
    .bind(&hash)
    .execute(&app.pool)
    .await
    .unwrap();
    let expiry = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "select expires_at from sessions where token_hash = $1",
        )
        .bind(&hash)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let before = expiry().await;
    let poll = app
        .client
        .get(app.url("/api/v1/moderation/counts"))
        .header("Cookie", &cookie)
        .header("X-Majlis-Poll", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(poll.status(), 200);
    assert_eq!(expiry().await, before, "a poll keeps nothing alive");
    let real = app
        .client
        .get(app.url("/api/v1/moderation/counts"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), 200);
    assert!(expiry().await > before + chrono::Duration::hours(1));
}
