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
