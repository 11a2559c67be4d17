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

/// The statement that takes at most `$1` due rows of `queue` and then runs
/// `select`, which reads the taken rows as `taken` (all their columns,
/// after the update). Each taken row gets one more attempt and a lease
/// (its next attempt a minute ahead, longer than an attempt may take), so
/// no other worker takes it meanwhile; rows other workers hold are
/// skipped, not waited for. One round trip for the whole batch.
pub fn take_sql(queue: Queue, select: &str) -> String {
    let table = queue.table();
    format!(
        "with due as (
             select id from {table}
             where status = 'pending' and next_attempt_at <= now()
             order by next_attempt_at
             limit $1
             for update skip locked
         ), taken as (
             update {table} t
             set attempts = t.attempts + 1, next_attempt_at = now() + interval '60 seconds',
                 last_attempt_at = now()
             from due where t.id = due.id
             returning t.*
         )
         {select}"
    )
}

/// Records how the attempts at a batch of rows went, in one statement.
pub async fn record(
    conn: &mut PgConnection,
    queue: Queue,
    outcomes: &[(i64, &Outcome)],
) -> Result<(), sqlx::Error> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let n = outcomes.len();
    let (mut ids, mut statuses, mut codes, mut errors, mut nexts) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (id, o) in outcomes {
        let (status, code, error, next): (&str, Option<i32>, Option<&str>, Option<DateTime<Utc>>) =
            match o {
                Outcome::Sent { status } => (queue.done(), *status, None, None),
                Outcome::Retry {
                    status,
                    error,
                    next,
                } => ("pending", *status, Some(error.as_str()), Some(*next)),
                Outcome::Failed { status, error } => {
                    ("failed", *status, Some(error.as_str()), None)
                }
                Outcome::Skipped { reason } => ("skipped", None, Some(reason.as_str()), None),
            };
        ids.push(*id);
        statuses.push(status);
        codes.push(code);
        errors.push(error);
        nexts.push(next);
    }
    let table = queue.table();
    let sql = format!(
        "update {table} t
         set status = o.status, response_status = o.code, last_error = o.error,
             next_attempt_at = coalesce(o.next, t.next_attempt_at),
             sent_at = case when o.status = $6 then now() end
         from unnest($1::bigint[], $2::text[], $3::int4[], $4::text[], $5::timestamptz[])
              as o(id, status, code, error, next)
         where t.id = o.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&ids)
        .bind(&statuses)
        .bind(&codes)
        .bind(&errors)
        .bind(&nexts)
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
