//! The moderation side of comments: the queue, counts, one comment under
//! lock, decisions and edits, and an author's record.

use crate::db::comments::{COLUMNS, CommentRow};
use crate::domain::cursor::RankedCursor;
use crate::domain::ids::CommentId;
use crate::domain::{CommentStatus, Cursor};
use ipnet::IpNet;
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// What the queue is filtered by; every filter is optional but `status`
/// (`None` means every status).
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<CommentStatus>,
    /// Only this site's comments.
    pub site: Option<String>,
    /// Only these sites' comments (the account's scope; `None`: any).
    pub sites: Option<Vec<String>>,
    pub article_id: Option<String>,
    /// Compared case-insensitively.
    pub email: Option<String>,
    /// An address (a /32 or /128) or a range.
    pub ip: Option<IpNet>,
    /// A substring of the body or the author's name.
    pub q: Option<String>,
    pub min_score: Option<f64>,
    /// The order of the page.
    pub order: QueueOrder,
    /// Only comments with open reader reports.
    pub reported: bool,
}

/// How the queue is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueOrder {
    #[default]
    Newest,
    /// The order comments arrived in.
    Oldest,
    /// Reports from the most distinct networks first (then newest); only
    /// reported comments.
    Reports,
}

/// Where a page starts: after this comment in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAfter {
    At(Cursor),
    Ranked(RankedCursor),
}

/// A queued comment with the distinct networks its open reports come
/// from (the reported order's key).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    #[sqlx(flatten)]
    pub row: CommentRow,
    pub open_networks: i32,
}

/// `%`, `_` and `\` typed by a moderator match themselves.
pub fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// One page of the queue, newest first (or oldest first), strictly after
/// `after` in that order.
///
/// The SQL names only the filters that are set (rather than the
/// `($1 is null or ..)` form): each combination gets its own prepared
/// statement and plan, so a generic plan never has to serve both "no
/// filter" and "by email" and the keyset condition stays an index bound.
pub async fn list_queue(
    conn: &mut PgConnection,
    f: &QueueFilter,
    after: Option<QueueAfter>,
    limit: i64,
) -> Result<Vec<Queued>, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "select {COLUMNS}, open_networks from comments where true"
    ));
    if f.reported || f.order == QueueOrder::Reports {
        qb.push(" and open_reports > 0");
    }
    if let Some(s) = f.status {
        qb.push(" and status = ").push_bind(s.as_str());
    }
    super::push_site_scope(&mut qb, f.site.as_ref(), f.sites.as_ref());
    if let Some(a) = &f.article_id {
        qb.push(" and article_id = ").push_bind(a.clone());
    }
    if let Some(e) = &f.email {
        qb.push(" and lower(author_email) = lower(")
            .push_bind(e.clone())
            .push(")");
    }
    if let Some(ip) = f.ip {
        qb.push(" and ip <<= ").push_bind(ip);
    }
    if let Some(q) = &f.q {
        super::push_text_search(&mut qb, ["body", "author_name"], q);
    }
    if let Some(m) = f.min_score {
        qb.push(" and spam_score >= ").push_bind(m);
    }
    let (after_op, direction) = if f.order == QueueOrder::Oldest {
        (">", "asc")
    } else {
        ("<", "desc")
    };
    match after {
        Some(QueueAfter::At(c)) => {
            qb.push(format_args!(" and (created_at, id) {after_op} ("))
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        Some(QueueAfter::Ranked(r)) => {
            qb.push(" and (open_networks, created_at, id) < (")
                .push_bind(r.reports)
                .push(", ")
                .push_bind(r.at.created_at)
                .push(", ")
                .push_bind(r.at.id)
                .push(")");
        }
        None => {}
    }
    if f.order == QueueOrder::Reports {
        qb.push(" order by open_networks desc, created_at desc, id desc limit ");
    } else {
        qb.push(format_args!(
            " order by created_at {direction}, id {direction} limit "
        ));
    }
    qb.push_bind(limit);
    if f.q.is_none() {
        return qb.build_query_as().fetch_all(conn).await;
    }
    // A text search's best plan depends on the words: a rare one wants
    // the trigram indexes, a common one the queue's order. Sessions plan
    // statements once (`db::with_session_settings`); this one is planned
    // for its values, in a transaction that says so.
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query("set local plan_cache_mode = auto")
        .execute(&mut *tx)
        .await?;
    let rows = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Where a comment sits: its article as the site described it, and the
/// comment it answers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContextRow {
    pub id: i64,
    pub article_title: Option<String>,
    pub article_url: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_author_name: Option<String>,
    pub parent_status: Option<String>,
    /// The parent's first characters.
    pub parent_excerpt: Option<String>,
}

/// How many characters of a parent comment a reply's context shows.
pub const PARENT_EXCERPT_CHARS: i32 = 200;

