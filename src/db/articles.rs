//! Articles: registered by the site (an admin's `PUT`, for a CMS to call,
//! or an import) or created on first comment; closed or given their own
//! approval mode by an admin.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArticleRow {
    #[sqlx(rename = "site_id")]
    pub site: String,
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub closed: bool,
    pub approval_mode: Option<String>,
    pub comment_version: i64,
    pub created_at: DateTime<Utc>,
    /// When the site registered the article; `None` for ids only seen in
    /// submissions.
    pub registered_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "site_id, id, url, title, closed, approval_mode, comment_version, created_at, registered_at";

/// The key the public caches know an article by: its site and its id.
pub fn cache_key(site: &str, id: &str) -> String {
    format!("{site}\u{1f}{id}")
}

/// Which articles an admin lists: every filter optional.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub site: Option<String>,
    /// The account's sites (`None`: any).
    pub sites: Option<Vec<String>>,
    /// A substring of the id or the title.
    pub q: Option<String>,
    pub closed: Option<bool>,
}

/// One page of articles, newest first, strictly after `after`.
pub async fn list(
    conn: &mut PgConnection,
    f: &ArticleFilter,
    after: Option<&crate::domain::cursor::ArticleCursor>,
    limit: i64,
) -> Result<Vec<ArticleRow>, sqlx::Error> {
    let mut qb: sqlx::QueryBuilder<sqlx::Postgres> =
        sqlx::QueryBuilder::new(format!("select {COLUMNS} from articles where true"));
    super::push_site_scope(&mut qb, f.site.as_ref(), f.sites.as_ref());
    if let Some(q) = &f.q {
        super::push_text_search(&mut qb, ["id", "title"], q);
    }
    if let Some(c) = f.closed {
        qb.push(" and closed = ").push_bind(c);
    }
    if let Some(c) = after {
        qb.push(" and (created_at, site_id, id) < (")
            .push_bind(c.created_at)
            .push(", ")
            .push_bind(c.site.clone())
            .push(", ")
            .push_bind(c.id.clone())
            .push(")");
    }
    qb.push(" order by created_at desc, site_id desc, id desc limit ")
        .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

pub async fn fetch(
    conn: &mut PgConnection,
    site: &str,
    id: &str,
) -> Result<Option<ArticleRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from articles where site_id = $1 and id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(site)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Opens or closes an article and sets (or clears, with `Some(None)`) its
/// approval mode; creates the article when it was never seen, so comments
/// can be closed before the first one.
pub async fn update_settings(
    conn: &mut PgConnection,
    site: &str,
    id: &str,
    closed: Option<bool>,
    approval_mode: Option<Option<&str>>,
) -> Result<ArticleRow, sqlx::Error> {
    let sql = format!(
        "insert into articles (id, closed, approval_mode, site_id)
         values ($1, coalesce($2, false), $4, $5)
         on conflict (site_id, id) do update set
            closed = coalesce($2, articles.closed),
            approval_mode = case when $3 then $4 else articles.approval_mode end,
            -- The public thread shows whether comments are open: cached
            -- copies revalidate.
            comment_version = articles.comment_version + 1
         returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(closed)
        .bind(approval_mode.is_some())
        .bind(approval_mode.flatten())
        .bind(site)
        .fetch_one(conn)
        .await
}

/// Registers the article as the site describes it (an admin's `PUT`):
/// url and title replace whatever a submitter gave; `closed` only when
/// given. A change to any of them moves the article's comment version
/// (the thread fragment shows the url and whether comments are open).
/// Returns the row and whether the article was new.
pub async fn register(
    conn: &mut PgConnection,
    site: &str,
    id: &str,
    url: &str,
    title: &str,
    closed: Option<bool>,
) -> Result<(ArticleRow, bool), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Registered {
        #[sqlx(flatten)]
        row: ArticleRow,
        created: bool,
    }
    let sql = format!(
        "insert into articles (id, url, title, closed, registered_at, site_id)
         values ($1, $2, $3, coalesce($4, false), now(), $5)
         on conflict (site_id, id) do update set
            url = excluded.url,
            title = excluded.title,
            closed = coalesce($4, articles.closed),
            registered_at = coalesce(articles.registered_at, now()),
            comment_version = articles.comment_version
                + case when (articles.url, articles.title, articles.closed)
                       is distinct from (excluded.url, excluded.title, coalesce($4, articles.closed))
                  then 1 else 0 end
         returning {COLUMNS}, (xmax = 0) as created"
    );
    let r: Registered = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(url)
        .bind(title)
        .bind(closed)
        .bind(site)
        .fetch_one(conn)
        .await?;
    Ok((r.row, r.created))
}

/// Articles whose comment version is above `after`, lowest first, at most
/// `limit` (the change feed of the public caches; indexed), by
/// [`cache_key`].
pub async fn versions_above(
    conn: &mut PgConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select site_id || chr(31) || id, comment_version from articles where comment_version > $1
         order by comment_version limit $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The highest comment version of any article (0 with none).
pub async fn highest_version(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select coalesce(max(comment_version), 0) from articles")
        .fetch_one(conn)
        .await
}

/// The comment versions of some articles of one site (0 for articles
/// never seen), by [`cache_key`].
pub async fn comment_versions(
    conn: &mut PgConnection,
    site: &str,
    ids: &[String],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select $2 || chr(31) || a.id, coalesce(ar.comment_version, 0)
         from unnest($1::text[]) with ordinality as a(id, n)
         left join articles ar on ar.site_id = $2 and ar.id = a.id
         order by a.n",
    )
    .bind(ids)
    .bind(site)
    .fetch_all(conn)
    .await
}
