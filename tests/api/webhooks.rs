//! Webhooks: signed deliveries of each change from the outbox, retried
//! until the receiver is back, never twice at once from two instances,
//! nothing for a change that rolled back; the admin API.

use crate::harness::TestApp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A webhook receiver: a bare HTTP/1.1 server that records each request
/// and answers 204.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let log = got.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let (head_end, length) = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (i + 4, length);
                        }
                    };
                    while buf.len() < head_end + length {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let headers = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                        .collect();
                    let body =
                        String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
                    log.lock().unwrap().push(Received { headers, body });
                    let _ = sock
                        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        Receiver { port, got, task }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/majlis?token=t0k3n", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (15 s at most).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..150 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} deliveries, got {:?}", self.received());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Checks a delivery's Standard Webhooks signature with the secret.
fn verify(secret: &str, r: &Received) -> bool {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    let signed = format!(
        "{}.{}.{}",
        r.headers["webhook-id"], r.headers["webhook-timestamp"], r.body
    );
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    r.headers["webhook-signature"]
        .split(' ')
        .any(|s| s == expected)
}

async fn create_webhook(app: &TestApp, admin: &str, body: Value) -> Value {
    let resp = app
        .authed(Method::POST, "/api/v1/admin/webhooks", admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// A webhook to `receiver` for `events`, everything else by default.
async fn hook_to(app: &TestApp, admin: &str, receiver: &Receiver, events: &[&str]) -> Value {
    create_webhook(app, admin, json!({"url": receiver.url(), "events": events})).await
}

async fn comment(app: &TestApp, article: &str, email: &str) -> i64 {
    let resp = app
        .post_json(&json!({
            "article_id": article, "author_name": "ليلى", "author_email": email,
            "body": "تحليل دقيق، شكرًا للكاتب"
        }))
        .await;
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn each_change_reaches_the_webhook_signed_with_what_it_asked_for() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let receiver = Receiver::start(0).await;
    let created = create_webhook(
        &app,
        &admin,
        json!({
            "url": receiver.url(),
            "events": ["comment.created", "comment.status_changed", "comment.edited", "comment.erased"],
            "include": ["email"]
        }),
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert_eq!(created["active"], true);
    let id = created["id"].as_i64().unwrap();
    // The secret is shown once: never in the list or the detail.
    let list = app.read("/api/v1/admin/webhooks", &admin).await;
    assert_eq!(list[0]["id"], id);
    assert!(!list.to_string().contains(&secret));

    let comment_id = comment(&app, "2026/12/hooks", "Layla@Example.com").await;
    let got = receiver.wait_for(1).await;
    let created_event = &got[0];
    assert!(verify(&secret, created_event), "{created_event:?}");
    assert_eq!(created_event.headers["x-majlis-event"], "comment.created");
    assert_eq!(created_event.headers["content-type"], "application/json");
    let payload = created_event.json();
    assert_eq!(payload["type"], "comment.created");
    assert_eq!(payload["data"]["site"], "default");
    assert_eq!(payload["data"]["status"], "pending");
    let c = &payload["data"]["comment"];
    assert_eq!(c["id"], comment_id);
    assert_eq!(c["author_email"], "Layla@Example.com");
    assert!(
        c.get("ip").is_none() && c.get("user_agent").is_none(),
        "{c}"
    );
    assert!(
        c["spam_score"].is_number() && c["spam_reasons"].is_array(),
        "{c}"
    );
    // The timestamp header is now, in Unix seconds.
    let ts: i64 = created_event.headers["webhook-timestamp"].parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);

    // A moderator's approval: a status change, with the status before.
    approve(&app, &admin, comment_id).await;
    let got = receiver.wait_for(2).await;
    let changed = got[1].json();
    assert!(verify(&secret, &got[1]));
    assert_eq!(changed["type"], "comment.status_changed");
    assert_eq!(
        (
            changed["data"]["previous_status"].as_str(),
            changed["data"]["status"].as_str()
        ),
        (Some("pending"), Some("approved"))
    );
    assert_ne!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);

    // The admin sees each delivery, delivered at the first attempt.
    let detail = app
        .read(&format!("/api/v1/admin/webhooks/{id}"), &admin)
        .await;
    let deliveries = detail["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2, "{detail}");
    for d in deliveries {
        assert_eq!(
            (d["status"].as_str(), d["attempts"].as_i64()),
            (Some("delivered"), Some(1))
        );
        assert_eq!(d["response_status"], 204);
    }
    assert!(!detail.to_string().contains(&secret));

    // Turned off, it gets nothing new; deleted, it is gone.
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/admin/webhooks/{id}"),
            &admin,
        )
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    comment(&app, "2026/12/hooks", "other@example.com").await;
    let queued: i64 = sqlx::query_scalar("select count(*) from webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(queued, 2);
    let resp = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/admin/webhooks/{id}"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let left: i64 = sqlx::query_scalar("select count(*) from webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "its deliveries go with it");
    let resp = app
        .authed(Method::GET, &format!("/api/v1/admin/webhooks/{id}"), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let log = app
        .read("/api/v1/moderation/log?action=webhook.created", &admin)
        .await;
    assert_eq!(log["events"][0]["details"]["webhook_id"], id);
    assert!(
        !log.to_string().contains("t0k3n"),
        "the URL stays out of the log"
    );
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_delivery_is_retried_until_the_receiver_is_back_and_can_be_sent_again() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    // A port nobody listens on yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let created = create_webhook(
        &app,
        &admin,
        json!({
            "url": format!("http://127.0.0.1:{port}/hook"),
            "events": ["comment.created"],
            "include": ["ip", "user_agent"]
        }),
    )
    .await;
    let (id, secret) = (
        created["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_owned(),
    );
    comment(&app, "2026/12/retry", "reader@example.com").await;

    // The first attempt fails: still pending, with the error and a later
    // attempt due.
    let mut failed = Value::Null;
    for _ in 0..150 {
        let detail = app
            .read(&format!("/api/v1/admin/webhooks/{id}"), &admin)
            .await;
        if detail["deliveries"][0]["attempts"].as_i64() >= Some(1)
            && detail["deliveries"][0]["last_error"].is_string()
        {
            failed = detail["deliveries"][0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed["status"], "pending", "{failed}");
    assert!(failed["next_attempt_at"].is_string(), "{failed}");
    assert!(!failed.to_string().contains("127.0.0.1"), "{failed}");

    // The receiver comes back; the next attempt (made due now rather than
    // after its back-off) delivers, once.
    let receiver = Receiver::start(port).await;
    sqlx::query("update webhook_deliveries set next_attempt_at = now() where status = 'pending'")
        .execute(&app.pool)
        .await
        .unwrap();
    let got = receiver.wait_for(1).await;
    assert!(verify(&secret, &got[0]));
    let c = &got[0].json()["data"]["comment"];
    assert_eq!(c["ip"], "127.0.0.1", "{c}");
    assert!(c.get("author_email").is_none(), "{c}");
    let detail = app
        .read(&format!("/api/v1/admin/webhooks/{id}"), &admin)
        .await;
    let d = &detail["deliveries"][0];
    assert_eq!(d["status"], "delivered", "{detail}");
    assert!(d["attempts"].as_i64() >= Some(2), "{d}");

    // Sent again on request: same message id, a new copy.
    let delivery_id = d["id"].as_i64().unwrap();
    let resp = app
        .authed(
            Method::POST,
            &format!("/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    let resp = app
        .authed(
            Method::POST,
            &format!("/api/v1/admin/webhooks/{id}/deliveries/999999/redeliver"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "delivery_not_found");

    // The metrics count deliveries by result and show the queue's lag
    // (the metrics of all the tests in this process add up: at least).
    let text = app.get("/metrics").await.text().await.unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in {text}"))
    };
    assert!(value(r#"majlis_webhook_deliveries_total{result="delivered"}"#) >= 2.0);
    assert!(value(r#"majlis_webhook_deliveries_total{result="retry"}"#) >= 1.0);
    assert!(value("majlis_webhook_outbox_lag_seconds") >= 0.0);
}

#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    let app = TestApp::spawn().await;
    let sibling = app.sibling().await;
    let (admin, _) = app.login_as("admin").await;
    let receiver = Receiver::start(0).await;
    hook_to(&app, &admin, &receiver, &["comment.created"]).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let on = if i % 2 == 0 { &app } else { &sibling };
        ids.push(
            comment(
                on,
                &format!("2026/12/both-{i}"),
                &format!("r{i}@example.com"),
            )
            .await,
        );
    }
    let got = receiver.wait_for(30).await;
    // Give a duplicate the time to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_now = receiver.received();
    assert_eq!(got_now.len(), 30, "{}", got.len());
    let mut message_ids: Vec<&str> = got_now
        .iter()
        .map(|r| r.headers["webhook-id"].as_str())
        .collect();
    message_ids.sort_unstable();
    message_ids.dedup();
    assert_eq!(message_ids.len(), 30);
    let mut delivered: Vec<i64> = got_now
        .iter()
        .map(|r| r.json()["data"]["comment"]["id"].as_i64().unwrap())
        .collect();
    delivered.sort_unstable();
    ids.sort_unstable();
    assert_eq!(delivered, ids);
}

/// A moderator approves a comment.
async fn approve(app: &TestApp, admin: &str, id: i64) {
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            admin,
        )
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Approves a pending comment the way a decision does (its status and its
/// audit event) in a transaction left open for the caller to end.
async fn approve_uncommitted(app: &TestApp, id: i64) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("update comments set status = 'approved' where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "insert into audit_events (actor, action, comment_id, old_status, new_status)
         values ('system', 'comment.status_changed', $1, 'pending', 'approved')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx
}

/// Two admins change different fields of one webhook at the same moment:
/// both changes hold. The test holds the webhook's row lock while both
/// PATCHes start, so without the locked read each would read the row
/// before the other wrote it and the second write would undo the first.
#[tokio::test]
async fn two_patches_of_different_fields_at_once_both_hold() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let receiver = Receiver::start(0).await;
    let created = hook_to(&app, &admin, &receiver, &["comment.created"]).await;
    let id = created["id"].as_i64().unwrap();
    let mut holder = app.pool.begin().await.unwrap();
    sqlx::query("select 1 from webhooks where id = $1 for update")
        .bind(id)
        .execute(&mut *holder)
        .await
        .unwrap();
    let patch = |body: Value| {
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/webhooks/{id}"),
            &admin,
        )
        .json(&body)
        .send()
    };
    let events = tokio::spawn(patch(
        json!({"events": ["comment.created", "comment.erased"]}),
    ));
    let active = tokio::spawn(patch(json!({"active": false})));
    // Both requests are in, waiting on the row.
    let waiting = async {
        loop {
            let n: i64 = sqlx::query_scalar(
                "select count(*) from pg_stat_activity
                  where datname = current_database() and wait_event_type = 'Lock'
                    and query ilike '%webhooks%'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap();
            if n >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("both PATCHes wait on the webhook's row");
    holder.commit().await.unwrap();
    for resp in [
        events.await.unwrap().unwrap(),
        active.await.unwrap().unwrap(),
    ] {
        assert_eq!(resp.status(), 200);
    }
    let hook = app
        .read(&format!("/api/v1/admin/webhooks/{id}"), &admin)
        .await;
    assert_eq!(hook["active"], false, "{hook}");
    assert_eq!(
        hook["events"],
        json!(["comment.created", "comment.erased"]),
        "{hook}"
    );
}

#[tokio::test]
async fn a_change_that_rolled_back_sends_nothing() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let receiver = Receiver::start(0).await;
    let comment_id = comment(&app, "2026/12/rollback", "reader@example.com").await;
    hook_to(&app, &admin, &receiver, &["comment.status_changed"]).await;
    // A decision whose transaction rolls back.
    let tx = approve_uncommitted(&app, comment_id).await;
    // The worker runs while the transaction is open: it must not send the
    // event it cannot see yet, nor skip it for good.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.received().is_empty());
    tx.rollback().await.unwrap();
    let queued: i64 = sqlx::query_scalar("select count(*) from webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(queued, 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.received().is_empty());

    // The same decision committed is delivered.
    approve(&app, &admin, comment_id).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].json()["type"], "comment.status_changed");
}

#[tokio::test]
async fn an_event_whose_transaction_commits_late_is_still_sent() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let receiver = Receiver::start(0).await;
    let early = comment(&app, "2026/12/late", "early@example.com").await;
    let later = comment(&app, "2026/12/late", "later@example.com").await;
    hook_to(&app, &admin, &receiver, &["comment.status_changed"]).await;
    // The first event is written in a transaction that stays open while a
    // second one (a later id) commits: a reader of ids alone would send
    // the second and pass the first for good.
    let tx = approve_uncommitted(&app, early).await;
    approve(&app, &admin, later).await;
    // Events wait behind a transaction still open (it could commit).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.received().is_empty());
    tx.commit().await.unwrap();
    let got = receiver.wait_for(2).await;
    let mut sent: Vec<i64> = got
        .iter()
        .map(|r| r.json()["data"]["comment"]["id"].as_i64().unwrap())
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, vec![early, later]);
    let rows: i64 =
        sqlx::query_scalar("select count(*) from webhook_deliveries where status = 'delivered'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn an_event_for_more_webhooks_than_a_round_sends_reaches_each_once() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let receiver = Receiver::start(0).await;
    // A round makes at most 64 first attempts; the rest wait as due rows.
    for i in 0..70 {
        create_webhook(
            &app,
            &admin,
            json!({"url": format!("{}&n={i}", receiver.url()), "events": ["comment.created"]}),
        )
        .await;
    }
    let id = comment(&app, "2026/12/many", "reader@example.com").await;
    let got = receiver.wait_for(70).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 70, "{}", got.len());
    assert!(
        got.iter()
            .all(|r| r.json()["data"]["comment"]["id"].as_i64() == Some(id))
    );
    let rows: Vec<(String, i32)> =
        sqlx::query_as("select status, count(*)::int4 from webhook_deliveries group by status")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(rows, vec![("delivered".to_owned(), 70)]);
    // 64 went in the first round (their row written with the attempt);
    // the other 6 were written as due rows and sent in a later round.
    let later: i64 = sqlx::query_scalar(
        "select count(*) from webhook_deliveries where last_attempt_at > created_at",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(later, 6);
}

#[tokio::test]
async fn webhook_fields_are_checked_and_private_targets_refused() {
    let app = TestApp::spawn_with(|c| c.webhooks_allow_private = false).await;
    let (admin, _) = app.login_as("admin").await;
    for (body, field, code) in [
        (
            json!({"url": "http://127.0.0.1:9000/hook", "events": ["comment.created"]}),
            "url",
            "private_address",
        ),
        (
            json!({"url": "http://169.254.169.254/latest", "events": ["comment.created"]}),
            "url",
            "private_address",
        ),
        (
            json!({"url": "https://hooks.example.com/x", "events": []}),
            "events",
            "required",
        ),
        (
            json!({"url": "https://hooks.example.com/x", "events": ["comment.deleted"]}),
            "events",
            "invalid_value",
        ),
        (
            json!({"url": "https://hooks.example.com/x", "events": ["comment.created"], "include": ["password"]}),
            "include",
            "invalid_value",
        ),
        (
            json!({"url": "https://hooks.example.com/x", "events": ["comment.created"], "secret": "whsec_c2hvcnQ="}),
            "secret",
            "invalid_value",
        ),
        (
            json!({"url": "ftp://hooks.example.com/x", "events": ["comment.created"]}),
            "url",
            "invalid_url_scheme",
        ),
    ] {
        let resp = app
            .authed(Method::POST, "/api/v1/admin/webhooks", &admin)
            .header("Accept-Language", "ar")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["fields"][field][0]["code"], code, "{v}");
    }
    // A public host and a given secret are kept as given.
    let secret = format!("whsec_{}", BASE64.encode([9u8; 32]));
    let created = create_webhook(
        &app,
        &admin,
        json!({"url": "https://hooks.example.com/majlis", "events": ["comment.created"], "secret": secret, "site": "default"}),
    )
    .await;
    assert_eq!(created["secret"], secret.as_str());
    assert_eq!(created["site"], "default");
    // A moderator may not manage webhooks.
    let (moderator, _) = app.login_as("moderator").await;
    let resp = app
        .authed(Method::GET, "/api/v1/admin/webhooks", &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}
