//! Sanctions on commenters: a ban sends new comments to spam while the
//! commenter is told what any held commenter is; a suspension refuses
//! until it ends; a hold holds; emails and domains match in any letter
//! case and in Unicode or punycode, ranges by address; "ban and reject
//! their comments" decides each comment, audited; revoking, listing,
//! masking, erasure and bad requests.

use crate::harness::{TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn app_with(settings: Value) -> TestApp {
    TestApp::spawn_full(
        |c| c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()],
        settings,
    )
    .await
}

/// A comment by `email` from `ip`.
async fn post_as(app: &TestApp, email: &str, ip: &str, text: &str) -> reqwest::Response {
    let mut c = comment("a/sanctions", text);
    c["author_email"] = json!(email);
    app.client
        .post(app.url("/api/v1/comments"))
        .header("X-Forwarded-For", ip)
        .json(&c)
        .send()
        .await
        .unwrap()
}

async fn sanction(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.send_json(Method::POST, "/api/v1/moderation/sanctions", token, &body)
        .await
}

async fn stored(app: &TestApp, id: i64) -> (String, Value) {
    sqlx::query_as("select status, spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn a_banned_email_goes_to_spam_silently_and_teaches_nothing() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let (admin, _) = app.login_as("admin").await;
    let resp = sanction(
        &app,
        &admin,
        json!({"kind": "ban", "target_type": "email", "target": " Spammer@Exämple.com ",
               "reason": "sells followers"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let s = &created["sanction"];
    assert_eq!(s["target"], "spammer@xn--exmple-cua.com");
    assert_eq!(
        (&s["kind"], &s["active"], &s["site"]),
        (&json!("ban"), &json!(true), &Value::Null)
    );
    assert_eq!(created["rejected"], json!([]));
    let sanction_id = s["id"].as_i64().unwrap();

    // What an honest commenter whose comment is held hears.
    app.authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"approval_mode": "all"}))
        .send()
        .await
        .unwrap();
    let held: Value = post_as(
        &app,
        "honest@example.org",
        "203.0.113.5",
        "A fair point, well made",
    )
    .await
    .json()
    .await
    .unwrap();
    app.authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"approval_mode": "none"}))
        .send()
        .await
        .unwrap();
    // The banned address, typed another way, with a harmless text.
    for (email, text) in [
        ("SPAMMER@xn--exmple-cua.com", "I agree with the article"),
        ("spammer@EXÄMPLE.com", "Thanks for reporting this"),
    ] {
        let resp = post_as(&app, email, "198.51.100.20", text).await;
        assert_eq!(resp.status(), 201, "{email}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(
            v["status"], "pending",
            "{email}: told what any held comment is told"
        );
        assert_eq!(keys(&v), keys(&held), "{v} vs {held}");
        let id = v["id"].as_i64().unwrap();
        let (status, reasons) = stored(&app, id).await;
        assert_eq!(status, "spam");
        assert_eq!(
            reasons,
            json!([{"rule": "sanction", "score": 0.0, "detail": format!("ban #{sanction_id}")}])
        );
        // Never public, and nothing taught.
        assert_eq!(
            app.get(&format!("/api/v1/comments/{id}")).await.status(),
            404
        );
        let trained: i64 =
            sqlx::query_scalar("select count(*) from spam_training where comment_id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(trained, 0);
    }
    // Another address on the same domain is not banned.
    let v: Value = post_as(
        &app,
        "editor@exämple.com",
        "198.51.100.21",
        "Correction noted",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["status"], "approved");
    // The audit log names the sanction, not the person.
    let details: Value =
        sqlx::query_scalar("select details from audit_events where action = 'sanction.created'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(details["sanction_id"], sanction_id);
    assert!(!details.to_string().contains("spammer"), "{details}");
}

#[tokio::test]
async fn a_suspension_refuses_until_it_ends_then_lets_the_commenter_back() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let (moderator, _) = app.login_as("moderator").await;
    let until = chrono::Utc::now() + chrono::Duration::seconds(3);
    let resp = sanction(
        &app,
        &moderator,
        json!({"kind": "suspend", "target_type": "email", "target": "hothead@example.net",
               "reason": "insults in three threads", "expires_at": until.to_rfc3339()}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", "ar")
        .json(&{
            let mut c = comment("a/sanctions", "ردّ غاضب");
            c["author_email"] = json!("HotHead@Example.NET");
            c
        })
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&retry), "{retry}");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "commenting_suspended");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("موقوف"),
        "{v}"
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // Once it ends, the same commenter is back, without anyone lifting it.
    tokio::time::sleep(std::time::Duration::from_millis(
        (until - chrono::Utc::now()).num_milliseconds().max(0) as u64 + 100,
    ))
    .await;
    let resp = post_as(
        &app,
        "hothead@example.net",
        "198.51.100.30",
        "A calmer reply",
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "approved");
    let active = app.read("/api/v1/moderation/sanctions", &moderator).await;
    assert_eq!(active["sanctions"], json!([]));
    let all = app
        .read("/api/v1/moderation/sanctions?all=true", &moderator)
        .await;
    assert_eq!(all["sanctions"][0]["active"], false);
}