/// The context of each of `ids` (one query for a whole page: primary-key
/// lookups of the article and the parent).
pub async fn contexts(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<Vec<ContextRow>, sqlx::Error> {
    sqlx::query_as(
        "select c.id, a.title as article_title, a.url as article_url,
                p.id as parent_id, p.author_name as parent_author_name,
                p.status as parent_status, left(p.body, $2) as parent_excerpt
         from comments c
         left join articles a on a.site_id = c.site_id and a.id = c.article_id
         left join comments p on p.id = c.parent_id
         where c.id = any($1)",
    )
    .bind(ids)
    .bind(PARENT_EXCERPT_CHARS)
    .fetch_all(conn)
    .await
}

/// How many comments are in each status (every status present, 0 if
/// none), and how many have open reader reports (`reported`), of one site
/// or every site, within `sites` when given.
pub async fn counts(
    conn: &mut PgConnection,
    site: Option<&str>,
    sites: Option<&[String]>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select s.status, (select count(*) from comments c
                           where c.status = s.status
                             and ($1::text is null or c.site_id = $1)
                             and ($2::text[] is null or c.site_id = any($2)))
         from unnest(array['pending', 'approved', 'spam', 'rejected']) as s(status)
         union all
         select 'reported', (select count(*) from comments c
                             where c.open_reports > 0
                               and ($1::text is null or c.site_id = $1)
                               and ($2::text[] is null or c.site_id = any($2)))",
    )
    .bind(site)
    .bind(sites)
    .fetch_all(conn)
    .await
}

/// The comment; with [`super::Lock::Row`], locked until the transaction
/// ends: concurrent decisions on it queue up behind this one and then see
/// its new version. `no key`: inserting a reply to it (a key-share lock on
/// the parent) never waits on a decision, which would otherwise deadlock
/// with the submission's lock on the article.
pub async fn fetch(
    conn: &mut PgConnection,
    CommentId(id): CommentId,
    lock: super::Lock,
) -> Result<Option<CommentRow>, sqlx::Error> {
    let sql = match lock {
        super::Lock::None => format!("select {COLUMNS} from comments where id = $1"),
        super::Lock::Row => {
            format!("select {COLUMNS} from comments where id = $1 for no key update")
        }
    };
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The comments with these ids that exist, unlocked, in no order.
pub async fn fetch_many(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<Vec<CommentRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from comments where id = any($1)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(conn)
        .await
}

/// A new status and/or body (with its HTML and fingerprint); bumps the
/// version, and the article's `comment_version` when `public` (the change
/// is one the public reads: a pending comment sent to spam is not).
pub struct CommentUpdate<'a> {
    pub status: CommentStatus,
    pub body: Option<(&'a str, &'a str, &'a str)>,
    pub public: bool,
    /// A new spam score and reasons (an author's edit, judged again).
    pub judged: Option<(f64, &'a serde_json::Value)>,
}

pub async fn apply_update(
    conn: &mut PgConnection,
    id: i64,
    u: &CommentUpdate<'_>,
) -> Result<CommentRow, sqlx::Error> {
    let (body, html, fingerprint) = match u.body {
        Some((b, h, f)) => (Some(b), Some(h), Some(f)),
        None => (None, None, None),
    };
    let sql = format!(
        "with c as (
            update comments set
                status = $2,
                body = coalesce($3, body),
                body_html = coalesce($4, body_html),
                body_fingerprint = coalesce($5, body_fingerprint),
                spam_score = coalesce($7, spam_score),
                spam_reasons = coalesce($8, spam_reasons),
                version = version + 1
            where id = $1
            returning {COLUMNS}
         ), a as (
            update articles set comment_version = comment_version + 1
            where (site_id, id) = (select site_id, article_id from c) and $6
         )
         select * from c"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(u.status.as_str())
        .bind(body)
        .bind(html)
        .bind(fingerprint)
        .bind(u.public)
        .bind(u.judged.map(|(score, _)| score))
        .bind(u.judged.map(|(_, reasons)| sqlx::types::Json(reasons)))
        .fetch_one(conn)
        .await
}

/// Records a moderator's status decision on the comment: its category
/// (`None` for an approval) and free text, and when (the statement of
/// reasons its author may read, and the export).
pub async fn record_decision(
    conn: &mut PgConnection,
    id: i64,
    category: Option<crate::domain::decision::ReasonCategory>,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update comments set decision_category = $2, decision_reason = $3, decided_at = now()
         where id = $1",
    )
    .bind(id)
    .bind(category.map(|c| c.as_str()))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// An author's comments per status, by email and by IP.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StatusCounts {
    pub pending: i64,
    pub approved: i64,
    pub spam: i64,
    pub rejected: i64,
}

/// An author's record by email and by address, within `sites` when
/// given (an account limited to sites sees nothing of the others).
pub async fn author_counts(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<std::net::IpAddr>,
    sites: Option<&[String]>,
) -> Result<(StatusCounts, Option<StatusCounts>), sqlx::Error> {
    const SUMS: &str = "count(*) filter (where status = 'pending') as pending,
        count(*) filter (where status = 'approved') as approved,
        count(*) filter (where status = 'spam') as spam,
        count(*) filter (where status = 'rejected') as rejected";
    let by_email: StatusCounts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {SUMS} from comments
         where lower(author_email) = lower($1) and ($2::text[] is null or site_id = any($2))"
    )))
    .bind(email)
    .bind(sites)
    .fetch_one(&mut *conn)
    .await?;
    let by_ip = match ip {
        Some(ip) => Some(
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "select {SUMS} from comments
                 where ip = $1 and ($2::text[] is null or site_id = any($2))"
            )))
            .bind(ip)
            .bind(sites)
            .fetch_one(&mut *conn)
            .await?,
        ),
        None => None,
    };
    Ok((by_email, by_ip))
}
