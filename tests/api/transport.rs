//! The HTTP edge against hostile and careless clients: slow bodies, too
//! many connections or requests from one client, a frozen database behind
//! `/readyz`, private answers in caches, and errors outside the API's shape
//! (405 without `Allow`, refused CORS preflights).

use crate::harness::TestApp;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

fn socket_addr(app: &TestApp) -> SocketAddr {
    app.address
        .trim_start_matches("http://")
        .parse()
        .expect("server address")
}

/// A connection from `local` (any 127.0.0.0/8 address is this machine).
async fn connect_from(app: &TestApp, local: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(local.parse().expect("ip"), 0))
        .expect("bind client address");
    socket.connect(socket_addr(app)).await.expect("connect")
}

/// What the server sent until it closed the connection or `wait` passed.
async fn read_for(stream: &mut (impl AsyncRead + Unpin), wait: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one response (head and a `Content-Length` body).
async fn read_response(
    stream: &mut (impl AsyncRead + Unpin),
    wait: Duration,
) -> Option<(u16, String, String)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + wait;
    loop {
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + len {
                let status = head.split(' ').nth(1)?.parse().ok()?;
                let body = text[end + 4..end + 4 + len].to_owned();
                return Some((status, head, body));
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

fn has_header(head: &str, name: &str, value: &str) -> bool {
    head.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case(name) && v.trim().eq_ignore_ascii_case(value)
        })
    })
}

const SLOW_POST: &str = "POST /api/v1/comments HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nAccept-Language: en\r\nContent-Length: 1000\r\n\r\n{";

#[tokio::test]
async fn a_slow_request_body_gets_408_in_the_error_shape_within_the_deadline() {
    let app = TestApp::spawn_with(|c| c.body_timeout = Duration::from_secs(1)).await;
    let mut conn = connect_from(&app, "127.0.0.1").await;
    let started = Instant::now();
    conn.write_all(SLOW_POST.as_bytes()).await.unwrap();
    let (status, head, body) = read_response(&mut conn, Duration::from_secs(6))
        .await
        .expect("an answer before the client sent its body");
    assert_eq!(status, 408);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "request_timeout");
    assert!(has_header(&head, "connection", "close"), "{head}");
    // The server lets go of the connection.
    assert_eq!(read_for(&mut conn, Duration::from_secs(3)).await, "");
}

#[tokio::test]
async fn a_slow_body_to_a_route_that_reads_json_is_timed_out_too() {
    let app = TestApp::spawn_with(|c| c.body_timeout = Duration::from_secs(1)).await;
    let mut conn = connect_from(&app, "127.0.0.1").await;
    conn.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let (status, _, body) = read_response(&mut conn, Duration::from_secs(6))
        .await
        .expect("an answer");
    assert_eq!(status, 408);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "request_timeout");
}