#[tokio::test]
async fn a_domain_ban_covers_its_forms_and_subdomains_and_a_range_hold_holds() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let (admin, _) = app.login_as("admin").await;
    for body in [
        json!({"kind": "ban", "target_type": "domain", "target": "XN--MGBH0FB.XN--KGBECHTV",
               "reason": "a spam network"}),
        json!({"kind": "hold", "target_type": "network", "target": "192.0.2.77/24",
               "reason": "a brigade from one office"}),
    ] {
        assert_eq!(sanction(&app, &admin, body).await.status(), 201);
    }
    let cases = [
        ("a@مثال.إختبار", "203.0.113.1", "spam"),
        ("b@MAIL.xn--mgbh0fb.XN--KGBECHTV", "203.0.113.2", "spam"),
        ("c@مثالي.إختبار", "203.0.113.3", "approved"),
        ("d@example.org", "192.0.2.200", "pending"),
        ("e@example.org", "192.0.3.1", "approved"),
    ];
    for (n, (email, ip, want)) in cases.into_iter().enumerate() {
        let v: Value = post_as(&app, email, ip, &format!("Comment number {n} on the story"))
            .await
            .json()
            .await
            .unwrap();
        let (status, reasons) =
            stored(&app, v["id"].as_i64().unwrap_or_else(|| panic!("{v}"))).await;
        assert_eq!(status, want, "{email} from {ip}: {reasons}");
        let sanctioned = reasons.to_string().contains("\"sanction\"");
        assert_eq!(sanctioned, want != "approved", "{email}: {reasons}");
    }
    let list = app.read("/api/v1/moderation/sanctions", &admin).await;
    let targets: Vec<&str> = list["sanctions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["192.0.2.0/24", "xn--mgbh0fb.xn--kgbechtv"]);
}

