//! Webhooks and their deliveries (the outbox). Deliveries are queued by
//! the `audit_events` trigger of the migration, in the transaction of the
//! change; workers take due ones with `for update skip locked` and a
//! lease.

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

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Option<Webhook>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from webhooks where id = $1");
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

/// Deletes a webhook and its deliveries; `false` when there was none.
pub async fn delete(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("delete from webhooks where id = $1")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
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
    case when status = 'pending' then next_attempt_at end as next_attempt_at, delivered_at";

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
             retry_until = now() + interval '24 hours', delivered_at = null
         where id = $1 and webhook_id = $2 returning {DELIVERY_COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(webhook_id)
        .fetch_optional(conn)
        .await
}

/// A delivery a worker took, with what sending it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: i64,
    pub audit_event_id: i64,
    pub event: String,
    pub comment_id: i64,
    pub site_id: String,
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
}

/// Takes at most `limit` due deliveries for this worker: each gets one
/// more attempt and a lease (its next attempt a minute ahead), so no
/// other worker takes it while this one sends it. Deliveries other
/// workers hold are skipped, not waited for.
pub async fn claim(conn: &mut PgConnection, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "with due as (
             select id from webhook_deliveries
             where status = 'pending' and next_attempt_at <= now()
             order by next_attempt_at
             limit $1
             for update skip locked
         ), taken as (
             update webhook_deliveries d
             set attempts = d.attempts + 1, next_attempt_at = now() + interval '60 seconds',
                 last_attempt_at = now()
             from due where d.id = due.id
             returning d.*
         )
         select t.id, t.webhook_id, t.audit_event_id, t.event, t.comment_id, t.site_id,
                t.attempts, t.retry_until, w.url, w.secret, w.include_email, w.include_ip,
                w.include_user_agent, w.active, e.at, e.old_status, e.new_status
         from taken t
         join webhooks w on w.id = t.webhook_id
         join audit_events e on e.id = t.audit_event_id
         order by t.id",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered {
        status: i32,
    },
    /// Try again at `next`; `status` when the receiver answered.
    Retry {
        status: Option<i32>,
        error: String,
        next: DateTime<Utc>,
    },
    /// Given up (a day of retries, or the webhook was turned off).
    Failed {
        status: Option<i32>,
        error: String,
    },
}

pub async fn record(conn: &mut PgConnection, id: i64, o: &Outcome) -> Result<(), sqlx::Error> {
    let (status, code, error, next): (&str, Option<i32>, Option<&str>, Option<DateTime<Utc>>) =
        match o {
            Outcome::Delivered { status } => ("delivered", Some(*status), None, None),
            Outcome::Retry {
                status,
                error,
                next,
            } => ("pending", *status, Some(error.as_str()), Some(*next)),
            Outcome::Failed { status, error } => ("failed", *status, Some(error.as_str()), None),
        };
    sqlx::query(
        "update webhook_deliveries
         set status = $2, response_status = $3, last_error = $4,
             next_attempt_at = coalesce($5, next_attempt_at),
             delivered_at = case when $2 = 'delivered' then now() end
         where id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(code)
    .bind(error)
    .bind(next)
    .execute(conn)
    .await?;
    Ok(())
}

/// Seconds the oldest due delivery has waited past its due time (0 when
/// none is due): the outbox's lag.
pub async fn lag_seconds(conn: &mut PgConnection) -> Result<f64, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(extract(epoch from now() - min(next_attempt_at))::float8, 0)
         from webhook_deliveries where status = 'pending' and next_attempt_at <= now()",
    )
    .fetch_one(conn)
    .await
}
