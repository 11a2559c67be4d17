//! Feeding moderators' decisions to the spam classifier. A decision to
//! `approved` trains the comment as ham, to `spam` as spam; reversing a
//! decision reverses the training. Runs inside the decision's transaction.

use crate::domain::CommentStatus;
use sqlx::PgConnection;

/// Called whenever a comment's status changes by a moderator's decision.
pub async fn apply_decision(
    _conn: &mut PgConnection,
    _comment_id: i64,
    _old: CommentStatus,
    _new: CommentStatus,
) -> Result<(), sqlx::Error> {
    // The classifier's token store lands with the spam engine.
    Ok(())
}
