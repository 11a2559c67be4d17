//! Latency of the moderation queue through the real HTTP route, on a
//! database of 1,000,000 comments (100,000 pending).
//!
//!     cargo bench --bench queue
//!
//! Starts its own PostgreSQL cluster (under the system temp directory,
//! stopped at the end) unless `DATABASE_URL` names a server, where it uses
//! a scratch database `majlis_bench`. Prints p50/p95/p99 in milliseconds for
//! the first page and for a page 50,000 rows deep in the keyset (page size
//! 50), plus two filtered queries. Target: p99 < 20 ms.
// A benchmark is a program whose output is its result, and whose setup
// failures should stop it loudly.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use majlis::config::Config;
use majlis::domain::Cursor;
use majlis::pg::Cluster;
use majlis::startup::Application;
use majlis::usecases::accounts::{self, NewModerator};
use secrecy::SecretString;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::str::FromStr;
use std::time::{Duration, Instant};

const COMMENTS: i64 = 1_000_000;
const PENDING_EVERY: i64 = 10; // 100,000 pending
const SAMPLES: usize = 400;
const DB: &str = "majlis_bench";
const PASSWORD: &str = "queue timing passphrase 2026";

async fn database() -> (PgConnectOptions, Option<Cluster>) {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        let admin = PgConnectOptions::from_str(&url).expect("DATABASE_URL");
        let mut conn = PgConnection::connect_with(&admin).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "drop database if exists {DB} with (force)"
        )))
        .execute(&mut conn)
        .await
        .expect("drop scratch database");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {DB}")))
            .execute(&mut conn)
            .await
            .expect("create scratch database");
        return (admin.database(DB), None);
    }
    let base = std::env::temp_dir().join(format!("majlis-bench-{}", std::process::id()));
    let cluster = Cluster::new(&base).expect("PostgreSQL binaries");
    cluster
        .start(&[
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "shared_buffers = 512MB",
            "maintenance_work_mem = 512MB",
            "max_wal_size = 4GB",
        ])
        .await
        .expect("start cluster");
    cluster.ensure_database(DB).await.expect("create database");
    cluster
        .stop_when_process_exits(&base)
        .expect("spawn the cluster watchdog");
    (cluster.connect_options(DB), Some(cluster))
}

/// Bulk load on a connection of its own: no statement timeout.
async fn load(opts: &PgConnectOptions) {
    let started = Instant::now();
    let mut conn = PgConnection::connect_with(opts).await.expect("connect");
    // Trigram indexes are built once after the load, as a restore would.
    for sql in [
        "drop index comments_body_trgm_idx",
        "drop index comments_name_trgm_idx",
        "insert into articles (id) select 'article-' || g from generate_series(1, 2000) g",
        "insert into comments (article_id, author_name, author_email, avatar, body, body_html,
                               body_fingerprint, status, spam_score, spam_reasons, ip, user_agent,
                               created_at)
         select 'article-' || (1 + g % 2000),
                case when g % 3 = 0 then 'سارة ' || (g % 5000) else 'Reader ' || (g % 5000) end,
                'reader' || (g % 50000) || '@example.com',
                md5(g::text),
                case when g % 2 = 0
                     then 'تعليق رقم ' || g || ' عن الأخبار والسياسة ' || md5(g::text)
                     else 'Comment number ' || g || ' about the news ' || md5(g::text) end,
                '<p dir=\"auto\">' || g || '</p>',
                md5(g::text),
                case when g % 10 = 0 then 'pending'
                     when g % 10 < 7 then 'approved'
                     when g % 10 < 9 then 'spam'
                     else 'rejected' end,
                (g % 100) / 100.0,
                '[{\"rule\": \"links\", \"score\": 0.1, \"detail\": \"1 link\"}]'::jsonb,
                ('10.' || (g % 200) || '.' || (g / 200 % 250) || '.' || (g % 250))::inet,
                'BenchBrowser/1.0',
                now() - make_interval(secs => ($1 - g))
         from generate_series(1, $1) g",
        "create index comments_body_trgm_idx on comments using gin (body gin_trgm_ops)",
        "create index comments_name_trgm_idx on comments using gin (author_name gin_trgm_ops)",
        "vacuum analyze comments",
        "vacuum analyze articles",
    ] {
        let q = sqlx::query(sql);
        let q = if sql.contains("$1") {
            q.bind(COMMENTS)
        } else {
            q
        };
        q.execute(&mut conn).await.expect(sql);
    }
    conn.close().await.ok();
    println!(
        "loaded {COMMENTS} comments ({} pending) in {:.1} s",
        COMMENTS / PENDING_EVERY,
        started.elapsed().as_secs_f64()
    );
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

async fn measure(client: &reqwest::Client, url: &str, token: &str, label: &str) -> f64 {
    let get = || async {
        let resp = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let v: serde_json::Value = resp.json().await.unwrap();
        v["comments"].as_array().map_or(0, Vec::len)
    };
    let mut rows = 0;
    for _ in 0..20 {
        rows = get().await;
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t = Instant::now();
        get().await;
        samples.push(t.elapsed());
    }
    samples.sort();
    let p99 = percentile(&samples, 0.99);
    println!(
        "{label:<34} rows {rows:>3}  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms",
        percentile(&samples, 0.50),
        percentile(&samples, 0.95),
        p99
    );
    p99
}

#[tokio::main]
async fn main() {
    let (opts, cluster) = database().await;
    let pool = majlis::db::connect(opts.clone(), 10).await.expect("pool");
    majlis::db::MIGRATOR.run(&pool).await.expect("migrate");
    // The account first: a mistake here should not cost a two-minute load.
    let new = NewModerator::parse(
        Some("bench@news.example"),
        Some(SecretString::from(PASSWORD)),
        Some("moderator"),
        None,
    )
    .expect("account");
    accounts::create(&pool, None, new).await.expect("moderator");
    load(&opts).await;

    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        secret: Some(SecretString::from(
            "bench-secret-bench-secret-bench-secret-01",
        )),
        ..Config::default()
    };
    let app = Application::build(config, pool.clone()).await.expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "bench@news.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("token").to_owned();

    let (created_at, id): (chrono::DateTime<chrono::Utc>, i64) = sqlx::query_as(
        "select created_at, id from comments where status = 'pending'
         order by created_at desc, id desc offset 50000 limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let deep = Cursor { created_at, id }.encode();

    let queue = format!("{base}/api/v1/moderation/comments?status=pending&limit=50");
    let mut worst: f64 = 0.0;
    worst = worst.max(measure(&client, &queue, &token, "first page").await);
    worst = worst.max(
        measure(
            &client,
            &format!("{queue}&cursor={deep}"),
            &token,
            "page 50,000 rows deep",
        )
        .await,
    );
    measure(
        &client,
        &format!("{queue}&email=READER40@example.com"),
        &token,
        "filter: email",
    )
    .await;
    measure(
        &client,
        &format!("{queue}&q=%D8%A7%D9%84%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9"),
        &token,
        "filter: q (common Arabic word)",
    )
    .await;
    measure(
        &client,
        &format!("{queue}&q=number%20123450"),
        &token,
        "filter: q (rare)",
    )
    .await;
    println!(
        "queue p99 (first and deep page): {worst:.2} ms -> {}",
        if worst < 20.0 {
            "meets the 20 ms target"
        } else {
            "MISSES the 20 ms target"
        }
    );

    handle.stop(true).await;
    let _ = server.await;
    pool.close().await;
    if let Some(cluster) = cluster {
        // The watchdog removes the directory once this process has exited.
        cluster.stop("immediate").await.expect("stop cluster");
    }
}
