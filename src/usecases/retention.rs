//! Data that stops growing: spam and rejected comments older than the
//! settings' days are deleted with their personal data, each leaving a
//! tombstone (id, article, status, dates, why), one audit event per batch;
//! and legal holds, which exempt a comment or an author from that purge
//! and from erasure until an admin lifts them (both audited).

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::retention::{HoldTarget, LegalHold};
use crate::domain::codes::{ErrorCode, FieldCode, FieldErrors};
use crate::domain::ids::{Actor, CommentId};
use crate::domain::{AuthorEmail, CommentStatus, ModerationSettings, SiteId};
use crate::error::ApiError;
use serde_json::json;
use sqlx::PgPool;

/// Comments per transaction, and transactions per status in one run (a
/// run every few minutes purges at most 20,000 of each).
const BATCH: i64 = 500;
const MOST_BATCHES: usize = 40;

/// What one run purged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub spam: usize,
    pub rejected: usize,
    /// Another instance was purging: this one did nothing.
    pub busy: bool,
}

/// One purge run for every site, each under its own settings (the
/// housekeeping task's every few minutes). Stops at the first site another
/// instance is purging.
pub async fn purge_sites(state: &crate::state::AppState) -> Result<Purged, ApiError> {
    let mut all = Purged::default();
    for (site, snap) in state.settings.all(&state.pool).await?.iter() {
        let done = purge(&state.pool, site, &snap.settings).await?;
        all.spam += done.spam;
        all.rejected += done.rejected;
        if done.busy {
            all.busy = true;
            break;
        }
    }
    Ok(all)
}

/// One purge run of `site`'s comments under `settings`. One instance at a time (a
/// transaction-scoped advisory lock per batch); the others skip.
pub async fn purge(
    pool: &PgPool,
    site: &SiteId,
    settings: &ModerationSettings,
) -> Result<Purged, sqlx::Error> {
    let mut done = Purged::default();
    for (status, days, reason) in [
        (
            CommentStatus::Spam,
            settings.purge_spam_after_days,
            "spam_retention",
        ),
        (
            CommentStatus::Rejected,
            settings.purge_rejected_after_days,
            "rejected_retention",
        ),
    ] {
        if days == 0 {
            continue;
        }
        for _ in 0..MOST_BATCHES {
            let mut tx = pool.begin().await?;
            if !db::retention::try_purge_lock(&mut tx).await? {
                done.busy = true;
                return Ok(done);
            }
            let ids =
                db::retention::purge_batch(&mut tx, site.as_str(), status, days, reason, BATCH)
                    .await?;
            if let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) {
                let event = NewAuditEvent::system(
                    "comments.purged",
                    json!({
                        "site": site.as_str(),
                        "status": status.as_str(),
                        "older_than_days": days,
                        "count": ids.len(),
                        "first_id": first,
                        "last_id": last,
                    }),
                );
                db::audit::insert(&mut tx, &event).await?;
            }
            tx.commit().await?;
            crate::metrics::record_purged(status.as_str(), ids.len());
            match status {
                CommentStatus::Spam => done.spam += ids.len(),
                _ => done.rejected += ids.len(),
            }
            if (ids.len() as i64) < BATCH {
                break;
            }
        }
    }
    if done.spam + done.rejected > 0 {
        tracing::info!(
            site = %site,
            spam = done.spam,
            rejected = done.rejected,
            "old comments purged"
        );
    }
    Ok(done)
}

/// Comments per transaction when clearing network data (an update, lighter
/// than a purge's delete), and transactions per site in one run.
const CLEAR_BATCH: i64 = 2_000;

/// What one run of the network-data job cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleared {
    /// Comments cleared per site (sites with none are left out).
    pub sites: Vec<(SiteId, u64)>,
    /// Another instance was clearing: this one stopped.
    pub busy: bool,
}

impl Cleared {
    pub fn total(&self) -> u64 {
        self.sites.iter().map(|(_, n)| n).sum()
    }
}

/// Keeping less, for every site under its own `ip_retention_days` (the
/// housekeeping task's every few minutes).
pub async fn clear_network_data_sites(state: &crate::state::AppState) -> Result<Cleared, ApiError> {
    let all = state.settings.all(&state.pool).await?;
    let sites: Vec<(SiteId, u32)> = all
        .iter()
        .map(|(site, snap)| (site.clone(), snap.settings.ip_retention_days))
        .collect();
    Ok(clear_network_data(&state.pool, &sites).await?)
}

