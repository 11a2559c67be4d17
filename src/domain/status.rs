//! Comment statuses and the site's approval modes: plain enums shared by the
//! workflow, the database layer and the API.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a comment stands. Stored as checked text in Postgres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentStatus {
    /// Held for moderation.
    Pending,
    /// Public.
    Approved,
    Spam,
    /// Trash.
    Rejected,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Approved,
        CommentStatus::Spam,
        CommentStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Spam => "spam",
            CommentStatus::Rejected => "rejected",
        }
    }

    /// What the submitter is told: a comment judged spam is reported as
    /// pending, so spammers learn nothing from the answer.
    pub fn as_told_to_submitter(self) -> CommentStatus {
        match self {
            CommentStatus::Spam | CommentStatus::Rejected => CommentStatus::Pending,
            other => other,
        }
    }
}

impl fmt::Display for CommentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status read from its checked text column.
impl TryFrom<String> for CommentStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
            .map_err(|()| format!("unknown comment status {s:?}"))
    }
}

impl FromStr for CommentStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(CommentStatus::Pending),
            "approved" => Ok(CommentStatus::Approved),
            "spam" => Ok(CommentStatus::Spam),
            "rejected" => Ok(CommentStatus::Rejected),
            _ => Err(()),
        }
    }
}

/// The site's approval workflow (WordPress's "comment must be manually
/// approved" / "comment author must have a previously approved comment").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    /// Every comment is held.
    All,
    /// Authors are held until one of their comments was approved.
    #[default]
    FirstTime,
    /// Comments are published unless the heuristics hold them.
    None,
}

impl ApprovalMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalMode::All => "all",
            ApprovalMode::FirstTime => "first_time",
            ApprovalMode::None => "none",
        }
    }
}

impl FromStr for ApprovalMode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(ApprovalMode::All),
            "first_time" => Ok(ApprovalMode::FirstTime),
            "none" => Ok(ApprovalMode::None),
            _ => Err(()),
        }
    }
}
