//! Privacy requests about one commenter, named by email (matched
//! case-insensitively): export everything stored about them, or erase it.
//!
//! Erasure keeps the comments' text and threads (as WordPress's eraser
//! does) and removes who wrote them: the name becomes the localized
//! "Anonymous", and email, URL, avatar, IP, user agent and referrer are
//! cleared. The spam learner forgets what it learned from those
//! comments. The audit log records the erasure with a keyed hash of the
//! email (HMAC-SHA256 with an instance secret), never the email, so a
//! repeated request is recognized without keeping the address.
//!
//! An HTTP handler is a few lines:
//!
//! ```text
//! let email = SubjectEmail::parse(&body.email).map_err(|c| ApiError::field("email", c))?;
//! let mut conn = state.pool.acquire().await?;
//! let report = privacy::erase_person(&mut conn, &email, Some(admin.id), lang).await?;
//! Ok(HttpResponse::Ok().json(report))
//! ```

use crate::db;
use crate::db::audit::AuditRow;
use crate::db::privacy::TrainingRow;
use crate::domain::personal_data::PersonalData;
use crate::error::{ApiError, FieldCode};
use crate::export::ExportRecord;
use crate::i18n::{Lang, Msg};
use crate::spam::lessons::TrainingDelta;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::{Acquire, PgConnection};
use std::collections::BTreeSet;
use unicode_normalization::UnicodeNormalization;

/// The instance secret (in `instance_secrets`) that keys email hashes.
pub const SECRET_NAME: &str = "privacy_email_hmac";

/// The email a privacy request names. Deliberately lenient (non-empty, an
/// `@`, no control characters, at most 254 characters): stored addresses,
/// imported ones included, may not pass today's stricter submission checks,
/// and a request about them must still work. Never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SubjectEmail(String);

impl SubjectEmail {
    pub fn parse(raw: &str) -> Result<SubjectEmail, FieldCode> {
        let s: String = raw.trim().nfc().collect();
        if s.is_empty() {
            return Err(FieldCode::Required);
        }
        if s.chars().any(char::is_control) {
            return Err(FieldCode::ControlCharacters);
        }
        if s.chars().count() > crate::domain::comment::MAX_EMAIL {
            return Err(FieldCode::TooLong {
                max: crate::domain::comment::MAX_EMAIL,
            });
        }
        match s.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(SubjectEmail(s)),
            _ => Err(FieldCode::InvalidEmail),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SubjectEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectEmail(<redacted>)")
    }
}

