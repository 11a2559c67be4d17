//! Feeding moderators' decisions to the spam classifier. A decision to
//! `approved` trains the comment as ham, to `spam` as spam; moving it
//! anywhere else (or to the other class) undoes what it was trained as.
//! Runs inside the decision's transaction, so training and decision
//! commit or roll back together.

use crate::db;
use crate::domain::CommentStatus;
use sqlx::PgConnection;

/// What a comment in `status` teaches the classifier: `Some(true)` spam,
/// `Some(false)` ham, `None` nothing.
pub fn lesson(status: CommentStatus) -> Option<bool> {
    match status {
        CommentStatus::Spam => Some(true),
        CommentStatus::Approved => Some(false),
        CommentStatus::Pending | CommentStatus::Rejected => None,
    }
}

/// Called whenever a comment's status changes by a moderator's decision.
pub async fn apply_decision(
    conn: &mut PgConnection,
    comment_id: i64,
    _old: CommentStatus,
    new: CommentStatus,
) -> Result<(), sqlx::Error> {
    let target = lesson(new);
    let current = db::spam::training_of(&mut *conn, comment_id).await?;
    if current.as_ref().map(|(was_spam, _)| *was_spam) == target {
        return Ok(());
    }
    if let Some((was_spam, tokens)) = &current {
        db::spam::adjust_tokens(&mut *conn, tokens, *was_spam, -1).await?;
    }
    match target {
        Some(is_spam) => {
            let (body, name, email, url): (String, String, String, Option<String>) = sqlx::query_as(
                "select body, author_name, author_email, author_url from comments where id = $1",
            )
            .bind(comment_id)
            .fetch_one(&mut *conn)
            .await?;
            let tokens = crate::spam::comment_tokens(&body, &name, &email, url.as_deref());
            db::spam::adjust_tokens(&mut *conn, &tokens, is_spam, 1).await?;
            db::spam::set_training(&mut *conn, comment_id, Some((is_spam, &tokens))).await?;
        }
        None => db::spam::set_training(&mut *conn, comment_id, None).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_approved_and_spam_teach_anything() {
        assert_eq!(lesson(CommentStatus::Spam), Some(true));
        assert_eq!(lesson(CommentStatus::Approved), Some(false));
        assert_eq!(lesson(CommentStatus::Pending), None);
        assert_eq!(lesson(CommentStatus::Rejected), None);
    }
}
