//! Sanctions on commenters: moderators ban, suspend or hold an email, a
//! domain or an address range (`domain::sanction`), audited; the
//! submission workflow applies the strongest active one before the spam
//! rules (`usecases::submission::decide`). A sanction can also reject the
//! person's pending and published comments, each as its own audited
//! decision, at most [`MAX_BULK_IDS`] per request (as a bulk decision):
//! the rest wait for `POST /api/v1/moderation/sanctions/{id}/reject-existing`.

use crate::auth::Session;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::comments::CommentRow;
use crate::db::sanctions::{Covered, NewSanction, Sanction};
use crate::domain::decision::ReasonCategory;
use crate::domain::ids::CommentId;
use crate::domain::limits::MAX_BULK_IDS;
use crate::domain::sanction::{
    Active, SanctionKind, Target, ascii_domain, covering_domains, normal_email,
};
use crate::domain::{CommentStatus, SiteId};
use crate::error::{ApiError, ErrorCode};
use crate::spam::Reason;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use serde_json::json;
use sha2::Sha256;

/// The keyed hash a sanction on a normalized email is found by (the
/// address itself can then be erased with the person's data).
pub fn email_key(secret: &[u8], normal: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(b"sanction-email:v1:");
    mac.update(normal.as_bytes());
    format!("email:{}", hex::encode(mac.finalize().into_bytes()))
}

/// What finds the sanctions on a commenter with this email: the hash of
/// the address and the domains that cover it. Their address is matched
/// by range.
pub fn match_keys(secret: &[u8], email: &str) -> Vec<String> {
    let Some(normal) = normal_email(email) else {
        return Vec::new();
    };
    let mut keys = vec![email_key(secret, &normal)];
    if let Some((_, domain)) = normal.rsplit_once('@') {
        keys.extend(covering_domains(domain));
    }
    keys
}

/// The reason moderators see on a comment a sanction decided (no points:
/// it is not a spam verdict; nothing about the person).
pub fn reason_of(s: Active) -> Reason {
    Reason::new("sanction", 0.0, format!("{} #{}", s.kind.as_str(), s.id))
}

/// Where a new sanction's target comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSource {
    /// Typed by the moderator.
    Given(Target),
    /// The author of a comment: their email (`email`), its domain
    /// (`domain`) or their address (`network`, a /32 or /128).
    OfComment { id: CommentId, target_type: String },
}

/// A validated request for a sanction.
#[derive(Debug, Clone)]
pub struct NewSanctionRequest {
    pub kind: SanctionKind,
    pub source: TargetSource,
    /// `None`: every site.
    pub site: Option<SiteId>,
    pub reason: String,
    pub reason_category: ReasonCategory,
    pub expires_at: Option<DateTime<Utc>>,
    /// Reject the target's pending and published comments too.
    pub reject_existing: bool,
}

/// A new sanction, and what it rejected.
pub struct Created {
    pub sanction: Sanction,
    pub rejection: Rejection,
}

/// What one "reject their existing comments" request did.
#[derive(Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = SanctionRejection)]
pub struct Rejection {
    /// The comments it rejected, ascending: at most 500 per request.
    pub rejected: Vec<i64>,
    /// Pending and published comments the sanction still covers: `POST
    /// /api/v1/moderation/sanctions/{id}/reject-existing` rejects the next
    /// 500. 0 when nothing was asked.
    pub remaining: i64,
}

/// The target of a comment's author, as a sanction stores it.
fn target_of(row: &CommentRow, target_type: &str) -> Result<Target, ApiError> {
    let missing = || ApiError::field("target_type", crate::error::FieldCode::InvalidValue);
    match target_type {
        "email" => normal_email(&row.author_email)
            .map(Target::Email)
            .ok_or_else(missing),
        "domain" => row
            .author_email
            .rsplit_once('@')
            .and_then(|(_, d)| ascii_domain(d))
            .map(Target::Domain)
            .ok_or_else(missing),
        "network" => row
            .ip
            .map(|ip| Target::Network(IpNet::from(ip)))
            .ok_or_else(missing),
        _ => Err(missing()),
    }
}

