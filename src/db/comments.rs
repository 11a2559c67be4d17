//! Comments: insert, public listing and counts.

use crate::domain::timestamps;
use crate::domain::{CommentStatus, Cursor};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use std::net::IpAddr;

// A comment as stored, and as it leaves and comes back. The API's views
// are built from it in `routes::views`.
/// One comment with every stored field: the record of the comment export
/// (its fields are the NDJSON keys and, in this order, the CSV columns) and
/// of a privacy export, and what `majlis import ndjson` restores.
/// Timestamps keep microseconds, so a restore is exact.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ExportRecord)]
pub struct CommentRow {
    pub id: i64,
    /// The site the article belongs to (`default` in exports written
    /// before there were sites).
    #[sqlx(rename = "site_id")]
    #[serde(default = "default_site")]
    pub site: String,
    pub article_id: String,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub avatar: Option<String>,
    pub body: String,
    pub body_html: String,
    #[sqlx(try_from = "String")]
    pub status: CommentStatus,
    pub spam_score: f64,
    /// `[{rule, score, detail}]` as the spam engine recorded them.
    #[sqlx(json)]
    #[serde(default = "no_reasons", deserialize_with = "reasons_or_none")]
    #[schema(value_type = Vec<crate::spam::facts::Reason>)]
    pub spam_reasons: serde_json::Value,
    #[schema(value_type = Option<String>)]
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    pub version: i32,
    #[serde(serialize_with = "timestamps::micros")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamps::micros")]
    pub updated_at: DateTime<Utc>,
    /// The category of the latest moderator decision that removed or held
    /// the comment (`spam`, `abuse`, `hate`, `off_topic`,
    /// `misinformation`, `personal_data`, `legal`, `other`); `null` after
    /// an approval or without a decision.
    #[serde(default)]
    pub decision_category: Option<String>,
    /// That decision's free text (erased with the author's data).
    #[serde(default)]
    pub decision_reason: Option<String>,
    /// When the author appealed a rejection (once), and what they said.
    #[serde(default, serialize_with = "timestamps::opt_micros")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub appealed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub appeal_note: Option<String>,
}

fn default_site() -> String {
    crate::domain::SiteId::DEFAULT.to_owned()
}

fn no_reasons() -> serde_json::Value {
    serde_json::Value::Array(Vec::new())
}

/// `null` reasons (older exports) read as none.
fn reasons_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(d)?.unwrap_or_else(no_reasons))
}

/// The keyset position of a comment in listings by time.
impl From<&CommentRow> for Cursor {
    fn from(r: &CommentRow) -> Self {
        Cursor {
            created_at: r.created_at,
            id: r.id,
        }
    }
}

pub(crate) const COLUMNS: &str =
    "id, site_id, article_id, parent_id, author_name, author_email, author_url, avatar, body, body_html,
    status, spam_score, spam_reasons, ip, user_agent, referrer, version, created_at, updated_at,
    decision_category, decision_reason, appealed_at, appeal_note";

/// What a new comment row holds, validated and decided beforehand.
#[derive(Debug)]
pub struct InsertComment<'a> {
    pub site: &'a str,
    pub article_id: &'a str,
    pub parent_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub avatar: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub body_fingerprint: &'a str,
    pub status: CommentStatus,
    pub spam_score: f64,
    pub spam_reasons: serde_json::Value,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    pub referrer: Option<&'a str>,
}

/// The columns a new comment is written with, `$1` to `$16` in the order
/// [`bind_insert`] binds them (the submission's statement and this module's
/// [`insert`] share them).
pub const INSERT_COLUMNS: &str = "article_id, parent_id, author_name, author_email, author_url, \
    avatar, body, body_html, body_fingerprint, status, spam_score, spam_reasons, ip, user_agent, \
    referrer, site_id";

/// Binds a new comment's values as `$1` to `$16` ([`INSERT_COLUMNS`]).
pub(crate) fn bind_insert<'q, O>(
    q: QueryAs<'q, Postgres, O, PgArguments>,
    c: &'q InsertComment<'q>,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    q.bind(c.article_id)
        .bind(c.parent_id)
        .bind(c.author_name)
        .bind(c.author_email)
        .bind(c.author_url)
        .bind(c.avatar)
        .bind(c.body)
        .bind(c.body_html)
        .bind(c.body_fingerprint)
        .bind(c.status.as_str())
        .bind(c.spam_score)
        .bind(Json(&c.spam_reasons))
        .bind(c.ip)
        .bind(c.user_agent)
        .bind(c.referrer)
        .bind(c.site)
}

pub async fn insert(
    conn: &mut PgConnection,
    c: &InsertComment<'_>,
) -> Result<CommentRow, sqlx::Error> {
    let sql = format!(
        "insert into comments ({INSERT_COLUMNS})
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning {COLUMNS}"
    );
    bind_insert(sqlx::query_as(sqlx::AssertSqlSafe(sql)), c)
        .fetch_one(conn)
        .await
}

