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
    /// Seconds since it fell due.
    pub waited: f64,
}

/// Takes at most `limit` due deliveries for this worker, locked until the
/// transaction ends (`db::outbox::take_sql`), with what sending them
/// needs; `attempts` is the number of the attempt about to be made.
pub async fn claim(conn: &mut PgConnection, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
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
