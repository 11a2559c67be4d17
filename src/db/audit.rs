//! The audit log: append-only rows, built by named constructors.

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
            details: serde_json::json!({ "spam_score": score }),
        }
    }

    /// A moderator's action that concerns no comment (logins, settings, accounts).
    pub fn by_moderator(
        moderator_id: i64,
        action: &'static str,
        details: serde_json::Value,
    ) -> Self {
        NewAuditEvent {
            actor: "moderator",
            moderator_id: Some(moderator_id),
            action,
            comment_id: None,
            old_status: None,
            new_status: None,
            reason: None,
            details,
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
        moderator_id: i64,
        action: &'static str,
        comment_id: i64,
        old: CommentStatus,
        new: CommentStatus,
        reason: Option<&str>,
        details: serde_json::Value,
    ) -> Self {
        NewAuditEvent {
            actor: "moderator",
            moderator_id: Some(moderator_id),
            action,
            comment_id: Some(comment_id),
            old_status: Some(old),
            new_status: Some(new),
            reason: reason.map(str::to_owned),
            details,
        }
    }

    /// A moderator moved a comment from one status to another.
    pub fn status_changed(
        moderator_id: i64,
        comment_id: i64,
        old: CommentStatus,
        new: CommentStatus,
        reason: Option<&str>,
    ) -> Self {
        Self::moderator_comment(
            moderator_id,
            "comment.status_changed",
            comment_id,
            old,
            new,
            reason,
            json!({}),
        )
    }

    /// A moderator edited a comment's body (its status is unchanged by the
    /// edit itself: old and new are the status it had).
    pub fn edited(
        moderator_id: i64,
        comment_id: i64,
        status: CommentStatus,
        reason: Option<&str>,
        version: i32,
    ) -> Self {
        Self::moderator_comment(
            moderator_id,
            "comment.edited",
            comment_id,
            status,
            status,
            reason,
            json!({ "version": version }),
        )
    }

    /// A moderator asked for the status a comment already has, which
    /// taught the learner (the comment itself did not change).
    pub fn confirmed(
        moderator_id: i64,
        comment_id: i64,
        status: CommentStatus,
        reason: Option<&str>,
    ) -> Self {
        let trained_as = match status {
            CommentStatus::Spam => Some("spam"),
            CommentStatus::Approved => Some("ham"),
            CommentStatus::Pending | CommentStatus::Rejected => None,
        };
        Self::moderator_comment(
            moderator_id,
            "comment.confirmed",
            comment_id,
            status,
            status,
            reason,
            json!({ "trained_as": trained_as }),
        )
    }

    /// An admin emptied the site's own learner (the shipped prior stays);
    /// `details` says how much it had learnt.
    pub fn learner_reset(admin_id: i64, spam: i64, ham: i64, features: i64) -> Self {
        Self::by_moderator(
            admin_id,
            "learner.reset",
            json!({ "spam": spam, "ham": ham, "features": features }),
        )
    }

    pub fn login_succeeded(moderator_id: i64) -> Self {
        Self::by_moderator(moderator_id, "auth.login", json!({}))
    }

    /// A failed login: the account when the email named one, never the
    /// email itself.
    pub fn login_failed(moderator_id: Option<i64>, why: LoginFailure) -> Self {
        NewAuditEvent {
            actor: "moderator",
            moderator_id,
            action: "auth.login_failed",
            comment_id: None,
            old_status: None,
            new_status: None,
            reason: None,
            details: json!({ "failure": why.as_str() }),
        }
    }

    pub fn logout(moderator_id: i64) -> Self {
        Self::by_moderator(moderator_id, "auth.logout", json!({}))
    }

    /// An account was created, by an admin or (`by` is `None`) from the
    /// command line.
    pub fn moderator_created(by: Option<i64>, created_id: i64, role: Role) -> Self {
        let details = json!({ "target_moderator_id": created_id, "role": role.as_str() });
        match by {
            Some(admin) => Self::by_moderator(admin, "moderator.created", details),
            None => NewAuditEvent {
                actor: "system",
                moderator_id: None,
                action: "moderator.created",
                comment_id: None,
                old_status: None,
                new_status: None,
                reason: Some("command line".to_owned()),
                details,
            },
        }
    }

    /// An admin changed an account; `details` says what (never the password).
    pub fn moderator_updated(admin_id: i64, target_id: i64, changes: serde_json::Value) -> Self {
        let mut details = json!({ "target_moderator_id": target_id });
        if let (Some(d), serde_json::Value::Object(c)) = (details.as_object_mut(), changes) {
            d.extend(c);
        }
        Self::by_moderator(admin_id, "moderator.updated", details)
    }

    /// An admin opened or closed an article or overrode its approval mode.
    pub fn article_registered(admin_id: i64, article_id: &str, closed: bool) -> Self {
        Self::by_moderator(
            admin_id,
            "article.registered",
            json!({ "article_id": article_id, "closed": closed }),
        )
    }

    pub fn article_updated(
        admin_id: i64,
        article_id: &str,
        closed: bool,
        approval_mode: Option<&str>,
    ) -> Self {
        Self::by_moderator(
            admin_id,
            "article.updated",
            json!({ "article_id": article_id, "closed": closed, "approval_mode": approval_mode }),
        )
    }
}

/// An event as the log shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub moderator_id: Option<i64>,
    pub moderator_name: Option<String>,
    pub action: String,
    pub comment_id: Option<i64>,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub reason: Option<String>,
    pub details: sqlx::types::Json<serde_json::Value>,
}

const ROW_SELECT: &str =
    "select e.id, e.at, e.actor, e.moderator_id, m.display_name as moderator_name,
        e.action, e.comment_id, e.old_status, e.new_status, e.reason, e.details
     from audit_events e left join moderators m on m.id = e.moderator_id";

/// One page of the log, newest first, before event `before` (exclusive).
/// The SQL names only the filters that are set (as the moderation queue
/// does), so each combination has its own plan and every filter can be an
/// index condition (sessions plan statements once: `db::with_session_settings`).
pub async fn list(
    conn: &mut PgConnection,
    comment_id: Option<i64>,
    moderator_id: Option<i64>,
    action: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!("{ROW_SELECT} where true"));
    if let Some(c) = comment_id {
        qb.push(" and e.comment_id = ").push_bind(c);
    }
    if let Some(m) = moderator_id {
        qb.push(" and e.moderator_id = ").push_bind(m);
    }
    if let Some(b) = before {
        qb.push(" and e.id < ").push_bind(b);
    }
    if let Some(a) = action {
        qb.push(" and e.action = ").push_bind(a.to_owned());
    }
    qb.push(" order by e.id desc limit ").push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

/// A comment's history, oldest first (bounded).
pub async fn history(
    conn: &mut PgConnection,
    comment_id: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let sql = format!("{ROW_SELECT} where e.comment_id = $1 order by e.id limit 500");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(comment_id)
        .fetch_all(conn)
        .await
}

pub async fn insert(conn: &mut PgConnection, e: &NewAuditEvent) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "insert into audit_events (actor, moderator_id, action, comment_id, old_status, new_status, reason, details)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
    )
    .bind(e.actor)
    .bind(e.moderator_id)
    .bind(e.action)
    .bind(e.comment_id)
    .bind(e.old_status.map(CommentStatus::as_str))
    .bind(e.new_status.map(CommentStatus::as_str))
    .bind(e.reason.as_deref())
    .bind(sqlx::types::Json(&e.details))
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
            details,
        }
    }
}