/// The comment whose edit token hashes to `token_hash`, locked until the
/// transaction ends (as a moderator's decision locks it).
pub async fn fetch_for_author(
    conn: &mut PgConnection,
    id: i64,
    token_hash: &[u8],
) -> Result<Option<CommentRow>, sqlx::Error> {
    let sql = format!(
        "select {COLUMNS} from comments where id = $1 and edit_token_hash = $2
         for no key update"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

/// What a comment's author may read of its decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthorView {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: CommentStatus,
    pub decision_category: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub appealed_at: Option<DateTime<Utc>>,
}

/// Comment `id` as its author sees its decision, if `token_hash` is its
/// edit token's.
pub async fn author_view(
    conn: &mut PgConnection,
    id: i64,
    token_hash: &[u8],
) -> Result<Option<AuthorView>, sqlx::Error> {
    sqlx::query_as(
        "select id, status, decision_category, decision_reason, decided_at, appealed_at
         from comments where id = $1 and edit_token_hash = $2",
    )
    .bind(id)
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// Records the author's appeal of comment `id`.
pub async fn record_appeal(
    conn: &mut PgConnection,
    id: i64,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("update comments set appealed_at = now(), appeal_note = $2 where id = $1")
        .bind(id)
        .bind(note)
        .execute(conn)
        .await?;
    Ok(())
}

/// The SHA-256 of the returning-commenter token comment `id` carries.
pub async fn commenter_key(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("select commenter_key from comments where id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

/// Marks a comment withdrawn by its author and forgets its edit token:
/// nothing more can be asked with it.
pub async fn mark_withdrawn(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("update comments set edit_token_hash = null, withdrawn_at = now() where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The comment if it is approved (what the public may see of any id).
pub async fn fetch_approved(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Option<CommentRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from comments where id = $1 and status = 'approved'");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Whether `id` is an approved comment of the site's `article_id` (a
/// valid parent).
pub async fn is_approved_in_article(
    conn: &mut PgConnection,
    id: i64,
    site: &str,
    article_id: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from comments
                        where id = $1 and site_id = $3 and article_id = $2 and status = 'approved')",
    )
    .bind(id)
    .bind(article_id)
    .bind(site)
    .fetch_one(conn)
    .await
}

/// One page of an article's approved comments, oldest first (or newest
/// first), after `after` in that order (a statement of its own with and
/// without the cursor, so the cursor is always an index bound under the
/// session's generic plans).
pub async fn list_public(
    conn: &mut PgConnection,
    site: &str,
    article_id: &str,
    after: Option<Cursor>,
    limit: i64,
    newest_first: bool,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let (after_op, direction) = if newest_first {
        ("<", "desc")
    } else {
        (">", "asc")
    };
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("select {COLUMNS} from comments where site_id = "));
    qb.push_bind(site)
        .push(" and article_id = ")
        .push_bind(article_id)
        .push(" and status = 'approved'");
    if let Some(c) = after {
        qb.push(format_args!(" and (created_at, id) {after_op} ("))
            .push_bind(c.created_at)
            .push(", ")
            .push_bind(c.id)
            .push(")");
    }
    qb.push(format_args!(
        " order by created_at {direction}, id {direction} limit "
    ))
    .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

/// One page of an article's public thread.
pub struct PublicPage {
    pub rows: Vec<CommentRow>,
    /// Where the next page starts (`None` on the last).
    pub next: Option<Cursor>,
    /// Approved comments of the article in all.
    pub total: i64,
}

/// Up to `limit` approved comments after `after` (see [`list_public`]),
/// whether more follow, and the article's approved total.
pub async fn public_page(
    conn: &mut PgConnection,
    site: &str,
    article_id: &str,
    after: Option<Cursor>,
    limit: i64,
    newest_first: bool,
) -> Result<PublicPage, sqlx::Error> {
    let mut rows = list_public(conn, site, article_id, after, limit + 1, newest_first).await?;
    let next = crate::domain::cursor::page_end(&mut rows, limit).map(Cursor::from);
    let total = count_public(conn, site, article_id).await?;
    Ok(PublicPage { rows, next, total })
}

pub async fn count_public(
    conn: &mut PgConnection,
    site: &str,
    article_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from comments where site_id = $2 and article_id = $1 and status = 'approved'",
    )
    .bind(article_id)
    .bind(site)
    .fetch_one(conn)
    .await
}

/// Approved counts for many articles in one round trip (0 for unknown ones).
pub async fn count_public_many(
    conn: &mut PgConnection,
    site: &str,
    article_ids: &[String],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select a.id, (select count(*) from comments c
                       where c.site_id = $2 and c.article_id = a.id and c.status = 'approved')
         from unnest($1::text[]) as a(id)",
    )
    .bind(article_ids)
    .bind(site)
    .fetch_all(conn)
    .await
}
