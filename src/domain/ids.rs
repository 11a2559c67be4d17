//! Ids of rows, typed where two of them meet in one call, so that they
//! cannot change places and still compile.

/// A comment's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentId(pub i64);

/// A moderator account's id, as the subject of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModeratorId(pub i64);

/// The signed-in account that acts (decides, edits, administers): its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Actor(pub i64);