/// Keeping less: clears the IP address, user agent and referrer of each
/// site's comments older than its days (0: kept), legal holds exempt; one
/// instance at a time (a transaction-scoped advisory lock per batch). A
/// run that cleared anything records one `comments.network_data_cleared`
/// audit event with its counts per site.
pub async fn clear_network_data(
    pool: &PgPool,
    sites: &[(SiteId, u32)],
) -> Result<Cleared, sqlx::Error> {
    let mut done = Cleared::default();
    let mut details = serde_json::Map::new();
    for (site, days) in sites.iter().filter(|(_, days)| *days > 0) {
        let mut cleared = 0u64;
        for _ in 0..MOST_BATCHES {
            let mut tx = pool.begin().await?;
            let n = db::retention::clear_network_data(&mut tx, site.as_str(), *days, CLEAR_BATCH)
                .await?;
            tx.commit().await?;
            let Some(n) = n else {
                done.busy = true;
                break;
            };
            cleared += n;
            if n < CLEAR_BATCH as u64 {
                break;
            }
        }
        if cleared > 0 {
            done.sites.push((site.clone(), cleared));
            details.insert(
                site.as_str().to_owned(),
                json!({"count": cleared, "older_than_days": days}),
            );
        }
        if done.busy {
            break;
        }
    }
    if done.total() > 0 {
        let event = NewAuditEvent::system(
            "comments.network_data_cleared",
            json!({"count": done.total(), "sites": details}),
        );
        let mut conn = pool.acquire().await?;
        db::audit::insert(&mut conn, &event).await?;
        crate::metrics::record_network_data_cleared(done.total());
        tracing::info!(
            comments = done.total(),
            "network data of old comments cleared"
        );
    }
    Ok(done)
}

/// A validated request to place a hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHold {
    pub target: HoldTarget,
    pub reason: String,
}

impl NewHold {
    /// Exactly one of `comment_id` and `author_email`, and a reason.
    pub fn parse(
        comment_id: Option<i64>,
        author_email: Option<&str>,
        reason: Option<&str>,
    ) -> Result<NewHold, FieldErrors> {
        let mut f = FieldErrors::default();
        let target = match (comment_id, author_email.filter(|e| !e.trim().is_empty())) {
            (Some(id), None) => f.take(
                "comment_id",
                if id >= 1 {
                    Ok(HoldTarget::Comment(CommentId(id)))
                } else {
                    Err(FieldCode::OutOfRange {
                        min: 1,
                        max: i64::MAX,
                    })
                },
            ),
            (None, Some(email)) => f.take(
                "author_email",
                AuthorEmail::parse(email).map(|e| HoldTarget::Author(e.as_str().to_lowercase())),
            ),
            (Some(_), Some(_)) => {
                f.add("author_email", FieldCode::InvalidValue);
                None
            }
            (None, None) => {
                f.add("comment_id", FieldCode::Required);
                None
            }
        };
        let reason = f.take(
            "reason",
            super::moderation::parse_reason(reason).and_then(|r| r.ok_or(FieldCode::Required)),
        );
        match (target, reason) {
            (Some(target), Some(reason)) if f.is_empty() => Ok(NewHold { target, reason }),
            _ => Err(f),
        }
    }
}

/// Places a hold (audited). A hold on a comment needs the comment.
pub async fn place(pool: &PgPool, actor: Actor, new: NewHold) -> Result<LegalHold, ApiError> {
    let mut tx = pool.begin().await?;
    if let HoldTarget::Comment(id) = new.target
        && !db::retention::comment_exists(&mut tx, id).await?
    {
        return Err(ErrorCode::CommentNotFound.into());
    }
    let hold = db::retention::place_hold(&mut tx, &new.target, &new.reason, actor).await?;
    let event = NewAuditEvent::by_moderator(
        actor,
        "legal_hold.placed",
        json!({
            "hold_id": hold.id,
            "comment_id": hold.comment_id,
            "on": if hold.comment_id.is_some() { "comment" } else { "author" },
        }),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(hold)
}

/// Lifts an active hold (audited).
pub async fn lift(pool: &PgPool, actor: Actor, id: i64) -> Result<LegalHold, ApiError> {
    let mut tx = pool.begin().await?;
    let hold = db::retention::lift_hold(&mut tx, id, actor)
        .await?
        .ok_or(ApiError::new(ErrorCode::HoldNotFound))?;
    let event = NewAuditEvent::by_moderator(
        actor,
        "legal_hold.lifted",
        json!({ "hold_id": hold.id, "comment_id": hold.comment_id }),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(hold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: FieldErrors) -> Vec<String> {
        let mut out: Vec<String> = ["comment_id", "author_email", "reason"]
            .iter()
            .flat_map(|k| {
                e.get(k)
                    .into_iter()
                    .flatten()
                    .map(move |c| format!("{k}: {}", c.as_str()))
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_hold_names_one_target_and_a_reason() {
        let h = NewHold::parse(
            None,
            Some(" Layla@Example.com "),
            Some(" court order 12/2026 "),
        )
        .unwrap();
        assert_eq!(h.target, HoldTarget::Author("layla@example.com".into()));
        assert_eq!(h.reason, "court order 12/2026");
        let h = NewHold::parse(Some(7), None, Some("inquiry")).unwrap();
        assert_eq!(h.target, HoldTarget::Comment(CommentId(7)));
        assert_eq!(
            codes(NewHold::parse(None, None, None).unwrap_err()),
            ["comment_id: required", "reason: required"]
        );
        assert_eq!(
            codes(NewHold::parse(Some(7), Some("a@b.example"), Some("x")).unwrap_err()),
            ["author_email: invalid_value"]
        );
        assert_eq!(
            codes(NewHold::parse(Some(0), None, Some("x")).unwrap_err()),
            ["comment_id: out_of_range"]
        );
        assert_eq!(
            codes(NewHold::parse(None, Some("not an email"), Some("a\u{0}b")).unwrap_err()),
            ["author_email: invalid_email", "reason: control_characters"]
        );
    }
}
