//! Mail: moderators' and readers' wishes, the digest's check, and what
//! the worker needs to write each mail (`mail_outbox`, queued by the
//! migration's trigger).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A moderator's mail settings.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Notifications {
    /// `off`, `each` (a mail per comment that enters the queue) or
    /// `digest` (what waits, every `digest_minutes`, when something new
    /// came in).
    #[schema(value_type = String, example = "each")]
    pub notify: String,
    pub digest_minutes: i32,
    /// `ar` or `en`.
    #[schema(value_type = String, example = "ar")]
    pub lang: String,
}

pub async fn notifications(
    conn: &mut PgConnection,
    moderator_id: i64,
) -> Result<Option<Notifications>, sqlx::Error> {
    sqlx::query_as(
        "select notify, digest_minutes, notify_lang as lang from moderators where id = $1",
    )
    .bind(moderator_id)
    .fetch_optional(conn)
    .await
}

pub async fn set_notifications(
    conn: &mut PgConnection,
    moderator_id: i64,
    n: &Notifications,
) -> Result<Option<Notifications>, sqlx::Error> {
    sqlx::query_as(
        "update moderators set notify = $2, digest_minutes = $3, notify_lang = $4,
             digest_sent_at = case when notify = $2 then digest_sent_at else now() end
         where id = $1
         returning notify, digest_minutes, notify_lang as lang",
    )
    .bind(moderator_id)
    .bind(&n.notify)
    .bind(n.digest_minutes)
    .bind(&n.lang)
    .fetch_optional(conn)
    .await
}

/// Stops a reader's mail: every comment with the email of comment `id`.
/// How many comments had asked.
pub async fn unsubscribe_reader(conn: &mut PgConnection, id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "update comments set notify_lang = null
         where notify_lang is not null and author_email <> ''
           and lower(author_email) = (select lower(author_email) from comments where id = $1)",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Stops a moderator's mail; `false` when there is no such account.
pub async fn unsubscribe_moderator(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("update moderators set notify = 'off' where id = $1")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Queues a digest for each moderator who asked for one, whose last
/// digest is `digest_minutes` old, and who has a comment that entered the
/// queue since (on a site they see). One instance does each moderator
/// (`skip locked`). How many were queued.
pub async fn queue_digests(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "with due as (
             select m.id from moderators m
             where m.notify = 'digest' and not m.disabled
               and coalesce(m.digest_sent_at, '-infinity'::timestamptz)
                   <= now() - make_interval(mins => m.digest_minutes)
               and exists (
                   select 1 from comments c
                   where c.status = 'pending'
                     and c.updated_at > coalesce(m.digest_sent_at, now() - make_interval(mins => m.digest_minutes))
                     and (m.sites is null or c.site_id = any (m.sites)))
             for update of m skip locked
         ), stamped as (
             update moderators m set digest_sent_at = now() from due where m.id = due.id
             returning m.id
         )
         insert into mail_outbox (kind, moderator_id) select 'digest', id from stamped",
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// A comment as a mail tells of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailComment {
    pub id: i64,
    pub author_name: String,
    pub author_email: String,
    pub body: String,
    pub article_id: String,
    pub site_id: String,
    pub status: String,
    pub notify_lang: Option<String>,
    pub article_title: Option<String>,
    pub article_url: Option<String>,
}

/// One mail a worker took, with its recipient's wishes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailJob {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub retry_until: DateTime<Utc>,
    pub comment_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub moderator_id: Option<i64>,
    pub moderator_email: Option<String>,
    pub moderator_notify: Option<String>,
    pub moderator_lang: Option<String>,
    pub moderator_disabled: Option<bool>,
    pub moderator_sites: Option<Vec<String>>,
    /// Seconds since it fell due.
    pub waited: f64,
}

/// The lock that keeps one worker (of any instance) sending mail at a
/// time; it takes due mails without row locks (`db::outbox::take_sql`).
const SENDER_LOCK: i64 = 0x6d61_6a6c_6973_0004;

/// Takes the mail sender lock for the current transaction; `false` when
/// another instance's worker holds it.
pub async fn try_sender_lock(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    super::try_xact_lock(conn, SENDER_LOCK).await
}

/// At most `limit` due mails (the caller holds the sender lock);
/// `attempts` is the number of the attempt about to be made.
pub async fn due(conn: &mut PgConnection, limit: i64) -> Result<Vec<MailJob>, sqlx::Error> {
    let sql = super::outbox::take_sql(
        super::outbox::Queue::Mail,
        "select o.id, o.kind, o.attempt as attempts, o.retry_until, o.comment_id, o.parent_id,
                o.moderator_id, m.email as moderator_email, m.notify as moderator_notify,
                m.notify_lang as moderator_lang, m.disabled as moderator_disabled,
                m.sites as moderator_sites, o.waited
         from taken o left join moderators m on m.id = o.moderator_id
         order by o.id",
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(conn)
        .await
}

const MAIL_COMMENT: &str = "select c.id, c.author_name, c.author_email, c.body, c.article_id,
    c.site_id, c.status, c.notify_lang, a.title as article_title, a.url as article_url
    from comments c left join articles a on a.site_id = c.site_id and a.id = c.article_id";

pub async fn comment(conn: &mut PgConnection, id: i64) -> Result<Option<MailComment>, sqlx::Error> {
    let sql = format!("{MAIL_COMMENT} where c.id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// How many comments wait on the sites a moderator sees (`None`: all),
/// and the newest `limit` of them.
pub async fn waiting(
    conn: &mut PgConnection,
    sites: Option<&[String]>,
    limit: i64,
) -> Result<(i64, Vec<MailComment>), sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from comments
         where status = 'pending' and ($1::text[] is null or site_id = any ($1))",
    )
    .bind(sites)
    .fetch_one(&mut *conn)
    .await?;
    let sql = format!(
        "{MAIL_COMMENT} where c.status = 'pending' and ($1::text[] is null or c.site_id = any ($1))
         order by c.created_at desc, c.id desc limit $2"
    );
    let newest = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(sites)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok((total, newest))
}
