//! The outbox tables' common moves (webhook deliveries and mails): take
//! due rows, and record how the attempts went, in the same transaction.
//! One worker sends each kind at a time (any instance: the one holding its
//! sender lock, a transaction-scoped advisory lock), so rows are read
//! without row locks. The transaction stays open while the batch is sent
//! (bounded by the workers' timeouts, well inside the connections'
//! `idle_in_transaction_session_timeout`) and writes only when it records:
//! each row is written once per attempt, and no transaction id is held
//! while sending (the webhook worker's read of the audit log waits for
//! every writing transaction to end). If a worker dies, the transaction
//! ends and the rows are due again (delivery is at least once).

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
/// `select`, which reads them as `taken` (their columns, `attempt`: the
/// number of the attempt about to be made, and `waited`: seconds since the
/// row fell due, whose largest is the queue's lag). The caller holds the
/// queue's sender lock. One round trip for the whole batch.
pub fn take_sql(queue: Queue, select: &str) -> String {
    let table = queue.table();
    format!(
        "with taken as (
             select t.*, t.attempts + 1 as attempt,
                    extract(epoch from now() - t.next_attempt_at)::float8 as waited
             from {table} t
             where t.status = 'pending' and t.next_attempt_at <= now()
             order by t.next_attempt_at
             limit $1
         )
         {select}"
    )
}

/// What an outcome writes on its row.
pub struct Columns<'a> {
    pub status: &'static str,
    /// The receiver's answer (an HTTP status or an SMTP code).
    pub code: Option<i32>,
    pub error: Option<&'a str>,
    /// When to try again (a retry).
    pub next: Option<DateTime<Utc>>,
}

impl<'a> Columns<'a> {
    pub fn of(queue: Queue, o: &'a Outcome) -> Columns<'a> {
        let (status, code, error, next) = match o {
            Outcome::Sent { status } => (queue.done(), *status, None, None),
            Outcome::Retry {
                status,
                error,
                next,
            } => ("pending", *status, Some(error.as_str()), Some(*next)),
            Outcome::Failed { status, error } => ("failed", *status, Some(error.as_str()), None),
            Outcome::Skipped { reason } => ("skipped", None, Some(reason.as_str()), None),
        };
        Columns {
            status,
            code,
            error,
            next,
        }
    }
}

/// Records how the attempts at a batch of rows went, in one statement, in
/// the transaction that took them.
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
        let Columns {
            status,
            code,
            error,
            next,
        } = Columns::of(queue, o);
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
             attempts = t.attempts + 1, last_attempt_at = now(),
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
