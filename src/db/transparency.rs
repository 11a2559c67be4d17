//! The figures of a transparency report (EU Digital Services Act, article
//! 15), counted from the audit log: decisions that removed or held a
//! comment (events with a `reason_category`), automatic (`system`) or by a
//! moderator, per category; the median time from a comment to a
//! moderator's decision on it; reports received, appeals and sanctions.
//! A comment purged by the retention job keeps its decisions in the report:
//! its tombstone answers for its site and its creation time.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// One category's decisions.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryCount {
    pub category: String,
    pub automatic: i64,
    pub manual: i64,
}

/// The rest of the report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Totals {
    pub median_seconds: Option<f64>,
    pub reports_received: i64,
    pub appeals_received: i64,
    pub sanctions_imposed: i64,
}

/// Decisions per category in `[since, until)`, on `site` (`None`: all).
pub async fn by_category(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    site: Option<&str>,
) -> Result<Vec<CategoryCount>, sqlx::Error> {
    sqlx::query_as(
        "select e.reason_category as category,
                count(*) filter (where e.actor = 'system') as automatic,
                count(*) filter (where e.actor = 'moderator') as manual
         from audit_events e
         left join comments c on c.id = e.comment_id
         left join comment_tombstones t on t.id = e.comment_id
         where e.reason_category is not null
           and e.at >= $1 and e.at < $2
           and ($3::text is null or coalesce(c.site_id, t.site_id) = $3)
         group by e.reason_category",
    )
    .bind(since)
    .bind(until)
    .bind(site)
    .fetch_all(conn)
    .await
}

pub async fn totals(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    site: Option<&str>,
) -> Result<Totals, sqlx::Error> {
    sqlx::query_as(
        "with events as (
            select e.*, coalesce(c.created_at, t.created_at) as comment_created_at
            from audit_events e
            left join comments c on c.id = e.comment_id
            left join comment_tombstones t on t.id = e.comment_id
            where e.at >= $1 and e.at < $2
              and ($3::text is null or coalesce(c.site_id, t.site_id) = $3
                   or (e.comment_id is null and e.details->>'site' = $3))
         )
         select
            (select percentile_cont(0.5) within group (
                        order by extract(epoch from (e.at - e.comment_created_at)))
             from events e
             where e.actor = 'moderator' and e.reason_category is not null
               and e.comment_created_at is not null)::float8
                as median_seconds,
            (select count(*) from events where action = 'comment.report_received')
                as reports_received,
            (select count(*) from events where action = 'comment.appealed') as appeals_received,
            (select count(*) from events where action = 'sanction.created') as sanctions_imposed",
    )
    .bind(since)
    .bind(until)
    .bind(site)
    .fetch_one(conn)
    .await
}
