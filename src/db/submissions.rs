//! A submission's two statements: [`context`] reads everything the
//! decision needs (no lock, no transaction), and [`store`] writes the
//! decision in one statement, which Postgres runs and commits atomically:
//! the flood counters' takes, the article (created on first sight, its
//! `comment_version` moved only when the public view changes), the comment
//! and its audit event. Nothing is locked between the two, so concurrent
//! submissions of one article or one author never wait on each other while
//! the spam engine decides; each row a submission writes is locked only
//! while its statement commits.
//!
//! What the guarantees rest on:
//! - duplicates: the unique index `comments_no_duplicate` (the read is
//!   only the fast, friendly path);
//! - flood limits: the counters' upsert re-checks the latest committed row
//!   under its row lock, and a refused take aborts the whole statement
//!   (`majlis_refuse_flood` raises `MJ429`), so nothing of a refused
//!   submission is stored and its other takes are undone;
//! - the cache validator: the article's row is updated in the statement
//!   that inserts an approved comment, through `on conflict`, which sees
//!   the latest committed row (an article created at the same moment by
//!   another submission is bumped, not missed).

use crate::db::articles::ArticleRow;
use crate::db::audit::NewAuditEvent;
use crate::db::comments::{COLUMNS, CommentRow, INSERT_COLUMNS, InsertComment, bind_insert};
use crate::db::rate_limits;
use crate::db::spam::mirror_row;
use crate::domain::CommentStatus;
use crate::domain::sanction::{Active, SanctionKind};
use crate::spam::learner::{ClassTotals, Evidence, Script, Totals};
use crate::spam::mirror::{Changes, Position};
use crate::spam::workflow::Standing;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;
use std::net::IpAddr;

/// How many of an author's (or an address's) latest comments the history
/// counts look at. The rules ask "has this email had a comment approved",
/// "was this address caught spamming": the latest few hundred answer that
/// as well as the whole history, and a shared address or a prolific
/// commenter costs a bounded index range, not a scan of years.
pub const HISTORY_LIMIT: i64 = crate::domain::limits::AUTHOR_HISTORY as i64;

/// The SQLSTATE `majlis_refuse_flood` raises (see the migration).
pub const FLOOD_REFUSED: &str = "MJ429";

/// The author's record and the text's history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmissionFacts {
    /// Among the email's latest [`HISTORY_LIMIT`] comments.
    pub spam_by_email: i64,
    pub rejected_by_email: i64,
    /// Among the address's latest [`HISTORY_LIMIT`] comments.
    pub spam_by_ip: i64,
    /// The same text by the same author on the same article, among the
    /// author's latest comments (the unique index catches the rest).
    pub duplicate: bool,
    /// Other authors who posted the same text anywhere in the last day
    /// (counted over its latest [`HISTORY_LIMIT`] copies).
    pub same_text_other_authors_24h: i64,
    /// The author's standing for the approval workflow
    /// (`spam::workflow::Standing`), among the email's latest comments.
    pub standing: Standing,
}

/// Everything a submission's decision reads, in one round trip.
#[derive(Debug, Clone)]
pub struct SubmissionContext {
    /// `None`: majlis has not seen the article yet.
    pub article: Option<ArticleRow>,
    /// The parent asked for is an approved comment of the article.
    pub parent_ok: bool,
    pub facts: SubmissionFacts,
    /// The class totals of the comment's script (the feature counts are
    /// read from the instance's copy, `spam::mirror`, after catching up).
    pub evidence: Evidence,
    /// What changed in the learner's store since the copy's position, as
    /// of this statement (`None` when the learner is off).
    pub learner_changes: Option<Changes>,
    /// The strongest active sanction on the author (their email, its
    /// domain, their address) on this site.
    pub sanction: Option<Active>,
}

#[derive(sqlx::FromRow)]
struct ContextRow {
    site_id: Option<String>,
    article_id: Option<String>,
    url: Option<String>,
    title: Option<String>,
    closed: Option<bool>,
    approval_mode: Option<String>,
    comment_version: Option<i64>,
    created_at: Option<DateTime<Utc>>,
    registered_at: Option<DateTime<Utc>>,
    parent_ok: bool,
    spam_by_email: i64,
    rejected_by_email: i64,
    duplicate: bool,
    spam_by_ip: i64,
    same_text_other_authors_24h: i64,
    approved_with_token: i64,
    recent_decided: i64,
    recent_removed: i64,
    nspam: i64,
    nham: i64,
    fspam: i64,
    fham: i64,
    generation: i64,
    snapshot: String,
    buckets: Vec<i32>,
    spam: Vec<i32>,
    ham: Vec<i32>,
    revs: Vec<i64>,
    sanction_id: Option<i64>,
    sanction_kind: Option<String>,
    sanction_ends: Option<DateTime<Utc>>,
}

