//! The previous texts of edited comments: one row per edit, by the author
//! (with the edit token) or a moderator. Moderators read them with the
//! comment; a privacy export lists them; an erasure deletes them, and a
//! purge takes them with the comment (`on delete cascade`).

use crate::domain::ids::Actor;
use crate::domain::timestamps;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// One earlier text of a comment.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Revision {
    pub comment_id: i64,
    /// The text before this edit.
    pub body: String,
    #[serde(serialize_with = "timestamps::millis")]
    pub edited_at: DateTime<Utc>,
    /// `author` or `moderator`.
    pub edited_by: String,
    /// The moderator who edited (`null` for the author).
    pub moderator_id: Option<i64>,
}

/// Keeps `body`, the text an edit replaces (`by`: the moderator, or
/// `None` for the author).
pub async fn insert(
    conn: &mut PgConnection,
    comment_id: i64,
    body: &str,
    by: Option<Actor>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into comment_revisions (comment_id, body, edited_by, moderator_id)
         values ($1, $2, $3, $4)",
    )
    .bind(comment_id)
    .bind(body)
    .bind(if by.is_some() { "moderator" } else { "author" })
    .bind(by.map(|a| a.0))
    .execute(conn)
    .await?;
    Ok(())
}

/// How many times the author has edited comment `comment_id`.
pub async fn count_by_author(conn: &mut PgConnection, comment_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from comment_revisions
         where comment_id = $1 and edited_by = 'author'",
    )
    .bind(comment_id)
    .fetch_one(conn)
    .await
}

/// The earlier texts of these comments, oldest first per comment.
pub async fn of_comments(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<Vec<Revision>, sqlx::Error> {
    sqlx::query_as(
        "select comment_id, body, edited_at, edited_by, moderator_id
         from comment_revisions where comment_id = any($1) order by comment_id, id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Forgets the earlier texts of these comments (an erasure).
pub async fn delete_of(conn: &mut PgConnection, ids: &[i64]) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("delete from comment_revisions where comment_id = any($1)")
            .bind(ids)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
