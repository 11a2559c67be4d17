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
use crate::db::privacy::{PersonAuditEvent, TrainingRow};
use crate::error::FieldCode;
use crate::export::ExportRecord;
use crate::i18n::{Lang, Msg};
use crate::training::TrainingDelta;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use serde::Serialize;
use sha2::Sha256;
use sqlx::{Acquire, PgConnection};
use std::collections::BTreeSet;
use std::net::IpAddr;
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

/// How much of a commenter's personal data (email, IP address, user
/// agent) a viewer sees. With the setting `mask_personal_data` on, accounts
/// with the `moderator` role see it masked, in the queue, a comment's
/// detail, a decision's answer and the export; admins always see it all.
/// (The audit log never holds emails or addresses, so it has nothing to
/// mask.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalData {
    Full,
    Masked,
}

impl PersonalData {
    pub fn for_viewer(role: crate::domain::Role, mask_for_moderators: bool) -> PersonalData {
        if mask_for_moderators && role != crate::domain::Role::Admin {
            PersonalData::Masked
        } else {
            PersonalData::Full
        }
    }

    pub fn is_masked(self) -> bool {
        self == PersonalData::Masked
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PersonalData::Full => "full",
            PersonalData::Masked => "masked",
        }
    }
}

/// What a signed-in account with `role` sees under the current settings.
pub async fn personal_data_for(
    state: &crate::startup::AppState,
    role: crate::domain::Role,
) -> Result<PersonalData, sqlx::Error> {
    let snap = state.settings.current(&state.pool).await?;
    Ok(PersonalData::for_viewer(
        role,
        snap.settings.mask_personal_data,
    ))
}

/// The prefixes a masked address keeps: an IPv4 /24, an IPv6 /48.
pub const MASKED_V4_PREFIX: u8 = 24;
pub const MASKED_V6_PREFIX: u8 = 48;

/// `layla@example.com` -> `l***@example.com`: the first character of the
/// local part and the domain. An erased (empty) email stays empty.
pub fn mask_email(email: &str) -> String {
    if email.is_empty() {
        return String::new();
    }
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// `192.0.2.55` -> `192.0.2.x`; `2001:db8:1:2::5` -> `2001:db8:1::x`
/// (the /24 or /48 network, which a mail provider or a city shares).
pub fn mask_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::x", s[0], s[1], s[2])
        }
    }
}

/// An address filter as a masked viewer may use it: never narrower than
/// what the mask shows (a /24 or /48), so filtering cannot recover the
/// hidden part of an address one query at a time. `ip=192.0.2.55` lists
/// the comments of `192.0.2.x`.
pub fn widen_to_mask(net: IpNet) -> IpNet {
    let max = match net {
        IpNet::V4(_) => MASKED_V4_PREFIX,
        IpNet::V6(_) => MASKED_V6_PREFIX,
    };
    if net.prefix_len() <= max {
        return net;
    }
    IpNet::new(net.addr(), max).map_or(net, |n| n.trunc())
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
    pub audit_events: Vec<PersonAuditEvent>,
    /// What the spam learner learned from those comments.
    pub spam_training: Vec<TrainingRow>,
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
    tx.commit().await?;
    let comments: Vec<ExportRecord> = rows.into_iter().map(ExportRecord::from).collect();
    tracing::info!(comments = comments.len(), "person exported");
    Ok(PersonExport {
        generated_at: Utc::now(),
        summary: summarize(&comments),
        comments,
        audit_events,
        spam_training,
    })
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErasureReport {
    /// Comments anonymized.
    pub comments_erased: u64,
    pub comment_ids: Vec<i64>,
    /// Comments whose learner training was undone.
    pub untrained: u64,
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
) -> Result<ErasureReport, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let secret = db::secrets::get_or_create(&mut tx, SECRET_NAME).await?;
    let hmac = email_hmac(&secret, email);
    let erased_before = db::privacy::erased_before(&mut tx, &hmac).await?;
    let locked = db::privacy::lock_comments_by_email(&mut tx, email.as_str()).await?;
    let ids: Vec<i64> = locked.iter().map(|(id, _)| *id).collect();

    // Locks in the order of `crate::training`: comments (above), their
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
    fn masks_keep_a_hint_and_hide_the_person() {
        assert_eq!(mask_email("layla@example.com"), "l***@example.com");
        assert_eq!(mask_email("سارة@example.com"), "س***@example.com");
        assert_eq!(mask_email(""), "");
        assert_eq!(mask_email("nobody"), "***");
        assert_eq!(mask_ip("192.0.2.55".parse().unwrap()), "192.0.2.x");
        assert_eq!(mask_ip("2001:db8:1:2::5".parse().unwrap()), "2001:db8:1::x");
    }

    #[test]
    fn a_masked_filter_is_never_narrower_than_the_mask() {
        let w = |s: &str| widen_to_mask(s.parse().unwrap()).to_string();
        assert_eq!(w("192.0.2.55/32"), "192.0.2.0/24");
        assert_eq!(w("192.0.2.128/25"), "192.0.2.0/24");
        assert_eq!(w("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(w("2001:db8:1:2::5/128"), "2001:db8:1::/48");
        assert_eq!(w("2001:db8::/32"), "2001:db8::/32");
    }

    #[test]
    fn only_moderators_are_masked_and_only_when_the_site_asks() {
        use crate::domain::Role;
        assert_eq!(
            PersonalData::for_viewer(Role::Moderator, true),
            PersonalData::Masked
        );
        assert_eq!(
            PersonalData::for_viewer(Role::Admin, true),
            PersonalData::Full
        );
        assert_eq!(
            PersonalData::for_viewer(Role::Moderator, false),
            PersonalData::Full
        );
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
