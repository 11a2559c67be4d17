//! Rows written straight into a test database (faster than HTTP, and with
//! chosen timestamps), and helpers to run the export stream.

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use futures_util::TryStreamExt;
use majlis::export::{self, ExportFilter, ExportFormat, ExportOptions};
use sqlx::PgPool;

pub struct Seed<'a> {
    pub article: &'a str,
    pub parent: Option<i64>,
    pub name: &'a str,
    pub email: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub created_at: DateTime<Utc>,
}

impl Default for Seed<'_> {
    fn default() -> Self {
        Seed {
            article: "a1",
            parent: None,
            name: "سارة",
            email: "sara@example.com",
            body: "تعليق",
            status: "approved",
            created_at: day(1),
        }
    }
}

/// Midnight UTC on that day of November 2026.
pub fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap()
}

pub async fn insert(pool: &PgPool, s: Seed<'_>) -> i64 {
    sqlx::query("insert into articles (id) values ($1) on conflict do nothing")
        .bind(s.article)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query_scalar(
        "insert into comments (article_id, parent_id, author_name, author_email, author_url, avatar,
            body, body_html, body_fingerprint, status, ip, user_agent, referrer, created_at, updated_at)
         values ($1, $2, $3, $4, 'https://sara.example', 'abc', $5, '<p>' || $5 || '</p>',
            md5($5 || random()::text), $6, '192.0.2.7', 'Mozilla/5.0 (X11)', 'https://news.example/a',
            $7, $7)
         returning id",
    )
    .bind(s.article)
    .bind(s.parent)
    .bind(s.name)
    .bind(s.email)
    .bind(s.body)
    .bind(s.status)
    .bind(s.created_at)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// `n` plain comments on article `a1`.
pub async fn insert_many(pool: &PgPool, n: i64) {
    sqlx::query("insert into articles (id) values ('a1') on conflict do nothing")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into comments (article_id, author_name, author_email, body, body_html, body_fingerprint, status)
         select 'a1', 'n' || g, 'u' || g || '@example.com', 'body ' || g, '<p>body ' || g || '</p>', 'f' || g, 'approved'
         from generate_series(1, $1) g",
    )
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

pub async fn run_export(pool: &PgPool, filter: ExportFilter, options: ExportOptions) -> Vec<Bytes> {
    export::stream(pool.clone(), filter, options)
        .try_collect()
        .await
        .unwrap()
}

pub async fn export_text(pool: &PgPool, filter: ExportFilter, format: ExportFormat) -> String {
    let chunks = run_export(pool, filter, ExportOptions::new(format)).await;
    String::from_utf8(chunks.concat()).unwrap()
}

/// Ids in an NDJSON export, in order.
pub fn ndjson_ids(text: &str) -> Vec<i64> {
    text.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}
