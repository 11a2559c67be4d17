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
use crate::usecases::reports::with_reported_reason;
use crate::usecases::submission::{
    Candidate, RequestMeta, comments_closed, decide, gather, refuse_suspended, window_end,
};
use crate::{render, spam};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// Whether the author may still change a comment posted at `created_at`
/// (the site's current window: an admin who shortens it shortens it for
/// comments already posted).
pub fn window_open(created_at: DateTime<Utc>, minutes: u32, now: DateTime<Utc>) -> bool {
    minutes > 0 && now <= window_end(created_at, minutes)
}

/// How many times an author may edit one comment (each edit keeps a
/// revision and is judged again: without a cap a window of minutes would
/// be a way to fill the revisions table and the audit log).
pub const MAX_AUTHOR_EDITS: i64 = 10;

/// What the author asks.
pub enum AuthorChange {
    Edit(CommentBody),
    Withdraw,
}

/// The statuses in which the author still has a comment to change: not
/// one they withdrew or a moderator rejected, nor one judged spam (whose
/// author reads it as `pending`; an edit must not be a way to have spam
/// judged again until it passes).
fn changeable(status: CommentStatus) -> bool {
    matches!(status, CommentStatus::Pending | CommentStatus::Approved)
}

/// What the posted comment's form cost (its `form_token` points), carried
/// to every edit of it.
fn posted_form_points(reasons: &serde_json::Value) -> f64 {
    serde_json::from_value::<Vec<spam::Reason>>(reasons.clone())
        .unwrap_or_default()
        .iter()
        .filter(|r| r.rule == "form_token")
        .map(|r| r.score)
        .sum()
}

/// Applies the author's change to comment `id` if `token` is its edit
/// token and its window is open: 404 `comment_not_found` for a wrong
/// token, an unknown id or a comment that is not pending or approved
/// (withdrawn, rejected, or spam); 403 `edit_window_closed` after the
/// window, `comments_closed` for an edit on a closed article (withdrawing
/// stays possible); 429 `too_many_edits` after [`MAX_AUTHOR_EDITS`]. An
/// edit whose text is the same changes nothing.
#[tracing::instrument(skip_all, fields(comment_id = id.0, status))]
pub async fn author_change(
    state: &AppState,
    id: CommentId,
    token: &SecretString,
    change: AuthorChange,
    meta: &RequestMeta,
) -> Result<CommentRow, ApiError> {
    let hash = token::digest(token);
    // Every site's settings, read before the row is locked (a settings
    // read that has to wait for the pool must not hold the lock).
    let all_settings = state.settings.all(&state.pool).await?;
    let mut tx = state.pool.begin().await?;
    let current = db::comments::fetch_for_author(&mut tx, id.0, &hash)
        .await?
        .filter(|c| changeable(c.status))
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let site = SiteId::from_stored(current.site.clone());
    let snap = all_settings
        .get(&site)
        .cloned()
        .ok_or(ApiError::new(ErrorCode::SiteNotFound))?;
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
            // The token has done its work; the distrust rule will know that
            // nobody judged this comment.
            db::comments::mark_withdrawn(&mut tx, id.0).await?;
            // Nothing is left for moderators to decide about its reports.
            db::reports::resolve(&mut tx, id.0, CommentStatus::Rejected).await?;
            db::audit::insert(&mut tx, &NewAuditEvent::withdrawn(id, old)).await?;
            // What a moderator's decision taught stays: the text is the
            // same, and withdrawing is not a judgement of it.
            row
        }
        AuthorChange::Edit(body) if body.as_str() == current.body => return Ok(current),
        AuthorChange::Edit(body) => {
            if db::revisions::count_by_author(&mut tx, id.0).await? >= MAX_AUTHOR_EDITS {
                return Err(ErrorCode::TooManyEdits.into());
            }
            // Its author's standing is judged with the token it was posted with.
            let commenter_key = db::comments::commenter_key(&mut tx, id.0).await?;
            let candidate = Candidate {
                site: &current.site,
                article_id: &current.article_id,
                parent_id: current.parent_id,
                author_name: &current.author_name,
                email: &current.author_email,
                author_url: current.author_url.as_deref(),
                body: body.as_str(),
                meta,
                // A filled honeypot made the comment spam, which is not
                // changeable; the form's other signals carry over.
                honeypot_filled: false,
                form_token: FormTokenCheck::EditToken {
                    posted_points: posted_form_points(&current.spam_reasons),
                },
                commenter_key: commenter_key.as_deref(),
            };
            let gathered = gather(state, &snap, &mut tx, &candidate).await?;
            if let Some(a) = &gathered.ctx.article
                && comments_closed(a.closed, a.created_at, snap.settings.close_after_days, now)
            {
                return Err(ErrorCode::CommentsClosed.into());
            }
            // The same text as another of the author's comments on the
            // article (its own old text counts only if unchanged, which
            // returned above).
            if gathered.ctx.facts.duplicate
                && spam::fingerprint(&current.body) != gathered.fingerprint
            {
                return Err(ErrorCode::DuplicateComment.into());
            }
            refuse_suspended(&gathered, now)?;
            let fingerprint = gathered.fingerprint.clone();
            let (verdict, status) = decide(state, &snap, &candidate, gathered);
            // Readers' reports held it: an edit does not publish it again
            // before a moderator has looked, and the reason stays.
            let mut reasons = verdict.reasons.clone();
            let held_by = if old == CommentStatus::Pending {
                db::reports::open_networks(&mut tx, id.0).await?
            } else {
                0
            };
            if held_by > 0 {
                with_reported_reason(&mut reasons, i64::from(held_by));
            }
            let status = if held_by > 0 && status == CommentStatus::Approved {
                CommentStatus::Pending
            } else {
                status
            };
            let reasons = serde_json::to_value(&reasons).map_err(ApiError::internal)?;
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
            // A decision about the old text says nothing about the new.
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

    #[test]
    fn only_pending_and_approved_comments_can_be_changed() {
        assert!(changeable(CommentStatus::Pending));
        assert!(changeable(CommentStatus::Approved));
        assert!(!changeable(CommentStatus::Spam));
        assert!(!changeable(CommentStatus::Rejected));
    }

    #[test]
    fn the_posted_forms_points_are_summed_from_its_reasons() {
        let reasons = serde_json::json!([
            {"rule": "form_token", "score": 6.0, "detail": "too fast"},
            {"rule": "links", "score": 1.0, "detail": "one site"}
        ]);
        assert_eq!(posted_form_points(&reasons), 6.0);
        assert_eq!(posted_form_points(&serde_json::json!([])), 0.0);
        assert_eq!(posted_form_points(&serde_json::json!({"odd": 1})), 0.0);
    }
}
