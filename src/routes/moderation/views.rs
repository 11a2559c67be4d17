//! What moderators see: the private view of a comment (only ever behind a
//! token), audit events, accounts and articles.

use crate::db::articles::ArticleRow;
use crate::db::audit::AuditRow;
use crate::db::comments::CommentRow;
use crate::db::moderation::StatusCounts;
use crate::db::moderators::ModeratorRow;
use crate::domain::personal_data::{self, PersonalData};
use crate::domain::{CommentStatus, Role};
use crate::routes::views::rfc3339;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Everything public plus what moderators need to decide.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrivateComment {
    pub id: i64,
    pub article_id: String,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: Option<String>,
    pub avatar: Option<String>,
    pub body: String,
    pub body_html: String,
    pub status: CommentStatus,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub author_email: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    pub spam_score: f64,
    /// `[{rule, score, detail}]` as the spam engine recorded them.
    #[schema(value_type = Vec<crate::spam::facts::Reason>)]
    pub spam_reasons: serde_json::Value,
    pub version: i32,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
}

impl PrivateComment {
    pub fn from_row(row: CommentRow) -> Self {
        let reasons = match row.spam_reasons.0 {
            v @ serde_json::Value::Array(_) => v,
            _ => serde_json::Value::Array(Vec::new()),
        };
        PrivateComment {
            id: row.id,
            article_id: row.article_id,
            parent_id: row.parent_id,
            author_name: row.author_name,
            author_url: row.author_url,
            avatar: row.avatar,
            body: row.body,
            body_html: row.body_html,
            status: row.status.0,
            created_at: row.created_at,
            author_email: row.author_email,
            ip: row.ip.map(|ip| ip.to_string()),
            user_agent: row.user_agent,
            referrer: row.referrer,
            spam_score: row.spam_score,
            spam_reasons: reasons,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

impl PrivateComment {
    /// The view as `who` may see it: with personal data masked, the email
    /// and address keep a hint (`l***@example.com`, `192.0.2.x`) and the
    /// user agent is left out.
    pub fn visible_to(mut self, who: PersonalData) -> Self {
        if who.is_masked() {
            self.author_email = personal_data::mask_email(&self.author_email);
            self.ip = self
                .ip
                .as_deref()
                .and_then(|ip| ip.parse().ok())
                .map(personal_data::mask_ip);
            self.user_agent = None;
        }
        self
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub moderator_id: Option<i64>,
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
    /// Free-form JSON specific to the action.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl AuditEvent {
    pub fn from_row(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            at: r.at,
            actor: r.actor,
            moderator_id: r.moderator_id,
            moderator_name: r.moderator_name,
            action: r.action,
            comment_id: r.comment_id,
            old_status: r.old_status,
            new_status: r.new_status,
            reason: r.reason,
            details: r.details.0,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub pending: i64,
    pub approved: i64,
    pub spam: i64,
    pub rejected: i64,
}

impl From<StatusCounts> for Counts {
    fn from(c: StatusCounts) -> Self {
        Counts {
            pending: c.pending,
            approved: c.approved,
            spam: c.spam,
            rejected: c.rejected,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthorRecord {
    pub by_email: Counts,
    /// `null` when the comment has no IP (imported, or erased).
    pub by_ip: Option<Counts>,
}

/// One comment with its history and its author's record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentDetail {
    #[serde(flatten)]
    #[schema(inline)]
    pub comment: PrivateComment,
    pub history: Vec<AuditEvent>,
    pub author_record: AuthorRecord,
}

/// An account as the login answer shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModeratorSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

impl ModeratorSummary {
    pub fn from_row(r: &ModeratorRow) -> Self {
        ModeratorSummary {
            id: r.id,
            email: r.email.clone(),
            display_name: r.display_name.clone(),
            role: r.role.0,
        }
    }
}

/// An account as admins see it (never the password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModeratorView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
}

impl ModeratorView {
    pub fn from_row(r: ModeratorRow) -> Self {
        ModeratorView {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: r.role.0,
            disabled: r.disabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub closed: bool,
    /// `null`: the site-wide approval mode applies.
    #[schema(value_type = Option<crate::domain::ApprovalMode>)]
    pub approval_mode: Option<String>,
    pub comment_version: i64,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Registered by the site (`PUT /api/v1/admin/articles/{article_id}` or
    /// an import), not only seen in submissions.
    pub registered: bool,
}

impl ArticleView {
    pub fn from_row(r: ArticleRow) -> Self {
        ArticleView {
            id: r.id,
            url: r.url,
            title: r.title,
            closed: r.closed,
            approval_mode: r.approval_mode,
            comment_version: r.comment_version,
            created_at: r.created_at,
            registered: r.registered_at.is_some(),
        }
    }
}
