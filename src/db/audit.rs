//! The audit log: append-only rows, built by named constructors.

use crate::domain::cursor::LogCursor;
use crate::domain::decision::ReasonCategory;
use crate::domain::ids::{Actor, CommentId, ModeratorId};
use crate::domain::timestamps;
use crate::domain::{CommentStatus, Role};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// One event to append. `details` must never hold emails, IPs or tokens.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub actor: &'static str,
    pub moderator_id: Option<i64>,
    pub action: &'static str,
    pub comment_id: Option<i64>,
    pub old_status: Option<CommentStatus>,
    pub new_status: Option<CommentStatus>,
    pub reason: Option<String>,
    /// Why a decision removes or holds a comment.
    pub category: Option<ReasonCategory>,
    pub details: serde_json::Value,
}

impl NewAuditEvent {
    /// The workflow's verdict on a new comment.
    pub fn submitted(comment_id: i64, status: CommentStatus, score: f64) -> Self {
        NewAuditEvent {
            actor: "system",
            moderator_id: None,
            action: "comment.submitted",
            comment_id: Some(comment_id),
            old_status: None,
            new_status: Some(status),
            reason: None,
            category: None,
            details: serde_json::json!({ "spam_score": score }),
        }
    }

    /// An event of majlis itself (a scheduled job), about no one comment.
    pub fn system(action: &'static str, details: serde_json::Value) -> Self {
        NewAuditEvent {
            actor: "system",
            moderator_id: None,
            action,
            comment_id: None,
            old_status: None,
            new_status: None,
            reason: None,
            category: None,
            details,
        }
    }

    /// The commenter edited their comment with its edit token; the text was
    /// judged again (`old` to `new` status, the new score).
    pub fn author_edited(
        comment: CommentId,
        old: CommentStatus,
        new: CommentStatus,
        score: f64,
        version: i32,
    ) -> Self {
        NewAuditEvent {
            actor: "author",
            moderator_id: None,
            action: "comment.edited",
            comment_id: Some(comment.0),
            old_status: Some(old),
            new_status: Some(new),
            reason: None,
            category: None,
            details: serde_json::json!({ "spam_score": score, "version": version }),
        }
    }

    /// The commenter withdrew their comment with its edit token.
    pub fn withdrawn(comment: CommentId, old: CommentStatus) -> Self {
        NewAuditEvent {
            actor: "author",
            moderator_id: None,
            action: "comment.withdrawn",
            comment_id: Some(comment.0),
            old_status: Some(old),
            new_status: Some(CommentStatus::Rejected),
            reason: None,
            category: None,
            details: serde_json::json!({}),
        }
    }

    /// A moderator's action that concerns no comment (logins, settings, accounts).
    pub fn by_moderator(actor: Actor, action: &'static str, details: serde_json::Value) -> Self {
        NewAuditEvent {
            actor: "moderator",
            moderator_id: Some(actor.0),
            ..Self::system(action, details)
        }
    }
}

/// Why a login failed, as the log records it (never the email typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    UnknownAccount,
    WrongPassword,
    Disabled,
}

impl LoginFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginFailure::UnknownAccount => "unknown_account",
            LoginFailure::WrongPassword => "wrong_password",
            LoginFailure::Disabled => "disabled",
        }
    }
}

impl NewAuditEvent {
    fn moderator_comment(
        actor: Actor,
        action: &'static str,
        comment: CommentId,
        old: CommentStatus,
        new: CommentStatus,
        reason: Option<&str>,
        details: serde_json::Value,
    ) -> Self {
        NewAuditEvent {
            actor: "moderator",
            moderator_id: Some(actor.0),
            action,
            comment_id: Some(comment.0),
            old_status: Some(old),
            new_status: Some(new),
            reason: reason.map(str::to_owned),
            category: None,
            details,
        }
    }

    /// A moderator moved a comment from one status to another.
    pub fn status_changed(
        actor: Actor,
        comment: CommentId,
        old: CommentStatus,
        new: CommentStatus,
        reason: Option<&str>,
    ) -> Self {
        Self::moderator_comment(
            actor,
            "comment.status_changed",
            comment,
            old,
            new,
            reason,
            json!({}),
        )
    }

    /// A moderator edited a comment's body (its status is unchanged by the
    /// edit itself: old and new are the status it had).
    pub fn edited(
        actor: Actor,
        comment: CommentId,
        status: CommentStatus,
        reason: Option<&str>,
        version: i32,
    ) -> Self {
        Self::moderator_comment(
            actor,
            "comment.edited",
            comment,
            status,
            status,
            reason,
            json!({ "version": version }),
        )
    }

    /// A moderator's decision (`status`) resolved a comment's open reader
    /// reports.
    pub fn reports_resolved(
        actor: Actor,
        comment: CommentId,
        status: CommentStatus,
        resolved: i64,
        reason: Option<&str>,
    ) -> Self {
        Self::moderator_comment(
            actor,
            "comment.reports_resolved",
            comment,
            status,
            status,
            reason,
            json!({ "reports": resolved }),
        )
    }

