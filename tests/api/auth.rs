//! Logins, sessions, the login throttle (also across two server
//! processes), password re-hashing, and the route table's guards.

use crate::harness::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const EMAIL: &str = "editor@news.example";

async fn json(resp: reqwest::Response) -> Value {
    resp.json().await.unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, Option<i64>, Value)> {
    sqlx::query_as("select action, moderator_id, details from audit_events order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(a, m, d): (String, Option<i64>, sqlx::types::Json<Value>)| (a, m, d.0))
        .collect()
}

#[tokio::test]
async fn login_answers_a_token_that_is_stored_only_as_its_hash() {
    let app = TestApp::spawn().await;
    let id = app
        .seed_moderator("Editor@News.Example", "admin", PASSWORD)
        .await;
    let resp = app.login("  EDITOR@news.example ", PASSWORD).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    let token = v["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "256 bits in base64url");
    assert_eq!(v["moderator"]["id"], id);
    assert_eq!(v["moderator"]["email"], EMAIL);
    assert_eq!(v["moderator"]["display_name"], "editor");
    assert_eq!(v["moderator"]["role"], "admin");
    let expires: chrono::DateTime<chrono::Utc> = v["expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((11.9..=12.1).contains(&hours), "{hours}");

    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, vec![Sha256::digest(token.as_bytes()).to_vec()]);
    let ok = app
        .authed(Method::GET, "/api/v1/moderation/counts", token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let actions = audit_actions(&app).await;
    let last = actions.last().unwrap();
    assert_eq!((last.0.as_str(), last.1), ("auth.login", Some(id)));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    let id = app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    let wrong = app.login(EMAIL, "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    let unknown = app.login("nobody@news.example", PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let (a, b) = (json(wrong).await, json(unknown).await);
    assert_eq!(a, b);
    assert_eq!(a["error"]["code"], "invalid_credentials");

    let actions = audit_actions(&app).await;
    let failed: Vec<_> = actions
        .iter()
        .filter(|(a, _, _)| a == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].1, Some(id));
    assert_eq!(failed[1].1, None);
    let all = format!("{actions:?}");
    assert!(!all.contains("nobody") && !all.contains("editor@"), "{all}");
}

#[tokio::test]
async fn unknown_emails_take_as_long_as_wrong_passwords() {
    // Each attempt from its own address (the per-address throttle allows
    // five failures), so that there are enough samples for the fastest of
    // each to be an undisturbed one on a busy machine.
    let app =
        TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    let attempt = |email: String, n: u32| {
        let req = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("X-Forwarded-For", format!("203.0.113.{n}"))
            .json(&serde_json::json!({"email": email, "password": "wrong password here"}));
        async move {
            let t = std::time::Instant::now();
            assert_eq!(req.send().await.unwrap().status(), 401);
            t.elapsed()
        }
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    // Four of each, alternating (the account throttle allows five).
    for i in 0..4 {
        known.push(attempt(EMAIL.to_owned(), 2 * i + 1).await);
        unknown.push(attempt(format!("ghost{i}@news.example"), 2 * i + 2).await);
    }
    let min_unknown = unknown.iter().min().unwrap().as_secs_f64();
    let min_known = known.iter().min().unwrap().as_secs_f64();
    assert!(
        min_unknown > min_known * 0.5,
        "unknown {unknown:?} vs known {known:?}"
    );
}

#[tokio::test]
async fn login_input_is_validated_and_must_be_json() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("Accept-Language", "en")
        .json(&json!({"email": "not-an-email", "password": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v = json(resp).await;
    assert_eq!(v["error"]["fields"]["email"][0]["code"], "invalid_email");
    assert_eq!(v["error"]["fields"]["password"][0]["code"], "invalid_value");
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let v = json(resp).await;
    assert_eq!(v["error"]["fields"]["password"][0]["code"], "required");
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let (token, id) = app.login_as("moderator").await;
    let resp = app
        .authed(Method::POST, "/api/v1/auth/logout", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let after = app
        .authed(Method::GET, "/api/v1/moderation/counts", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(json(after).await["error"]["code"], "unauthorized");
    let again = app
        .authed(Method::POST, "/api/v1/auth/logout", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    let actions = audit_actions(&app).await;
    assert!(
        actions
            .iter()
            .any(|(a, m, _)| a == "auth.logout" && *m == Some(id))
    );
}

#[tokio::test]
async fn expired_malformed_and_foreign_tokens_are_401() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("admin").await;
    for bad in [
        "Bearer nope".to_owned(),
        format!("Basic {token}"),
        format!("Bearer {}", "A".repeat(43)),
    ] {
        let resp = app
            .client
            .get(app.url("/api/v1/moderation/counts"))
            .header("Authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    sqlx::query("update sessions set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app
        .authed(Method::GET, "/api/v1/moderation/counts", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn sessions_slide_forward_when_used() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    sqlx::query(
        "update sessions set last_seen_at = now() - interval '2 hours',
                             expires_at = now() + interval '10 hours'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let resp = app
        .authed(Method::GET, "/api/v1/moderation/counts", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let hours: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 / 3600 from sessions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(hours > 11.9, "{hours}");
}

async fn fail_login(app: &TestApp, email: &str) -> reqwest::Response {
    app.login(email, "definitely wrong password").await
}

#[tokio::test]
async fn five_failed_logins_then_429_with_retry_after_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(fail_login(&app, EMAIL).await.status(), 401);
    }
    let resp = app.login(EMAIL, PASSWORD).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(json(resp).await["error"]["code"], "rate_limited");
    // The window ends: logins work again.
    sqlx::query(
        "update rate_limits set expires_at = now() - interval '1 second' where key like 'login:%'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_login_throttle_holds_across_two_server_processes() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    a.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    for i in 0..5 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(fail_login(app, EMAIL).await.status(), 401, "attempt {i}");
    }
    assert_eq!(b.login(EMAIL, PASSWORD).await.status(), 429);
    assert_eq!(a.login(EMAIL, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn concurrent_failed_logins_on_two_processes_are_all_counted() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    a.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    let attempts = (0..8).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        fail_login(app, EMAIL)
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    // Each attempt is counted on the account and on the IP; racing attempts
    // may see those counters in different orders, so at most five get a
    // password check (never more), and every other one is throttled.
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!((1..=5).contains(&checked), "{statuses:?}");
    assert_eq!(checked + throttled, 8, "{statuses:?}");
    assert_eq!(a.login(EMAIL, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn failures_from_one_ip_are_throttled_across_accounts() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        let email = format!("guess{i}@news.example");
        assert_eq!(fail_login(&app, &email).await.status(), 401);
    }
    assert_eq!(fail_login(&app, "another@news.example").await.status(), 429);
}

#[tokio::test]
async fn a_good_login_gives_its_attempt_back_and_makes_the_network_familiar() {
    let app = TestApp::spawn().await;
    app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    for _ in 0..2 {
        assert_eq!(fail_login(&app, EMAIL).await.status(), 401);
    }
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
    let hits = |kind: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i32>("select hits from rate_limits where key like $1")
                .bind(format!("login:{kind}:%"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(hits("ip").await, 2, "the good login gave its attempt back");
    assert_eq!(hits("account").await, 2, "and its share of the account's");
    assert_eq!(hits("known").await, 1, "the network is now familiar");
}

/// A login through a trusted proxy, as if from `ip`.
async fn login_from(app: &TestApp, email: &str, password: &str, ip: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn behind_a_proxy() -> TestApp {
    TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await
}

/// Password checks made so far (each failed one is audited).
async fn password_checks(app: &TestApp) -> usize {
    audit_actions(app)
        .await
        .iter()
        .filter(|(a, _, _)| a == "auth.login_failed")
        .count()
}

#[tokio::test]
async fn failures_from_six_other_addresses_do_not_lock_the_owner_out() {
    let app = behind_a_proxy().await;
    app.seed_moderator(EMAIL, "admin", PASSWORD).await;
    for i in 1..=6 {
        let resp = login_from(
            &app,
            EMAIL,
            "a wrong guess at it",
            &format!("198.51.100.{i}"),
        )
        .await;
        assert_eq!(resp.status(), 401, "guess {i}");
    }
    let resp = login_from(&app, EMAIL, PASSWORD, "203.0.113.50").await;
    assert_eq!(resp.status(), 200, "the owner from a fresh address gets in");
}

#[tokio::test]
async fn distributed_guessing_is_paced_per_account_and_the_owner_still_gets_in() {
    use majlis::auth::throttle::{ACCOUNT_BURST, ACCOUNT_INTERVAL_SECS, max_checks_per_hour};
    let app = behind_a_proxy().await;
    app.seed_moderator(EMAIL, "admin", PASSWORD).await;
    // The owner's usual place: a good login there last week.
    let office = "192.0.2.10";
    assert_eq!(
        login_from(&app, EMAIL, PASSWORD, office).await.status(),
        200
    );

    // 60 guesses, each from its own address.
    let mut refused = Vec::new();
    for i in 1..=60 {
        let resp = login_from(
            &app,
            EMAIL,
            "guess",
            &format!("198.51.{}.{}", i / 200, i % 200 + 1),
        )
        .await;
        match resp.status().as_u16() {
            401 => {}
            429 => refused.push(retry_after(&resp)),
            other => panic!("guess {i}: {other}"),
        }
    }
    let checked = password_checks(&app).await;
    assert_eq!(checked, ACCOUNT_BURST as usize, "a burst, then pacing");
    assert_eq!(refused.len(), 60 - checked);
    assert!(
        refused
            .iter()
            .all(|r| (1..=ACCOUNT_INTERVAL_SECS as u64).contains(r)),
        "a refused address waits minutes at most: {refused:?}"
    );
    assert!(max_checks_per_hour() <= 36);

    // The owner at the office is not held up by any of it...
    assert_eq!(
        login_from(&app, EMAIL, PASSWORD, office).await.status(),
        200
    );
    // ...and from a new place waits one interval at most, then gets in.
    let resp = login_from(&app, EMAIL, PASSWORD, "203.0.113.77").await;
    assert_eq!(resp.status(), 429);
    let wait = retry_after(&resp);
    assert!((1..=ACCOUNT_INTERVAL_SECS as u64).contains(&wait), "{wait}");
    sqlx::query(
        "update rate_limits set expires_at = expires_at - make_interval(secs => $1)
         where key like 'login:account:%'",
    )
    .bind(wait as f64)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        login_from(&app, EMAIL, PASSWORD, "203.0.113.77")
            .await
            .status(),
        200,
        "waiting Retry-After is enough"
    );

    // An hour of guessing at full speed: time moves on one interval at a
    // time, and every address tries at once each time.
    let before = password_checks(&app).await;
    for step in 0..(3600 / ACCOUNT_INTERVAL_SECS) {
        sqlx::query(
            "update rate_limits set expires_at = expires_at - make_interval(secs => $1)
             where key like 'login:account:%'",
        )
        .bind(ACCOUNT_INTERVAL_SECS as f64)
        .execute(&app.pool)
        .await
        .unwrap();
        for i in 0..3 {
            let ip = format!("198.18.{step}.{i}");
            let status = login_from(&app, EMAIL, "guess", &ip).await.status();
            assert!(status == 401 || status == 429, "{status}");
        }
    }
    // One check per interval (plus the one the owner's success gave back).
    let in_the_hour = password_checks(&app).await - before;
    assert!(
        in_the_hour as u64 <= 3600 / ACCOUNT_INTERVAL_SECS as u64 + 1,
        "{in_the_hour} checks in an hour"
    );
    assert!(in_the_hour as u64 <= max_checks_per_hour());
}

#[tokio::test]
async fn ipv6_addresses_in_one_64_share_the_login_counter() {
    let app = behind_a_proxy().await;
    for i in 1..=5 {
        let resp = login_from(
            &app,
            &format!("guess{i}@news.example"),
            "guess",
            &format!("2001:db8:1:2::{i}"),
        )
        .await;
        assert_eq!(resp.status(), 401, "guess {i}");
    }
    let same_64 = login_from(
        &app,
        "other@news.example",
        "guess",
        "2001:db8:1:2:ffff:1:2:3",
    )
    .await;
    assert_eq!(same_64.status(), 429, "another address of the same /64");
    let other_64 = login_from(&app, "other@news.example", "guess", "2001:db8:1:3::1").await;
    assert_eq!(
        other_64.status(),
        401,
        "a neighbouring /64 is another client"
    );
    // Refused attempts consumed nothing: the window ends and it is open.
    let hits: i32 =
        sqlx::query_scalar("select max(hits) from rate_limits where key like 'login:ip:%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(hits, 5);
}

#[tokio::test]
async fn rate_limit_keys_are_keyed_with_the_instance_secret() {
    use majlis::db::rate_limits::key;
    let secret = crate::harness::TEST_SECRET.as_bytes();
    let app = behind_a_proxy().await;
    assert_eq!(
        login_from(&app, EMAIL, "guess", "203.0.113.9")
            .await
            .status(),
        401
    );
    let stored: Vec<String> =
        sqlx::query_scalar("select key from rate_limits where key like 'login:ip:%'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![key(secret, "login:ip", "203.0.113.9")]);
    // Not the plain hash of earlier versions (reversible for IPv4 by
    // trying every address).
    let plain = Sha256::digest("login:ip\u{0}203.0.113.9".as_bytes());
    assert_ne!(stored[0], format!("login:ip:{}", hex::encode(&plain[..16])));
    assert!(!stored[0].contains("203.0.113.9"));

    // Another secret, other keys.
    let other_secret = "another-secret-another-secret-another-01";
    let other = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        c.secret = Some(secrecy::SecretString::from(other_secret));
    })
    .await;
    assert_eq!(
        login_from(&other, EMAIL, "guess", "203.0.113.9")
            .await
            .status(),
        401
    );
    let rotated: String =
        sqlx::query_scalar("select key from rate_limits where key like 'login:ip:%'")
            .fetch_one(&other.pool)
            .await
            .unwrap();
    assert_ne!(rotated, stored[0]);
    assert_eq!(
        rotated,
        key(other_secret.as_bytes(), "login:ip", "203.0.113.9")
    );
}

#[tokio::test]
async fn a_session_used_continuously_still_ends_at_its_absolute_lifetime() {
    let app = TestApp::spawn().await;
    let (token, _) = app.login_as("moderator").await;
    let counts = || async {
        app.authed(Method::GET, "/api/v1/moderation/counts", &token)
            .send()
            .await
            .unwrap()
            .status()
    };
    // Logged in almost 7 days ago and used all along (last use 2 minutes ago).
    sqlx::query(
        "update sessions set created_at = now() - interval '167 hours',
                             last_seen_at = now() - interval '2 minutes',
                             expires_at = now() + interval '11 hours'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(counts().await, 200);
    let hours: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 / 3600 from sessions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(hours <= 1.01, "the sliding expiry stops at 7 days: {hours}");
    // Past 7 days it ends, though its idle expiry is hours away.
    sqlx::query(
        "update sessions set created_at = now() - interval '168 hours 1 second',
                             last_seen_at = now(), expires_at = now() + interval '11 hours'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(counts().await, 401);
}

#[tokio::test]
async fn session_lifetimes_are_configurable() {
    let app = TestApp::spawn_with(|c| {
        c.session_idle_hours = 2;
        c.session_max_hours = 24;
    })
    .await;
    app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    let v = json(app.login(EMAIL, PASSWORD).await).await;
    let expires: chrono::DateTime<chrono::Utc> = v["expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((1.9..=2.1).contains(&hours), "{hours}");
    sqlx::query("update sessions set created_at = now() - interval '25 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app
        .authed(
            Method::GET,
            "/api/v1/moderation/counts",
            v["token"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // A day after its end, the next login's housekeeping forgets it.
    sqlx::query("update sessions set created_at = now() - interval '49 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
    let left: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 1, "only the new session");
}

#[tokio::test]
async fn weaker_password_hashes_are_replaced_on_login() {
    let app = TestApp::spawn().await;
    let id = app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    let weak =
        majlis::auth::password::hash_with(&secrecy::SecretString::from(PASSWORD), 8192, 1, 1)
            .unwrap();
    sqlx::query("update moderators set password_hash = $2 where id = $1")
        .bind(id)
        .bind(&weak)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
    let stored: String = sqlx::query_scalar("select password_hash from moderators where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, weak);
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in() {
    let app = TestApp::spawn().await;
    let id = app.seed_moderator(EMAIL, "moderator", PASSWORD).await;
    sqlx::query("update moderators set disabled = true where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.login(EMAIL, PASSWORD).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(json(resp).await["error"]["code"], "invalid_credentials");
}

/// A concrete path for a route pattern.
fn concrete(pattern: &str) -> String {
    pattern
        .replace("{id}", "999999")
        .replace("{article_id:.+}", "2024/11/strikes")
}

#[tokio::test]
async fn every_protected_route_needs_a_token_and_the_right_role() {
    use majlis::domain::Role;
    use majlis::routes::{PROTECTED_PREFIXES, PROTECTED_ROUTES, registered_routes};
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;

    // Nothing under a protected prefix escapes the list.
    let registered = registered_routes();
    for (method, path) in &registered {
        if PROTECTED_PREFIXES.iter().any(|p| path.starts_with(p)) {
            assert!(
                PROTECTED_ROUTES
                    .iter()
                    .any(|(m, p, _)| m == method && p == path),
                "{method} {path} is registered but not in PROTECTED_ROUTES"
            );
        }
    }
    assert!(PROTECTED_ROUTES.len() >= 11);

    for (method, pattern, role) in PROTECTED_ROUTES {
        assert!(registered.iter().any(|(m, p)| m == method && p == pattern));
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let path = concrete(pattern);
        let anonymous = app
            .client
            .request(method.clone(), app.url(&path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401, "{method} {path} without a token");
        assert_eq!(json(anonymous).await["error"]["code"], "unauthorized");

        // Logging out ends the session it uses: give it its own.
        let token = if path.ends_with("/logout") || path == "/moderate/session" {
            app.login_as("moderator").await.0
        } else {
            moderator.clone()
        };
        let as_moderator = app
            .authed(method.clone(), &path, &token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = as_moderator.status().as_u16();
        match role {
            Role::Admin => {
                assert_eq!(status, 403, "{method} {path} as a moderator");
                assert_eq!(json(as_moderator).await["error"]["code"], "forbidden");
            }
            Role::Moderator => assert!(
                status != 401 && status != 403,
                "{method} {path} as a moderator: {status}"
            ),
        }

        // The dashboard's way in: the session cookie, and for a change the
        // CSRF header too.
        let (cookie, csrf) = cookie_session(&app, "moderator").await;
        let changes = !matches!(method, Method::GET | Method::HEAD);
        if changes {
            let forged = app
                .client
                .request(method.clone(), app.url(&path))
                .header("Cookie", &cookie)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                forged.status(),
                403,
                "{method} {path} by cookie without CSRF"
            );
            assert_eq!(json(forged).await["error"]["code"], "csrf_rejected");
        }
        let by_cookie = app
            .client
            .request(method.clone(), app.url(&path))
            .header("Cookie", &cookie)
            .header("X-CSRF-Token", &csrf)
            .header("Accept-Language", "en")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = by_cookie.status().as_u16();
        match role {
            Role::Admin => {
                assert_eq!(status, 403, "{method} {path} as a moderator by cookie");
                assert_eq!(json(by_cookie).await["error"]["code"], "forbidden");
            }
            Role::Moderator => assert!(
                status != 401 && status != 403,
                "{method} {path} as a moderator by cookie: {status}"
            ),
        }
        // A CSRF token is its session's: another session's is refused.
        if changes {
            let (other_cookie, _) = cookie_session(&app, "moderator").await;
            let crossed = app
                .client
                .request(method.clone(), app.url(&path))
                .header("Cookie", &other_cookie)
                .header("X-CSRF-Token", &csrf)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                crossed.status(),
                403,
                "{method} {path} with another session's CSRF"
            );
        }
    }
}

/// Signs in through the dashboard's form route as a new account with
/// `role`: the `Cookie` header to send and the session's CSRF token.
pub(crate) async fn cookie_session(app: &TestApp, role: &str) -> (String, String) {
    let email = format!("{role}-{}@news.example", uuid::Uuid::new_v4().simple());
    app.seed_moderator(&email, role, crate::harness::PASSWORD)
        .await;
    let resp = app
        .client
        .post(app.url("/moderate/session"))
        .json(&json!({"email": email, "password": crate::harness::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("token").is_none(), "the token stays in the cookie");
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}
