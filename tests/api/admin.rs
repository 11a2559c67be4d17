//! Admin routes: moderator accounts (with the last-admin rule) and
//! per-article settings; and the `majlis moderator create` command.

use crate::harness::{PASSWORD, SeedComment, TestApp, comment};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert!(!text.contains("argon2"), "a hash leaked: {text}");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn create(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    send(
        app.authed(Method::POST, "/api/v1/admin/moderators", token)
            .json(&body),
    )
    .await
}

async fn update(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    send(
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/moderators/{id}"),
            token,
        )
        .json(&body),
    )
    .await
}

#[tokio::test]
async fn admins_create_and_list_moderators_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.login_as("admin").await;
    let (status, v) = create(
        &app,
        &admin,
        json!({"email": "Layla@News.Example", "password": PASSWORD, "role": "moderator", "display_name": "ليلى"}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["email"], "layla@news.example");
    assert_eq!(v["display_name"], "ليلى");
    assert_eq!(v["role"], "moderator");
    assert_eq!(v["disabled"], false);
    let id = v["id"].as_i64().unwrap();

    let (status, list) = send(app.authed(Method::GET, "/api/v1/admin/moderators", &admin)).await;
    assert_eq!(status, 200);
    let emails: Vec<&str> = list["moderators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"layla@news.example"));
    assert_eq!(
        app.login("layla@news.example", PASSWORD).await.status(),
        200
    );

    let (target, actor): (sqlx::types::Json<Value>, Option<i64>) = sqlx::query_as(
        "select details, moderator_id from audit_events where action = 'moderator.created' order by id desc limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(target.0["target_moderator_id"], id);
    assert_eq!(actor, Some(admin_id));
}

#[tokio::test]
async fn bad_or_duplicate_accounts_are_refused() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let body = json!({"email": "layla@news.example", "password": PASSWORD, "role": "moderator"});
    assert_eq!(create(&app, &admin, body).await.0, 201);
    let (status, v) = create(
        &app,
        &admin,
        json!({"email": "LAYLA@news.example", "password": PASSWORD, "role": "admin"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(v["error"]["code"], "email_taken");

    let cases = [
        (
            json!({"email": "x@news.example", "password": "short", "role": "moderator"}),
            "password",
            "too_short",
        ),
        (
            json!({"email": "samir@news.example", "password": "samir-is-great-2024", "role": "moderator"}),
            "password",
            "password_contains_email",
        ),
        (
            json!({"email": "x@news.example", "password": PASSWORD, "role": "root"}),
            "role",
            "invalid_value",
        ),
        (
            json!({"email": "nope", "password": PASSWORD}),
            "email",
            "invalid_email",
        ),
        (
            json!({"email": "x@news.example", "password": PASSWORD, "display_name": 7}),
            "display_name",
            "invalid_value",
        ),
        (json!({"email": "x@news.example"}), "password", "required"),
        // A line feed is a control character, not a blank name.
        (
            json!({"email": "x@news.example", "password": PASSWORD, "display_name": "\n"}),
            "display_name",
            "control_characters",
        ),
    ];
    for (body, field, code) in cases {
        let (status, v) = create(&app, &admin, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(v["error"]["fields"][field][0]["code"], code, "{body}: {v}");
    }
    // An empty name, as an untouched form field sends it, is the default.
    let (status, v) = create(
        &app,
        &admin,
        json!({"email": "Rania@News.Example", "password": PASSWORD, "display_name": ""}),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["display_name"], "rania");
}

#[tokio::test]
async fn admins_change_roles_names_passwords_and_disable_accounts() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let email = "layla@news.example";
    let id = app.seed_moderator(email, "moderator", PASSWORD).await;
    let their_token = {
        let v: Value = app.login(email, PASSWORD).await.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    };

    let (status, v) = update(
        &app,
        &admin,
        id,
        json!({"role": "admin", "display_name": "Layla"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["role"], "admin");
    assert_eq!(v["display_name"], "Layla");

    let new_password = "a brand new passphrase";
    let (status, _) = update(&app, &admin, id, json!({"password": new_password})).await;
    assert_eq!(status, 200);
    assert_eq!(app.login(email, PASSWORD).await.status(), 401);
    assert_eq!(app.login(email, new_password).await.status(), 200);
    let old_session = app
        .authed(Method::GET, "/api/v1/moderation/counts", &their_token)
        .send()
        .await
        .unwrap();
    assert_eq!(old_session.status(), 401, "a password change ends sessions");

    let fresh = {
        let v: Value = app.login(email, new_password).await.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    };
    let (status, v) = update(&app, &admin, id, json!({"disabled": true})).await;
    assert_eq!(status, 200);
    assert_eq!(v["disabled"], true);
    let after = app
        .authed(Method::GET, "/api/v1/moderation/counts", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "disabling ends sessions");
    assert_eq!(app.login(email, new_password).await.status(), 401);

    let details: Vec<sqlx::types::Json<Value>> = sqlx::query_scalar(
        "select details from audit_events where action = 'moderator.updated' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(details.len(), 3);
    assert_eq!(
        details[0].0["role"],
        json!({"from": "moderator", "to": "admin"})
    );
    assert_eq!(details[1].0["password_changed"], true);
    assert_eq!(details[2].0["disabled"], true);
    assert!(!format!("{details:?}").contains(new_password));
}

#[tokio::test]
async fn bad_account_changes_are_4xx() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let id = app
        .seed_moderator("layla@news.example", "moderator", PASSWORD)
        .await;
    let cases = [
        (json!({"role": "owner"}), "role", "invalid_value"),
        (json!({"disabled": "yes"}), "disabled", "invalid_value"),
        (json!({"password": "short"}), "password", "too_short"),
        (
            json!({"password": "layla and more text"}),
            "password",
            "password_contains_email",
        ),
        (json!({"display_name": ""}), "display_name", "required"),
        (
            json!({"display_name": "\t"}),
            "display_name",
            "control_characters",
        ),
    ];
    for (body, field, code) in cases {
        let (status, v) = update(&app, &admin, id, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(v["error"]["fields"][field][0]["code"], code, "{body}: {v}");
    }
    let (status, v) = update(&app, &admin, 999_999, json!({"role": "admin"})).await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["code"], "moderator_not_found");
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.login_as("admin").await;
    for body in [json!({"role": "moderator"}), json!({"disabled": true})] {
        let (status, v) = update(&app, &admin, admin_id, body).await;
        assert_eq!(status, 409);
        assert_eq!(v["error"]["code"], "last_admin");
    }
    let other = app
        .seed_moderator("second@news.example", "admin", PASSWORD)
        .await;
    let (status, _) = update(&app, &admin, admin_id, json!({"role": "moderator"})).await;
    assert_eq!(status, 200, "another admin remains");
    // The demoted account is now a moderator: admin routes are 403.
    let (status, _) = update(&app, &admin, other, json!({"disabled": true})).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn admins_close_articles_and_override_their_approval_mode() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.login_as("admin").await;
    app.seed_comment(&SeedComment::default()).await;
    let path = "/api/v1/admin/articles/2024/11/strikes";
    let (status, v) = send(
        app.authed(Method::PATCH, path, &admin)
            .json(&json!({"closed": true, "approval_mode": "all"})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["id"], "2024/11/strikes");
    assert_eq!(v["closed"], true);
    assert_eq!(v["approval_mode"], "all");
    let resp = app.post_json(&comment("2024/11/strikes", "مغلق؟")).await;
    assert_eq!(resp.status(), 403);

    let (status, v) = send(
        app.authed(Method::PATCH, path, &admin)
            .json(&json!({"approval_mode": null})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["approval_mode"], Value::Null);
    assert_eq!(v["closed"], true, "absent fields are unchanged");

    // An article never seen yet can be closed ahead of its first comment.
    let (status, v) = send(
        app.authed(Method::PATCH, "/api/v1/admin/articles/post%3A99", &admin)
            .json(&json!({"closed": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["id"], "post:99");

    let events: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'article.updated' and moderator_id = $1",
    )
    .bind(admin_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(events, 3);

    for (body, field) in [
        (json!({"approval_mode": "sometimes"}), "approval_mode"),
        (json!({"closed": "yes"}), "closed"),
        (json!({}), "closed"),
    ] {
        let (status, v) = send(app.authed(Method::PATCH, path, &admin).json(&body)).await;
        assert_eq!(status, 422, "{body}");
        assert!(v["error"]["fields"][field].is_array(), "{v}");
    }
    let (status, _) = send(
        app.authed(Method::PATCH, "/api/v1/admin/articles/bad%20id", &admin)
            .json(&json!({"closed": true})),
    )
    .await;
    assert_eq!(status, 422);
}

/// `postgres://` URL of a test database (Unix socket or TCP).
pub(crate) fn database_url(app: &TestApp) -> String {
    crate::harness::url_of(&app.db)
}

#[tokio::test]
async fn the_cli_creates_an_admin_and_refuses_weak_passwords() {
    let app = TestApp::spawn().await;
    let bin = env!("CARGO_BIN_EXE_majlis");
    let run = |password: &str, email: &str| {
        std::process::Command::new(bin)
            .args(["moderator", "create", "--email", email, "--role", "admin"])
            .env("DATABASE_URL", database_url(&app))
            .env("MAJLIS_PASSWORD", password)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let weak = run("short", "chief@news.example");
    assert_eq!(weak.status.code(), Some(2));
    let err = String::from_utf8_lossy(&weak.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("password") && err.contains("12"), "{err}");
    let has_email = run("chief-of-the-newsroom", "chief@news.example");
    assert_eq!(has_email.status.code(), Some(2));

    let ok = run(PASSWORD, "Chief@News.Example");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let resp = app.login("chief@news.example", PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["moderator"]["role"], "admin");
    let dup = run(PASSWORD, "chief@news.example");
    assert!(!dup.status.success());

    // The password may also come on standard input.
    let mut child = std::process::Command::new(bin)
        .args(["moderator", "create", "--email", "desk@news.example"])
        .env("DATABASE_URL", database_url(&app))
        .env_remove("MAJLIS_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(app.login("desk@news.example", PASSWORD).await.status(), 200);
}

/// Runs `majlis <args>` on the test database with `stdin` piped in.
fn run_cli(
    app: &TestApp,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_majlis"));
    cmd.args(args)
        .env("DATABASE_URL", database_url(app))
        .env_remove("MAJLIS_PRIVACY_EMAIL")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_cli_reads_a_privacy_email_from_stdin_or_the_environment_not_argv() {
    let app = TestApp::spawn().await;
    let email = "Erase.Me@Example.org";
    for body in ["first words", "second words"] {
        app.seed_comment(&SeedComment {
            author_email: email,
            body,
            ..SeedComment::default()
        })
        .await;
    }
    // Export, the email in the environment.
    let out = run_cli(
        &app,
        &["privacy", "export"],
        &[("MAJLIS_PRIVACY_EMAIL", email)],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let person: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(person["summary"]["comments"], 2);

    // Erase, the email on standard input.
    let out = run_cli(&app, &["privacy", "erase"], &[], &format!("{email}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: i64 =
        sqlx::query_scalar("select count(*) from comments where lower(author_email) = lower($1)")
            .bind(email)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.to_lowercase().contains("erase.me"), "{stderr}");

    // Nothing to read: a clear refusal, no database work.
    let out = run_cli(&app, &["privacy", "erase"], &[], "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("MAJLIS_PRIVACY_EMAIL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_cli_reads_a_password_typed_at_a_terminal_without_echo() {
    use std::io::{Read, Write};
    let app = TestApp::spawn().await;
    let bin = env!("CARGO_BIN_EXE_majlis");
    // `script` (util-linux) runs the command on a pseudo-terminal: what
    // the terminal would show comes back on its standard output.
    let mut child = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{bin} moderator create --email typed@news.example"),
            "/dev/null",
        ])
        .env("DATABASE_URL", database_url(&app))
        .env_remove("MAJLIS_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("script(1) from util-linux");
    let mut stdout = child.stdout.take().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (prompted, prompt) = std::sync::mpsc::channel();
    let screen = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains("Password") {
                let _ = prompted.send(());
            }
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    // Type once the prompt is shown (and echo turned off right after it).
    prompt
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a password prompt");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stdin.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    let screen = screen.join().unwrap();
    assert!(status.success(), "{screen}");
    assert!(screen.contains("Password"), "{screen}");
    assert!(
        !screen.contains(PASSWORD),
        "the password was echoed: {screen}"
    );
    assert_eq!(
        app.login("typed@news.example", PASSWORD).await.status(),
        200
    );
}
