//! Pure domain types: validated values parsed once at the boundary.

pub mod codes;
pub mod comment;
pub mod cursor;
pub mod decision;
pub mod ids;
pub mod limits;
pub mod personal_data;
pub mod report;
pub mod sanction;
pub mod settings;
pub mod site;
pub mod status;
pub mod text;
pub mod timestamps;
pub mod webhook;

pub use comment::{ArticleId, AuthorEmail, AuthorName, AuthorUrl, CommentBody, avatar_hash};
pub use cursor::Cursor;
pub use settings::AvatarMode;
pub use settings::ModerationSettings;
pub use site::SiteId;
pub use status::{ApprovalMode, CommentStatus};
pub mod moderator;
pub mod notify;
pub mod outbox;

pub use moderator::{DisplayName, ModeratorEmail, Role};