    /// A moderator asked for the status a comment already has, which
    /// taught the learner (the comment itself did not change).
    pub fn confirmed(
        actor: Actor,
        comment: CommentId,
        status: CommentStatus,
        reason: Option<&str>,
    ) -> Self {
        let trained_as = match status {
            CommentStatus::Spam => Some("spam"),
            CommentStatus::Approved => Some("ham"),
            CommentStatus::Pending | CommentStatus::Rejected => None,
        };
        Self::moderator_comment(
            actor,
            "comment.confirmed",
            comment,
            status,
            status,
            reason,
            json!({ "trained_as": trained_as }),
        )
    }

    /// An admin emptied the site's own learner (the shipped prior stays);
    /// `details` says how much it had learnt.
    pub fn learner_reset(admin: Actor, spam: i64, ham: i64, features: i64) -> Self {
        Self::by_moderator(
            admin,
            "learner.reset",
            json!({ "spam": spam, "ham": ham, "features": features }),
        )
    }

    pub fn login_succeeded(account: Actor) -> Self {
        Self::by_moderator(account, "auth.login", json!({}))
    }

    /// A failed login: the account when the email named one, never the
    /// email itself.
    pub fn login_failed(moderator_id: Option<i64>, why: LoginFailure) -> Self {
        NewAuditEvent {
            actor: "moderator",
            moderator_id,
            ..Self::system("auth.login_failed", json!({ "failure": why.as_str() }))
        }
    }

    pub fn logout(account: Actor) -> Self {
        Self::by_moderator(account, "auth.logout", json!({}))
    }

    /// An account was created, by an admin or (`by` is `None`) from the
    /// command line.
    pub fn moderator_created(by: Option<Actor>, created: ModeratorId, role: Role) -> Self {
        let details = json!({ "target_moderator_id": created.0, "role": role.as_str() });
        match by {
            Some(admin) => Self::by_moderator(admin, "moderator.created", details),
            None => NewAuditEvent {
                reason: Some("command line".to_owned()),
                ..Self::system("moderator.created", details)
            },
        }
    }

    /// An admin changed an account; `details` says what (never the password).
    pub fn moderator_updated(
        admin: Actor,
        target: ModeratorId,
        changes: serde_json::Value,
    ) -> Self {
        let mut details = json!({ "target_moderator_id": target.0 });
        if let (Some(d), serde_json::Value::Object(c)) = (details.as_object_mut(), changes) {
            d.extend(c);
        }
        Self::by_moderator(admin, "moderator.updated", details)
    }

    /// An admin opened or closed an article or overrode its approval mode.
    pub fn article_registered(admin: Actor, site: &str, article_id: &str, closed: bool) -> Self {
        Self::by_moderator(
            admin,
            "article.registered",
            json!({ "site": site, "article_id": article_id, "closed": closed }),
        )
    }

    pub fn article_updated(
        admin: Actor,
        site: &str,
        article_id: &str,
        closed: bool,
        approval_mode: Option<&str>,
    ) -> Self {
        Self::by_moderator(
            admin,
            "article.updated",
            json!({
                "site": site,
                "article_id": article_id,
                "closed": closed,
                "approval_mode": approval_mode,
            }),
        )
    }
}

/// One event of the audit log, as moderators read it and as a privacy
/// export lists the events about a person's comments.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = AuditEvent)]
pub struct AuditRow {
    pub id: i64,
    #[serde(serialize_with = "timestamps::millis")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub moderator_id: Option<i64>,
    /// The account's display name; `null` in a privacy export (the staff's
    /// names are not the commenter's data).
    pub moderator_name: Option<String>,
    /// `comment.submitted`, `comment.status_changed`, `comment.edited`,
    /// `auth.login`, `auth.login_failed`, `auth.logout`, `moderator.created`,
    /// `moderator.updated`, `article.updated`, `settings.changed`,
    /// `privacy.exported`, `privacy.erased`, `export.started`,
    /// `export.finished`, ...
    pub action: String,
    pub comment_id: Option<i64>,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub reason: Option<String>,
    /// Why a decision removed or held the comment (`spam`, `abuse`,
    /// `hate`, `off_topic`, `misinformation`, `personal_data`, `legal`,
    /// `other`); `null` otherwise.
    pub reason_category: Option<String>,
    /// Free-form JSON specific to the action.
    #[sqlx(json)]
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

const ROW_SELECT: &str =
    "select e.id, e.at, e.actor, e.moderator_id, m.display_name as moderator_name,
        e.action, e.comment_id, e.old_status, e.new_status, e.reason, e.reason_category, e.details
     from audit_events e left join moderators m on m.id = e.moderator_id";

/// Which events of the log to list; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub comment_id: Option<CommentId>,
    pub moderator_id: Option<ModeratorId>,
    /// Only events of this action (`comment.confirmed`, ...).
    pub action: Option<String>,
    /// Events before this one (exclusive): the previous page's end.
    pub before: Option<LogCursor>,
    /// Only events about comments of these sites (an account limited to
    /// sites; `None`: every event).
    pub sites: Option<Vec<String>>,
}

