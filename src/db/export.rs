//! Reading comments for export: keyset batches in id order, and a count
//! of what a filter matches (for progress display).

use crate::db::comments::{COLUMNS, CommentRow};
use crate::domain::CommentStatus;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Which comments an export holds. `since` is inclusive, `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    pub status: Option<CommentStatus>,
    pub article_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

const WHERE: &str = "($1::text is null or status = $1)
    and ($2::text is null or article_id = $2)
    and ($3::timestamptz is null or created_at >= $3)
    and ($4::timestamptz is null or created_at < $4)";

/// Up to `limit` matching comments with `id > after`, in id order.
pub async fn fetch_batch(
    conn: &mut PgConnection,
    filter: &ExportFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let sql =
        format!("select {COLUMNS} from comments where id > $5 and {WHERE} order by id limit $6");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(filter.status.map(CommentStatus::as_str))
        .bind(filter.article_id.as_deref())
        .bind(filter.since)
        .bind(filter.until)
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// How many comments the filter matches.
pub async fn count(conn: &mut PgConnection, filter: &ExportFilter) -> Result<i64, sqlx::Error> {
    let sql = format!("select count(*) from comments where {WHERE}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(filter.status.map(CommentStatus::as_str))
        .bind(filter.article_id.as_deref())
        .bind(filter.since)
        .bind(filter.until)
        .fetch_one(conn)
        .await
}
