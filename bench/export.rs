//! Export throughput and memory: `cargo bench --bench export` (release).
//!
//! Starts a throwaway PostgreSQL cluster (or uses `DATABASE_URL`, whose
//! role may create databases), loads `MAJLIS_BENCH_ROWS` comments (default
//! 1,000,000) with `insert ... select generate_series`, then consumes the
//! export stream for CSV and NDJSON (discarding the bytes) and, for
//! comparison, Postgres's own `COPY (select ...) TO STDOUT` of the same
//! rows, and last the same exports through the HTTP route of a server
//! running in this process. Reports rows/s, MB/s, and the peak RSS of this
//! process during each run (VmHWM, reset between runs through
//! /proc/self/clear_refs).

// A benchmark binary reports on stdout and stops on any setup failure.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use futures_util::StreamExt;
use majlis::export::{self, ExportFilter, ExportFormat, ExportOptions};
use majlis::pg::Cluster;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::str::FromStr;
use std::time::Instant;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak RSS to the current RSS (Linux >= 4.0).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Run {
    name: &'static str,
    rows: u64,
    bytes: u64,
    secs: f64,
    peak_mib: f64,
}

const LOAD: &str = "
insert into articles (id, created_at)
select 'article-' || a, now() - interval '400 days' from generate_series(1, 1000) a;
";

const LOAD_COMMENTS: &str = "
insert into comments (article_id, author_name, author_email, author_url, avatar, body, body_html,
    body_fingerprint, status, spam_score, spam_reasons, ip, user_agent, referrer, created_at)
select 'article-' || (1 + g % 1000),
       case when g % 3 = 0 then 'سارة ' || g else 'Reader ' || g end,
       'reader' || g || '@example.com',
       case when g % 4 = 0 then 'https://blog' || g || '.example' end,
       md5(g::text) || md5((g + 1)::text),
       case when g % 2 = 0
            then 'تحليل ممتاز، شكرًا على التغطية المتواصلة. هل من تحديث حول المفاوضات؟ رقم ' || g
            else 'Thanks for the coverage; =SUM(A1) is not a formula here. Comment number ' || g end,
       '<p dir=\"auto\">comment ' || g || '</p>',
       md5('f' || g),
       (array['pending', 'approved', 'approved', 'approved', 'spam', 'rejected'])[1 + g % 6],
       (g % 7)::float8 / 2,
       case when g % 5 = 0 then '[{\"rule\":\"links\",\"score\":1.5,\"detail\":\"2 links\"}]'::jsonb
            else '[]'::jsonb end,
       ('10.' || (g / 65536 % 256) || '.' || (g / 256 % 256) || '.' || (g % 256))::inet,
       'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36',
       'https://news.example/article-' || (1 + g % 1000),
       now() - make_interval(secs => g)
from generate_series(1, $1) g;
";

async fn stream_run(
    pool: &sqlx::PgPool,
    name: &'static str,
    format: ExportFormat,
) -> anyhow::Result<Run> {
    reset_peak();
    let start = Instant::now();
    let progress = export::ExportProgress::default();
    let options = ExportOptions {
        bom: true,
        progress: Some(progress.clone()),
        ..ExportOptions::new(format)
    };
    let mut s = std::pin::pin!(export::stream(
        pool.clone(),
        ExportFilter::default(),
        options
    ));
    let mut bytes = 0u64;
    while let Some(chunk) = s.next().await {
        bytes += chunk?.len() as u64;
    }
    Ok(Run {
        name,
        rows: progress.rows(),
        bytes,
        secs: start.elapsed().as_secs_f64(),
        peak_mib: vm_hwm_kib() as f64 / 1024.0,
    })
}

async fn copy_run(
    conn: &mut PgConnection,
    name: &'static str,
    sql: &str,
    rows: u64,
) -> anyhow::Result<Run> {
    reset_peak();
    let start = Instant::now();
    let mut bytes = 0u64;
    {
        let mut s = conn.copy_out_raw(sql).await?;
        while let Some(chunk) = s.next().await {
            bytes += chunk?.len() as u64;
        }
    }
    Ok(Run {
        name,
        rows,
        bytes,
        secs: start.elapsed().as_secs_f64(),
        peak_mib: vm_hwm_kib() as f64 / 1024.0,
    })
}

/// The same export through the real HTTP route, in this process: the peak
/// RSS then covers the whole server (and the small client), an upper bound
/// on the server's own.
async fn http_run(
    base: &str,
    token: &str,
    name: &'static str,
    query: &str,
    rows: u64,
) -> anyhow::Result<Run> {
    reset_peak();
    let start = Instant::now();
    let client = reqwest::Client::new();
    let mut resp = client
        .get(format!("{base}/api/v1/export/comments?{query}"))
        .bearer_auth(token)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "export answered {}", resp.status());
    let mut bytes = 0u64;
    let mut lines = 0u64;
    while let Some(chunk) = resp.chunk().await? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    // CSV has a header line; a CSV cell may hold a newline too, so the
    // row count is the loaded one, checked roughly here.
    anyhow::ensure!(lines >= rows, "only {lines} lines for {rows} rows");
    Ok(Run {
        name,
        rows,
        bytes,
        secs: start.elapsed().as_secs_f64(),
        peak_mib: vm_hwm_kib() as f64 / 1024.0,
    })
}