#[tokio::test]
async fn a_chunked_body_trickling_in_is_cut_off_at_the_deadline() {
    let app = TestApp::spawn_with(|c| c.body_timeout = Duration::from_secs(1)).await;
    let mut conn = connect_from(&app, "127.0.0.1").await;
    conn.write_all(
        b"POST /api/v1/comments HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let (mut rd, mut wr) = conn.into_split();
    // One more byte every 300 ms: never idle long, never finished.
    let trickle = tokio::spawn(async move {
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if wr.write_all(b"1\r\n \r\n").await.is_err() {
                break;
            }
        }
    });
    let (status, head, body) = read_response(&mut rd, Duration::from_secs(8))
        .await
        .expect("an answer while the body trickles");
    let took = started.elapsed();
    trickle.abort();
    assert_eq!(status, 408, "{head}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "request_timeout");
}

#[tokio::test]
async fn connections_beyond_the_per_client_bound_are_refused_while_another_client_is_served() {
    let app = TestApp::spawn_with(|c| c.max_connections_per_client = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut conn = connect_from(&app, "127.0.0.1").await;
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .unwrap();
        let (status, _, _) = read_response(&mut conn, Duration::from_secs(5))
            .await
            .expect("served");
        assert_eq!(status, 200);
        held.push(conn);
    }
    // A fourth connection from the same address is closed unanswered.
    let mut extra = connect_from(&app, "127.0.0.1").await;
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await;
    let text = read_for(&mut extra, Duration::from_secs(3)).await;
    assert!(!text.contains("HTTP/1.1"), "served past the bound: {text}");
    // Another client is still served meanwhile.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().ok())
        .build()
        .unwrap();
    let resp = other.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    // A connection closed gives its place back.
    held.pop();
    let mut served = false;
    for _ in 0..50 {
        let mut conn = connect_from(&app, "127.0.0.1").await;
        let _ = conn
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .await;
        if let Some((200, _, _)) = read_response(&mut conn, Duration::from_secs(2)).await {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served, "the freed place was not given back");
}

#[tokio::test]
async fn requests_in_flight_are_bounded_per_client_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(|c| {
        c.max_requests_per_client = 2;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.body_timeout = Duration::from_secs(30);
    })
    .await;
    let via_proxy = |client: &str| {
        format!(
            "POST /api/v1/comments HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: {client}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
        )
    };
    let stall = |client: &'static str| {
        let app = &app;
        let head = via_proxy(client);
        async move {
            let mut conn = connect_from(app, "127.0.0.1").await;
            conn.write_all(head.as_bytes()).await.unwrap();
            conn
        }
    };
    // Two stalled uploads from one client, through the proxy's address.
    let mut stalled = vec![stall("198.51.100.1").await, stall("198.51.100.1").await];
    // A quick request of that client is then refused at once, in the error
    // shape. Until the server has counted both stalled uploads, it may be
    // served; a stalled upload that was answered (refused while a quick
    // request held the other place) is sent again.
    let mut refused = None;
    for _ in 0..100 {
        for conn in stalled.iter_mut() {
            let mut byte = [0u8; 1];
            let answered =
                tokio::time::timeout(Duration::from_millis(1), conn.read(&mut byte)).await;
            if answered.is_ok() {
                *conn = stall("198.51.100.1").await;
            }
        }
        let mut conn = connect_from(&app, "127.0.0.1").await;
        conn.write_all(
            b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n",
        )
        .await
        .unwrap();
        match read_response(&mut conn, Duration::from_secs(5)).await {
            Some((429, head, body)) => {
                refused = Some((429, head, body));
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let (status, head, body) = refused.expect("never refused past the bound");
    assert_eq!(status, 429, "{head}");
    assert!(has_header(&head, "retry-after", "1"), "{head}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "too_many_concurrent_requests");
    // Another client behind the same proxy is served.
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("X-Forwarded-For", "198.51.100.2")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Once the stalled uploads go away, the client is served again.
    drop(stalled);
    let mut served = false;
    for _ in 0..50 {
        let resp = app
            .client
            .get(app.url("/healthz"))
            .header("X-Forwarded-For", "198.51.100.1")
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served);
}

/// Forwards bytes both ways until `frozen`, then holds everything: the
/// database as a client sees it when its server stops answering.
async fn pipe(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn freezable_proxy(db: &sqlx::postgres::PgConnectOptions) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let frozen = Arc::new(AtomicBool::new(false));
    let upstream_socket = db
        .get_socket()
        .map(|dir| dir.join(format!(".s.PGSQL.{}", db.get_port())));
    let upstream_tcp = (db.get_host().to_owned(), db.get_port());
    let f = frozen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (cr, cw) = client.into_split();
            let f = f.clone();
            match &upstream_socket {
                Some(path) => {
                    let Ok(up) = tokio::net::UnixStream::connect(path).await else {
                        continue;
                    };
                    let (ur, uw) = up.into_split();
                    tokio::spawn(pipe(cr, uw, f.clone()));
                    tokio::spawn(pipe(ur, cw, f));
                }
                None => {
                    let Ok(up) = TcpStream::connect(upstream_tcp.clone()).await else {
                        continue;
                    };
                    let (ur, uw) = up.into_split();
                    tokio::spawn(pipe(cr, uw, f.clone()));
                    tokio::spawn(pipe(ur, cw, f));
                }
            }
        }
    });
    (port, frozen)
}

#[tokio::test]
async fn readiness_answers_503_within_about_a_second_when_the_database_freezes() {
    let db = crate::harness::fresh_database().await;
    let (port, frozen) = freezable_proxy(&db).await;
    let via_proxy = sqlx::postgres::PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(port)
        .username(db.get_username())
        .database(db.get_database().unwrap())
        .ssl_mode(sqlx::postgres::PgSslMode::Disable);
    let pool = majlis::db::connect(via_proxy, 5).await.unwrap();
    let app = TestApp::on_pools(pool.clone(), pool, db).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    frozen.store(true, Ordering::SeqCst);
    // Twice: the second probe must not queue behind the first one's
    // stuck connection either.
    for _ in 0..2 {
        let started = Instant::now();
        let resp = app.get("/readyz").await;
        let took = started.elapsed();
        assert_eq!(resp.status(), 503);
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "db_unavailable");
    }
    frozen.store(false, Ordering::SeqCst);
}

