//! Reading comments for export: keyset batches in id order, and a count
//! of what a filter matches (for progress display).

use crate::db::comments::{COLUMNS, CommentRow};
use crate::domain::CommentStatus;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// Which comments an export holds. `since` is inclusive, `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    pub status: Option<CommentStatus>,
    /// Only this site's comments.
    pub site: Option<String>,
    /// Only these sites' comments (the account's scope; `None`: any).
    pub sites: Option<Vec<String>>,
    pub article_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Adds the filter's conditions: only those that are set, so each
/// combination has its own plan and every bound can be an index condition
/// (sessions plan statements once: `db::with_session_settings`).
fn push_filter(qb: &mut QueryBuilder<Postgres>, filter: &ExportFilter) {
    if let Some(s) = filter.status {
        qb.push(" and status = ").push_bind(s.as_str());
    }
    super::push_site_scope(qb, filter.site.as_ref(), filter.sites.as_ref());
    if let Some(a) = &filter.article_id {
        qb.push(" and article_id = ").push_bind(a.clone());
    }
    if let Some(t) = filter.since {
        qb.push(" and created_at >= ").push_bind(t);
    }
    if let Some(t) = filter.until {
        qb.push(" and created_at < ").push_bind(t);
    }
}

/// Up to `limit` matching comments with `id > after`, in id order.
pub async fn fetch_batch(
    conn: &mut PgConnection,
    filter: &ExportFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("select {COLUMNS} from comments where id > "));
    qb.push_bind(after);
    push_filter(&mut qb, filter);
    qb.push(" order by id limit ").push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

/// How many comments the filter matches.
pub async fn count(conn: &mut PgConnection, filter: &ExportFilter) -> Result<i64, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> =
        QueryBuilder::new("select count(*) from comments where true");
    push_filter(&mut qb, filter);
    qb.build_query_scalar().fetch_one(conn).await
}
