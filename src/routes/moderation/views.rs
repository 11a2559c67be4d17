//! What moderators see: the private view of a comment (only ever behind a
//! token), audit events, accounts and articles.

use crate::db::articles::ArticleRow;
pub use crate::db::audit::AuditRow as AuditEvent;
use crate::db::comments::CommentRow;
use crate::db::moderation::{ContextRow, StatusCounts};
use crate::db::moderators::ModeratorRow;
use crate::db::reports::ReportSummary;
use crate::domain::personal_data::{self, PersonalData};
use crate::domain::timestamps;
use crate::domain::{CommentStatus, Role, SiteId};
use crate::error::ApiError;
use crate::state::AppState;
use crate::usecases::privacy;
use crate::usecases::settings::Sites;
use crate::usecases::views::{AvatarPolicy, PublicComment};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Everything public plus what moderators need to decide: the public view
/// (with the comment's own status, and the avatar the public sees) and the
/// author's contact, network and spam details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrivateComment {
    #[serde(flatten)]
    #[schema(inline)]
    pub comment: PublicComment,
    pub author_email: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    pub spam_score: f64,
    /// `[{rule, score, detail}]` as the spam engine recorded them.
    #[schema(value_type = Vec<crate::spam::facts::Reason>)]
    pub spam_reasons: serde_json::Value,
    pub version: i32,
    #[serde(serialize_with = "timestamps::millis")]
    pub updated_at: DateTime<Utc>,
    /// The category of the latest moderator decision that removed or held
    /// it; `null` after an approval or without one.
    pub decision_category: Option<String>,
    /// That decision's free text.
    pub decision_reason: Option<String>,
    /// The author's appeal of a rejection: `{"at", "note"}`; `null`
    /// without one.
    pub appeal: Option<Appeal>,
}

/// An author's request for a review.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Appeal {
    #[serde(serialize_with = "timestamps::millis")]
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// How one account's answers show comments, from the current settings:
/// its personal-data view and each site's avatars.
pub struct Lens {
    who: PersonalData,
    sites: Arc<Sites>,
    secret: Arc<[u8]>,
}

impl Lens {
    pub async fn for_role(state: &AppState, role: Role) -> Result<Lens, ApiError> {
        Ok(Lens {
            who: privacy::personal_data_for(state, role).await?,
            sites: state.settings.all(&state.pool).await?,
            secret: state.secret.clone(),
        })
    }

    /// The avatars of the comment's site (as its public sees them).
    fn avatars(&self, site: &str) -> AvatarPolicy {
        let mode = self
            .sites
            .get(&SiteId::from_stored(site.to_owned()))
            .map(|s| s.settings.avatar)
            .unwrap_or_default();
        AvatarPolicy::new(mode, &self.secret)
    }

    pub fn masks_personal_data(&self) -> bool {
        self.who.is_masked()
    }

    /// The view of `row` this account may see: with personal data masked,
    /// the email and address keep a hint (`l***@example.com`,
    /// `192.0.2.x`) and the user agent is left out.
    pub fn comment(&self, mut row: CommentRow) -> PrivateComment {
        let masked = self.who.is_masked();
        let author_email = if masked {
            personal_data::mask_email(&row.author_email)
        } else {
            row.author_email.clone()
        };
        let ip = row.ip.map(|ip| {
            if masked {
                personal_data::mask_ip(ip)
            } else {
                ip.to_string()
            }
        });
        let user_agent = row.user_agent.take().filter(|_| !masked);
        let referrer = row.referrer.take();
        let spam_reasons = match std::mem::take(&mut row.spam_reasons) {
            v @ serde_json::Value::Array(_) => v,
            _ => serde_json::Value::Array(Vec::new()),
        };
        let (spam_score, version, updated_at) = (row.spam_score, row.version, row.updated_at);
        let decision_category = row.decision_category.take();
        let decision_reason = row.decision_reason.take();
        let appeal = row.appealed_at.map(|at| Appeal {
            at,
            note: row.appeal_note.take(),
        });
        let avatars = self.avatars(&row.site);
        let comment = PublicComment::from_row(row, &avatars);
        PrivateComment {
            comment,
            author_email,
            ip,
            user_agent,
            referrer,
            spam_score,
            spam_reasons,
            version,
            updated_at,
            decision_category,
            decision_reason,
            appeal,
        }
    }
}

