//! The commenter's edit window: the token a new comment's author gets
//! once, and what it allows for `edit_window_minutes` after posting: to
//! edit the text, judged again as a new submission of that author's would
//! be, or to withdraw the comment. Every edit keeps the text it replaces
//! (`db::revisions`) and is an audit event by the author.

use crate::auth::token;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::comments::CommentRow;
use crate::db::moderation::CommentUpdate;
use crate::domain::ids::CommentId;
use crate::domain::{CommentBody, CommentStatus, SiteId};
use crate::error::{ApiError, ErrorCode};
use crate::spam::FormTokenCheck;
use crate::state::AppState;
use crate::usecases::submission::{Candidate, RequestMeta, decide, gather, window_end};
use crate::{render, spam};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// Whether the author may still change a comment posted at `created_at`
/// (the site's current window: an admin who shortens it shortens it for
/// comments already posted).
pub fn window_open(created_at: DateTime<Utc>, minutes: u32, now: DateTime<Utc>) -> bool {
    minutes > 0 && now <= window_end(created_at, minutes)
}

/// What the author asks.
pub enum AuthorChange {
    Edit(CommentBody),
    Withdraw,
}

/// Applies the author's change to comment `id` if `token` is its edit
/// token and its window is open: 404 `comment_not_found` for a wrong
/// token, an unknown id or a comment already rejected (withdrawn, or
/// rejected by a moderator); 403 `edit_window_closed` after the window.
/// An edit whose text is the same changes nothing.
#[tracing::instrument(skip_all, fields(comment_id = id.0, status))]
pub async fn author_change(
    state: &AppState,
    id: CommentId,
    token: &SecretString,
    change: AuthorChange,
    meta: &RequestMeta,
) -> Result<CommentRow, ApiError> {
    let hash = token::digest(token);
    let mut tx = state.pool.begin().await?;
    let current = db::comments::fetch_for_author(&mut tx, id.0, &hash)
        .await?
        .filter(|c| c.status != CommentStatus::Rejected)
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let site = SiteId::from_stored(current.site.clone());
    let snap = state.settings.current(&state.pool, &site).await?;
    let now = Utc::now();
    if !window_open(current.created_at, snap.settings.edit_window_minutes, now) {
        return Err(ErrorCode::EditWindowClosed.into());
    }
    let old = current.status;
    let row = match change {
        AuthorChange::Withdraw => {
            let row = db::moderation::apply_update(
                &mut tx,
                id.0,
                &CommentUpdate {
                    status: CommentStatus::Rejected,
                    body: None,
                    public: old == CommentStatus::Approved,
                    judged: None,
                },
            )
            .await?;
            db::audit::insert(&mut tx, &NewAuditEvent::withdrawn(id, old)).await?;
            crate::usecases::training::forget(&mut tx, id.0).await?;
            row
        }
        AuthorChange::Edit(body) if body.as_str() == current.body => return Ok(current),
        AuthorChange::Edit(body) => {
            let candidate = Candidate {
                site: &current.site,
                article_id: &current.article_id,
                parent_id: current.parent_id,
                author_name: &current.author_name,
                email: &current.author_email,
                author_url: current.author_url.as_deref(),
                body: body.as_str(),
                meta,
                honeypot_filled: false,
                // The form was judged when the comment was posted.
                form_token: FormTokenCheck::EditToken,
            };
            let gathered = gather(state, &snap, &mut tx, &candidate).await?;
            // The same text as another of the author's comments on the
            // article (its own old text counts only if unchanged, which
            // returned above).
            if gathered.ctx.facts.duplicate
                && spam::fingerprint(&current.body) != gathered.fingerprint
            {
                return Err(ErrorCode::DuplicateComment.into());
            }
            let fingerprint = gathered.fingerprint.clone();
            let (verdict, status) = decide(state, &snap, &candidate, gathered);
            let reasons = serde_json::to_value(&verdict.reasons).map_err(ApiError::internal)?;
            let html = render::body_html(body.as_str());
            db::revisions::insert(&mut tx, id.0, &current.body, None).await?;
            let row = db::moderation::apply_update(
                &mut tx,
                id.0,
                &CommentUpdate {
                    status,
                    body: Some((body.as_str(), &html, &fingerprint)),
                    public: old == CommentStatus::Approved || status == CommentStatus::Approved,
                    judged: Some((verdict.score, &reasons)),
                },
            )
            .await?;
            let event = NewAuditEvent::author_edited(id, old, status, verdict.score, row.version);
            db::audit::insert(&mut tx, &event).await?;
            crate::usecases::training::forget(&mut tx, id.0).await?;
            row
        }
    };
    tx.commit().await?;
    if old == CommentStatus::Approved || row.status == CommentStatus::Approved {
        state
            .public_cache
            .invalidate(&db::articles::cache_key(&row.site, &row.article_id));
    }
    tracing::Span::current().record("status", row.status.as_str());
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_window_is_open_until_its_last_moment_and_never_when_off() {
        let posted = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let at = |secs: i64| posted + Duration::seconds(secs);
        assert!(window_open(posted, 15, at(0)));
        assert!(window_open(posted, 15, at(15 * 60)));
        assert!(!window_open(posted, 15, at(15 * 60 + 1)));
        assert!(!window_open(posted, 0, at(0)));
        assert_eq!(window_end(posted, 15), at(900));
    }
}