/// What [`context`] looks up.
pub struct ContextQuery<'a> {
    pub site: &'a str,
    pub article_id: &'a str,
    pub parent_id: Option<i64>,
    pub email: &'a str,
    pub ip: Option<IpAddr>,
    pub fingerprint: &'a str,
    /// The script the comment's body is written in, and where this
    /// instance's copy of the learner's store stands (`None` until it is
    /// loaded); `None` when the learner is off.
    pub learner: Option<(Script, Option<&'a Position>)>,
    /// What a sanction on the author is found by: the email's keyed hash
    /// and the domains that cover it (`domain::sanction`).
    pub sanction_keys: &'a [String],
    /// The SHA-256 of the returning-commenter token the comment carries:
    /// only the author's approved comments with the same one count
    /// towards trust.
    pub commenter_key: Option<&'a [u8]>,
    /// How many days back the workflow's distrust looks (0: off).
    pub distrust_window_days: u32,
}

/// Reads the article, the parent, the author's and the text's history, the
/// learner's class totals and the learner's rows written since the
/// instance's copy was current, in one statement. Every lookup is an index
/// range with a bound: the email's and the address's latest
/// [`HISTORY_LIMIT`] comments, the text's copies of the last day, the
/// feature rows whose writer the copy's snapshot had not seen (usually
/// none: they are the decisions of the last moment).
pub async fn context(
    conn: &mut PgConnection,
    q: &ContextQuery<'_>,
) -> Result<SubmissionContext, sqlx::Error> {
    let (script, since) = match q.learner {
        Some((script, since)) => (script.id(), since.map(|p| p.snapshot.as_str())),
        None => (-1, None),
    };
    let row: ContextRow = sqlx::query_as(
        "with mine as (
            select site_id, article_id, status, body_fingerprint, created_at, commenter_key,
                   withdrawn_at
            from comments
            where lower(author_email) = lower($3)
            order by lower(author_email), created_at desc
            limit $7
         ), from_ip as (
            select status from comments
            where $4::inet is not null and ip = $4
            order by ip, created_at desc
            limit $7
         ), same_text as (
            select lower(author_email) as email from comments
            where body_fingerprint = $5 and created_at > now() - interval '1 day'
            order by body_fingerprint, created_at desc
            limit $7
         ), shards as (
            select coalesce(sum(nspam), 0)::bigint as nspam, coalesce(sum(nham), 0)::bigint as nham,
                   coalesce(sum(fspam), 0)::bigint as fspam, coalesce(sum(fham), 0)::bigint as fham
            from spam_corpus_shards where script = $8
         ), changed as (
            select coalesce(array_agg(bucket), '{}') as buckets,
                   coalesce(array_agg(spam), '{}') as spam,
                   coalesce(array_agg(ham), '{}') as ham,
                   coalesce(array_agg(rev), '{}') as revs
            from spam_features
            where $6::text is not null
              and written >= pg_snapshot_xmin($6::text::pg_snapshot)
              and not pg_visible_in_snapshot(written, $6::text::pg_snapshot)
         ), sanction as (
            select id, kind, expires_at from sanctions
            where revoked_at is null and (expires_at is null or expires_at > now())
              and (site_id is null or site_id = $9)
              and (match_key = any($10) or ($4::inet is not null and network >>= $4))
            order by case kind when 'suspend' then 0 when 'ban' then 1 else 2 end, id
            limit 1
         )
         select a.site_id, a.id as article_id, a.url, a.title, a.closed, a.approval_mode, a.comment_version,
                a.created_at, a.registered_at,
                ($2::bigint is not null and exists (
                    select 1 from comments p
                    where p.id = $2 and p.site_id = $9 and p.article_id = $1
                      and p.status = 'approved')) as parent_ok,
                (select count(*) from mine where status = 'spam') as spam_by_email,
                (select count(*) from mine where status = 'rejected') as rejected_by_email,
                (select count(*) from mine
                 where status = 'approved' and commenter_key = $11) as approved_with_token,
                (select count(*) from mine
                 where status in ('approved', 'rejected', 'spam') and withdrawn_at is null
                   and created_at > now() - make_interval(days => $12)) as recent_decided,
                (select count(*) from mine
                 where status in ('rejected', 'spam') and withdrawn_at is null
                   and created_at > now() - make_interval(days => $12)) as recent_removed,
                exists (select 1 from mine
                        where site_id = $9 and article_id = $1 and body_fingerprint = $5)
                    as duplicate,
                (select count(*) from from_ip where status = 'spam') as spam_by_ip,
                (select count(distinct email) from same_text where email <> lower($3))
                    as same_text_other_authors_24h,
                s.nspam, s.nham, s.fspam, s.fham,
                (select generation from spam_learner) as generation,
                pg_current_snapshot()::text as snapshot,
                f.buckets, f.spam, f.ham, f.revs,
                x.id as sanction_id, x.kind as sanction_kind, x.expires_at as sanction_ends
         from shards s cross join changed f
         left join sanction x on true
         left join articles a on a.site_id = $9 and a.id = $1",
    )
    .bind(q.article_id)
    .bind(q.parent_id)
    .bind(q.email)
    .bind(q.ip)
    .bind(q.fingerprint)
    .bind(since)
    .bind(HISTORY_LIMIT)
    .bind(script)
    .bind(q.site)
    .bind(q.sanction_keys)
    .bind(q.commenter_key)
    .bind(i32::try_from(q.distrust_window_days).unwrap_or(i32::MAX))
    .fetch_one(conn)
    .await?;
    Ok(row.into_context(q.learner.map(|(s, _)| s)))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ContextRow {
    fn into_context(self, script: Option<Script>) -> SubmissionContext {
        let article = match (
            self.site_id,
            self.article_id,
            self.comment_version,
            self.created_at,
        ) {
            (Some(site), Some(id), Some(comment_version), Some(created_at)) => Some(ArticleRow {
                site,
                id,
                url: self.url,
                title: self.title,
                closed: self.closed.unwrap_or(false),
                approval_mode: self.approval_mode,
                comment_version,
                created_at,
                registered_at: self.registered_at,
            }),
            _ => None,
        };
        let mut evidence = Evidence::default();
        let mut learner_changes = None;
        if let Some(script) = script {
            evidence.totals[script as usize] = Totals {
                spam: ClassTotals {
                    docs: self.nspam as f64,
                    features: self.fspam as f64,
                },
                ham: ClassTotals {
                    docs: self.nham as f64,
                    features: self.fham as f64,
                },
            };
            let rows = (self.buckets.iter().zip(&self.spam))
                .zip(self.ham.iter().zip(&self.revs))
                .filter_map(|((b, s), (h, r))| mirror_row(*b, *s, *h, *r))
                .collect();
            learner_changes = Some(Changes {
                generation: self.generation,
                snapshot: self.snapshot,
                rows,
            });
        }
        SubmissionContext {
            article,
            parent_ok: self.parent_ok,
            facts: SubmissionFacts {
                spam_by_email: self.spam_by_email,
                rejected_by_email: self.rejected_by_email,
                spam_by_ip: self.spam_by_ip,
                duplicate: self.duplicate,
                same_text_other_authors_24h: self.same_text_other_authors_24h,
                standing: Standing {
                    approved_with_token: count(self.approved_with_token),
                    recent_decided: count(self.recent_decided),
                    recent_removed: count(self.recent_removed),
                },
            },
            evidence,
            learner_changes,
            sanction: match (self.sanction_id, self.sanction_kind) {
                (Some(id), Some(kind)) => SanctionKind::try_from(kind).ok().map(|kind| Active {
                    id,
                    kind,
                    expires_at: self.sanction_ends,
                }),
                _ => None,
            },
        }
    }
}

