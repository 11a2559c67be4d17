//! Public reads from a streaming replica (`DATABASE_READ_URL`): a primary
//! and a replica made with `pg_basebackup -R` on this machine.

use crate::harness::{TestApp, comment, start_cluster};
use serde_json::{Value, json};
use sqlx::Connection;
use std::time::{Duration, Instant};

async fn listing_total(app: &TestApp) -> i64 {
    let resp = app.get("/api/v1/articles/a1/comments").await;
    assert_eq!(resp.status(), 200, "reads keep being served");
    let v: Value = resp.json().await.unwrap();
    v["total"].as_i64().unwrap()
}

async fn wait_for(app: &TestApp, want: i64) {
    let start = Instant::now();
    while listing_total(app).await != want {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "replica never showed {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn public_reads_come_from_the_replica_and_survive_its_lag() {
    let primary = start_cluster("primary", None).await;
    primary.ensure_database("majlis").await.unwrap();
    let primary_db = primary.connect_options("majlis");
    let pool = majlis::db::connect(primary_db.clone(), 5).await.unwrap();
    majlis::db::MIGRATOR.run(&pool).await.unwrap();
    sqlx::query("update sites set settings = $1")
        .bind(sqlx::types::Json(
            json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
        ))
        .execute(&pool)
        .await
        .unwrap();
    let replica = start_cluster("replica", Some(&primary)).await;
    let replica_db = replica.connect_options("majlis");
    let read_pool = majlis::db::connect(replica_db.clone(), 5).await.unwrap();
    let in_recovery: bool = sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(&read_pool)
        .await
        .unwrap();
    assert!(in_recovery, "the read pool is a standby");

    let app = TestApp::on_pools(pool, read_pool, primary_db).await;
    let v: Value = app
        .post_json(&comment("a1", "written to the primary"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "approved");
    wait_for(&app, 1).await;

    // The replica stops replaying: it lags; the server keeps serving reads.
    let mut admin = sqlx::PgConnection::connect_with(&replica.connect_options("postgres"))
        .await
        .unwrap();
    sqlx::query("select pg_wal_replay_pause()")
        .execute(&mut admin)
        .await
        .unwrap();
    let mut second = comment("a1", "written while the replica lags");
    second["author_email"] = json!("other@example.org");
    assert_eq!(app.post_json(&second).await.status(), 201);
    let on_primary: i64 =
        sqlx::query_scalar("select count(*) from comments where status = 'approved'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(on_primary, 2);
    for _ in 0..5 {
        assert_eq!(
            listing_total(&app).await,
            1,
            "served from the lagging replica"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sqlx::query("select pg_wal_replay_resume()")
        .execute(&mut admin)
        .await
        .unwrap();
    wait_for(&app, 2).await;
}