/// The keyed hash of an email (lowercased) recorded instead of the email.
pub fn email_hmac(secret: &[u8], email: &SubjectEmail) -> String {
    // HMAC takes keys of any length, so this never fails; an empty
    // string would only ever match nothing.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(b"privacy-email:v1:");
    mac.update(email.as_str().to_lowercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What a signed-in account with `role` sees under the current settings
/// (`mask_personal_data` is a rule about accounts, which every site shares:
/// it is set on the default site and holds for all).
pub async fn personal_data_for(
    state: &crate::state::AppState,
    role: crate::domain::Role,
) -> Result<PersonalData, ApiError> {
    let snap = state
        .settings
        .current(&state.pool, &crate::domain::SiteId::default_site())
        .await?;
    Ok(PersonalData::for_viewer(
        role,
        snap.settings.mask_personal_data,
    ))
}

/// Everything stored about one commenter.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonExport {
    pub generated_at: DateTime<Utc>,
    /// The distinct values found across their comments.
    pub summary: PersonSummary,
    /// Their comments with every stored field (status, IP, user agent, ...).
    pub comments: Vec<ExportRecord>,
    /// The audit events about those comments.
    pub audit_events: Vec<AuditRow>,
    /// What the spam learner learned from those comments.
    pub spam_training: Vec<TrainingRow>,
    /// The texts those comments had before each edit.
    pub revisions: Vec<crate::db::revisions::Revision>,
    /// Moderators' sanctions on their email (bans, suspensions, holds).
    pub sanctions: Vec<crate::db::sanctions::Sanction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PersonSummary {
    pub comments: usize,
    pub emails: Vec<String>,
    pub names: Vec<String>,
    pub urls: Vec<String>,
    pub ips: Vec<String>,
    pub user_agents: Vec<String>,
    pub referrers: Vec<String>,
    pub articles: Vec<String>,
}

/// The distinct personal values over a person's comments, sorted.
pub fn summarize(comments: &[ExportRecord]) -> PersonSummary {
    fn set<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
        it.flatten()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
    let ips: Vec<String> = comments
        .iter()
        .filter_map(|c| c.ip.map(|ip| ip.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    PersonSummary {
        comments: comments.len(),
        emails: set(comments.iter().map(|c| Some(c.author_email.as_str()))),
        names: set(comments.iter().map(|c| Some(c.author_name.as_str()))),
        urls: set(comments.iter().map(|c| c.author_url.as_deref())),
        ips,
        user_agents: set(comments.iter().map(|c| c.user_agent.as_deref())),
        referrers: set(comments.iter().map(|c| c.referrer.as_deref())),
        articles: set(comments.iter().map(|c| Some(c.article_id.as_str()))),
    }
}

/// Everything stored about the commenter with this email. Read-only.
#[tracing::instrument(skip_all)]
pub async fn export_person(
    conn: &mut PgConnection,
    email: &SubjectEmail,
) -> Result<PersonExport, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let rows = db::privacy::comments_by_email(&mut tx, email.as_str()).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let audit_events = db::privacy::audit_events_for(&mut tx, &ids).await?;
    let spam_training = db::privacy::training_of_comments(&mut tx, &ids).await?;
    let revisions = db::revisions::of_comments(&mut tx, &ids).await?;
    let sanctions = match sanction_key(&mut tx, email).await? {
        Some(key) => db::sanctions::of_person(&mut tx, &key).await?,
        None => Vec::new(),
    };
    tx.commit().await?;
    let comments: Vec<ExportRecord> = rows;
    tracing::info!(comments = comments.len(), "person exported");
    Ok(PersonExport {
        generated_at: Utc::now(),
        summary: summarize(&comments),
        comments,
        audit_events,
        spam_training,
        revisions,
        sanctions,
    })
}

/// The keyed hash sanctions on this email are found by (`None`: not an
/// address a sanction can name).
async fn sanction_key(
    conn: &mut PgConnection,
    email: &SubjectEmail,
) -> Result<Option<String>, sqlx::Error> {
    let Some(normal) = crate::domain::sanction::normal_email(email.as_str()) else {
        return Ok(None);
    };
    let secret = db::secrets::get_or_create(conn, SECRET_NAME).await?;
    Ok(Some(crate::usecases::sanctions::email_key(
        &secret, &normal,
    )))
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErasureReport {
    /// Comments anonymized.
    pub comments_erased: u64,
    pub comment_ids: Vec<i64>,
    /// Comments whose learner training was undone.
    pub untrained: u64,
    /// Earlier texts of edited comments, deleted.
    pub revisions_erased: u64,
    /// Readers' notes in reports on their comments, deleted (a note may
    /// be about the person).
    pub report_notes_erased: u64,
    /// Free texts about their comments' decisions forgotten: moderators'
    /// reasons in the audit log and on the comments, appeal notes.
    pub decision_texts_erased: u64,
    /// Sanctions on their email whose address and reason were forgotten
    /// (the sanction holds, found by a keyed hash).
    pub sanctions_erased: u64,
    /// An erasure for this email was recorded before (a repeated request).
    pub erased_before: bool,
    /// The `privacy.erased` audit event.
    pub audit_event_id: i64,
}

/// Erases the commenter with this email, in one transaction: anonymize
/// their comments, untrain the learner, audit (without the email).
/// `moderator_id` is the admin who asked (`None`: the command line);
/// `lang` picks the "Anonymous" name.
#[tracing::instrument(skip_all, fields(moderator_id, comments, erased_before))]
pub async fn erase_person(
    conn: &mut PgConnection,
    email: &SubjectEmail,
    moderator_id: Option<i64>,
    lang: Lang,
) -> Result<ErasureReport, crate::error::ApiError> {
    let mut tx = conn.begin().await?;
    // A legal hold on the person or one of their comments keeps it all.
    if db::retention::person_is_held(&mut tx, email.as_str()).await? {
        return Err(crate::domain::codes::ErrorCode::LegalHold.into());
    }
    let secret = db::secrets::get_or_create(&mut tx, SECRET_NAME).await?;
    let hmac = email_hmac(&secret, email);
    let erased_before = db::privacy::erased_before(&mut tx, &hmac).await?;
    let locked = db::privacy::lock_comments_by_email(&mut tx, email.as_str()).await?;
    let ids: Vec<i64> = locked.iter().map(|(id, _)| *id).collect();

    // Locks in the order of `crate::usecases::training`: comments (above), their
    // articles, training rows, then features and corpus shards once.
    let erased = db::privacy::anonymize(&mut tx, &ids, &lang.text(Msg::Anonymous)).await?;
    let training = db::privacy::training_of_comments(&mut tx, &ids).await?;
    let mut delta = TrainingDelta::default();
    for t in &training {
        let features = db::spam::features_from_db(&t.features);
        let script = db::spam::script_from_db(t.script);
        delta.add(t.comment_id, &features, script, t.trained_as == "spam", -1);
    }
    let untrained = db::privacy::delete_training(&mut tx, &ids).await?;
    let revisions_erased = db::revisions::delete_of(&mut tx, &ids).await?;
    let report_notes_erased = db::reports::erase_notes(&mut tx, &ids).await?;
    let decision_texts_erased = db::privacy::erase_decision_texts(&mut tx, &ids).await?;
    let sanctions_erased = match sanction_key(&mut tx, email).await? {
        Some(key) => db::sanctions::erase_person(&mut tx, &key).await?,
        None => 0,
    };
    db::spam::apply_delta(&mut tx, &delta).await?;
    for (id, status) in &locked {
        if let Ok(status) = status.parse() {
            db::audit::insert(
                &mut tx,
                &db::audit::NewAuditEvent::comment_erased(moderator_id, *id, status),
            )
            .await?;
        }
    }
    let audit_event_id = db::audit::insert(
        &mut tx,
        &db::audit::NewAuditEvent::person_erased(moderator_id, &hmac, erased, untrained),
    )
    .await?;
    tx.commit().await?;
    tracing::Span::current()
        .record("moderator_id", moderator_id)
        .record("comments", erased)
        .record("erased_before", erased_before);
    Ok(ErasureReport {
        comments_erased: erased,
        comment_ids: ids,
        untrained,
        revisions_erased,
        report_notes_erased,
        decision_texts_erased,
        sanctions_erased,
        erased_before,
        audit_event_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_email_is_lenient_but_not_empty() {
        assert!(SubjectEmail::parse(" Old.Reader@Localhost ").is_ok());
        assert_eq!(SubjectEmail::parse("  "), Err(FieldCode::Required));
        assert_eq!(SubjectEmail::parse("nobody"), Err(FieldCode::InvalidEmail));
        assert_eq!(SubjectEmail::parse("@x"), Err(FieldCode::InvalidEmail));
        assert_eq!(
            SubjectEmail::parse("a\u{7}@b"),
            Err(FieldCode::ControlCharacters)
        );
        assert!(matches!(
            SubjectEmail::parse(&format!("{}@b.c", "a".repeat(260))),
            Err(FieldCode::TooLong { .. })
        ));
    }

    #[test]
    fn a_subject_email_never_shows_in_debug() {
        let e = SubjectEmail::parse("sara@example.com").unwrap();
        assert!(!format!("{e:?}").contains("sara"));
    }

    #[test]
    fn the_email_hash_ignores_case_and_depends_on_the_secret() {
        let a = SubjectEmail::parse("Sara@Example.com").unwrap();
        let b = SubjectEmail::parse("sara@example.com").unwrap();
        assert_eq!(email_hmac(b"k1", &a), email_hmac(b"k1", &b));
        assert_ne!(email_hmac(b"k1", &a), email_hmac(b"k2", &a));
        assert_eq!(email_hmac(b"k1", &a).len(), 64);
        assert!(!email_hmac(b"k1", &a).contains("sara"));
    }
}