/// A concrete path for a route pattern: every `{param}` becomes `1`.
fn concrete(pattern: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in pattern.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push('1');
            }
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_authenticated_answer_and_the_login_answer_are_no_store() {
    let app = TestApp::spawn().await;
    let email = "cache-admin@news.example";
    app.seed_moderator(email, "admin", crate::harness::PASSWORD)
        .await;
    let login = app.login(email, crate::harness::PASSWORD).await;
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["cache-control"], "no-store");
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Logout last: it ends the session.
    let mut routes: Vec<_> = majlis::routes::PROTECTED_ROUTES.to_vec();
    routes.sort_by_key(|(_, p, _)| p.ends_with("/logout") || *p == "/moderate/session");
    for (method, pattern, _) in routes {
        let path = concrete(pattern);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        // A route that ends its session gets a session of its own.
        let token = if pattern.ends_with("/logout") || pattern == "/moderate/session" {
            let again = app.login(email, crate::harness::PASSWORD).await;
            again.json::<Value>().await.unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            token.clone()
        };
        let mut req = app.authed(method.clone(), &path, &token);
        if method != reqwest::Method::GET {
            req = req.json(&serde_json::json!({}));
        }
        let resp = req.send().await.unwrap();
        assert!(
            resp.status() != 401 && resp.status() != 403,
            "{method} {path}: {}",
            resp.status()
        );
        assert_eq!(
            resp.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{method} {path} ({})",
            resp.status()
        );
    }
    // Public answers keep their own caching.
    let resp = app.get("/api/v1/comment-counts?article_id=a1").await;
    assert_eq!(resp.status(), 200);
    assert_ne!(
        resp.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
}

#[tokio::test]
async fn a_405_names_the_methods_the_path_has_in_allow() {
    let app = TestApp::spawn().await;
    let mut by_path: Vec<(&str, Vec<String>)> = Vec::new();
    for (method, path) in majlis::routes::registered_routes() {
        match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, methods)) => methods.push(method),
            None => by_path.push((path, vec![method])),
        }
    }
    for (pattern, methods) in by_path {
        let path = concrete(pattern);
        // A method the path does not have.
        let Some(probe) = ["DELETE", "PUT", "POST"]
            .into_iter()
            .find(|m| !methods.iter().any(|have| have == m))
        else {
            continue;
        };
        let probe = reqwest::Method::from_bytes(probe.as_bytes()).unwrap();
        for lang in ["en", "ar"] {
            let resp = app
                .client
                .request(probe.clone(), app.url(&path))
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 405, "{probe} {path}");
            assert_eq!(
                resp.headers().get("allow").map(|v| v.to_str().unwrap()),
                Some(methods.join(", ").as_str()),
                "{probe} {path}"
            );
            assert_eq!(resp.headers()["content-language"], lang);
            let v: Value = resp.json().await.unwrap();
            assert_eq!(v["error"]["code"], "method_not_allowed");
        }
    }
}