#[tokio::test]
async fn ban_and_reject_decides_each_comment_and_revoking_lets_new_ones_through() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let (moderator, moderator_id) = app.login_as("moderator").await;
    let mut ids = Vec::new();
    for text in ["First remark", "Second remark", "Third remark"] {
        let v: Value = post_as(&app, "troll@example.com", "198.51.100.40", text)
            .await
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_i64().unwrap());
    }
    let bystander = post_as(&app, "reader@example.com", "198.51.100.41", "Unrelated")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // One was already spam: it stays spam.
    sqlx::query("update comments set status = 'spam' where id = $1")
        .bind(ids[2])
        .execute(&app.pool)
        .await
        .unwrap();
    let resp = sanction(
        &app,
        &moderator,
        json!({"kind": "ban", "target_type": "email", "comment_id": ids[0],
               "reason": "harassment", "reject_existing": true}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["rejected"], json!([ids[0], ids[1]]));
    assert_eq!(created["remaining"], 0);
    assert_eq!(created["sanction"]["target"], "troll@example.com");
    assert_eq!(created["sanction"]["created_by"], moderator_id);
    let sid = created["sanction"]["id"].as_i64().unwrap();
    for id in &ids[..2] {
        assert_eq!(stored(&app, *id).await.0, "rejected");
        let (actor, reason): (String, String) = sqlx::query_as(
            "select actor, reason from audit_events
             where comment_id = $1 and action = 'comment.status_changed'",
        )
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(
            (actor.as_str(), reason),
            ("moderator", format!("sanction #{sid}"))
        );
        // What the author may read (the statement of reasons) has the
        // category, never the sanction's note: a ban does not name itself.
        let (category, told): (Option<String>, Option<String>) =
            sqlx::query_as("select decision_category, decision_reason from comments where id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!((category.as_deref(), told), (Some("other"), None));
    }
    assert_eq!(stored(&app, ids[2]).await.0, "spam");
    assert_eq!(stored(&app, bystander).await.0, "approved");
    let listed: Value = app
        .get("/api/v1/articles/a/sanctions/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["comments"].as_array().unwrap().len(), 1);

    // Revoked: new comments are judged as anyone's again.
    let path = format!("/api/v1/moderation/sanctions/{sid}");
    let resp = app
        .authed(Method::DELETE, &path, &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (&v["active"], &v["revoked_by"]),
        (&json!(false), &json!(moderator_id))
    );
    let resp = app
        .authed(Method::DELETE, &path, &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "sanction_not_found"
    );
    let v: Value = post_as(
        &app,
        "troll@example.com",
        "198.51.100.40",
        "A better remark",
    )
    .await
    .json()
    .await
    .unwrap();
    // Judged by the rules again (their rejected and spam comments still
    // count against them), not by the sanction.
    let (status, reasons) = stored(&app, v["id"].as_i64().unwrap()).await;
    assert_ne!(status, "spam", "{reasons}");
    assert!(!reasons.to_string().contains("\"sanction\""), "{reasons}");
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_events where action like 'sanction.%' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["sanction.created", "sanction.revoked"]);
}

#[tokio::test]
async fn an_erasure_forgets_the_address_and_the_reason_but_the_ban_holds() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let (admin, _) = app.login_as("admin").await;
    sanction(
        &app,
        &admin,
        json!({"kind": "ban", "target_type": "email", "target": "gone@example.com",
               "reason": "posted a neighbour's phone number"}),
    )
    .await;
    let export: Value = app
        .read("/api/v1/privacy/export?email=Gone@Example.com", &admin)
        .await;
    assert_eq!(
        export["sanctions"][0]["target"], "gone@example.com",
        "{export}"
    );
    let resp = app
        .authed(Method::POST, "/api/v1/privacy/erase", &admin)
        .json(&json!({"email": "gone@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["sanctions_erased"], 1);
    let (target, reason): (Option<String>, Option<String>) =
        sqlx::query_as("select target, reason from sanctions")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((target, reason), (None, None));
    let v: Value = post_as(&app, "GONE@example.com", "198.51.100.50", "Back again")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored(&app, v["id"].as_i64().unwrap()).await.0, "spam");
}

#[tokio::test]
async fn masked_moderators_see_masked_targets_and_bad_requests_are_422() {
    let app = app_with(json!({"flood_interval_seconds": 0, "mask_personal_data": true})).await;
    let (moderator, _) = app.login_as("moderator").await;
    let resp = sanction(
        &app,
        &moderator,
        json!({"kind": "hold", "target_type": "email", "target": "watch@example.com",
               "reason": "new account, many links"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["sanction"]["target"],
        "w***@example.com"
    );
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (body, field, code) in [
        (
            json!({"target_type": "email", "target": "a@b.co", "reason": "x"}),
            "kind",
            "required",
        ),
        (
            json!({"kind": "mute", "target_type": "email", "target": "a@b.co", "reason": "x"}),
            "kind",
            "invalid_value",
        ),
        (
            json!({"kind": "suspend", "target_type": "email", "target": "a@b.co", "reason": "x"}),
            "expires_at",
            "required",
        ),
        (
            json!({"kind": "ban", "target_type": "email", "target": "a@b.co", "reason": "x",
                   "expires_at": "2001-01-01T00:00:00Z"}),
            "expires_at",
            "invalid_value",
        ),
        (
            json!({"kind": "ban", "target_type": "network", "target": "10.0.0.0/7", "reason": "x"}),
            "target",
            "invalid_value",
        ),
        (
            json!({"kind": "ban", "target_type": "domain", "target": "com", "reason": "x"}),
            "target",
            "invalid_value",
        ),
        (
            json!({"kind": "ban", "target_type": "email", "target": "a@b.co", "comment_id": 1,
                   "reason": "x"}),
            "comment_id",
            "invalid_value",
        ),
        (
            json!({"kind": "ban", "target_type": "email", "reason": "x"}),
            "target",
            "required",
        ),
        (
            json!({"kind": "ban", "target_type": "email", "target": "a@b.co",
                   "expires_at": future}),
            "reason",
            "required",
        ),
    ] {
        let resp = sanction(&app, &moderator, body.clone()).await;
        assert_eq!(resp.status(), 422, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["fields"][field][0]["code"], code, "{body}: {v}");
    }
    let resp = sanction(
        &app,
        &moderator,
        json!({"kind": "ban", "target_type": "network", "comment_id": 999999, "reason": "x"}),
    )
    .await;
    assert_eq!(resp.status(), 404);
    let count: i64 = sqlx::query_scalar("select count(*) from sanctions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn rejecting_existing_comments_goes_500_at_a_time_and_finishes_on_request() {
    let app = app_with(json!({"flood_interval_seconds": 0, "approval_mode": "none"})).await;
    let (moderator, _) = app.login_as("moderator").await;
    // 503 published comments from one range, seeded in one statement.
    app.seed_sql(&[
        "insert into articles (site_id, id) values ('default', 'a/flood') on conflict do nothing",
        "insert into comments (article_id, author_name, author_email, avatar, body, body_html,
                               body_fingerprint, status, ip)
         select 'a/flood', 'bot ' || g, 'bot' || g || '@example.org', md5(g::text),
                'same old ' || g, '<p>same old ' || g || '</p>', md5('f' || g), 'approved',
                ('203.0.113.' || (g % 250))::inet
         from generate_series(1, 503) g",
    ])
    .await;
    let resp = sanction(
        &app,
        &moderator,
        json!({"kind": "ban", "target_type": "network", "target": "203.0.113.0/24",
               "reason": "botnet", "reason_category": "spam", "reject_existing": true}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["rejected"].as_array().unwrap().len(), 500);
    assert_eq!(created["remaining"], 3);
    let sid = created["sanction"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/moderation/sanctions/{sid}/reject-existing");
    let more: Value = app
        .authed(Method::POST, &path, &moderator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(more["rejected"].as_array().unwrap().len(), 3, "{more}");
    assert_eq!(more["remaining"], 0);
    let left: i64 = sqlx::query_scalar(
        "select count(*) from comments where article_id = 'a/flood' and status <> 'rejected'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_events
         where action = 'comment.status_changed' and reason = $1 and reason_category = 'spam'",
    )
    .bind(format!("sanction #{sid}"))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 503);
    // Nothing left: an empty answer. Revoked, or not a number: 404.
    let again: Value = app
        .authed(Method::POST, &path, &moderator)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, json!({"rejected": [], "remaining": 0}));
    let revoke = format!("/api/v1/moderation/sanctions/{sid}");
    let resp = app
        .authed(Method::DELETE, &revoke, &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for path in [
        path.as_str(),
        "/api/v1/moderation/sanctions/abc/reject-existing",
    ] {
        let resp = app
            .authed(Method::POST, path, &moderator)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "sanction_not_found");
    }
}

#[tokio::test]
async fn an_account_limited_to_sites_sees_sanctions_on_every_site_masked() {
    let app = app_with(json!({"flood_interval_seconds": 0})).await;
    let (admin, _) = app.login_as("admin").await;
    let (limited, limited_id) = app.login_as("moderator").await;
    sqlx::query("update moderators set sites = '{default}' where id = $1")
        .bind(limited_id)
        .execute(&app.pool)
        .await
        .unwrap();
    for body in [
        json!({"kind": "ban", "target_type": "email", "target": "elsewhere@example.com",
               "reason": "threats on the other edition"}),
        json!({"kind": "hold", "target_type": "email", "target": "here@example.com",
               "reason": "links", "site": "default"}),
    ] {
        assert_eq!(sanction(&app, &admin, body).await.status(), 201);
    }
    let seen = app.read("/api/v1/moderation/sanctions", &limited).await;
    let list = seen["sanctions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{seen}");
    let every = list.iter().find(|s| s["site"].is_null()).unwrap();
    assert_eq!(every["target"], "e***@example.com");
    assert_eq!(every["reason"], Value::Null);
    let own = list.iter().find(|s| s["site"] == "default").unwrap();
    assert_eq!(own["target"], "here@example.com");
    assert_eq!(own["reason"], "links");
    // An admin sees both in full. The limited account acts only on
    // sanctions of its own sites.
    let full = app.read("/api/v1/moderation/sanctions", &admin).await;
    assert!(
        full["sanctions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["target"] == "elsewhere@example.com"
                && s["reason"] == "threats on the other edition")
    );
    let sid = every["id"].as_i64().unwrap();
    let resp = app
        .authed(
            Method::POST,
            &format!("/api/v1/moderation/sanctions/{sid}/reject-existing"),
            &limited,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
