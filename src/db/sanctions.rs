//! Sanctions (`sanctions`): moderators' bans, suspensions and holds on
//! an email, a domain or an address range. A submission finds the ones
//! that cover it in its context read (`db::submissions::context`); this
//! module stores, lists and revokes them, and finds the comments a new
//! ban covers.

use crate::domain::decision::ReasonCategory;
use crate::domain::ids::Actor;
use crate::domain::sanction::SanctionKind;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::Serialize;
use sqlx::PgConnection;

/// A sanction as moderators see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Sanction {
    pub id: i64,
    /// The site it covers; `null`: every site.
    #[sqlx(rename = "site_id")]
    pub site: Option<String>,
    #[sqlx(try_from = "String")]
    pub kind: SanctionKind,
    /// `email`, `domain` or `network`.
    pub target_type: String,
    /// The normalized email (lowercase, the domain in ASCII), the domain
    /// (ASCII), or the range; `null` once the person's data was erased
    /// (the sanction still holds). Masked like every email and address
    /// for accounts that see personal data masked.
    pub target: Option<String>,
    /// Why (free text; erased with the person's data).
    pub reason: Option<String>,
    /// The category of the rejections it makes (`reject_existing`).
    #[sqlx(try_from = "String")]
    pub reason_category: ReasonCategory,
    pub created_by: Option<i64>,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub created_at: DateTime<Utc>,
    /// When it ends by itself; `null`: when revoked.
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
    /// Neither revoked nor expired.
    pub active: bool,
}

const COLUMNS: &str =
    "id, site_id, kind, target_type, target, reason, reason_category, created_by, created_at,
    expires_at, revoked_at, revoked_by,
    (revoked_at is null and (expires_at is null or expires_at > now())) as active";

/// A sanction to store.
pub struct NewSanction<'a> {
    pub site: Option<&'a str>,
    pub kind: SanctionKind,
    pub target_type: &'static str,
    pub target: &'a str,
    /// The keyed hash of an email, or a domain's ASCII form.
    pub match_key: Option<&'a str>,
    pub network: Option<IpNet>,
    pub reason: &'a str,
    pub reason_category: ReasonCategory,
    pub expires_at: Option<DateTime<Utc>>,
    pub by: Actor,
}

pub async fn insert(conn: &mut PgConnection, s: &NewSanction<'_>) -> Result<Sanction, sqlx::Error> {
    let sql = format!(
        "insert into sanctions (site_id, kind, target_type, target, match_key, network, reason,
                                expires_at, created_by, reason_category)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(s.site)
        .bind(s.kind.as_str())
        .bind(s.target_type)
        .bind(s.target)
        .bind(s.match_key)
        .bind(s.network)
        .bind(s.reason)
        .bind(s.expires_at)
        .bind(s.by.0)
        .bind(s.reason_category.as_str())
        .fetch_one(conn)
        .await
}

/// Revokes sanction `id` if it is not revoked yet and lies within
/// `sites` (`None`: any; a sanction on every site needs `None`).
pub async fn revoke(
    conn: &mut PgConnection,
    id: i64,
    by: Actor,
    sites: Option<&[String]>,
) -> Result<Option<Sanction>, sqlx::Error> {
    let sql = format!(
        "update sanctions set revoked_at = now(), revoked_by = $2
         where id = $1 and revoked_at is null
           and ($3::text[] is null or site_id = any($3))
         returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(by.0)
        .bind(sites)
        .fetch_optional(conn)
        .await
}

/// A page of sanctions, newest first, after id `before`: the active ones,
/// or all with `all`; within `sites` (`None`: any; sanctions on every
/// site are listed for everyone).
pub async fn list(
    conn: &mut PgConnection,
    all: bool,
    sites: Option<&[String]>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Sanction>, sqlx::Error> {
    let sql = format!(
        "select {COLUMNS} from sanctions
         where ($1 or (revoked_at is null and (expires_at is null or expires_at > now())))
           and ($2::text[] is null or site_id is null or site_id = any($2))
           and ($3::bigint is null or id < $3)
         order by id desc limit $4"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(all)
        .bind(sites)
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// What a new sanction's "reject their existing comments" looks for.
pub enum Covered<'a> {
    /// Addresses as they may be stored (lowercase; the domain in ASCII
    /// and in Unicode).
    Emails(&'a [String]),
    /// Domains (ASCII and Unicode forms, lowercase): the domain and its
    /// subdomains.
    Domains(&'a [String]),
    Network(IpNet),
}

/// The published and pending comments a sanction covers within `sites`
/// (`None`: every site): the first `limit` ids, ascending (the lock order
/// of decisions), and how many there are in all.
pub async fn covered_comments(
    conn: &mut PgConnection,
    covered: &Covered<'_>,
    sites: Option<&[String]>,
    limit: i64,
) -> Result<(Vec<i64>, i64), sqlx::Error> {
    let (emails, domains, network): (Option<&[String]>, Option<&[String]>, Option<IpNet>) =
        match covered {
            Covered::Emails(e) => (Some(e), None, None),
            Covered::Domains(d) => (None, Some(d), None),
            Covered::Network(n) => (None, None, Some(*n)),
        };
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "select id, count(*) over () from comments
         where status in ('pending', 'approved')
           and ($1::text[] is null or site_id = any($1))
           and ($2::text[] is null or lower(author_email) = any($2))
           and ($3::text[] is null or exists (
                 select 1 from unnest($3::text[]) d
                 where lower(split_part(author_email, '@', 2)) = d
                    or lower(split_part(author_email, '@', 2)) like '%.' || d))
           and ($4::inet is null or ip <<= $4)
         order by id
         limit $5",
    )
    .bind(sites)
    .bind(emails)
    .bind(domains)
    .bind(network)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let total = rows.first().map_or(0, |r| r.1);
    Ok((rows.into_iter().map(|r| r.0).collect(), total))
}

/// An active sanction the account may act on (`sites`: `None` any;
/// otherwise a sanction on one of them; one on every site only for
/// accounts that see every site).
pub async fn find_active(
    conn: &mut PgConnection,
    id: i64,
    sites: Option<&[String]>,
) -> Result<Option<Sanction>, sqlx::Error> {
    let sql = format!(
        "select {COLUMNS} from sanctions
         where id = $1 and revoked_at is null and (expires_at is null or expires_at > now())
           and ($2::text[] is null or site_id = any($2))"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(sites)
        .fetch_optional(conn)
        .await
}

/// Forgets what a sanction on this email says about the person (the
/// address as shown, the reason) after an erasure; the keyed hash keeps
/// it working. Returns how many.
pub async fn erase_person(conn: &mut PgConnection, match_key: &str) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "update sanctions set target = null, reason = null
         where match_key = $1 and (target is not null or reason is not null)",
    )
    .bind(match_key)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// The sanctions on this email (by its keyed hash), for the person's
/// privacy export.
pub async fn of_person(
    conn: &mut PgConnection,
    match_key: &str,
) -> Result<Vec<Sanction>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from sanctions where match_key = $1 order by id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(match_key)
        .fetch_all(conn)
        .await
}