/// One page of the log, newest first.
/// The SQL names only the filters that are set (as the moderation queue
/// does), so each combination has its own plan and every filter can be an
/// index condition (sessions plan statements once: `db::with_session_settings`).
pub async fn list(
    conn: &mut PgConnection,
    filter: &LogFilter,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!("{ROW_SELECT} where true"));
    if let Some(CommentId(c)) = filter.comment_id {
        qb.push(" and e.comment_id = ").push_bind(c);
    }
    if let Some(ModeratorId(m)) = filter.moderator_id {
        qb.push(" and e.moderator_id = ").push_bind(m);
    }
    if let Some(LogCursor(b)) = filter.before {
        qb.push(" and e.id < ").push_bind(b);
    }
    if let Some(a) = &filter.action {
        qb.push(" and e.action = ").push_bind(a.clone());
    }
    if let Some(sites) = &filter.sites {
        // A purged comment's events name its tombstone.
        qb.push(
            " and e.comment_id is not null and coalesce(
                (select c.site_id from comments c where c.id = e.comment_id),
                (select t.site_id from comment_tombstones t where t.id = e.comment_id)) = any(",
        )
        .push_bind(sites.clone())
        .push(")");
    }
    qb.push(" order by e.id desc limit ").push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

/// A comment's history, oldest first (bounded).
pub async fn history(
    conn: &mut PgConnection,
    CommentId(comment_id): CommentId,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let sql = format!("{ROW_SELECT} where e.comment_id = $1 order by e.id limit 500");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(comment_id)
        .fetch_all(conn)
        .await
}

pub async fn insert(conn: &mut PgConnection, e: &NewAuditEvent) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "insert into audit_events (actor, moderator_id, action, comment_id, old_status, new_status, reason, details,
                                   reason_category)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
    )
    .bind(e.actor)
    .bind(e.moderator_id)
    .bind(e.action)
    .bind(e.comment_id)
    .bind(e.old_status.map(CommentStatus::as_str))
    .bind(e.new_status.map(CommentStatus::as_str))
    .bind(e.reason.as_deref())
    .bind(sqlx::types::Json(&e.details))
    .bind(e.category.map(ReasonCategory::as_str))
    .fetch_one(conn)
    .await
}

// Privacy requests and imports.
impl NewAuditEvent {
    fn by(moderator_id: Option<i64>) -> &'static str {
        if moderator_id.is_some() {
            "moderator"
        } else {
            "system"
        }
    }

    /// A commenter's personal data was erased. The email is recorded only
    /// as a keyed hash, so a repeated request can be recognized.
    pub fn person_erased(
        moderator_id: Option<i64>,
        email_hmac: &str,
        comments: u64,
        untrained: u64,
    ) -> Self {
        NewAuditEvent {
            actor: Self::by(moderator_id),
            moderator_id,
            action: "privacy.erased",
            comment_id: None,
            old_status: None,
            new_status: None,
            reason: moderator_id.is_none().then(|| "command line".to_owned()),
            category: None,
            details: serde_json::json!({
                "email_hmac": email_hmac,
                "comments": comments,
                "untrained": untrained,
            }),
        }
    }

    /// One comment of an erased commenter (its status is unchanged).
    pub fn comment_erased(
        moderator_id: Option<i64>,
        comment_id: i64,
        status: CommentStatus,
    ) -> Self {
        NewAuditEvent {
            actor: Self::by(moderator_id),
            moderator_id,
            action: "comment.erased",
            comment_id: Some(comment_id),
            old_status: Some(status),
            new_status: Some(status),
            reason: None,
            category: None,
            details: serde_json::json!({}),
        }
    }

    /// A WordPress export file was imported from the command line.
    pub fn wordpress_imported(source: &str, details: serde_json::Value) -> Self {
        let mut details = details;
        if let Some(d) = details.as_object_mut() {
            d.insert("source".to_owned(), source.into());
        }
        NewAuditEvent {
            actor: "system",
            moderator_id: None,
            action: "import.wordpress",
            comment_id: None,
            old_status: None,
            new_status: None,
            reason: Some("command line".to_owned()),
            category: None,
            details,
        }
    }

    /// An NDJSON export was restored from the command line.
    pub fn ndjson_imported(details: serde_json::Value) -> Self {
        NewAuditEvent {
            actor: "system",
            moderator_id: None,
            action: "import.ndjson",
            comment_id: None,
            old_status: None,
            new_status: None,
            reason: Some("command line".to_owned()),
            category: None,
            details,
        }
    }
}