/// Stores a sanction (audited as `sanction.created`, with neither the
/// email nor the range: the audit log outlives an erasure), then, when
/// asked, rejects the comments it covers one by one, each audited like a
/// moderator's decision.
pub async fn create(
    state: &AppState,
    session: &Session,
    r: NewSanctionRequest,
) -> Result<Created, ApiError> {
    match &r.site {
        Some(site) => {
            session.check_site(site)?;
            let all = state.settings.all(&state.pool).await?;
            if !all.contains_key(site) {
                return Err(ErrorCode::SiteNotFound.into());
            }
        }
        // Every site: only an account that may see every site.
        None if session.sites.as_sql().is_some() => return Err(ErrorCode::Forbidden.into()),
        None => {}
    }
    let mut tx = state.pool.begin().await?;
    let target = match r.source {
        TargetSource::Given(t) => t,
        TargetSource::OfComment { id, target_type } => {
            let row = db::moderation::fetch(&mut tx, id, db::Lock::None)
                .await?
                .filter(|c| session.sites.allows(&c.site))
                .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
            target_of(&row, &target_type)?
        }
    };
    let (match_key, network) = match &target {
        Target::Email(normal) => (Some(email_key(&state.person_secret, normal)), None),
        Target::Domain(d) => (Some(d.clone()), None),
        Target::Network(n) => (None, Some(*n)),
    };
    let shown = target.display();
    let sanction = db::sanctions::insert(
        &mut tx,
        &NewSanction {
            site: r.site.as_ref().map(SiteId::as_str),
            kind: r.kind,
            target_type: target.type_str(),
            target: &shown,
            match_key: match_key.as_deref(),
            network,
            reason: &r.reason,
            reason_category: r.reason_category,
            expires_at: r.expires_at,
            by: session.actor(),
        },
    )
    .await?;
    let event = NewAuditEvent::by_moderator(
        session.actor(),
        "sanction.created",
        json!({
            "sanction_id": sanction.id,
            "kind": sanction.kind.as_str(),
            "target_type": sanction.target_type,
            "site": sanction.site,
            "expires_at": sanction.expires_at,
            "reject_existing": r.reject_existing,
        }),
    );
    // The reason stays on the sanction (erased with the person's data),
    // not in the log.
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    // After the commit, so that a comment posted meanwhile is either found
    // here or already judged under the sanction.
    let rejection = if r.reject_existing {
        reject_covered(state, session, &sanction, &target).await?
    } else {
        Rejection::default()
    };
    Ok(Created {
        sanction,
        rejection,
    })
}

