//! Reader reports: a reader flags a published comment; once readers in
//! `report_threshold` distinct networks have, it goes back to `pending`
//! (out of the thread at once) until a moderator decides, which resolves
//! the reports (`usecases::moderation`). Reporters learn nothing about
//! other reports: every accepted report gets the same answer, counted or
//! not.

use crate::client_ip::{report_network, throttle_subject};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::moderation::CommentUpdate;
use crate::db::rate_limits::{self, Take};
use crate::domain::decision::ReasonCategory;
use crate::domain::report::{ReportReason, moves_to_pending};
use crate::domain::{CommentStatus, SiteId};
use crate::error::{ApiError, ErrorCode};
use crate::spam::Reason;
use crate::state::AppState;
use serde_json::json;
use std::net::IpAddr;

/// Reports one address may send in [`REPORT_WINDOW_SECS`].
pub const REPORTS_PER_WINDOW: u32 = 20;
pub const REPORT_WINDOW_SECS: i64 = 3600;

/// A validated report.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub reason: ReportReason,
    pub note: Option<String>,
    /// The browser's report token (`reader_token`), when it sent one.
    pub reader_token: Option<String>,
}

/// What the report did (for the log and the tests; the reader is told
/// the same whatever it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Counted; the comment stays as it is.
    Counted,
    /// This reader had reported the comment already: not counted again.
    Repeated,
    /// Counted, and it took the comment out of the thread.
    Held,
}

/// Who a report is from, as keyed hashes: the reader (their browser token,
/// else their address) and their network.
fn keys(secret: &[u8], token: Option<&str>, ip: Option<IpAddr>) -> (String, String) {
    let reader = match (token, ip) {
        (Some(t), _) => rate_limits::key(secret, "report-reader", t),
        (None, Some(ip)) => rate_limits::key(secret, "report-address", &throttle_subject(ip)),
        (None, None) => rate_limits::key(secret, "report-address", "unknown"),
    };
    let network = rate_limits::key(
        secret,
        "report-network",
        &ip.map(report_network)
            .unwrap_or_else(|| "unknown".to_owned()),
    );
    (reader, network)
}

/// Puts the reason moderators see on a comment that reports took out of
/// the thread in `reasons` (once; no points: it is not a spam verdict).
/// An author's edit of such a comment keeps it too.
pub fn with_reported_reason(reasons: &mut Vec<Reason>, networks: i64) {
    reasons.retain(|x| x.rule != "reported");
    reasons.push(Reason::new(
        "reported",
        0.0,
        format!("reported by readers in {networks} networks"),
    ));
}

/// Records a reader's report on comment `id`: 404 `comment_not_found`
/// unless it is published; 429 after [`REPORTS_PER_WINDOW`] reports from
/// one address in an hour.
#[tracing::instrument(skip_all, fields(comment_id = id, outcome))]
pub async fn report(
    state: &AppState,
    id: i64,
    r: &ReportRequest,
    ip: Option<IpAddr>,
) -> Result<Outcome, ApiError> {
    let (reader_key, network_key) = keys(&state.secret, r.reader_token.as_deref(), ip);
    let all_settings = state.settings.all(&state.pool).await?;
    let mut tx = state.pool.begin().await?;
    // The address's budget first: a refused report takes no row lock.
    if let Some(ip) = ip {
        let key = rate_limits::key(&state.secret, "report:ip", &throttle_subject(ip));
        if let Take::Refused { retry_after } =
            rate_limits::take(&mut tx, &key, REPORTS_PER_WINDOW, REPORT_WINDOW_SECS).await?
        {
            return Err(ApiError::rate_limited(retry_after));
        }
    }
    // Only a published comment: one that reports (or anything else) took
    // out of the thread is not found, so a reporter cannot tell how it
    // left.
    let comment = db::reports::lock_comment(&mut tx, id)
        .await?
        .filter(|c| c.status == CommentStatus::Approved)
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let (new, networks) = db::reports::insert(
        &mut tx,
        &db::reports::NewReport {
            comment_id: id,
            reader_key: &reader_key,
            network_key: &network_key,
            reason: r.reason,
            note: r.note.as_deref(),
        },
    )
    .await?;
    let threshold = all_settings
        .get(&SiteId::from_stored(comment.site_id.clone()))
        .map_or(0, |s| s.settings.report_threshold);
    if new {
        // A reader acted: the log says so (the reason only; who they are
        // is not known, and their note stays with the report).
        let event = NewAuditEvent {
            actor: "reader",
            comment_id: Some(id),
            ..NewAuditEvent::system(
                "comment.report_received",
                json!({ "reason": r.reason.as_str() }),
            )
        };
        db::audit::insert(&mut tx, &event).await?;
    }
    let outcome = if !new {
        Outcome::Repeated
    } else if moves_to_pending(networks, threshold, comment.reports_overruled) {
        let mut reasons: Vec<Reason> =
            serde_json::from_value(comment.spam_reasons.clone()).unwrap_or_default();
        with_reported_reason(&mut reasons, networks);
        let reasons = serde_json::to_value(&reasons).map_err(ApiError::internal)?;
        db::moderation::apply_update(
            &mut tx,
            id,
            &CommentUpdate {
                status: CommentStatus::Pending,
                body: None,
                public: true,
                judged: Some((comment.spam_score, &reasons)),
            },
        )
        .await?;
        // What its approval taught the learner stays until a moderator
        // decides (a report is not a verdict on the text).
        let category = db::reports::top_reason(&mut tx, id)
            .await?
            .and_then(|r| ReportReason::parse(&r).ok())
            .map(ReasonCategory::of_report);
        let event = NewAuditEvent {
            comment_id: Some(id),
            old_status: Some(CommentStatus::Approved),
            new_status: Some(CommentStatus::Pending),
            category,
            ..NewAuditEvent::system(
                "comment.reported",
                json!({ "networks": networks, "threshold": threshold }),
            )
        };
        db::audit::insert(&mut tx, &event).await?;
        Outcome::Held
    } else {
        Outcome::Counted
    };
    tx.commit().await?;
    if outcome == Outcome::Held {
        state.public_cache.invalidate(&db::articles::cache_key(
            &comment.site_id,
            &comment.article_id,
        ));
    }
    tracing::Span::current().record("outcome", format!("{outcome:?}"));
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_is_their_token_else_their_address_and_never_in_clear() {
        let secret = b"test secret";
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        let other: IpAddr = "198.51.100.8".parse().unwrap();
        let far: IpAddr = "203.0.113.9".parse().unwrap();
        let token = "0f8c2b6e5a1d4c3b9e7f";
        // One token is one reader wherever they are.
        assert_eq!(
            keys(secret, Some(token), Some(ip)).0,
            keys(secret, Some(token), Some(far)).0
        );
        // Without one, the address is.
        assert_ne!(
            keys(secret, None, Some(ip)).0,
            keys(secret, None, Some(other)).0
        );
        // A /24 is one network.
        assert_eq!(
            keys(secret, None, Some(ip)).1,
            keys(secret, None, Some(other)).1
        );
        assert_ne!(
            keys(secret, None, Some(ip)).1,
            keys(secret, None, Some(far)).1
        );
        let (reader, network) = keys(secret, Some(token), Some(ip));
        assert!(!reader.contains(token) && !network.contains("198.51.100"));
        // Another instance's secret gives other keys.
        assert_ne!(keys(b"other", Some(token), Some(ip)).0, reader);
    }
}
