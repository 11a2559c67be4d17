//! The spam verdict and the approval workflow at submission: statuses,
//! reasons, duplicates, floods (across two server processes), closing,
//! settings, and training from decisions.

use crate::harness::{TestApp, comment};
use serde_json::{Value, json};

async fn status_of(app: &TestApp, id: i64) -> (String, f64, Value) {
    let (status, score, reasons): (String, f64, sqlx::types::Json<Value>) =
        sqlx::query_as("select status, spam_score, spam_reasons from comments where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    (status, score, reasons.0)
}

async fn post(app: &TestApp, c: &Value) -> (u16, Value) {
    let resp = app.post_json(c).await;
    let code = resp.status().as_u16();
    (code, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_spammy_comment_lands_in_spam_with_reasons_but_the_submitter_is_told_pending() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "blocked_words": ["كازينو"]}),
    )
    .await;
    let mut c = comment(
        "a1",
        "اربح الآن في ك.ا.ز.ي.ن.و اونلاين https://win.example https://bonus.example https://x.example",
    );
    c["author_email"] = json!("winner@mailinator.com");
    let (code, v) = post(&app, &c).await;
    assert_eq!(code, 201);
    assert_eq!(v["status"], "pending", "spammers learn nothing");
    let (status, score, reasons) = status_of(&app, v["id"].as_i64().unwrap()).await;
    assert_eq!(status, "spam");
    assert!(score >= 10.0, "{score}");
    let rules: Vec<&str> = reasons
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"blocked_word"), "{rules:?}");
    assert!(rules.contains(&"links"), "{rules:?}");
    let text = reasons.to_string();
    assert!(
        !text.contains("winner@"),
        "reasons never hold the email: {text}"
    );
}

#[tokio::test]
async fn a_filled_honeypot_is_spam() {
    let app = TestApp::spawn().await;
    let mut c = comment("a1", "I am a helpful human comment.");
    c["honeypot"] = json!("http://seo.example");
    let (code, v) = post(&app, &c).await;
    assert_eq!(code, 201);
    assert_eq!(status_of(&app, v["id"].as_i64().unwrap()).await.0, "spam");
}

#[tokio::test]
async fn a_first_timer_waits_and_a_returning_author_is_published() {
    let app = TestApp::spawn().await;
    let (_, first) = post(
        &app,
        &comment("a1", "أول تعليق لي على هذا الموقع، شكرا على التغطية"),
    )
    .await;
    assert_eq!(first["status"], "pending");
    app.set_status(first["id"].as_i64().unwrap(), "approved")
        .await;
    // The browser sends back the returning-commenter token it was given.
    let token = first["commenter_token"].as_str().unwrap().to_owned();
    let mut c = comment("a2", "تعليق ثان: أتفق مع الكاتب في تحليله للوضع");
    c["commenter_token"] = json!(token);
    let (_, second) = post(&app, &c).await;
    assert_eq!(second["status"], "approved");
    // The same person with the email in other letter case is still known.
    let mut c = comment("a3", "Third comment, same reader, different case");
    c["author_email"] = json!("SARA.READER@EXAMPLE.COM");
    c["commenter_token"] = json!(token);
    let (_, third) = post(&app, &c).await;
    assert_eq!(third["status"], "approved");
    // Without the token, her email alone is not her record.
    let (_, fourth) = post(&app, &comment("a4", "Someone else typing her email")).await;
    assert_eq!(fourth["status"], "pending");
}

#[tokio::test]
async fn approval_modes_and_per_article_overrides() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let (_, v) = post(&app, &comment("open", "Published right away.")).await;
    assert_eq!(v["status"], "approved");
    sqlx::query("insert into articles (id, approval_mode) values ('strict', 'all')")
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, v) = post(&app, &comment("strict", "Held on this article.")).await;
    assert_eq!(v["status"], "pending");
}

