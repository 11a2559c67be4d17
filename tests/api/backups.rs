//! `majlis backup` and `majlis restore` on the embedded cluster: a backup
//! taken while the server runs, restored into a fresh data directory,
//! holds every comment, setting, moderator, session and audit event.

use crate::harness::{self, TestApp, comment};
use majlis::pg::Cluster;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use std::path::Path;

const TABLES: &[&str] = &[
    "articles",
    "comments",
    "audit_events",
    "moderators",
    "sessions",
    "sites",
    "instance_secrets",
    "spam_training",
    "_sqlx_migrations",
];

/// Every row of the tables that matter, as text, in a stable order.
async fn contents(cluster: &Cluster) -> Vec<(String, String)> {
    let mut conn = PgConnection::connect_with(&cluster.connect_options("majlis"))
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in TABLES {
        let sql = format!("select coalesce(json_agg(t order by 1)::text, '[]') from {t} t");
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        out.push(((*t).to_owned(), rows));
    }
    conn.close().await.ok();
    out
}

fn majlis(data_dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("MAJLIS_DATA_DIR", data_dir)
        .env("RUST_LOG", "info")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_restored_into_a_fresh_cluster_holds_everything() {
    // A site on its own embedded cluster, with a server running.
    let a = harness::start_cluster("backup-a", None).await;
    a.ensure_database("majlis").await.unwrap();
    let mut conn = PgConnection::connect_with(&a.connect_options("majlis"))
        .await
        .unwrap();
    majlis::db::MIGRATOR.run(&mut conn).await.unwrap();
    conn.close().await.ok();
    let app = TestApp::on_database(a.connect_options("majlis")).await;
    let (admin, _) = app.login_as("admin").await;
    let resp = app
        .authed(Method::PATCH, "/api/v1/admin/settings", &admin)
        .json(&json!({"approval_mode": "all", "flood_interval_seconds": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for n in 0..3 {
        let resp = app
            .post_json(&comment(
                "2026/12/backup",
                &format!("تعليق للنسخ الاحتياطي {n}"),
            ))
            .await;
        assert_eq!(resp.status(), 201);
    }
    let id = app
        .post_json(&comment("2026/12/backup", "يوافق عليه المشرف"))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &admin,
        )
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // Backed up live; the server keeps serving.
    let a_dir = a.data_dir.parent().unwrap().to_owned();
    let dump = a_dir.join("site.backup");
    let out = majlis(&a_dir, &["backup", dump.to_str().unwrap()]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("dumping contents of table"),
        "no progress: {log}"
    );
    assert!(dump.metadata().unwrap().len() > 0);
    assert!(!a_dir.join("site.backup.partial").exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(dump.metadata().unwrap().permissions().mode() & 0o077, 0);
    assert_eq!(app.get("/readyz").await.status(), 200);

    // Restored into a data directory with no cluster yet.
    let b_dir = std::env::temp_dir().join(format!("majlis-test-{}-backup-b", std::process::id()));
    let out = majlis(&b_dir, &["restore", dump.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = Cluster::new(&b_dir).unwrap();
    b.start(&[]).await.unwrap();
    b.stop_when_process_exits(&b_dir).unwrap();
    assert_eq!(contents(&b).await, contents(&a).await);

    // The restored site answers as the old one did: its sessions, its
    // comments, its settings.
    let restored = TestApp::on_database(b.connect_options("majlis")).await;
    let page: Value = restored
        .get("/api/v1/articles/2026/12/backup/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["comments"][0]["id"], id);
    let counts = restored.read("/api/v1/moderation/counts", &admin).await;
    assert_eq!(counts["pending"], 3, "{counts}");
    restored.pool.close().await;

    // Restoring over data needs --replace, and never while a server runs.
    b.stop("fast").await.unwrap();
    let out = majlis(&b_dir, &["restore", dump.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replace"));
    let out = majlis(&b_dir, &["restore", "--replace", dump.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = majlis(&a_dir, &["restore", "--replace", dump.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is running"));
}