/// Rejects up to [`MAX_BULK_IDS`] more of the comments an active sanction
/// covers (`POST /api/v1/moderation/sanctions/{id}/reject-existing`): 404
/// `sanction_not_found` unless it is active and the account may act on
/// its site.
pub async fn reject_existing(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<Rejection, ApiError> {
    let sites = session.sites.as_sql();
    let mut conn = state.pool.acquire().await?;
    let sanction = db::sanctions::find_active(&mut conn, id, sites.as_deref())
        .await?
        .ok_or(ApiError::new(ErrorCode::SanctionNotFound))?;
    drop(conn);
    // Erased with the person's data: so were their comments.
    let Some(target) = sanction
        .target
        .as_deref()
        .and_then(|t| Target::stored(&sanction.target_type, t))
    else {
        return Ok(Rejection::default());
    };
    reject_covered(state, session, &sanction, &target).await
}

/// Rejects the first [`MAX_BULK_IDS`] comments `target` covers within the
/// sanction's site (or the sites the account may see), each a decision in
/// its own transaction, audited like a moderator's (a comment changed
/// meanwhile is decided as it is then; one gone is skipped). A failure
/// stops the run: what was rejected stays rejected and is reported.
async fn reject_covered(
    state: &AppState,
    session: &Session,
    sanction: &Sanction,
    target: &Target,
) -> Result<Rejection, ApiError> {
    let forms = stored_forms(target);
    let covered = match target {
        Target::Email(_) => Covered::Emails(&forms),
        Target::Domain(_) => Covered::Domains(&forms),
        Target::Network(n) => Covered::Network(*n),
    };
    let sites = match &sanction.site {
        Some(site) => Some(vec![site.clone()]),
        None => session.sites.as_sql(),
    };
    let limit = i64::try_from(MAX_BULK_IDS).unwrap_or(i64::MAX);
    let mut conn = state.pool.acquire().await?;
    let (ids, total) =
        db::sanctions::covered_comments(&mut conn, &covered, sites.as_deref(), limit).await?;
    drop(conn);
    let decision = crate::usecases::moderation::Decision {
        status: Some(CommentStatus::Rejected),
        body: None,
        reason: Some(format!("sanction #{}", sanction.id)),
        category: Some(sanction.reason_category),
        tell_author: false,
    };
    let mut rejected = Vec::with_capacity(ids.len());
    let mut looked_at = 0i64;
    for id in ids {
        match crate::usecases::moderation::apply_committed(
            state,
            session,
            CommentId(id),
            &decision,
            &crate::usecases::moderation::IfMatch::Any,
        )
        .await
        {
            Ok(_) => rejected.push(id),
            // Gone or out of scope since: nothing to reject.
            Err(e) if e.code == ErrorCode::CommentNotFound => {}
            Err(e) => {
                tracing::warn!(sanction_id = sanction.id, code = ?e.code, "rejecting a covered comment failed; stopping");
                break;
            }
        }
        looked_at += 1;
    }
    Ok(Rejection {
        rejected,
        remaining: (total - looked_at).max(0),
    })
}

/// The forms an email or a domain may be stored in on comments (as
/// typed: the domain in ASCII or in Unicode; compared lowercase).
fn stored_forms(target: &Target) -> Vec<String> {
    let unicode = |ascii: &str| idna::domain_to_unicode(ascii).0.to_lowercase();
    let mut forms = match target {
        Target::Email(normal) => match normal.rsplit_once('@') {
            Some((local, domain)) => {
                vec![normal.clone(), format!("{local}@{}", unicode(domain))]
            }
            None => vec![normal.clone()],
        },
        Target::Domain(d) => vec![d.clone(), unicode(d)],
        Target::Network(_) => Vec::new(),
    };
    forms.dedup();
    forms
}

/// Revokes a sanction (audited as `sanction.revoked`): 404
/// `sanction_not_found` unless it is unrevoked and the account may see
/// its site (a sanction on every site: an account that sees every site).
pub async fn revoke(state: &AppState, session: &Session, id: i64) -> Result<Sanction, ApiError> {
    let mut tx = state.pool.begin().await?;
    let sites = session.sites.as_sql();
    let s = db::sanctions::revoke(&mut tx, id, session.actor(), sites.as_deref())
        .await?
        .ok_or(ApiError::new(ErrorCode::SanctionNotFound))?;
    let event = NewAuditEvent::by_moderator(
        session.actor(),
        "sanction.revoked",
        json!({ "sanction_id": s.id, "kind": s.kind.as_str(), "target_type": s.target_type }),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_found_by_its_keyed_hash_and_its_domains() {
        let secret = b"instance secret";
        let keys = match_keys(secret, "Sara@Mail.Exämple.com");
        assert_eq!(keys.len(), 3);
        assert!(keys[0].starts_with("email:") && !keys[0].contains("sara"));
        assert_eq!(keys[1..], ["mail.xn--exmple-cua.com", "xn--exmple-cua.com"]);
        // The same person however the address is typed.
        assert_eq!(keys, match_keys(secret, "sara@mail.xn--exmple-cua.COM"));
        assert_ne!(keys[0], match_keys(b"other", "sara@mail.exämple.com")[0]);
        assert!(match_keys(secret, "nobody").is_empty());
    }

    #[test]
    fn a_target_is_looked_for_in_the_forms_comments_store() {
        assert_eq!(
            stored_forms(&Target::Email("sara@xn--exmple-cua.com".into())),
            ["sara@xn--exmple-cua.com", "sara@exämple.com"]
        );
        assert_eq!(
            stored_forms(&Target::Domain("example.com".into())),
            ["example.com"]
        );
    }
}
