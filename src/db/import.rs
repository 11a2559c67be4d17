//! Writing imported comments: WordPress comments one by one (their ids are
//! needed for threading), NDJSON restores in batches through `unnest`.

use crate::domain::CommentStatus;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::net::IpAddr;

/// Registers an article from an imported post: the site's own export
/// describes it, so its url and title replace what a submitter gave, but
/// not what an admin registered (those are only completed). Returns
/// whether it was created. The earliest known creation time is kept. A
/// new article takes a fresh comment version (never 0, see the
/// migration), so listings read before the import change their `ETag`.
pub async fn upsert_article(
    conn: &mut PgConnection,
    site: &str,
    id: &str,
    url: Option<&str>,
    title: Option<&str>,
    created_at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "insert into articles (id, url, title, created_at, registered_at, site_id)
         values ($1, $2, $3, coalesce($4, now()), now(), $5)
         on conflict (site_id, id) do update
            set url = case when articles.registered_at is null
                           then coalesce(excluded.url, articles.url)
                           else coalesce(articles.url, excluded.url) end,
                title = case when articles.registered_at is null
                             then coalesce(excluded.title, articles.title)
                             else coalesce(articles.title, excluded.title) end,
                created_at = least(articles.created_at, excluded.created_at),
                registered_at = coalesce(articles.registered_at, now()),
                comment_version = articles.comment_version + 1
         returning (xmax = 0)",
    )
    .bind(id)
    .bind(url)
    .bind(title)
    .bind(created_at)
    .bind(site)
    .fetch_one(conn)
    .await
}

/// WordPress comment id -> our id, for those of `wp_ids` already imported
/// from `source` into `site`.
pub async fn imported_ids(
    conn: &mut PgConnection,
    site: &str,
    source: &str,
    wp_ids: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "select wp_comment_id, id from comments
         where site_id = $3 and import_source = $1 and wp_comment_id = any($2)",
    )
    .bind(source)
    .bind(wp_ids)
    .bind(site)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// One WordPress comment, ready to store.
#[derive(Debug)]
pub struct ImportedComment<'a> {
    pub site: &'a str,
    pub article_id: &'a str,
    pub parent_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub avatar: Option<&'a str>,
    pub body: &'a str,
    pub body_html: &'a str,
    pub body_fingerprint: &'a str,
    pub status: CommentStatus,
    pub ip: Option<IpAddr>,
    pub created_at: DateTime<Utc>,
    pub import_source: &'a str,
    pub wp_comment_id: i64,
}

/// Inserts the comment; `None` when a unique index refused it (the same
/// text by the same author on the same article, or already imported).
pub async fn insert_imported(
    conn: &mut PgConnection,
    c: &ImportedComment<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into comments (article_id, parent_id, author_name, author_email, author_url, avatar,
            body, body_html, body_fingerprint, status, ip, created_at, updated_at,
            import_source, wp_comment_id, site_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)
         on conflict do nothing
         returning id",
    )
    .bind(c.article_id)
    .bind(c.parent_id)
    .bind(c.author_name)
    .bind(c.author_email)
    .bind(c.author_url)
    .bind(c.avatar)
    .bind(c.body)
    .bind(c.body_html)
    .bind(c.body_fingerprint)
    .bind(c.status.as_str())
    .bind(c.ip)
    .bind(c.created_at)
    .bind(c.import_source)
    .bind(c.wp_comment_id)
    .bind(c.site)
    .fetch_optional(conn)
    .await
}

/// The comment that an imported duplicate repeats.
pub async fn find_duplicate(
    conn: &mut PgConnection,
    site: &str,
    article_id: &str,
    email: &str,
    fingerprint: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select id from comments
         where site_id = $4 and article_id = $1 and lower(author_email) = lower($2)
           and body_fingerprint = $3 and author_email <> ''",
    )
    .bind(article_id)
    .bind(email)
    .bind(fingerprint)
    .bind(site)
    .fetch_optional(conn)
    .await
}

/// Columns of a batch of restored comments, one vector per column.
#[derive(Debug, Default)]
pub struct RestoreBatch {
    pub id: Vec<i64>,
    pub site: Vec<String>,
    pub article_id: Vec<String>,
    pub parent_id: Vec<Option<i64>>,
    pub author_name: Vec<String>,
    pub author_email: Vec<String>,
    pub author_url: Vec<Option<String>>,
    pub avatar: Vec<Option<String>>,
    pub body: Vec<String>,
    pub body_html: Vec<String>,
    pub body_fingerprint: Vec<String>,
    pub status: Vec<String>,
    pub spam_score: Vec<f64>,
    pub spam_reasons: Vec<String>,
    pub ip: Vec<Option<String>>,
    pub user_agent: Vec<Option<String>>,
    pub referrer: Vec<Option<String>>,
    pub version: Vec<i32>,
    pub created_at: Vec<DateTime<Utc>>,
    pub updated_at: Vec<DateTime<Utc>>,
}

