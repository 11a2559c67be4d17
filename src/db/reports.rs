//! Reader reports (`comment_reports`): one row per reader and comment,
//! keyed by HMACs (the reader, their network), open until a moderator's
//! decision resolves them. `comments.open_reports` counts the open ones
//! (the queue's filter), `comments.open_networks` the distinct networks
//! they come from (its order, and the threshold).

use crate::domain::CommentStatus;
use crate::domain::report::ReportReason;
use serde::Serialize;
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// A published comment as a report finds it, locked until the report's
/// transaction ends (concurrent reports on it queue up, so exactly one of
/// them moves it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Reported {
    pub site_id: String,
    pub article_id: String,
    #[sqlx(try_from = "String")]
    pub status: CommentStatus,
    pub spam_score: f64,
    #[sqlx(json)]
    pub spam_reasons: serde_json::Value,
    pub reports_overruled: i32,
}

pub async fn lock_comment(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Option<Reported>, sqlx::Error> {
    sqlx::query_as(
        "select site_id, article_id, status, spam_score, spam_reasons, reports_overruled
         from comments where id = $1 for no key update",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// How many distinct networks comment `id`'s open reports come from (0:
/// none open).
pub async fn open_networks(conn: &mut PgConnection, id: i64) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("select open_networks from comments where id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The reason most of comment `id`'s open reports give (ties: the first
/// in the list's order).
pub async fn top_reason(conn: &mut PgConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select reason from comment_reports where comment_id = $1 and resolved_at is null
         group by reason
         order by count(*) desc,
                  array_position(array['spam', 'abuse', 'off_topic', 'misinformation', 'other'], reason)
         limit 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// One new report.
pub struct NewReport<'a> {
    pub comment_id: i64,
    pub reader_key: &'a str,
    pub network_key: &'a str,
    pub reason: ReportReason,
    pub note: Option<&'a str>,
}

/// Stores the report unless this reader has reported the comment before;
/// counts it among the comment's open reports. Returns whether it was
/// new, and how many distinct networks the comment's open reports come
/// from.
pub async fn insert(
    conn: &mut PgConnection,
    r: &NewReport<'_>,
) -> Result<(bool, i64), sqlx::Error> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "insert into comment_reports (comment_id, reader_key, network_key, reason, note)
         values ($1, $2, $3, $4, $5)
         on conflict (comment_id, reader_key) do nothing
         returning id",
    )
    .bind(r.comment_id)
    .bind(r.reader_key)
    .bind(r.network_key)
    .bind(r.reason.as_str())
    .bind(r.note)
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok((false, 0));
    }
    // The subquery reads the statement's snapshot, which holds the insert
    // above (an earlier statement of this transaction).
    let networks: i32 = sqlx::query_scalar(
        "update comments set open_reports = open_reports + 1,
                open_networks = (select count(distinct network_key) from comment_reports
                                 where comment_id = $1 and resolved_at is null)
         where id = $1
         returning open_networks",
    )
    .bind(r.comment_id)
    .fetch_one(conn)
    .await?;
    Ok((true, i64::from(networks)))
}

/// Resolves comment `id`'s open reports with the moderator's `status`;
/// an approval over reports is remembered (the next hold needs twice as
/// many networks). Returns how many reports it resolved.
pub async fn resolve(
    conn: &mut PgConnection,
    id: i64,
    status: CommentStatus,
) -> Result<i64, sqlx::Error> {
    let resolved: Option<i64> = sqlx::query_scalar(
        "with r as (
            update comment_reports set resolved_at = now(), resolution = $2
            where comment_id = $1 and resolved_at is null
            returning 1
         )
         update comments set open_reports = 0, open_networks = 0,
                reports_overruled = reports_overruled + (case when $2 = 'approved' then 1 else 0 end)
         where id = $1 and open_reports > 0
         returning (select count(*) from r)",
    )
    .bind(id)
    .bind(status.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(resolved.unwrap_or(0))
}

/// What moderators see of a comment's open reports.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReportSummary {
    /// Open reports (one per reader).
    pub count: i64,
    /// Distinct networks they come from.
    pub networks: i64,
    /// Open reports per reason.
    pub reasons: BTreeMap<String, i64>,
    /// The readers' notes, newest first (at most 20).
    pub notes: Vec<String>,
}

/// The open reports of these comments, by comment id.
pub async fn summaries(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<BTreeMap<i64, ReportSummary>, sqlx::Error> {
    let per_reason: Vec<(i64, String, i64)> = sqlx::query_as(
        "select comment_id, reason, count(*) from comment_reports
         where comment_id = any($1) and resolved_at is null
         group by comment_id, reason",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: BTreeMap<i64, ReportSummary> = BTreeMap::new();
    for (id, reason, count) in per_reason {
        let s = out.entry(id).or_default();
        s.count += count;
        s.reasons.insert(reason, count);
    }
    let per_comment: Vec<(i64, i64, Vec<String>)> = sqlx::query_as(
        "select comment_id, count(distinct network_key),
                coalesce((array_agg(note order by id desc)
                          filter (where note is not null))[1:20], '{}')
         from comment_reports
         where comment_id = any($1) and resolved_at is null
         group by comment_id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    for (id, networks, notes) in per_comment {
        if let Some(s) = out.get_mut(&id) {
            s.networks = networks;
            s.notes = notes;
        }
    }
    Ok(out)
}

/// Forgets the readers' notes on these comments (their author's data is
/// erased: a note may be about them).
pub async fn erase_notes(conn: &mut PgConnection, comment_ids: &[i64]) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "update comment_reports set note = null where comment_id = any($1) and note is not null",
    )
    .bind(comment_ids)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}
