//! Moderators' decisions and edits: the pure rules (If-Match, what a
//! request changes) and the use case that applies one decision to
//! one comment inside a caller's transaction, with its audit events and
//! the learner's training.

use crate::auth::Session;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::comments::CommentRow;
use crate::db::moderation::CommentUpdate;
use crate::domain::decision::ReasonCategory;
use crate::domain::ids::{Actor, CommentId};
use crate::domain::limits::MAX_REASON_CHARS;
use crate::domain::site::SiteScope;
use crate::domain::text::optional_lines;
use crate::domain::{CommentBody, CommentStatus};
use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::render;
use crate::state::AppState;
use sqlx::PgConnection;

/// What a decision's `If-Match` asks for (parsed at the edge:
/// `routes::request::if_match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No header, or `*`: any version.
    Any,
    /// One of these versions (strong entity tags `"3"`).
    Versions(Vec<i32>),
}

impl IfMatch {
    pub fn allows(&self, version: i32) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Versions(v) => v.contains(&version),
        }
    }
}

/// The entity tag of a comment version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// A validated decision or edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub status: Option<CommentStatus>,
    pub body: Option<CommentBody>,
    pub reason: Option<String>,
    /// Why it removes or holds the comment (`None` for an approval or an
    /// edit alone).
    pub category: Option<ReasonCategory>,
    /// The free text goes on the comment too, where its author reads it
    /// (the statement of reasons). A sanction's rejections keep theirs in
    /// the audit log only: a silent ban must not name itself.
    pub tell_author: bool,
}

/// An optional free-text reason: at most 500 characters, no control
/// characters but line feeds, trimmed ([`optional_lines`]).
pub fn parse_reason(raw: Option<&str>) -> Result<Option<String>, FieldCode> {
    optional_lines(raw, MAX_REASON_CHARS)
}

/// What applying a decision to a comment changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub new_status: CommentStatus,
    pub status_changed: bool,
    pub edited: bool,
    /// What the public reads changes: the comment enters or leaves
    /// `approved`, or an approved comment is edited.
    pub public: bool,
}

impl Change {
    pub fn is_noop(self) -> bool {
        !self.status_changed && !self.edited
    }
}

/// Moderators may move a comment between any two statuses; an edit that
/// leaves the body as it is, or a status it already has, changes nothing.
pub fn plan(current_status: CommentStatus, current_body: &str, d: &Decision) -> Change {
    let new_status = d.status.unwrap_or(current_status);
    let status_changed = new_status != current_status;
    let edited = d.body.as_ref().is_some_and(|b| b.as_str() != current_body);
    let approved = CommentStatus::Approved;
    Change {
        new_status,
        status_changed,
        edited,
        public: (status_changed || edited)
            && (current_status == approved || new_status == approved),
    }
}

/// Applies `d` to comment `id` inside the caller's transaction: checks the
/// version, updates the row (bumping its version, and its article's
/// `comment_version` when the public view changes), appends the audit events and teaches the learner
/// (`crate::usecases::training`). A confirmation (the status it already has, no
/// edit) leaves the comment untouched but still teaches the learner when
/// the comment is not trained so, recorded as `comment.confirmed`.
#[tracing::instrument(skip_all, fields(comment_id = comment.0, moderator_id, status_changed, edited))]
pub async fn apply(
    conn: &mut PgConnection,
    actor: Actor,
    scope: &SiteScope,
    comment: CommentId,
    d: &Decision,
    if_match: &IfMatch,
) -> Result<CommentRow, ApiError> {
    let (moderator_id, id) = (actor.0, comment.0);
    let span = tracing::Span::current();
    span.record("moderator_id", moderator_id);
    // A comment of a site the account may not see is not found.
    let current = db::moderation::fetch(&mut *conn, comment, db::Lock::Row)
        .await?
        .filter(|c| scope.allows(&c.site))
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    if !if_match.allows(current.version) {
        return Err(ErrorCode::VersionMismatch.into());
    }
    let old = current.status;
    let change = plan(old, &current.body, d);
    span.record("status_changed", change.status_changed)
        .record("edited", change.edited);
    let reason = d.reason.as_deref();
    if change.is_noop() {
        // A confirmation: the status asked for is the one it has. It still
        // teaches the learner (with an audit event of its own) when the
        // comment is not trained so yet; the comment itself, its version
        // and its article's do not change.
        if let Some(status) = d.status
            && crate::usecases::training::apply_decision(&mut *conn, id, Some(status), false)
                .await?
        {
            let e = NewAuditEvent::confirmed(actor, comment, status, reason);
            db::audit::insert(&mut *conn, &e).await?;
        }
        if let Some(status) = d.status {
            resolve_reports(&mut *conn, actor, comment, status, reason).await?;
        }
        return Ok(current);
    }
    let edit = d.body.as_ref().filter(|_| change.edited).map(|b| {
        (
            b.as_str(),
            render::body_html(b.as_str()),
            crate::spam::fingerprint(b.as_str()),
        )
    });
    if change.edited {
        // The text as it was, for moderators and the author's privacy export.
        db::revisions::insert(&mut *conn, id, &current.body, Some(actor)).await?;
    }
    if change.status_changed {
        // Before the update, whose answer then holds it.
        let told = reason.filter(|_| d.tell_author);
        db::moderation::record_decision(&mut *conn, id, d.category, told).await?;
    }
    let row = db::moderation::apply_update(
        &mut *conn,
        id,
        &CommentUpdate {
            status: change.new_status,
            body: edit.as_ref().map(|(b, h, f)| (*b, h.as_str(), f.as_str())),
            public: change.public,
            judged: None,
        },
    )
    .await?;
    if change.edited {
        let e = NewAuditEvent::edited(actor, comment, old, reason, row.version);
        db::audit::insert(&mut *conn, &e).await?;
    }
    let taught =
        crate::usecases::training::apply_decision(&mut *conn, id, d.status, change.edited).await?;
    if change.status_changed {
        let e = NewAuditEvent {
            category: d.category,
            ..NewAuditEvent::status_changed(actor, comment, old, change.new_status, reason)
        };
        db::audit::insert(&mut *conn, &e).await?;
    } else if taught && d.status.is_some() {
        // An edit that also confirmed the status, which taught the learner.
        let e = NewAuditEvent::confirmed(actor, comment, old, reason);
        db::audit::insert(&mut *conn, &e).await?;
    }
    if let Some(status) = d.status {
        resolve_reports(&mut *conn, actor, comment, status, reason).await?;
    }
    Ok(row)
}

