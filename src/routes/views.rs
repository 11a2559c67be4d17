//! What the API shows of a comment.

use crate::db::comments::CommentRow;
use crate::domain::CommentStatus;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

pub fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The public view: never the email, IP, user agent or spam details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicComment {
    pub id: i64,
    pub article_id: String,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: Option<String>,
    /// Hex SHA-256 of the trimmed, lowercased email, for Gravatar or
    /// Libravatar; never the email itself.
    pub avatar: Option<String>,
    pub body: String,
    /// The body as safe HTML: escaped text, paragraphs, links with
    /// `rel="nofollow ugc noopener"`.
    pub body_html: String,
    /// `approved` or `pending` (a submitter judged spam is told `pending`).
    pub status: CommentStatus,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl PublicComment {
    pub fn from_row(row: CommentRow) -> Self {
        PublicComment {
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
        }
    }

    /// As shown to the person who just submitted it: spam reads as pending.
    pub fn for_submitter(row: CommentRow) -> Self {
        let mut v = PublicComment::from_row(row);
        v.status = v.status.as_told_to_submitter();
        v
    }
}
