//! What the API and webhooks show of a comment.

use crate::db::comments::CommentRow;
use crate::domain::comment::{avatar_hash, avatar_key, avatar_keyed};
use crate::domain::timestamps;
use crate::domain::{AvatarMode, CommentStatus, SiteId};
use crate::error::ApiError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The public view: never the email, IP, user agent or spam details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicComment {
    pub id: i64,
    /// The site the article belongs to (`default` with one site).
    pub site: String,
    pub article_id: String,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: Option<String>,
    /// Per the `avatar` setting: `keyed` (default), a hex HMAC of the
    /// email with an instance key (stable per commenter, for identicons or
    /// initials; cannot confirm a guessed address); `gravatar`, the hex
    /// SHA-256 of the trimmed, lowercased email for Gravatar or Libravatar;
    /// `none`, always `null`. Never the email itself; `null` without one.
    pub avatar: Option<String>,
    pub body: String,
    /// The body as safe HTML: escaped text, paragraphs, links with
    /// `rel="nofollow ugc noopener"`.
    pub body_html: String,
    /// In public answers `approved` or `pending` (a submitter judged spam
    /// is told `pending`); moderators see the comment's own status.
    pub status: CommentStatus,
    #[serde(serialize_with = "timestamps::millis")]
    pub created_at: DateTime<Utc>,
}

/// How public views derive `avatar` from a comment's email.
#[derive(Clone)]
pub struct AvatarPolicy {
    mode: AvatarMode,
    key: [u8; 32],
}

impl std::fmt::Debug for AvatarPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AvatarPolicy({})", self.mode.as_str())
    }
}

impl AvatarPolicy {
    /// A site's current `avatar` setting's policy, keyed by the instance
    /// secret.
    pub async fn current(state: &AppState, site: &SiteId) -> Result<AvatarPolicy, ApiError> {
        let snap = state.settings.current(&state.pool, site).await?;
        Ok(AvatarPolicy::new(snap.settings.avatar, &state.secret))
    }

    pub fn new(mode: AvatarMode, instance_secret: &[u8]) -> Self {
        AvatarPolicy {
            mode,
            key: avatar_key(instance_secret),
        }
    }

    pub fn mode(&self) -> AvatarMode {
        self.mode
    }

    /// Part of a cache key: changes with the mode and, for keyed avatars,
    /// with the key (a new instance secret), never revealing the key.
    pub fn cache_tag(&self) -> String {
        match self.mode {
            AvatarMode::Keyed => {
                let check = avatar_keyed(&self.key, "cache tag");
                format!("keyed-{}", check.get(..12).unwrap_or(&check))
            }
            other => other.as_str().to_owned(),
        }
    }

    /// `None` when the comment has no email (imported pings, erased).
    pub fn avatar(&self, row: &CommentRow) -> Option<String> {
        let email = row.author_email.trim();
        if email.is_empty() || row.avatar.is_none() {
            return None;
        }
        match self.mode {
            AvatarMode::Keyed => Some(avatar_keyed(&self.key, email)),
            AvatarMode::Gravatar => Some(avatar_hash(email)),
            AvatarMode::None => None,
        }
    }
}

impl PublicComment {
    pub fn from_row(row: CommentRow, avatars: &AvatarPolicy) -> Self {
        let avatar = avatars.avatar(&row);
        PublicComment {
            id: row.id,
            site: row.site,
            article_id: row.article_id,
            parent_id: row.parent_id,
            author_name: row.author_name,
            author_url: row.author_url,
            avatar,
            body: row.body,
            body_html: row.body_html,
            status: row.status,
            created_at: row.created_at,
        }
    }

    /// As shown to the person who just submitted it: spam reads as pending.
    pub fn for_submitter(row: CommentRow, avatars: &AvatarPolicy) -> Self {
        let mut v = PublicComment::from_row(row, avatars);
        v.status = v.status.as_told_to_submitter();
        v
    }
}