/// One decision in its own transaction; then this instance's cache and
/// the metrics hear of it (other instances see the article's version move
/// when they poll).
pub async fn apply_committed(
    state: &AppState,
    session: &Session,
    id: CommentId,
    d: &Decision,
    if_match: &IfMatch,
) -> Result<db::comments::CommentRow, ApiError> {
    let actor = session.actor();
    let mut tx = state.pool.begin().await?;
    let row = apply(&mut tx, actor, &session.sites, id, d, if_match).await?;
    tx.commit().await?;
    state
        .public_cache
        .invalidate(&db::articles::cache_key(&row.site, &row.article_id));
    crate::metrics::record_decision(actor, d.status.map_or("edit", |s| s.as_str()));
    Ok(row)
}

/// A decision on a comment (any status, a confirmation included) resolves
/// its open reader reports, with an audit event that says how many and
/// what the moderator chose.
async fn resolve_reports(
    conn: &mut PgConnection,
    actor: Actor,
    comment: CommentId,
    status: CommentStatus,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    let resolved = db::reports::resolve(&mut *conn, comment.0, status).await?;
    if resolved > 0 {
        let e = NewAuditEvent::reports_resolved(actor, comment, status, resolved, reason);
        db::audit::insert(&mut *conn, &e).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precondition_allows_its_versions_or_any() {
        assert!(IfMatch::Any.allows(3));
        assert!(IfMatch::Versions(vec![2, 4]).allows(4));
        assert!(!IfMatch::Versions(vec![3]).allows(4));
        assert!(!IfMatch::Versions(Vec::new()).allows(3));
        assert_eq!(etag(7), "\"7\"");
    }

    #[test]
    fn a_decision_changes_only_what_differs() {
        let body = |s: &str| Some(CommentBody::parse(s, 100).unwrap());
        let d = |status, b: Option<CommentBody>| Decision {
            status,
            body: b,
            reason: None,
            category: None,
            tell_author: true,
        };
        let same = plan(
            CommentStatus::Pending,
            "hi",
            &d(Some(CommentStatus::Pending), body("hi")),
        );
        assert!(same.is_noop());
        let approve = plan(
            CommentStatus::Pending,
            "hi",
            &d(Some(CommentStatus::Approved), None),
        );
        assert_eq!(approve.new_status, CommentStatus::Approved);
        assert!(approve.status_changed && !approve.edited && approve.public);
        let edit = plan(CommentStatus::Spam, "hi", &d(None, body("hello")));
        assert_eq!(edit.new_status, CommentStatus::Spam);
        assert!(edit.edited && !edit.status_changed);
        assert!(!edit.public, "nobody reads a spam comment's text");
        let public_edit = plan(CommentStatus::Approved, "hi", &d(None, body("hello")));
        assert!(public_edit.public);
        // Any status may go to any other; the public sees the moves into
        // and out of `approved` only.
        for from in CommentStatus::ALL {
            for to in CommentStatus::ALL {
                let c = plan(from, "x", &d(Some(to), None));
                assert_eq!(c.status_changed, from != to);
                assert_eq!(
                    c.public,
                    from != to
                        && (from == CommentStatus::Approved || to == CommentStatus::Approved),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn reasons_are_optional_bounded_text() {
        assert_eq!(parse_reason(None), Ok(None));
        assert_eq!(parse_reason(Some("  ")), Ok(None));
        assert_eq!(
            parse_reason(Some(" spam link ")),
            Ok(Some("spam link".into()))
        );
        assert_eq!(
            parse_reason(Some("a\u{7}")),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            parse_reason(Some(&"x".repeat(501))),
            Err(FieldCode::TooLong { max: 500 })
        );
    }
}