/// A comment with where it sits, as the queue and a comment's own page
/// show it: the article's title and link, and an excerpt of the comment
/// it answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueComment {
    #[serde(flatten)]
    #[schema(inline)]
    pub comment: PrivateComment,
    /// The article as the site (or its first submitter) described it;
    /// both `null` when nobody did.
    pub article: ArticleRef,
    /// The comment this one answers; `null` for a top-level comment.
    pub parent: Option<ParentExcerpt>,
    /// Its open reader reports; `null` when it has none.
    pub reports: Option<ReportSummary>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ArticleRef {
    pub title: Option<String>,
    pub url: Option<String>,
}

/// The start of the comment a reply answers, whatever its status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParentExcerpt {
    pub id: i64,
    pub author_name: String,
    pub status: CommentStatus,
    /// Its first 200 characters.
    pub excerpt: String,
}

impl ParentExcerpt {
    fn from_context(c: &mut ContextRow) -> Option<ParentExcerpt> {
        Some(ParentExcerpt {
            id: c.parent_id?,
            author_name: c.parent_author_name.take()?,
            status: c.parent_status.as_deref()?.parse().ok()?,
            excerpt: c.parent_excerpt.take()?,
        })
    }
}

impl Lens {
    /// The page's comments with their contexts (`contexts` in any order;
    /// a comment without one shows none).
    pub fn queue(
        &self,
        rows: Vec<CommentRow>,
        contexts: Vec<ContextRow>,
        mut reports: BTreeMap<i64, ReportSummary>,
    ) -> Vec<QueueComment> {
        let mut by_id: std::collections::HashMap<i64, ContextRow> =
            contexts.into_iter().map(|c| (c.id, c)).collect();
        rows.into_iter()
            .map(|row| {
                let context = by_id.remove(&row.id);
                let reports = reports.remove(&row.id);
                self.in_context(row, context, reports)
            })
            .collect()
    }

    pub fn in_context(
        &self,
        row: CommentRow,
        context: Option<ContextRow>,
        reports: Option<ReportSummary>,
    ) -> QueueComment {
        let (article, parent) = match context {
            Some(mut c) => (
                ArticleRef {
                    title: c.article_title.take(),
                    url: c.article_url.take(),
                },
                ParentExcerpt::from_context(&mut c),
            ),
            None => (ArticleRef::default(), None),
        };
        QueueComment {
            comment: self.comment(row),
            article,
            parent,
            reports,
        }
    }
}

/// `GET /api/v1/moderation/counts`: comments per status, and those with
/// open reader reports (in any status).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct QueueCounts {
    pub pending: i64,
    pub approved: i64,
    pub spam: i64,
    pub rejected: i64,
    /// Comments with open reader reports, whatever their status.
    pub reported: i64,
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
    pub comment: QueueComment,
    pub history: Vec<AuditEvent>,
    /// The texts it had before each edit (by its author or a moderator),
    /// oldest first.
    pub revisions: Vec<crate::db::revisions::Revision>,
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
    /// The sites a `moderator` is limited to; `null`: every site (admins
    /// always have every site).
    pub sites: Option<Vec<String>>,
    #[serde(serialize_with = "timestamps::millis")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamps::millis")]
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
            sites: r.sites,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    /// The site the article belongs to.
    pub site: String,
    pub id: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub closed: bool,
    /// `null`: the site-wide approval mode applies.
    #[schema(value_type = Option<crate::domain::ApprovalMode>)]
    pub approval_mode: Option<String>,
    pub comment_version: i64,
    #[serde(serialize_with = "timestamps::millis")]
    pub created_at: DateTime<Utc>,
    /// Registered by the site (`PUT /api/v1/admin/articles/{article_id}` or
    /// an import), not only seen in submissions.
    pub registered: bool,
}

impl ArticleView {
    pub fn from_row(r: ArticleRow) -> Self {
        ArticleView {
            site: r.site,
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