#[tokio::test]
async fn the_same_text_twice_by_the_same_author_is_409_in_their_language() {
    let app = TestApp::spawn().await;
    assert_eq!(post(&app, &comment("a1", "نص مكرر")).await.0, 201);
    // Normalized: tatweel and diacritics do not make it new.
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", "ar")
        .json(&comment("a1", "نـــصّ مُكرر"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "duplicate_comment");
    assert!(v["error"]["message"].as_str().unwrap().contains("قلت هذا"));
    // Another article, or another author, is not a duplicate.
    assert_eq!(post(&app, &comment("a2", "نص مكرر")).await.0, 201);
    let mut other = comment("a1", "نص مكرر");
    other["author_email"] = json!("someone.else@example.org");
    assert_eq!(post(&app, &other).await.0, 201);
}

#[tokio::test]
async fn a_double_click_stores_one_comment_however_the_requests_race() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    let c = comment("a1", "نشرت هذا مرة واحدة فقط");
    let sends = (0..6).map(|i| {
        let target = if i % 2 == 0 { &app } else { &other };
        target.post_json(&c)
    });
    let mut codes: Vec<u16> = futures_util::future::join_all(sends)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, [201, 409, 409, 409, 409, 409]);
    let (comments, audits): (i64, i64) = sqlx::query_as(
        "select (select count(*) from comments), (select count(*) from audit_events)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((comments, audits), (1, 1), "one comment, one audit event");
}

#[tokio::test]
async fn a_refused_submission_stores_nothing_and_counts_nothing() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 60, "flood_max_comments": 1}),
    )
    .await;
    let mut a = comment("a1", "first");
    a["author_email"] = json!("one@example.org");
    assert_eq!(app.post_json(&a).await.status(), 201);
    let counters = || async {
        sqlx::query_as::<_, (String, i32)>("select key, hits from rate_limits order by key")
            .fetch_all(&app.pool)
            .await
            .unwrap()
    };
    let before = counters().await;
    // A new email (its counter has room) from the same address (full): the
    // email's take is undone with the refusal.
    let mut b = comment("new-article", "second");
    b["author_email"] = json!("two@example.org");
    assert_eq!(app.post_json(&b).await.status(), 429);
    assert_eq!(counters().await, before, "no counter moved");
    let stored: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from comments), (select count(*) from audit_events),
                (select count(*) from articles where id = 'new-article')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, (1, 1, 0), "no comment, audit event or article");
}

#[tokio::test]
async fn floods_get_429_with_retry_after_even_across_two_server_processes() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 30, "flood_max_comments": 1}),
    )
    .await;
    let other = app.sibling().await;
    let mut a = comment("a1", "first comment");
    a["author_email"] = json!("one@example.org");
    assert_eq!(app.post_json(&a).await.status(), 201);
    // Same IP, different email, other process.
    let mut b = comment("a1", "second comment, quickly");
    b["author_email"] = json!("two@example.org");
    let resp = other.post_json(&b).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
    let stored: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn concurrent_floods_from_two_processes_let_exactly_one_through() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 60, "flood_max_comments": 1}),
    )
    .await;
    let other = app.sibling().await;
    let mut a = comment("a1", "racing one");
    a["author_email"] = json!("r1@example.org");
    let mut b = comment("a1", "racing two");
    b["author_email"] = json!("r2@example.org");
    let (ra, rb) = tokio::join!(app.post_json(&a), other.post_json(&b));
    let mut codes = [ra.status().as_u16(), rb.status().as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 429]);
}

