//! What an author may learn and ask about a decision on their comment,
//! with its edit token: the statement of reasons (EU Digital Services Act,
//! article 17) and one appeal of a rejection, which puts the comment back
//! in the queue (article 20's internal complaint). A comment judged spam
//! reads as `pending` here too, as everywhere its author looks (the Act
//! exempts deceptive high-volume commercial content from statements, and
//! telling a spammer what was caught helps them).

use crate::auth::token;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::moderation::CommentUpdate;
use crate::domain::CommentStatus;
use crate::domain::decision::ReasonCategory;
use crate::domain::ids::CommentId;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Lang;
use crate::spam::Reason;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;

/// The decision on a comment as its author may read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Statement {
    pub id: i64,
    /// `approved`, `pending` (waiting for a moderator; spam reads so) or
    /// `rejected`.
    #[schema(value_type = String)]
    pub status: &'static str,
    /// Why it was removed: present for a rejection.
    pub decision: Option<DecisionStatement>,
    pub appeal: AppealState,
}

/// A rejection's statement of reasons.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionStatement {
    /// `moderator`: a person decided (no automated means decide a
    /// rejection in majlis).
    #[schema(value_type = String)]
    pub decided_by: &'static str,
    pub automated: bool,
    /// One of `spam`, `abuse`, `hate`, `off_topic`, `misinformation`,
    /// `personal_data`, `legal`, `other`.
    pub category: ReasonCategory,
    /// The category in the language asked for (`Accept-Language`).
    pub category_label: &'static str,
    /// What the moderator wrote, if anything.
    pub explanation: Option<String>,
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<DateTime<Utc>>,
}

/// Whether the author may still appeal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealState {
    /// A rejection not appealed yet.
    pub possible: bool,
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub requested_at: Option<DateTime<Utc>>,
}

/// Pure: the statement of what is stored.
pub fn statement_of(v: &db::comments::AuthorView, lang: Lang) -> Statement {
    let status = match v.status {
        CommentStatus::Approved => CommentStatus::Approved,
        CommentStatus::Rejected => CommentStatus::Rejected,
        CommentStatus::Pending | CommentStatus::Spam => CommentStatus::Pending,
    };
    let decision = (status == CommentStatus::Rejected).then(|| {
        let category = ReasonCategory::from_stored(v.decision_category.as_deref())
            .unwrap_or(ReasonCategory::Other);
        DecisionStatement {
            decided_by: "moderator",
            automated: false,
            category,
            category_label: category.label(lang),
            explanation: v.decision_reason.clone(),
            decided_at: v.decided_at,
        }
    });
    Statement {
        id: v.id,
        status: status.as_str(),
        decision,
        appeal: AppealState {
            possible: status == CommentStatus::Rejected && v.appealed_at.is_none(),
            requested_at: v.appealed_at,
        },
    }
}

/// The statement for comment `id` if `token` is its edit token (404
/// `comment_not_found` otherwise, and once its author withdrew it).
pub async fn statement(
    state: &AppState,
    id: CommentId,
    token: &SecretString,
    lang: Lang,
) -> Result<Statement, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let v = db::comments::author_view(&mut conn, id.0, &token::digest(token))
        .await?
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    Ok(statement_of(&v, lang))
}

/// The reason moderators see on an appealed comment.
fn appeal_reason() -> Reason {
    Reason::new(
        "appeal",
        0.0,
        "the author asks for a review of the rejection",
    )
}

/// The author appeals the rejection of comment `id`, once: it goes back
/// to `pending` with the reason `appeal` and their note, audited as
/// `comment.appealed` by the `author`. 409 `appeal_not_possible` unless
/// the comment is rejected and was not appealed before (a comment judged
/// spam answers as a pending one would).
pub async fn appeal(
    state: &AppState,
    id: CommentId,
    token: &SecretString,
    note: Option<&str>,
    lang: Lang,
) -> Result<Statement, ApiError> {
    let mut tx = state.pool.begin().await?;
    let current = db::comments::fetch_for_author(&mut tx, id.0, &token::digest(token))
        .await?
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    if current.status != CommentStatus::Rejected || current.appealed_at.is_some() {
        return Err(ErrorCode::AppealNotPossible.into());
    }
    let mut reasons: Vec<Reason> =
        serde_json::from_value(current.spam_reasons.clone()).unwrap_or_default();
    reasons.retain(|r| r.rule != "appeal");
    reasons.push(appeal_reason());
    let reasons = serde_json::to_value(&reasons).map_err(ApiError::internal)?;
    db::moderation::apply_update(
        &mut tx,
        id.0,
        &CommentUpdate {
            status: CommentStatus::Pending,
            body: None,
            public: false,
            judged: Some((current.spam_score, &reasons)),
        },
    )
    .await?;
    db::comments::record_appeal(&mut tx, id.0, note).await?;
    let event = NewAuditEvent {
        actor: "author",
        comment_id: Some(id.0),
        old_status: Some(CommentStatus::Rejected),
        new_status: Some(CommentStatus::Pending),
        ..NewAuditEvent::system("comment.appealed", json!({ "note": note.is_some() }))
    };
    db::audit::insert(&mut tx, &event).await?;
    let v = db::comments::author_view(&mut tx, id.0, &token::digest(token))
        .await?
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    tx.commit().await?;
    Ok(statement_of(&v, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: CommentStatus) -> db::comments::AuthorView {
        db::comments::AuthorView {
            id: 5,
            status,
            decision_category: Some("hate".into()),
            decision_reason: Some("targets a group".into()),
            decided_at: DateTime::from_timestamp(1_900_000_000, 0),
            appealed_at: None,
        }
    }

    #[test]
    fn a_rejection_states_its_reasons_and_spam_reads_as_pending() {
        let s = statement_of(&view(CommentStatus::Rejected), Lang::Ar);
        assert_eq!(s.status, "rejected");
        let d = s.decision.unwrap();
        assert_eq!(
            (d.category, d.category_label),
            (ReasonCategory::Hate, "خطاب كراهية")
        );
        assert_eq!(d.explanation.as_deref(), Some("targets a group"));
        assert!(!d.automated && s.appeal.possible);
        let spam = statement_of(&view(CommentStatus::Spam), Lang::En);
        assert_eq!(spam.status, "pending");
        assert!(spam.decision.is_none() && !spam.appeal.possible);
        let mut appealed = view(CommentStatus::Rejected);
        appealed.appealed_at = DateTime::from_timestamp(1_900_000_100, 0);
        assert!(!statement_of(&appealed, Lang::En).appeal.possible);
        // A rejection from before categories existed reads as `other`.
        let mut old = view(CommentStatus::Rejected);
        old.decision_category = None;
        assert_eq!(
            statement_of(&old, Lang::En).decision.unwrap().category,
            ReasonCategory::Other
        );
    }
}
