//! Public listing throughput on 1,000,000 comments: the HTTP route with the
//! in-process cache, without it, and the database's own keyset select (the
//! ceiling an uncached route cannot beat), all in one run on this machine;
//! then the cached route while writes invalidate it: one request in ten is a
//! new comment (published at once: `approval_mode` none) to the same hot
//! articles, listings and submissions timed apart.
//!
//! Run: `cargo bench --bench public_reads` (or `DATABASE_URL=... cargo bench
//! --bench public_reads` to use an existing server; it creates a database
//! `majlis_bench_reads`). Knobs: `BENCH_ROWS` (default 1000000),
//! `BENCH_SECONDS` per phase (default 10), `BENCH_CONCURRENCY` (default 32).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use majlis::config::Config;
use majlis::pg::Cluster;
use majlis::startup::Application;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgPool};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const ARTICLES: i64 = 1000;
/// Readers crowd onto a few viral articles.
const HOT_ARTICLES: i64 = 20;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn database() -> (PgConnectOptions, Option<Cluster>) {
    let (admin, cluster) = match std::env::var("DATABASE_URL") {
        Ok(url) => (
            PgConnectOptions::from_str(&url).expect("DATABASE_URL"),
            None,
        ),
        Err(_) => {
            let dir =
                std::env::temp_dir().join(format!("majlis-bench-reads-{}", std::process::id()));
            let c = Cluster::new(&dir).expect("PostgreSQL binaries");
            c.start(&[
                "fsync = off",
                "synchronous_commit = off",
                "shared_buffers = 512MB",
                "max_connections = 200",
            ])
            .await
            .expect("start cluster");
            c.stop_when_process_exits(&dir).expect("cluster watchdog");
            (c.connect_options("postgres"), Some(c))
        }
    };
    let mut conn = sqlx::PgConnection::connect_with(&admin)
        .await
        .expect("connect");
    sqlx::raw_sql("drop database if exists majlis_bench_reads with (force)")
        .execute(&mut conn)
        .await
        .expect("drop");
    sqlx::raw_sql("create database majlis_bench_reads")
        .execute(&mut conn)
        .await
        .expect("create");
    (admin.database("majlis_bench_reads"), cluster)
}

async fn load(pool: &PgPool, rows: i64) {
    majlis::db::MIGRATOR.run(pool).await.expect("migrate");
    // The server's pool has a statement timeout; the bulk load needs none.
    let mut conn = pool.acquire().await.expect("conn");
    sqlx::query("set statement_timeout = 0")
        .execute(&mut *conn)
        .await
        .expect("timeout off");
    let started = Instant::now();
    sqlx::query("insert into articles (id, comment_version) select 'article-' || g, 1 from generate_series(0, $1 - 1) g")
        .bind(ARTICLES)
        .execute(&mut *conn)
        .await
        .expect("articles");
    sqlx::query(
        "insert into comments (article_id, author_name, author_email, avatar, body, body_html, body_fingerprint,
                               status, ip, created_at)
         select 'article-' || (g % $2),
                'قارئ ' || g, 'reader' || g || '@example.org', md5(g::text),
                'تعليق رقم ' || g || ' على الخبر، مع بعض النص الإضافي لجعل الحجم واقعيا. A realistic comment body.',
                '<p dir=\"auto\">تعليق رقم ' || g || ' على الخبر، مع بعض النص الإضافي لجعل الحجم واقعيا. A realistic comment body.</p>',
                md5('f' || g),
                case when (g / $2) % 10 = 0 then 'pending' else 'approved' end,
                '10.0.0.1', now() - make_interval(secs => ($1 - g))
         from generate_series(1, $1) g",
    )
    .bind(rows)
    .bind(ARTICLES)
    .execute(&mut *conn)
    .await
    .expect("comments");
    sqlx::query("vacuum analyze comments")
        .execute(&mut *conn)
        .await
        .expect("analyze");
    println!(
        "loaded {rows} comments on {ARTICLES} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

struct Phase {
    name: &'static str,
    ops: u64,
    seconds: f64,
    latencies_us: Vec<u64>,
}

impl Phase {
    fn print(&mut self) {
        self.latencies_us.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.latencies_us.len() as f64 * p) as usize)
                .min(self.latencies_us.len().saturating_sub(1));
            self.latencies_us.get(i).copied().unwrap_or(0) as f64 / 1000.0
        };
        println!(
            "{:<34} {:>10.0} /s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} in {:.1} s)",
            self.name,
            self.ops as f64 / self.seconds,
            pct(0.50),
            pct(0.99),
            self.ops,
            self.seconds
        );
    }
}

/// Runs `op` from `concurrency` tasks for `seconds`; each op picks a hot article.
async fn drive<F, Fut>(name: &'static str, concurrency: u64, seconds: u64, op: F) -> Phase
where
    F: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let op = op.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = t as i64;
            while Instant::now() < deadline {
                let article = i % HOT_ARTICLES;
                let s = Instant::now();
                op(article).await;
                lat.push(s.elapsed().as_micros() as u64);
                counter.fetch_add(1, Ordering::Relaxed);
                i += 7;
            }
            lat
        }));
    }
    let mut latencies_us = Vec::new();
    for t in tasks {
        latencies_us.extend(t.await.expect("task"));
    }
    Phase {
        name,
        ops: counter.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
        latencies_us,
    }
}

