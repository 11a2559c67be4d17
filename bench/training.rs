//! What teaching the learner costs a moderator's decision:
//!
//!     cargo bench --bench training
//!
//! Starts its own PostgreSQL cluster (under the system temp directory,
//! stopped at the end) unless `DATABASE_URL` names a server, where it uses
//! a scratch database `majlis_bench_training`. Stores the fixture corpus's
//! comments (several copies, each a little different), teaches the learner
//! a first round so the feature store is warm, then times
//! `training::apply_decision` alone inside a decision's transaction (the
//! comment locked first, as `moderation::apply` does), for decisions that
//! train a fresh comment and for reversals (untrain one class, train the
//! other), and the whole transaction with its commit. Prints p50/p99/mean
//! in milliseconds. Target: < 5 ms per decision.
// A benchmark is a program whose output is its result, and whose setup
// failures should stop it loudly.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use majlis::domain::CommentStatus;
use majlis::pg::Cluster;
use majlis::spam::LabeledComment;
use majlis::spam::eval::parse_corpus;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::{Duration, Instant};

const DB: &str = "majlis_bench_training";
/// Copies of the fixture corpus stored (346 comments each).
const COPIES: usize = 6;

async fn database() -> (PgConnectOptions, Option<Cluster>) {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        let admin = PgConnectOptions::from_str(&url).expect("DATABASE_URL");
        let mut conn = PgConnection::connect_with(&admin).await.expect("connect");
        for sql in [
            format!("drop database if exists {DB} with (force)"),
            format!("create database {DB}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .expect("scratch database");
        }
        return (admin.database(DB), None);
    }
    let base = std::env::temp_dir().join(format!("majlis-bench-training-{}", std::process::id()));
    let cluster = Cluster::new(&base).expect("PostgreSQL binaries");
    cluster
        .start(&[
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
        ])
        .await
        .expect("start cluster");
    cluster.ensure_database(DB).await.expect("create database");
    cluster
        .stop_when_process_exits(&base)
        .expect("spawn the cluster watchdog");
    (cluster.connect_options(DB), Some(cluster))
}

fn corpus() -> Vec<LabeledComment> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/spam_corpus.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("read the fixture corpus");
    parse_corpus(&text).expect("a labelled corpus")
}

/// Stores every comment (pending); returns `(id, is_spam)`.
async fn store(pool: &PgPool, items: &[LabeledComment]) -> Vec<(i64, bool)> {
    let mut out = Vec::new();
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::query("insert into articles (id) values ('bench')")
        .execute(&mut *conn)
        .await
        .expect("article");
    for copy in 0..COPIES {
        for (i, c) in items.iter().enumerate() {
            let body = format!("{} ({copy})", c.body);
            let id: i64 = sqlx::query_scalar(
                "insert into comments (article_id, author_name, author_email, author_url, body,
                                       body_html, body_fingerprint, status, spam_score, spam_reasons)
                 values ('bench', $1, $2, $3, $4, $4, $5, 'pending', 0, '[]') returning id",
            )
            .bind(&c.author_name)
            .bind(&c.author_email)
            .bind(c.author_url.as_deref())
            .bind(&body)
            .bind(format!("bench-{copy}-{i}"))
            .fetch_one(&mut *conn)
            .await
            .expect("insert comment");
            out.push((id, c.is_spam()));
        }
    }
    out
}

/// One decision as `moderation::apply` runs it: lock the comment, set its
/// status, teach the learner, commit. Returns the time of the training
/// alone and of the whole transaction.
async fn decide(pool: &PgPool, id: i64, status: CommentStatus) -> (Duration, Duration) {
    let whole = Instant::now();
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("select id from comments where id = $1 for no key update")
        .bind(id)
        .execute(&mut *tx)
        .await
        .expect("lock");
    sqlx::query("update comments set status = $2, version = version + 1 where id = $1")
        .bind(id)
        .bind(status.as_str())
        .execute(&mut *tx)
        .await
        .expect("update");
    let started = Instant::now();
    majlis::usecases::training::apply_decision(&mut tx, id, Some(status), false)
        .await
        .expect("train");
    let training = started.elapsed();
    tx.commit().await.expect("commit");
    (training, whole.elapsed())
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| ms(times[((times.len() as f64 - 1.0) * q).round() as usize]);
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len() as f64;
    println!(
        "{label:<40} n={:<5} p50 {:.2} ms  p99 {:.2} ms  mean {mean:.2} ms",
        times.len(),
        at(0.5),
        at(0.99)
    );
}

fn status_of(is_spam: bool) -> CommentStatus {
    if is_spam {
        CommentStatus::Spam
    } else {
        CommentStatus::Approved
    }
}

#[tokio::main]
async fn main() {
    let (opts, cluster) = database().await;
    let pool = majlis::db::connect(opts, 4).await.expect("pool");
    majlis::db::MIGRATOR.run(&pool).await.expect("migrate");
    let items = corpus();
    let comments = store(&pool, &items).await;
    let half = comments.len() / 2;

    // Warm the store: the first half decided as labelled.
    for (id, is_spam) in &comments[..half] {
        decide(&pool, *id, status_of(*is_spam)).await;
    }
    let rows: i64 = sqlx::query_scalar("select count(*) from spam_features")
        .fetch_one(&pool)
        .await
        .expect("count");
    println!(
        "{} comments stored, {half} taught first; {rows} rows in spam_features",
        comments.len()
    );

    let (mut train, mut train_tx) = (Vec::new(), Vec::new());
    for (id, is_spam) in &comments[half..] {
        let (t, w) = decide(&pool, *id, status_of(*is_spam)).await;
        train.push(t);
        train_tx.push(w);
    }
    report("train a fresh comment (apply_decision)", train);
    report("  whole decision transaction", train_tx);

    let (mut reverse, mut reverse_tx) = (Vec::new(), Vec::new());
    for (id, is_spam) in &comments[..half] {
        let (t, w) = decide(&pool, *id, status_of(!*is_spam)).await;
        reverse.push(t);
        reverse_tx.push(w);
    }
    report("reverse a decision (untrain + train)", reverse);
    report("  whole decision transaction", reverse_tx);

    pool.close().await;
    if let Some(c) = cluster {
        c.stop("fast").await.expect("stop cluster");
    }
}