/// What happens to the article row in [`store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleWrite<'a> {
    /// It exists and nothing public changes: not touched (not even locked).
    Keep,
    /// Create it if missing, fill a missing url or title of an article the
    /// site has not registered, and move its `comment_version` when the
    /// comment is approved.
    Upsert {
        url: Option<&'a str>,
        title: Option<&'a str>,
    },
}

impl<'a> ArticleWrite<'a> {
    /// The article row is written when it is new, when the comment changes
    /// the public view (it is approved), or when the submitter describes an
    /// article that still lacks a url or title; otherwise it is left alone.
    pub fn decide(
        article: Option<&ArticleRow>,
        status: CommentStatus,
        url: Option<&'a str>,
        title: Option<&'a str>,
    ) -> ArticleWrite<'a> {
        let fills = |a: &ArticleRow| {
            a.registered_at.is_none()
                && ((a.url.is_none() && url.is_some()) || (a.title.is_none() && title.is_some()))
        };
        match article {
            Some(a) if status != CommentStatus::Approved && !fills(a) => ArticleWrite::Keep,
            _ => ArticleWrite::Upsert { url, title },
        }
    }
}

/// The flood counters a submission takes, each at most `limit` per window.
#[derive(Debug, Clone)]
pub struct FloodTakes {
    pub keys: Vec<String>,
    pub limit: u32,
    pub window_secs: i64,
}

