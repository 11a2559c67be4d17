//! Mail: an SMTP sink started here (never a real server) receives what
//! moderators and readers asked for, in their language, each mail with a
//! one-click unsubscribe link that works.

use crate::harness::TestApp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One mail the sink took.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The subject, RFC 2047 words decoded.
    fn subject(&self) -> String {
        decode_words(self.header("subject").unwrap_or_default())
    }

    /// The body, transfer encoding undone.
    fn text(&self) -> String {
        match self
            .header("content-transfer-encoding")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("base64") => {
                let joined: String = self.body.split_whitespace().collect();
                String::from_utf8(BASE64.decode(joined).unwrap()).unwrap()
            }
            Some("quoted-printable") => {
                let soft = self.body.replace("=\r\n", "").replace("=\n", "");
                let mut out = Vec::new();
                let b = soft.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'=' && i + 2 < b.len() {
                        out.push(u8::from_str_radix(&soft[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            }
            _ => self.body.clone(),
        }
    }

    /// The unsubscribe link (List-Unsubscribe: <url>).
    fn unsubscribe(&self) -> String {
        let v = self.header("list-unsubscribe").unwrap();
        v.trim_start_matches('<').trim_end_matches('>').to_owned()
    }
}

fn decode_words(v: &str) -> String {
    let mut out = String::new();
    for word in v.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("=?utf-8?b?") {
            let b64 = &word[word.len() - rest.len()..word.len() - 2];
            out.push_str(&String::from_utf8(BASE64.decode(b64).unwrap()).unwrap());
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// A minimal SMTP server that accepts every mail.
struct Sink {
    port: u16,
    got: Arc<Mutex<Vec<Mail>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let log = got.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250 sink\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = w.write_all(b"354 go on\r\n").await;
                            let mut raw = Vec::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                raw.push(l.strip_prefix('.').map_or(l.clone(), str::to_owned));
                            }
                            let split = raw.iter().position(String::is_empty).unwrap_or(raw.len());
                            let mut headers: Vec<(String, String)> = Vec::new();
                            for h in &raw[..split] {
                                if h.starts_with([' ', '\t']) {
                                    if let Some(last) = headers.last_mut() {
                                        last.1.push(' ');
                                        last.1.push_str(h.trim());
                                    }
                                } else if let Some((k, v)) = h.split_once(':') {
                                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                                }
                            }
                            let body = raw[split..].join("\r\n").trim().to_owned();
                            log.lock().unwrap().push(Mail {
                                to: std::mem::take(&mut to),
                                headers,
                                body,
                            });
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 OK\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Sink { port, got, task }
    }

    fn mails(&self) -> Vec<Mail> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..150 {
            if self.mails().len() >= n {
                return self.mails();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} mails, got {:?}", self.mails());
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn with_mail(sink: &Sink) -> TestApp {
    with_smtp_port(sink.port).await
}

/// An instance that sends mail through the SMTP server on `port`.
async fn with_smtp_port(port: u16) -> TestApp {
    TestApp::spawn_with(move |c| {
        c.smtp_url = Some(SecretString::from(format!("smtp://127.0.0.1:{port}")));
        c.mail_from = Some("Comments <comments@news.example>".to_owned());
        c.public_url = Some(url::Url::parse("http://comments.example").unwrap());
    })
    .await
}

/// A moderator's `PUT /api/v1/moderation/notifications`.
async fn notifications(app: &TestApp, moderator: &str, body: Value) -> reqwest::Response {
    app.send_json(
        Method::PUT,
        "/api/v1/moderation/notifications",
        moderator,
        &body,
    )
    .await
}

async fn email_of(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("select email from moderators where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn post(app: &TestApp, lang: &str, body: Value) -> i64 {
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", lang)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn decide(app: &TestApp, admin: &str, id: i64, status: &str) {
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            admin,
        )
        .json(&json!({"status": status}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Follows an unsubscribe link (its host is the public URL's) on `app`,
/// as a mail client's one-click does.
async fn one_click(app: &TestApp, link: &str) -> reqwest::Response {
    let path = link.strip_prefix("http://comments.example").unwrap();
    app.client
        .post(app.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_moderator_gets_a_mail_per_held_comment_until_one_click_stops_it() {
    let sink = Sink::start().await;
    let app = with_mail(&sink).await;
    let (moderator, moderator_id) = app.login_as("moderator").await;
    let resp = notifications(&app, &moderator, json!({"notify": "each", "lang": "ar"})).await;
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.unwrap();
    assert_eq!(
        (
            saved["notify"].as_str(),
            saved["lang"].as_str(),
            saved["mail_enabled"].as_bool()
        ),
        (Some("each"), Some("ar"), Some(true))
    );

    // A first-time author is held: one mail, to that moderator only.
    let id = post(
        &app,
        "en",
        json!({"article_id": "2026/12/mail", "author_name": "Omar", "author_email": "omar@example.com",
               "body": "A first comment that waits", "article_title": "Budget vote",
               "article_url": "https://news.example/2026/12/mail"}),
    )
    .await;
    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, vec![email_of(&app, moderator_id).await]);
    assert!(
        mail.header("from")
            .unwrap()
            .contains("comments@news.example")
    );
    assert_eq!(mail.subject(), "تعليق بانتظار المراجعة: Budget vote");
    let text = mail.text();
    assert!(text.contains("A first comment that waits"), "{text}");
    assert!(text.contains("http://comments.example/moderate/"), "{text}");
    assert_eq!(
        mail.header("list-unsubscribe-post"),
        Some("List-Unsubscribe=One-Click")
    );
    let link = mail.unsubscribe();
    assert!(link.starts_with("http://comments.example/api/v1/notifications/unsubscribe?token="));
    assert!(text.contains(&link), "the body carries the link too");
    assert!(
        !text.contains("omar@example.com"),
        "no commenter's email in the mail"
    );
    let _ = id;

    // The link's page asks first; the one-click post stops the mail.
    let path = link.strip_prefix("http://comments.example").unwrap();
    let page = app.get(path).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));
    let mine = app
        .read("/api/v1/moderation/notifications", &moderator)
        .await;
    assert_eq!(mine["notify"], "each", "a visit changes nothing");
    let resp = one_click(&app, &link).await;
    assert_eq!(resp.status(), 200);
    let mine = app
        .read("/api/v1/moderation/notifications", &moderator)
        .await;
    assert_eq!(mine["notify"], "off");
    post(
        &app,
        "en",
        json!({"article_id": "2026/12/mail", "author_name": "Huda", "author_email": "huda@example.com",
               "body": "Another one that waits"}),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails().len(), 1);

    // A forged token is refused.
    let forged = path.replace("token=m", "token=c");
    assert_eq!(
        one_click(&app, &format!("http://comments.example{forged}"))
            .await
            .status(),
        404
    );
    let resp = notifications(&app, &moderator, json!({"notify": "weekly"})).await;
    assert_eq!(resp.status(), 422);
    // A whole number may be written 30.0; `null` leaves a field as it is.
    let resp = notifications(
        &app,
        &moderator,
        json!({"notify": "digest", "digest_minutes": 30.0, "lang": null}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.unwrap();
    assert_eq!(
        (saved["digest_minutes"].as_i64(), saved["lang"].as_str()),
        (Some(30), Some("ar"))
    );
    // A token of the wrong shape is a 422 on the page and on the post.
    let resp = app
        .get("/api/v1/notifications/unsubscribe?token=%C3%97%0A")
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        one_click(
            &app,
            "http://comments.example/api/v1/notifications/unsubscribe?token=x"
        )
        .await
        .status(),
        422
    );
}

#[tokio::test]
async fn readers_hear_when_published_and_replied_to_in_their_language() {
    let sink = Sink::start().await;
    let app = with_mail(&sink).await;
    let (admin, _) = app.login_as("admin").await;
    let reader = post(
        &app,
        "en-GB,en;q=0.9",
        json!({"article_id": "2026/12/replies", "author_name": "Layla", "author_email": "Layla@Example.com",
               "body": "What about the north?", "notify_replies": true,
               "article_url": "https://news.example/2026/12/replies"}),
    )
    .await;
    decide(&app, &admin, reader, "approved").await;
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["Layla@Example.com".to_owned()]);
    assert!(
        mails[0].subject().starts_with("Your comment on"),
        "{}",
        mails[0].subject()
    );
    assert!(
        mails[0].text().contains(&format!("#comment-{reader}")),
        "{}",
        mails[0].text()
    );

    // A reply, published by a moderator: the reader hears of it. A reply
    // of their own does not.
    let reply = post(
        &app,
        "ar",
        json!({"article_id": "2026/12/replies", "parent_id": reader, "author_name": "Sami",
               "author_email": "sami@example.com", "body": "The north voted yesterday"}),
    )
    .await;
    let own = post(
        &app,
        "en",
        json!({"article_id": "2026/12/replies", "parent_id": reader, "author_name": "Layla",
               "author_email": "layla@example.com", "body": "Thanks, I see"}),
    )
    .await;
    decide(&app, &admin, reply, "approved").await;
    decide(&app, &admin, own, "approved").await;
    let mails = sink.wait_for(2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails().len(), 2, "{:?}", sink.mails());
    assert_eq!(mails[1].subject(), "Sami replied to your comment");
    assert!(mails[1].text().contains("The north voted yesterday"));

    // One click stops every mail about this reader's comments.
    assert_eq!(one_click(&app, &mails[1].unsubscribe()).await.status(), 200);
    let later = post(
        &app,
        "en",
        json!({"article_id": "2026/12/replies", "parent_id": reader, "author_name": "Nour",
               "author_email": "nour@example.com", "body": "And the south?"}),
    )
    .await;
    decide(&app, &admin, later, "approved").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.mails().len(), 2);

    // The forms offer it: the widget learns it from the form token, the
    // server-rendered form shows the box.
    let token: Value = app
        .get("/api/v1/form-token?article_id=2026/12/replies")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(token["notifications"], true);
    let fragment = app
        .get("/embed/articles/2026/12/replies")
        .await
        .text()
        .await
        .unwrap();
    assert!(fragment.contains("name=\"notify_replies\""), "{fragment}");

    // A form's checkbox counts too, in Arabic by default.
    let resp = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept", "application/json")
        .form(&[
            ("comment_post_ID", "2026/12/replies"),
            ("author", "Rana"),
            ("email", "rana@example.com"),
            ("comment", "A form comment"),
            ("notify_replies", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let lang: Option<String> = sqlx::query_scalar("select notify_lang from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("ar"));
}

#[tokio::test]
async fn a_digest_lists_what_waits_once_it_is_due() {
    let sink = Sink::start().await;
    let app = with_mail(&sink).await;
    let (moderator, moderator_id) = app.login_as("moderator").await;
    let resp = notifications(
        &app,
        &moderator,
        json!({"notify": "digest", "digest_minutes": 5, "lang": "en"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    for (i, name) in ["Adam", "Dina"].iter().enumerate() {
        post(
            &app,
            "en",
            json!({"article_id": "2026/12/digest", "author_name": name,
                   "author_email": format!("d{i}@example.com"), "body": format!("Held comment {i}")}),
        )
        .await;
    }
    let mut conn = app.pool.acquire().await.unwrap();
    // Not due yet: the mode was chosen just now.
    assert_eq!(majlis::db::mail::queue_digests(&mut conn).await.unwrap(), 0);
    sqlx::query(
        "update moderators set digest_sent_at = now() - interval '6 minutes' where id = $1",
    )
    .bind(moderator_id)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("update comments set updated_at = now()")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(majlis::db::mail::queue_digests(&mut conn).await.unwrap(), 1);
    assert_eq!(
        majlis::db::mail::queue_digests(&mut conn).await.unwrap(),
        0,
        "once"
    );
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec![email_of(&app, moderator_id).await]);
    assert_eq!(mails[0].subject(), "Comments waiting for review: 2");
    let text = mails[0].text();
    assert!(
        text.contains("Adam") && text.contains("Held comment 1"),
        "{text}"
    );
}

/// An SMTP server that takes the connection and never says a word (a hung
/// relay): the mail gives up within its time limits, is put back for a
/// later attempt with what went wrong, and the instance goes on answering.
#[tokio::test]
async fn a_silent_smtp_server_times_the_mail_out_and_it_waits_for_a_retry() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let open = Arc::new(Mutex::new(Vec::new()));
    let keep = open.clone();
    let silent = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            keep.lock().unwrap().push(sock);
        }
    });
    let app = with_smtp_port(port).await;
    let (moderator, _) = app.login_as("moderator").await;
    let resp = notifications(&app, &moderator, json!({"notify": "each"})).await;
    assert_eq!(resp.status(), 200);
    post(
        &app,
        "en",
        json!({"article_id": "2026/12/hung", "author_name": "Hala", "author_email": "hala@example.com",
               "body": "A comment while the relay hangs"}),
    )
    .await;
    let started = std::time::Instant::now();
    let row = loop {
        let row: Option<(String, i32, Option<String>, bool)> = sqlx::query_as(
            "select status, attempts, last_error, next_attempt_at > now()
               from mail_outbox where kind = 'held' and attempts > 0",
        )
        .fetch_optional(&app.pool)
        .await
        .unwrap();
        if let Some(row) = row {
            break row;
        }
        // The instance answers while its worker waits on the relay.
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "no attempt ended within 45 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let (status, attempts, error, later) = row;
    assert_eq!((status.as_str(), attempts, later), ("pending", 1, true));
    let error = error.unwrap_or_default();
    assert_eq!(error, "SMTP: timed out");
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "an attempt must end within the 30 s ceiling (plus a poll): {:?}",
        started.elapsed()
    );
    assert!(!open.lock().unwrap().is_empty(), "it did connect");
    silent.abort();
}

#[tokio::test]
async fn without_an_smtp_server_nobody_can_ask_for_mail() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let resp = notifications(&app, &moderator, json!({"notify": "each"})).await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "mail_not_configured");
    let mine = app
        .read("/api/v1/moderation/notifications", &moderator)
        .await;
    assert_eq!(
        (mine["notify"].as_str(), mine["mail_enabled"].as_bool()),
        (Some("off"), Some(false))
    );
    let id = post(
        &app,
        "en",
        json!({"article_id": "2026/12/nomail", "author_name": "Ziad", "author_email": "ziad@example.com",
               "body": "Tell me about replies", "notify_replies": true}),
    )
    .await;
    let lang: Option<String> = sqlx::query_scalar("select notify_lang from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(lang, None);
    let token: Value = app
        .get("/api/v1/form-token?article_id=2026/12/nomail")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(token["notifications"], false);
    let fragment = app
        .get("/embed/articles/2026/12/nomail")
        .await
        .text()
        .await
        .unwrap();
    assert!(!fragment.contains("notify_replies"));
    let resp = app
        .client
        .post(app.url("/api/v1/notifications/unsubscribe?token=c1.AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