#[tokio::test]
async fn a_refused_cors_preflight_answers_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str, method: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/comments"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Accept-Language", "en")
            .send()
    };
    let resp = preflight("https://evil.example", "POST").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "origin_not_allowed");
    assert!(v["error"]["message"].as_str().unwrap().len() > 10);
    // The site's own origin asking for a method browsers may not use (the
    // widget uses GET, POST, PATCH and DELETE).
    let resp = preflight("https://news.example", "TRACE").await.unwrap();
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "cors_request_not_allowed");
    // The allowed preflights are unchanged.
    for method in ["POST", "PATCH", "DELETE"] {
        let ok = preflight("https://news.example", method).await.unwrap();
        assert!(ok.status().is_success(), "{method}");
        assert_eq!(
            ok.headers()["access-control-allow-origin"],
            "https://news.example"
        );
    }
}

#[tokio::test]
async fn slow_request_heads_still_get_408_after_ten_seconds() {
    let app = TestApp::spawn().await;
    let mut conn = connect_from(&app, "127.0.0.1").await;
    let started = Instant::now();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: te")
        .await
        .unwrap();
    let text = read_for(&mut conn, Duration::from_secs(15)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(13),
        "{took:?}"
    );
}

/// Pins the documented limitation: these never reach the application, so
/// their answers are actix-web's own (empty body). If an upgrade changes
/// that, the README's "Limits at the HTTP edge" must change with it.
#[tokio::test]
async fn the_parser_refuses_malformed_heads_before_the_app_as_documented() {
    let app = TestApp::spawn().await;
    let ids: String = (0..10_000).map(|i| format!("article_id=a{i}&")).collect();
    let cases = [
        (
            format!("GET /healthz?{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(100_000)),
            "400",
        ),
        (
            format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{}\r\n", "X-A: b\r\n".repeat(1000)),
            "431",
        ),
        (
            format!("GET /api/v1/comment-counts?{ids} HTTP/1.1\r\nHost: t\r\n\r\n"),
            "431",
        ),
        (
            "POST /api/v1/comments HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n".to_owned(),
            "400",
        ),
        (
            "POST /api/v1/comments HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_owned(),
            "400",
        ),
    ];
    for (req, status) in cases {
        let mut conn = connect_from(&app, "127.0.0.1").await;
        let _ = conn.write_all(req.as_bytes()).await;
        let text = read_for(&mut conn, Duration::from_secs(3)).await;
        assert!(
            text.starts_with(&format!("HTTP/1.1 {status}")),
            "{}: {text}",
            &req[..40]
        );
        assert!(text.contains("content-length: 0"), "{text}");
    }
}

#[tokio::test]
async fn a_body_left_unread_cannot_keep_the_connection_open() {
    let app = TestApp::spawn_with(|c| c.body_timeout = Duration::from_secs(30)).await;
    let conn = connect_from(&app, "127.0.0.1").await;
    let (mut rd, mut wr) = conn.into_split();
    // No token: 401 without reading the body, which keeps trickling in.
    wr.write_all(
        b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n",
    )
    .await
    .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if wr.write_all(b"1\r\n \r\n").await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let text = read_for(&mut rd, Duration::from_secs(10)).await;
    let took = started.elapsed();
    trickle.abort();
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    // Closed after the answer and at most the 5 s linger actix-http gives
    // a client to stop sending; not for as long as the client trickles.
    assert!(
        took < Duration::from_secs(8),
        "the connection stayed open {took:?}"
    );
}
