//! Webhooks and their deliveries. The events are the comment events of
//! the audit log (written in the transaction of each change); the worker
//! that holds the sender lock reads those after its cursor, and records a
//! delivery row once its first attempt is made (with a next attempt when
//! it failed). Retries are taken from those rows.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A webhook as admins see it (never its secret).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    /// Only this site's comments; `null`: every site.
    pub site: Option<String>,
    /// Personal fields sent with each comment (`email`, `ip`,
    /// `user_agent`).
    pub include: Vec<String>,
    pub active: bool,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, url, events, site_id as site,
    array_remove(array[case when include_email then 'email' end,
                       case when include_ip then 'ip' end,
                       case when include_user_agent then 'user_agent' end], null) as include,
    active, created_at, updated_at";

/// What a new or changed webhook holds.
#[derive(Debug, Clone)]
pub struct WebhookFields<'a> {
    pub url: &'a str,
    pub events: &'a [String],
    pub site: Option<&'a str>,
    pub include: crate::domain::webhook::Include,
    pub active: bool,
}

pub async fn create(
    conn: &mut PgConnection,
    f: &WebhookFields<'_>,
    secret: &str,
    by: i64,
) -> Result<Webhook, sqlx::Error> {
    let sql = format!(
        "insert into webhooks (url, events, site_id, include_email, include_ip,
                               include_user_agent, active, secret, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(f.url)
        .bind(f.events)
        .bind(f.site)
        .bind(f.include.email)
        .bind(f.include.ip)
        .bind(f.include.user_agent)
        .bind(f.active)
        .bind(secret)
        .bind(by)
        .fetch_one(conn)
        .await
}

/// Replaces a webhook's fields (and its secret, when given).
pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    f: &WebhookFields<'_>,
    secret: Option<&str>,
) -> Result<Option<Webhook>, sqlx::Error> {
    let sql = format!(
        "update webhooks set url = $2, events = $3, site_id = $4, include_email = $5,
             include_ip = $6, include_user_agent = $7, active = $8,
             secret = coalesce($9, secret)
         where id = $1 returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(f.url)
        .bind(f.events)
        .bind(f.site)
        .bind(f.include.email)
        .bind(f.include.ip)
        .bind(f.include.user_agent)
        .bind(f.active)
        .bind(secret)
        .fetch_optional(conn)
        .await
}

pub async fn get(
    conn: &mut PgConnection,
    id: i64,
    lock: super::Lock,
) -> Result<Option<Webhook>, sqlx::Error> {
    let sql = match lock {
        super::Lock::None => format!("select {COLUMNS} from webhooks where id = $1"),
        super::Lock::Row => format!("select {COLUMNS} from webhooks where id = $1 for update"),
    };
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Every webhook, oldest first (an instance has a handful).
pub async fn list(conn: &mut PgConnection) -> Result<Vec<Webhook>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from webhooks order by id limit 1000");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
}

/// Deletes a webhook and its deliveries (no foreign key does it: see
/// the migration); `false` when there was none.
pub async fn delete(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    let gone = sqlx::query("delete from webhooks where id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if gone {
        sqlx::query("delete from webhook_deliveries where webhook_id = $1")
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(gone)
}

/// One delivery as admins see it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The `webhook-id` header receivers saw (`msg_` + the audit event's
    /// id).
    pub message_id: String,
    pub event: String,
    pub comment_id: i64,
    /// `pending` (waiting for its next attempt), `delivered`, `failed`
    /// (retried for a day without a 2xx).
    pub status: String,
    pub attempts: i32,
    /// The receiver's last HTTP status, if it answered.
    pub response_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// While pending: when the next attempt is due.
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, 'msg_' || audit_event_id as message_id, event,
    comment_id, status, attempts, response_status, last_error, created_at, last_attempt_at,
    case when status = 'pending' then next_attempt_at end as next_attempt_at,
    sent_at as delivered_at";

/// A webhook's latest deliveries, newest first.
pub async fn deliveries(
    conn: &mut PgConnection,
    webhook_id: i64,
    limit: i64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    let sql = format!(
        "select {DELIVERY_COLUMNS} from webhook_deliveries where webhook_id = $1
         order by id desc limit $2"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Sends a delivery again: pending, due now, retried for another day.
/// `None` when the webhook has no such delivery.
pub async fn redeliver(
    conn: &mut PgConnection,
    webhook_id: i64,
    id: i64,
) -> Result<Option<Delivery>, sqlx::Error> {
    let sql = format!(
        "update webhook_deliveries set status = 'pending', next_attempt_at = now(),
             retry_until = now() + interval '24 hours', sent_at = null
         where id = $1 and webhook_id = $2 returning {DELIVERY_COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(webhook_id)
        .fetch_optional(conn)
        .await
}

/// The lock that keeps one worker (of any instance) sending webhooks at a
/// time: it reads the audit log after the cursor and takes due retries
/// without row locks (`db::outbox::take_sql`).
const SENDER_LOCK: i64 = 0x6d61_6a6c_6973_0003;

/// Takes the sender lock for the current transaction; `false` when another
/// instance's worker holds it.
pub async fn try_sender_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    super::try_xact_lock(conn, SENDER_LOCK).await
}

/// A delivery to make now: a new event's first attempt (`id` `None`: its
/// row is written once the attempt is made) or a due retry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: Option<i64>,
    pub webhook_id: i64,
    pub audit_event_id: i64,
    pub event: String,
    pub comment_id: i64,
    pub site_id: String,
    /// The number of the attempt about to be made.
    pub attempts: i32,
    pub retry_until: DateTime<Utc>,
    pub url: String,
    pub secret: String,
    pub include_email: bool,
    pub include_ip: bool,
    pub include_user_agent: bool,
    pub active: bool,
    /// The event's time and the statuses it moved between.
    pub at: DateTime<Utc>,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    /// Seconds since it fell due.
    pub waited: f64,
}

/// Takes at most `limit` due retries (`db::outbox::take_sql`, unlocked:
/// the caller holds the sender lock), with what sending them needs.
pub async fn due_retries(conn: &mut PgConnection, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    let sql = super::outbox::take_sql(
        super::outbox::Queue::Webhooks,
        "select d.id, d.webhook_id, d.audit_event_id, d.event, d.comment_id, d.site_id,
                d.attempt as attempts, d.retry_until, w.url, w.secret, w.include_email, w.include_ip,
                w.include_user_agent, w.active, e.at, e.old_status, e.new_status, d.waited
         from taken d
         join webhooks w on w.id = d.webhook_id
         join audit_events e on e.id = d.audit_event_id
         order by d.id",
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// An active webhook, with what sending to it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Hook {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub site_id: Option<String>,
    pub include_email: bool,
    pub include_ip: bool,
    pub include_user_agent: bool,
    pub created_at: DateTime<Utc>,
}

/// Every active webhook (an installation has a handful).
pub async fn active(conn: &mut PgConnection) -> Result<Vec<Hook>, sqlx::Error> {
    sqlx::query_as(
        "select id, url, secret, events, site_id, include_email, include_ip,
                include_user_agent, created_at
         from webhooks where active order by id limit 1000",
    )
    .fetch_all(conn)
    .await
}

/// A comment event of the audit log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogEvent {
    pub id: i64,
    /// The transaction that wrote it (an `xid8`, as text).
    pub xact: String,
    pub at: DateTime<Utc>,
    pub action: String,
    pub comment_id: i64,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
}

/// The next (at most `limit`) comment events after the cursor, in the
/// order of their transactions, from transactions that have all ended
/// (below the oldest one still running: none can appear behind the
/// cursor later). The migration `20261217090000_webhook_log.sql` says
/// why.
pub async fn log_events(conn: &mut PgConnection, limit: i64) -> Result<Vec<LogEvent>, sqlx::Error> {
    sqlx::query_as(
        "select e.id, e.xact::text as xact, e.at, e.action, e.comment_id, e.old_status,
                e.new_status
         from webhook_log_cursor k
         cross join lateral (
             select a.id, a.xact, a.at, a.action, a.comment_id, a.old_status, a.new_status
             from audit_events a
             where a.xact is not null and a.comment_id is not null
               and (a.xact, a.id) > (k.xact, k.event_id)
               and a.xact < (select pg_snapshot_xmin(pg_current_snapshot()))
             order by a.xact, a.id
             limit $1
         ) e
         order by e.xact, e.id",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Moves the cursor past `event` (consumed).
pub async fn advance_log(conn: &mut PgConnection, event: &LogEvent) -> Result<(), sqlx::Error> {
    sqlx::query("update webhook_log_cursor set xact = $1::text::xid8, event_id = $2")
        .bind(&event.xact)
        .bind(event.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the cursor past every event of the transactions that have ended
/// (with no active webhook, nothing is sent for them). Writes only when
/// the cursor moves.
pub async fn skip_log(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update webhook_log_cursor k set xact = h.xmin, event_id = 0
         from (select pg_snapshot_xmin(pg_current_snapshot()) as xmin) h
         where (k.xact, k.event_id) < (h.xmin, 0::bigint)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records new deliveries in one statement: first attempts with their
/// outcome (`Some`), and deliveries not attempted yet (`None`: pending,
/// due now, taken with the retries); none for a webhook deleted
/// meanwhile.
pub async fn insert_deliveries(
    conn: &mut PgConnection,
    rows: &[(&Due, Option<&crate::domain::outbox::Outcome>)],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let mut hooks = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut comments = Vec::with_capacity(n);
    let mut sites = Vec::with_capacity(n);
    let mut until = Vec::with_capacity(n);
    let mut attempted = Vec::with_capacity(n);
    let mut statuses = Vec::with_capacity(n);
    let mut codes = Vec::with_capacity(n);
    let mut errors = Vec::with_capacity(n);
    let mut nexts = Vec::with_capacity(n);
    for (d, o) in rows {
        let c = o.map(|o| super::outbox::Columns::of(super::outbox::Queue::Webhooks, o));
        hooks.push(d.webhook_id);
        events.push(d.audit_event_id);
        kinds.push(d.event.as_str());
        comments.push(d.comment_id);
        sites.push(d.site_id.as_str());
        until.push(d.retry_until);
        attempted.push(c.is_some());
        statuses.push(c.as_ref().map_or("pending", |c| c.status));
        codes.push(c.as_ref().and_then(|c| c.code));
        errors.push(c.as_ref().and_then(|c| c.error));
        nexts.push(c.as_ref().and_then(|c| c.next));
    }
    sqlx::query(
        "insert into webhook_deliveries (webhook_id, audit_event_id, event, comment_id, site_id,
             retry_until, status, response_status, last_error, next_attempt_at, attempts,
             last_attempt_at, sent_at)
         select o.hook, o.event_id, o.kind, o.comment_id, o.site, o.until, o.status, o.code,
                o.error, coalesce(o.next, now()), case when o.attempted then 1 else 0 end,
                case when o.attempted then now() end,
                case when o.status = 'delivered' then now() end
         from unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
                     $6::timestamptz[], $7::bool[], $8::text[], $9::int4[], $10::text[],
                     $11::timestamptz[])
              as o(hook, event_id, kind, comment_id, site, until, attempted, status, code,
                   error, next)
         where exists (select 1 from webhooks w where w.id = o.hook)",
    )
    .bind(&hooks)
    .bind(&events)
    .bind(&kinds)
    .bind(&comments)
    .bind(&sites)
    .bind(&until)
    .bind(&attempted)
    .bind(&statuses)
    .bind(&codes)
    .bind(&errors)
    .bind(&nexts)
    .execute(conn)
    .await?;
    Ok(())
}