impl RestoreBatch {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// Which of `parents` exist as comments of the given site and article
/// (`parents[i]` of `sites[i]`'s `articles[i]`): a reply is threaded only
/// under a comment of its own article.
pub async fn parents_in_place(
    conn: &mut PgConnection,
    parents: &[i64],
    sites: &[String],
    articles: &[String],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select p.id from unnest($1::bigint[], $2::text[], $3::text[]) as p(id, site, article)
         where exists (select 1 from comments c
                       where c.id = p.id and c.site_id = p.site and c.article_id = p.article)",
    )
    .bind(parents)
    .bind(sites)
    .bind(articles)
    .fetch_all(conn)
    .await
}

/// Creates the batch's sites that do not exist yet (an export of several
/// sites restored into a new database), with default settings and their
/// id as name. Returns how many were created.
pub async fn ensure_sites(conn: &mut PgConnection, sites: &[String]) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "insert into sites (id, name)
         select distinct s, s from unnest($1::text[]) as t(s)
         on conflict (id) do nothing",
    )
    .bind(sites)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Creates the batch's articles that do not exist yet (created at their
/// earliest comment in the batch).
pub async fn ensure_articles(
    conn: &mut PgConnection,
    sites: &[String],
    ids: &[String],
    created_at: &[DateTime<Utc>],
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "insert into articles (site_id, id, created_at)
         select s, id, min(t) from unnest($1::text[], $2::text[], $3::timestamptz[]) as a(s, id, t)
         group by s, id
         on conflict (site_id, id) do nothing",
    )
    .bind(sites)
    .bind(ids)
    .bind(created_at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Inserts the batch keeping ids; rows whose id (or duplicate key) exists
/// are skipped. Returns the ids inserted.
pub async fn insert_restored(
    conn: &mut PgConnection,
    b: &RestoreBatch,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into comments (id, article_id, parent_id, author_name, author_email, author_url,
            avatar, body, body_html, body_fingerprint, status, spam_score, spam_reasons, ip,
            user_agent, referrer, version, created_at, updated_at, site_id)
         select id, article_id, parent_id, author_name, author_email, author_url, avatar, body,
            body_html, body_fingerprint, status, spam_score, spam_reasons::jsonb, ip::inet,
            user_agent, referrer, version, created_at, updated_at, site_id
         from unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::float8[],
            $13::text[], $14::text[], $15::text[], $16::text[], $17::int4[], $18::timestamptz[],
            $19::timestamptz[], $20::text[])
            as t(id, article_id, parent_id, author_name, author_email, author_url, avatar, body,
                 body_html, body_fingerprint, status, spam_score, spam_reasons, ip, user_agent,
                 referrer, version, created_at, updated_at, site_id)
         on conflict do nothing
         returning id",
    )
    .bind(&b.id)
    .bind(&b.article_id)
    .bind(&b.parent_id)
    .bind(&b.author_name)
    .bind(&b.author_email)
    .bind(&b.author_url)
    .bind(&b.avatar)
    .bind(&b.body)
    .bind(&b.body_html)
    .bind(&b.body_fingerprint)
    .bind(&b.status)
    .bind(&b.spam_score)
    .bind(&b.spam_reasons)
    .bind(&b.ip)
    .bind(&b.user_agent)
    .bind(&b.referrer)
    .bind(&b.version)
    .bind(&b.created_at)
    .bind(&b.updated_at)
    .bind(&b.site)
    .fetch_all(conn)
    .await
}

/// Bumps the comment version of articles that received comments (cache
/// validators, which public caches watch): `sites[i]`'s `ids[i]`.
pub async fn touch_articles(
    conn: &mut PgConnection,
    sites: &[String],
    ids: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update articles set comment_version = comment_version + 1
         where (site_id, id) in (select distinct s, a from unnest($1::text[], $2::text[]) as t(s, a))",
    )
    .bind(sites)
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets parents that were not there yet when their replies were restored
/// (only those that exist now). Returns how many were set.
pub async fn link_parents(
    conn: &mut PgConnection,
    ids: &[i64],
    parents: &[i64],
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "update comments c set parent_id = p.parent
         from unnest($1::bigint[], $2::bigint[]) as p(id, parent)
         where c.id = p.id
           and exists (select 1 from comments x
                       where x.id = p.parent and x.site_id = c.site_id
                         and x.article_id = c.article_id)",
    )
    .bind(ids)
    .bind(parents)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Moves the id sequence past the largest id (after inserts with ids).
pub async fn reset_comment_ids(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "select setval(pg_get_serial_sequence('comments', 'id'), coalesce(max(id), 0) + 1, false)
         from comments",
    )
    .execute(conn)
    .await?;
    Ok(())
}