async fn serve(pool: PgPool, cache_mb: u32) -> String {
    let config = Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        public_cache_mb: cache_mb,
        secret: Some(secrecy::SecretString::from(
            "bench-secret-bench-secret-bench-secret",
        )),
        ..Config::default()
    };
    let app = Application::build(config, pool).await.expect("app");
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    url
}

async fn http_phase(name: &'static str, url: String, concurrency: u64, seconds: u64) -> Phase {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .expect("client");
    drive(name, concurrency, seconds, move |article| {
        let client = client.clone();
        let url = format!("{url}/api/v1/articles/article-{article}/comments?limit=50");
        async move {
            let resp = client.get(&url).send().await.expect("request");
            assert_eq!(resp.status(), 200);
            let _ = resp.bytes().await.expect("body");
        }
    })
    .await
}

#[path = "common/bodies.rs"]
mod bodies;

/// The cached listing while one request in ten posts a new comment to the
/// same hot articles: returns the listings' phase and the submissions'.
async fn mixed_phase(url: String, concurrency: u64, seconds: u64) -> (Phase, Phase) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let (mut reads, mut writes) = (Vec::new(), Vec::new());
            let mut i = t;
            while Instant::now() < deadline {
                let article = i % HOT_ARTICLES as u64;
                let s = Instant::now();
                if i % 10 == 3 {
                    let n = i * 1000 + t;
                    let resp = client
                        .post(format!("{url}/api/v1/comments"))
                        .json(&serde_json::json!({
                            "article_id": format!("article-{article}"),
                            "author_name": format!("Reader {n}"),
                            "author_email": format!("mixed-{n}@example.org"),
                            "body": bodies::realistic_body(n),
                        }))
                        .send()
                        .await
                        .expect("post");
                    assert_eq!(resp.status(), 201, "a submission was refused");
                    let _ = resp.bytes().await.expect("body");
                    writes.push(s.elapsed().as_micros() as u64);
                } else {
                    let resp = client
                        .get(format!(
                            "{url}/api/v1/articles/article-{article}/comments?limit=50"
                        ))
                        .send()
                        .await
                        .expect("request");
                    assert_eq!(resp.status(), 200);
                    let _ = resp.bytes().await.expect("body");
                    reads.push(s.elapsed().as_micros() as u64);
                }
                i += 7;
            }
            (reads, writes)
        }));
    }
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    for t in tasks {
        let (r, w) = t.await.expect("task");
        reads.extend(r);
        writes.extend(w);
    }
    let seconds = started.elapsed().as_secs_f64();
    (
        Phase {
            name: "  listings (90%)",
            ops: reads.len() as u64,
            seconds,
            latencies_us: reads,
        },
        Phase {
            name: "  submissions (10%, invalidating)",
            ops: writes.len() as u64,
            seconds,
            latencies_us: writes,
        },
    )
}

#[tokio::main]
async fn main() {
    let rows = env_or("BENCH_ROWS", 1_000_000) as i64;
    let seconds = env_or("BENCH_SECONDS", 10);
    let concurrency = env_or("BENCH_CONCURRENCY", 32);
    let (db, cluster) = database().await;
    let pool = majlis::db::connect(db.clone(), 20).await.expect("pool");
    load(&pool, rows).await;
    println!(
        "phase: {seconds} s each, {concurrency} concurrent clients, first page (50) of {HOT_ARTICLES} hot articles"
    );

    // The database's own ceiling: the keyset select plus the count, as the
    // uncached route runs them, straight through sqlx.
    let db_pool = pool.clone();
    let mut ceiling = drive(
        "database keyset select + count",
        concurrency,
        seconds,
        move |article| {
            let pool = db_pool.clone();
            async move {
                let mut conn = pool.acquire().await.expect("conn");
                let id = format!("article-{article}");
                let rows =
                    majlis::db::comments::list_public(&mut conn, "default", &id, None, 51, false)
                        .await
                        .expect("list");
                assert!(!rows.is_empty());
                majlis::db::comments::count_public(&mut conn, "default", &id)
                    .await
                    .expect("count");
            }
        },
    )
    .await;
    ceiling.print();

    let uncached = serve(pool.clone(), 0).await;
    let mut p = http_phase("HTTP listing, cache off", uncached, concurrency, seconds).await;
    p.print();
    let cached = serve(pool.clone(), 64).await;
    let mut p = http_phase(
        "HTTP listing, cache on",
        cached.clone(),
        concurrency,
        seconds,
    )
    .await;
    p.print();

    // Every new comment is published (so it changes what the listing
    // shows) and flood control, still on, never refuses one.
    sqlx::query(
        "update sites set settings = settings || '{\"approval_mode\": \"none\", \"flood_max_comments\": 10000}'::jsonb,
                          settings_version = settings_version + 1 where id = 'default'",
    )
    .execute(&pool)
    .await
    .expect("settings");
    tokio::time::sleep(majlis::usecases::settings::RECHECK + Duration::from_millis(200)).await;
    println!("HTTP listing, cache on, with invalidating writes:");
    let (mut reads, mut writes) = mixed_phase(cached, concurrency, seconds).await;
    reads.print();
    writes.print();

    pool.close().await;
    if let Some(c) = cluster {
        let _ = c.stop("immediate").await;
        let _ = std::fs::remove_dir_all(c.data_dir.parent().expect("base"));
    }
}