fn retry_after(resp: &reqwest::Response) -> u64 {
    resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_reader_who_waits_retry_after_gets_through() {
    use std::time::Duration;
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 3, "flood_max_comments": 1}),
    )
    .await;
    let mut first = comment("a1", "the first comment from this address");
    first["author_email"] = json!("first@example.org");
    assert_eq!(app.post_json(&first).await.status(), 201);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Someone else at the same address is refused, waits exactly
    // Retry-After, and gets through (the refusal took nothing from their
    // email's allowance).
    let mut polite = comment("a1", "a polite reader's comment");
    polite["author_email"] = json!("polite@example.org");
    let resp = app.post_json(&polite).await;
    assert_eq!(resp.status(), 429);
    let wait = retry_after(&resp);
    assert!((1..=3).contains(&wait), "{wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let resp = app.post_json(&polite).await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);

    // A third keeps retrying during the window, refused each time, then
    // waits the last Retry-After and gets through.
    let mut eager = comment("a1", "an eager reader's comment");
    eager["author_email"] = json!("eager@example.org");
    let mut wait = 0;
    for _ in 0..3 {
        let resp = app.post_json(&eager).await;
        assert_eq!(resp.status(), 429);
        wait = retry_after(&resp);
        assert!((1..=3).contains(&wait), "{wait}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let resp = app.post_json(&eager).await;
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let stored: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 3);
}

#[tokio::test]
async fn ipv6_addresses_in_one_64_share_the_flood_counter() {
    let app = TestApp::spawn_full(
        |c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()],
        json!({"flood_interval_seconds": 60, "flood_max_comments": 1}),
    )
    .await;
    let post_from = |ip: &'static str, email: &'static str| {
        let mut c = comment("a1", &format!("a comment from {email}"));
        c["author_email"] = json!(email);
        let req = app
            .client
            .post(app.url("/api/v1/comments"))
            .header("X-Forwarded-For", ip)
            .json(&c);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post_from("2001:db8:1:2::1", "one@example.org").await, 201);
    assert_eq!(
        post_from("2001:db8:1:2:abcd::99", "two@example.org").await,
        429,
        "another address of the same /64"
    );
    assert_eq!(
        post_from("2001:db8:1:3::1", "three@example.org").await,
        201,
        "a neighbouring /64 is another client"
    );
}

#[tokio::test]
async fn articles_close_after_the_configured_days() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "close_after_days": 30}),
    )
    .await;
    sqlx::query("insert into articles (id, created_at) values ('old', now() - interval '31 days'), ('new', now() - interval '29 days')")
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = app.post_json(&comment("old", "too late")).await;
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "comments_closed");
    assert_eq!(
        app.post_json(&comment("new", "just in time"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn settings_changes_reach_every_instance_through_the_version() {
    let app = TestApp::spawn().await;
    let other = app.sibling().await;
    sqlx::query(
        "update sites set settings = settings || '{\"approval_mode\": \"none\"}', settings_version = settings_version + 1",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    tokio::time::sleep(majlis::usecases::settings::RECHECK + std::time::Duration::from_millis(200))
        .await;
    let mut c = comment("a1", "after the change");
    c["author_email"] = json!("new.reader@example.org");
    let v: Value = other.post_json(&c).await.json().await.unwrap();
    assert_eq!(v["status"], "approved");
}

#[tokio::test]
async fn decisions_train_the_learner_and_reversals_untrain_it() {
    let app = TestApp::spawn().await;
    let (_, v) = post(&app, &comment("a1", "cheap forex signals join now")).await;
    let id = v["id"].as_i64().unwrap();
    let totals = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "select sum(nspam)::bigint, sum(nham)::bigint from spam_corpus_shards",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    // The bucket of a word the comment holds.
    let forex = i32::try_from(majlis::spam::features::token_bucket("forex")).unwrap();
    let bucket = || async {
        sqlx::query_as::<_, (i32, i32)>("select spam, ham from spam_features where bucket = $1")
            .bind(forex)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let mut conn = app.pool.acquire().await.unwrap();
    use majlis::domain::CommentStatus::*;
    let taught = majlis::usecases::training::apply_decision(&mut conn, id, Some(Spam), false)
        .await
        .unwrap();
    assert!(taught);
    assert_eq!(totals().await, (1, 0));
    assert_eq!(bucket().await, (1, 0));
    // Deciding the same again changes nothing.
    let again = majlis::usecases::training::apply_decision(&mut conn, id, Some(Spam), false)
        .await
        .unwrap();
    assert!(!again);
    assert_eq!(totals().await, (1, 0));
    // Reversed: now ham.
    majlis::usecases::training::apply_decision(&mut conn, id, Some(Approved), false)
        .await
        .unwrap();
    assert_eq!(totals().await, (0, 1));
    assert_eq!(bucket().await, (0, 1));
    // Back to the queue: nothing learned from it any more.
    majlis::usecases::training::apply_decision(&mut conn, id, Some(Pending), false)
        .await
        .unwrap();
    assert_eq!(totals().await, (0, 0));
    assert_eq!(bucket().await, (0, 0));
}