/// Why [`store`] stored nothing.
#[derive(Debug)]
pub enum StoreError {
    /// A flood counter is full: try again after this many seconds.
    Flooded {
        retry_after: u64,
    },
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(e)
    }
}

/// What a submission stores beside the comment's own columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreExtras<'a> {
    /// The hash of the edit token the 201 carries.
    pub edit_token_hash: Option<&'a [u8]>,
    /// The hash of the returning-commenter token.
    pub commenter_key: Option<&'a [u8]>,
    /// The workflow's reason category, when it held the comment.
    pub category: Option<crate::domain::decision::ReasonCategory>,
    /// The reader asked for mail, in this language.
    pub notify_lang: Option<&'a str>,
}

/// Stores a decided comment in one statement (see the module's comment):
/// takes the flood counters, writes the article as `article` says,
/// inserts the comment and its `comment.submitted` audit event. Returns
/// the stored row; nothing is stored when a counter is full or a
/// constraint refuses the comment (`comments_no_duplicate`, the parent's
/// foreign key).
pub async fn store(
    conn: &mut PgConnection,
    flood: &FloodTakes,
    article: ArticleWrite<'_>,
    c: &InsertComment<'_>,
    extra: &StoreExtras<'_>,
) -> Result<CommentRow, StoreError> {
    let StoreExtras {
        edit_token_hash,
        commenter_key,
        category,
        notify_lang,
    } = *extra;
    let article_cte = match article {
        ArticleWrite::Keep => "",
        // A new article takes its first version from the sequence (the
        // insert trigger); an existing one moves only for an approved
        // comment. `do update` always locks the row, which is why `Keep`
        // leaves it out altogether.
        ArticleWrite::Upsert { .. } => {
            ", article as (
                insert into articles as ar (site_id, id, url, title) values ($16, $1, $17, $18)
                on conflict (site_id, id) do update set
                    url = case when ar.registered_at is null
                               then coalesce(ar.url, excluded.url) else ar.url end,
                    title = case when ar.registered_at is null
                                 then coalesce(ar.title, excluded.title) else ar.title end,
                    comment_version = case when $10 = 'approved'
                                           then ar.comment_version + 1 else ar.comment_version end
            )"
        }
    };
    let (url, title) = match article {
        ArticleWrite::Keep => (None, None),
        ArticleWrite::Upsert { url, title } => (url, title),
    };
    let limit = rate_limits::db_limit(flood.limit);
    let sql = format!(
        "with taken as (
            {take}
            returning 1
         ), allowed as (
            select majlis_refuse_flood((select count(*) from taken) = cardinality($19::text[]))
         ){article_cte}, c as (
            insert into comments ({INSERT_COLUMNS}, edit_token_hash, commenter_key, notify_lang)
            select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $27, $28, $30
            from allowed
            returning {COLUMNS}
         ), audit as (
            insert into audit_events (actor, moderator_id, action, comment_id, new_status, reason, details,
                                      reason_category)
            select $22, $23, $24, c.id, c.status, $25, $26, $29 from c
         )
         select * from c",
        take = rate_limits::take_statement("$19::text[]", "$20", "$21"),
    );
    let event = NewAuditEvent::submitted(0, c.status, c.spam_score);
    let stored = bind_insert(sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql)), c)
        .bind(url)
        .bind(title)
        .bind(&flood.keys)
        .bind(flood.window_secs as f64)
        .bind(limit)
        .bind(event.actor)
        .bind(event.moderator_id)
        .bind(event.action)
        .bind(event.reason.as_deref())
        .bind(Json(&event.details))
        .bind(edit_token_hash)
        .bind(commenter_key)
        .bind(category.map(|c| c.as_str()))
        .bind(notify_lang)
        .fetch_one(&mut *conn)
        .await;
    match stored {
        Ok(row) => Ok(row),
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(FLOOD_REFUSED) => {
            Err(StoreError::Flooded {
                retry_after: rate_limits::longest_wait(conn, &flood.keys, flood.limit).await?,
            })
        }
        Err(e) => Err(StoreError::Db(e)),
    }
}
