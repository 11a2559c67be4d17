//! The audit log: append-only rows, built by named constructors.

use crate::domain::CommentStatus;
use sqlx::PgConnection;

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
