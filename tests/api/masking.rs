//! Who sees commenters' personal data, and the audit of every export.

use crate::harness::{SeedComment, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

async fn text(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let resp = app.authed(Method::GET, path, token).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// The export audit events of this test's database, oldest first, waiting
/// a little for `export.finished` (written as the stream is dropped).
async fn export_events(app: &TestApp, want: usize) -> Vec<(i64, String, Option<i64>, Value)> {
    for _ in 0..50 {
        let rows: Vec<(i64, String, Option<i64>, sqlx::types::Json<Value>)> = sqlx::query_as(
            "select id, action, moderator_id, details from audit_events
             where action like 'export.%' order by id",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        if rows.len() >= want {
            return rows
                .into_iter()
                .map(|(i, a, m, d)| (i, a, m, d.0))
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {want} export events");
}

#[tokio::test]
async fn every_export_is_audited_with_who_the_filters_and_the_row_count() {
    let app = TestApp::spawn().await;
    let (token, moderator_id) = app.login_as("moderator").await;
    for (article, status) in [
        ("a/1", "approved"),
        ("a/1", "approved"),
        ("a/1", "spam"),
        ("a/2", "approved"),
    ] {
        app.seed_comment(&SeedComment {
            article_id: article,
            status,
            ..SeedComment::default()
        })
        .await;
    }
    let (status, body) = text(
        &app,
        &token,
        "/api/v1/export/comments?format=ndjson&status=approved&article_id=a/1&since=2020-01-01",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body.lines().count(), 2);

    let events = export_events(&app, 2).await;
    let (started_id, action, who, details) = &events[0];
    assert_eq!(action, "export.started");
    assert_eq!(*who, Some(moderator_id));
    assert_eq!(details["format"], "ndjson");
    assert_eq!(details["filters"]["status"], "approved");
    assert_eq!(details["filters"]["article_id"], "a/1");
    assert_eq!(details["filters"]["since"], "2020-01-01T00:00:00.000000Z");
    assert_eq!(details["filters"]["until"], Value::Null);
    assert_eq!(details["personal_data"], "full");
    let (_, action, who, details) = &events[1];
    assert_eq!(action, "export.finished");
    assert_eq!(*who, Some(moderator_id));
    assert_eq!(details["started_event_id"], *started_id);
    assert_eq!(details["rows"], 2);
    assert_eq!(details["complete"], true);

    // Moderators read it in the log like any other event.
    let (status, log) = text(&app, &token, "/api/v1/moderation/log").await;
    assert_eq!(status, 200);
    assert!(log.contains("export.finished"), "{log}");
}

#[tokio::test]
async fn with_masking_on_moderators_see_hints_and_admins_see_everything() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.login_as("admin").await;
    let (moderator, _) = app.login_as("moderator").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"mask_personal_data": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let layla = app
        .seed_comment(&SeedComment {
            author_email: "Layla.Reader@example.com",
            ip: "192.0.2.55",
            ..SeedComment::default()
        })
        .await;
    let neighbour = app
        .seed_comment(&SeedComment {
            author_email: "omar@example.net",
            ip: "192.0.2.77",
            ..SeedComment::default()
        })
        .await;
    let secrets = [
        "Layla.Reader",
        "192.0.2.55",
        "192.0.2.77",
        "omar@",
        "TestBrowser",
    ];
    let hidden = |what: &str, body: &str| {
        for s in secrets {
            assert!(!body.contains(s), "{what} shows {s}: {body}");
        }
    };

    // The queue, one comment, a decision's answer: masked for a moderator.
    let (status, queue) = text(&app, &moderator, "/api/v1/moderation/comments").await;
    assert_eq!(status, 200);
    hidden("the queue", &queue);
    let v: Value = serde_json::from_str(&queue).unwrap();
    let first = v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == layla)
        .unwrap()
        .clone();
    assert_eq!(first["author_email"], "L***@example.com");
    assert_eq!(first["ip"], "192.0.2.x");
    assert_eq!(first["user_agent"], Value::Null);
    // The avatar is the one the public sees (keyed by default), never the
    // plain email hash that would confirm a guessed address.
    let gravatar = majlis::domain::avatar_hash("Layla.Reader@example.com");
    let avatar = first["avatar"].as_str().unwrap().to_owned();
    assert_ne!(avatar, gravatar);
    let (status, detail) = text(
        &app,
        &moderator,
        &format!("/api/v1/moderation/comments/{layla}"),
    )
    .await;
    assert_eq!(status, 200);
    hidden("a comment", &detail);
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{layla}"),
            &moderator,
        )
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    hidden("a decision", &resp.text().await.unwrap());

    // Filters still work; an address filter covers what the mask shows.
    let (_, by_email) = text(
        &app,
        &moderator,
        "/api/v1/moderation/comments?status=all&email=layla.reader@example.com",
    )
    .await;
    let v: Value = serde_json::from_str(&by_email).unwrap();
    assert_eq!(v["comments"].as_array().unwrap().len(), 1);
    hidden("a filtered queue", &by_email);
    let (_, by_ip) = text(
        &app,
        &moderator,
        "/api/v1/moderation/comments?status=all&ip=192.0.2.55",
    )
    .await;
    let v: Value = serde_json::from_str(&by_ip).unwrap();
    let mut found: Vec<i64> = v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    found.sort_unstable();
    assert_eq!(found, [layla, neighbour], "the whole 192.0.2.x");

    // The export: emails masked, no addresses or user agents.
    let (status, csv) = text(&app, &moderator, "/api/v1/export/comments?format=csv").await;
    assert_eq!(status, 200);
    hidden("the moderator's export", &csv);
    assert!(csv.contains("L***@example.com") && csv.contains("o***@example.net"));
    let (status, ndjson) = text(&app, &moderator, "/api/v1/export/comments?format=ndjson").await;
    assert_eq!(status, 200);
    hidden("the moderator's NDJSON export", &ndjson);
    let events = export_events(&app, 2).await;
    assert_eq!(events[0].3["personal_data"], "masked");

    // Admins see everything, in the queue and the export.
    let (_, queue) = text(&app, &admin, "/api/v1/moderation/comments?status=all").await;
    assert!(queue.contains("Layla.Reader@example.com") && queue.contains("192.0.2.55"));
    let (_, csv) = text(&app, &admin, "/api/v1/export/comments?format=csv").await;
    assert!(csv.contains("Layla.Reader@example.com") && csv.contains("192.0.2.55"));
    assert!(csv.contains("TestBrowser/1.0"));
    let approved = app
        .seed_comment(&SeedComment {
            author_email: "Layla.Reader@example.com",
            article_id: "masking/avatars",
            status: "approved",
            ..SeedComment::default()
        })
        .await;
    let public: Value = app
        .get("/api/v1/articles/masking/avatars/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["comments"][0]["id"], approved);
    assert_eq!(public["comments"][0]["avatar"], avatar.as_str());
}

#[tokio::test]
async fn without_the_setting_moderators_see_personal_data_as_before() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    app.seed_comment(&SeedComment {
        author_email: "Layla.Reader@example.com",
        ip: "192.0.2.55",
        ..SeedComment::default()
    })
    .await;
    let (_, queue) = text(&app, &moderator, "/api/v1/moderation/comments").await;
    assert!(queue.contains("Layla.Reader@example.com") && queue.contains("192.0.2.55"));
    let (_, csv) = text(&app, &moderator, "/api/v1/export/comments?format=csv").await;
    assert!(csv.contains("Layla.Reader@example.com") && csv.contains("192.0.2.55"));
}

#[tokio::test]
async fn an_export_from_the_command_line_is_audited_too() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.seed_comment(&SeedComment::default()).await;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
        .args(["export", "--format", "ndjson", "--status", "pending"])
        .env("DATABASE_URL", crate::admin::database_url(&app))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let events = export_events(&app, 2).await;
    assert_eq!(events[0].1, "export.started");
    assert_eq!(events[0].2, None, "the command line, not an account");
    assert_eq!(events[0].3["filters"]["status"], "pending");
    assert_eq!(events[1].1, "export.finished");
    assert_eq!(events[1].3["rows"], 3);
    assert_eq!(events[1].3["complete"], true);
}
