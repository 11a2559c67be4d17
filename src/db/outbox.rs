//! The outbox tables' common moves (webhook deliveries and mails): take
//! due rows for this worker with `for update skip locked` and a lease,
//! and record how an attempt went.

use crate::domain::outbox::Outcome;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// An outbox table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    Webhooks,
    Mail,
}

impl Queue {
    fn table(self) -> &'static str {
        match self {
            Queue::Webhooks => "webhook_deliveries",
            Queue::Mail => "mail_outbox",
        }
    }

    /// The status of a row that went out.
    fn done(self) -> &'static str {
        match self {
            Queue::Webhooks => "delivered",
            Queue::Mail => "sent",
        }
    }
}

/// A row a worker took: one more attempt is being made.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Taken {
    pub id: i64,
    pub attempts: i32,
    pub retry_until: DateTime<Utc>,
}

/// Takes at most `limit` due rows: each gets one more attempt and a lease
/// (its next attempt a minute ahead, longer than an attempt may take), so
/// no other worker takes it meanwhile; rows other workers hold are
/// skipped, not waited for.
pub async fn take(
    conn: &mut PgConnection,
    queue: Queue,
    limit: i64,
) -> Result<Vec<Taken>, sqlx::Error> {
    let table = queue.table();
    let sql = format!(
        "with due as (
             select id from {table}
             where status = 'pending' and next_attempt_at <= now()
             order by next_attempt_at
             limit $1
             for update skip locked
         )
         update {table} t
         set attempts = t.attempts + 1, next_attempt_at = now() + interval '60 seconds',
             last_attempt_at = now()
         from due where t.id = due.id
         returning t.id, t.attempts, t.retry_until"
    );
    let mut rows: Vec<Taken> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Records how the attempt at row `id` went.
pub async fn record(
    conn: &mut PgConnection,
    queue: Queue,
    id: i64,
    o: &Outcome,
) -> Result<(), sqlx::Error> {
    let (status, code, error, next): (&str, Option<i32>, Option<&str>, Option<DateTime<Utc>>) =
        match o {
            Outcome::Sent { status } => (queue.done(), *status, None, None),
            Outcome::Retry {
                status,
                error,
                next,
            } => ("pending", *status, Some(error.as_str()), Some(*next)),
            Outcome::Failed { status, error } => ("failed", *status, Some(error.as_str()), None),
            Outcome::Skipped { reason } => ("skipped", None, Some(reason.as_str()), None),
        };
    let table = queue.table();
    let sql = format!(
        "update {table}
         set status = $2, response_status = $3, last_error = $4,
             next_attempt_at = coalesce($5, next_attempt_at),
             sent_at = case when $2 = $6 then now() end
         where id = $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(status)
        .bind(code)
        .bind(error)
        .bind(next)
        .bind(queue.done())
        .execute(conn)
        .await?;
    Ok(())
}

/// Seconds the oldest due row has waited past its due time (0 when none
/// is due): the queue's lag.
pub async fn lag_seconds(conn: &mut PgConnection, queue: Queue) -> Result<f64, sqlx::Error> {
    let table = queue.table();
    let sql = format!(
        "select coalesce(extract(epoch from now() - min(next_attempt_at))::float8, 0)
         from {table} where status = 'pending' and next_attempt_at <= now()"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
}