async fn serve_and_login(pool: sqlx::PgPool) -> anyhow::Result<(String, String)> {
    let password = "correct horse battery staple";
    let new = majlis::usecases::accounts::NewModerator::parse(
        Some("bench@news.example"),
        Some(secrecy::SecretString::from(password)),
        Some("moderator"),
        None,
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    majlis::usecases::accounts::create(&pool, None, new)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = majlis::config::Config {
        addr: "127.0.0.1:0".parse()?,
        secret: Some(secrecy::SecretString::from(
            "bench-secret-bench-secret-bench-secret",
        )),
        ..majlis::config::Config::default()
    };
    let app = majlis::startup::Application::build(config, pool).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "bench@news.example", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no token"))?
        .to_owned();
    Ok((base, token))
}

const COLUMNS: &str = "id, article_id, parent_id, author_name, author_email, author_url, avatar, \
    body, body_html, status, spam_score, spam_reasons, ip, user_agent, referrer, version, \
    created_at, updated_at";

async fn bench(opts: PgConnectOptions, rows: i64) -> anyhow::Result<()> {
    let mut admin = PgConnection::connect_with(&opts).await?;
    let db = format!("majlis_bench_{}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {db}")))
        .execute(&mut admin)
        .await?;
    let result = async {
        let pool = majlis::db::connect(opts.clone().database(&db), 4).await?;
        majlis::db::MIGRATOR.run(&pool).await?;
        let t = Instant::now();
        let mut conn = pool.acquire().await?;
        sqlx::raw_sql(LOAD).execute(&mut *conn).await?;
        sqlx::query("set statement_timeout = 0")
            .execute(&mut *conn)
            .await?;
        sqlx::query(LOAD_COMMENTS)
            .bind(rows)
            .execute(&mut *conn)
            .await?;
        sqlx::raw_sql("vacuum analyze comments")
            .execute(&mut *conn)
            .await?;
        let size: String =
            sqlx::query_scalar("select pg_size_pretty(pg_total_relation_size('comments'))")
                .fetch_one(&mut *conn)
                .await?;
        println!(
            "loaded {rows} comments ({size}) in {:.1}s; RSS before the runs: {:.1} MiB",
            t.elapsed().as_secs_f64(),
            vm_rss_kib() as f64 / 1024.0
        );
        let n = u64::try_from(rows)?;
        let mut runs = Vec::new();
        // Warm the cache once so every run reads the same hot table.
        copy_run(&mut conn, "warm-up", "copy comments to stdout", n).await?;
        runs.push(stream_run(&pool, "export stream, CSV (+BOM)", ExportFormat::Csv).await?);
        runs.push(stream_run(&pool, "export stream, NDJSON", ExportFormat::Ndjson).await?);
        let csv = format!(
            "copy (select {COLUMNS} from comments order by id) to stdout with (format csv, header)"
        );
        runs.push(copy_run(&mut conn, "COPY ... TO STDOUT (csv)", &csv, n).await?);
        let json = format!(
            "copy (select row_to_json(c) from (select {COLUMNS} from comments order by id) c) to stdout"
        );
        runs.push(copy_run(&mut conn, "COPY row_to_json TO STDOUT", &json, n).await?);
        let (base, token) = serve_and_login(pool.clone()).await?;
        runs.push(http_run(&base, &token, "HTTP export, CSV (+BOM)", "format=csv", n).await?);
        runs.push(http_run(&base, &token, "HTTP export, NDJSON", "format=ndjson", n).await?);
        drop(conn);
        pool.close().await;

        println!();
        println!(
            "| {:<30} | {:>9} | {:>8} | {:>11} | {:>8} | {:>14} |",
            "run", "rows", "seconds", "rows/s", "MB/s", "peak RSS (MiB)"
        );
        println!("|{:-<32}|{:->11}|{:->10}|{:->13}|{:->10}|{:->16}|", "", "", "", "", "", "");
        for r in &runs {
            println!(
                "| {:<30} | {:>9} | {:>8.2} | {:>11.0} | {:>8.1} | {:>14.1} |",
                r.name,
                r.rows,
                r.secs,
                r.rows as f64 / r.secs,
                r.bytes as f64 / r.secs / 1e6,
                r.peak_mib
            );
        }
        anyhow::Ok(())
    }
    .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "drop database if exists {db} with (force)"
    )))
    .execute(&mut admin)
    .await?;
    result
}

fn main() -> anyhow::Result<()> {
    let rows: i64 = std::env::var("MAJLIS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => {
                bench(PgConnectOptions::from_str(&url)?, rows).await
            }
            _ => {
                let base =
                    std::env::temp_dir().join(format!("majlis-bench-{}", std::process::id()));
                let cluster = Cluster::new(&base)?;
                cluster
                    .start(&[
                        "fsync = off",
                        "synchronous_commit = off",
                        "full_page_writes = off",
                        "shared_buffers = 512MB",
                        "max_wal_size = 4GB",
                    ])
                    .await?;
                cluster.stop_when_process_exits(&base)?;
                let result = bench(cluster.connect_options("postgres"), rows).await;
                let _ = cluster.stop("immediate").await;
                let _ = std::fs::remove_dir_all(&base);
                result
            }
        }
    })
}
