//! Articles: created on first comment, closed or given their own approval
//! mode by an admin.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub closed: bool,
    pub approval_mode: Option<String>,
    pub comment_version: i64,
    pub created_at: DateTime<Utc>,
}

/// Creates the article on first sight (filling url/title only while they
/// are unknown) and locks its row for the rest of the transaction, so the
/// comment version bump and the insert happen together. A new article
/// starts at version 1: 0 stands for "never seen" in cache validators.
pub async fn upsert_for_comment(
    conn: &mut PgConnection,
    id: &str,
    url: Option<&str>,
    title: Option<&str>,
) -> Result<ArticleRow, sqlx::Error> {
    sqlx::query_as(
        "insert into articles (id, url, title, comment_version) values ($1, $2, $3, 1)
         on conflict (id) do update
            set url = coalesce(articles.url, excluded.url),
                title = coalesce(articles.title, excluded.title),
                comment_version = articles.comment_version + 1
         returning id, url, title, closed, approval_mode, comment_version, created_at",
    )
    .bind(id)
    .bind(url)
    .bind(title)
    .fetch_one(conn)
    .await
}

pub async fn fetch(conn: &mut PgConnection, id: &str) -> Result<Option<ArticleRow>, sqlx::Error> {
    sqlx::query_as(
        "select id, url, title, closed, approval_mode, comment_version, created_at
         from articles where id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Opens or closes an article and sets (or clears, with `Some(None)`) its
/// approval mode; creates the article when it was never seen, so comments
/// can be closed before the first one.
pub async fn update_settings(
    conn: &mut PgConnection,
    id: &str,
    closed: Option<bool>,
    approval_mode: Option<Option<&str>>,
) -> Result<ArticleRow, sqlx::Error> {
    sqlx::query_as(
        "insert into articles (id, closed, approval_mode)
         values ($1, coalesce($2, false), $4)
         on conflict (id) do update set
            closed = coalesce($2, articles.closed),
            approval_mode = case when $3 then $4 else articles.approval_mode end
         returning id, url, title, closed, approval_mode, comment_version, created_at",
    )
    .bind(id)
    .bind(closed)
    .bind(approval_mode.is_some())
    .bind(approval_mode.flatten())
    .fetch_one(conn)
    .await
}

/// The comment versions of some articles (0 for articles never seen).
pub async fn comment_versions(
    conn: &mut PgConnection,
    ids: &[String],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select a.id, coalesce(ar.comment_version, 0)
         from unnest($1::text[]) with ordinality as a(id, n)
         left join articles ar on ar.id = a.id
         order by a.n",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}
