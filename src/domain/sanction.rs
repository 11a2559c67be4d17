//! Sanctions on commenters: what moderators may impose (a ban, a timed
//! suspension, a hold for review), on whom (one email, an email domain, an
//! address range), and what an active sanction does to a new comment.
//! Pure: the use case (`usecases::sanctions`) stores them, the submission
//! workflow looks them up with the rest of its context.

use super::codes::FieldCode;
use crate::domain::CommentStatus;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::Serialize;

/// What a sanction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    /// New comments are accepted as usual and go to `spam`, silently: the
    /// answer is the one any comment held as spam gets (`pending`), so a
    /// spammer learns nothing.
    Ban,
    /// New comments are refused (403 `commenting_suspended`, with
    /// `Retry-After`) until the suspension ends; it always ends.
    Suspend,
    /// New comments wait in the queue (`pending`), whatever the approval
    /// mode; spam stays spam.
    Hold,
}

impl SanctionKind {
    pub const ALL: [SanctionKind; 3] =
        [SanctionKind::Ban, SanctionKind::Suspend, SanctionKind::Hold];

    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Ban => "ban",
            SanctionKind::Suspend => "suspend",
            SanctionKind::Hold => "hold",
        }
    }

    /// Exactly one of the names.
    pub fn parse(raw: &str) -> Result<SanctionKind, FieldCode> {
        if raw.is_empty() {
            return Err(FieldCode::Required);
        }
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or(FieldCode::InvalidValue)
    }

    /// Which of two sanctions on one comment wins: a suspension (it
    /// refuses), then a ban, then a hold.
    fn rank(self) -> u8 {
        match self {
            SanctionKind::Suspend => 0,
            SanctionKind::Ban => 1,
            SanctionKind::Hold => 2,
        }
    }
}

impl TryFrom<String> for SanctionKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        SanctionKind::parse(&s).map_err(|_| format!("unknown sanction kind {s:?}"))
    }
}

/// Whom a sanction covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One address, normalized ([`normal_email`]).
    Email(String),
    /// A domain in its ASCII (punycode) form, lowercase; its subdomains
    /// too.
    Domain(String),
    /// An address range (its network address: host bits cleared).
    Network(IpNet),
}

impl Target {
    pub const TYPES: [&'static str; 3] = ["email", "domain", "network"];

    pub fn type_str(&self) -> &'static str {
        match self {
            Target::Email(_) => "email",
            Target::Domain(_) => "domain",
            Target::Network(_) => "network",
        }
    }

    /// `raw` read as a target of type `kind` (`email`, `domain` or
    /// `network`).
    pub fn parse(kind: &str, raw: &str) -> Result<Target, FieldCode> {
        if raw.trim().is_empty() {
            return Err(FieldCode::Required);
        }
        if raw.chars().any(char::is_control) {
            return Err(FieldCode::ControlCharacters);
        }
        let raw = raw.trim();
        match kind {
            "email" => crate::domain::comment::AuthorEmail::parse(raw)
                .ok()
                .and_then(|e| normal_email(e.as_str()))
                .map(Target::Email)
                .ok_or(FieldCode::InvalidEmail),
            "domain" => {
                let d = ascii_domain(raw).ok_or(FieldCode::InvalidValue)?;
                if is_public_suffix(&d) {
                    return Err(FieldCode::PublicSuffix);
                }
                Ok(Target::Domain(d))
            }
            "network" => parse_network(raw)
                .map(Target::Network)
                .ok_or(FieldCode::InvalidValue),
            _ => Err(FieldCode::InvalidValue),
        }
    }

    /// A target as a sanction stored it ([`Target::display`]): trusted,
    /// so the rules for new targets (a public suffix, say) are not asked
    /// again of old ones.
    pub fn stored(kind: &str, raw: &str) -> Option<Target> {
        match kind {
            "email" => Some(Target::Email(raw.to_owned())),
            "domain" => Some(Target::Domain(raw.to_owned())),
            "network" => raw.parse().ok().map(Target::Network),
            _ => None,
        }
    }

    /// The target as moderators see it and as it is stored.
    pub fn display(&self) -> String {
        match self {
            Target::Email(e) | Target::Domain(e) => e.clone(),
            Target::Network(n) => n.to_string(),
        }
    }
}

/// An address or a range (`192.0.2.7`, `192.0.2.0/24`, `2001:db8::/48`),
/// as its network (host bits cleared). Ranges wider than a /8 (IPv4) or a
/// /16 (IPv6) are refused: they would sanction a good part of the world.
pub fn parse_network(raw: &str) -> Option<IpNet> {
    let net = raw
        .parse::<IpNet>()
        .ok()
        .or_else(|| raw.parse::<std::net::IpAddr>().ok().map(IpNet::from))?;
    // Client addresses are stored canonical (`client_ip`): a range of
    // IPv4-mapped IPv6 addresses is the IPv4 range it maps.
    let net = match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => IpNet::V4(ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).ok()?),
            None => net,
        },
        _ => net,
    };
    let min = match net {
        IpNet::V4(_) => 8,
        IpNet::V6(_) => 16,
    };
    (net.prefix_len() >= min).then(|| net.trunc())
}

/// A domain's ASCII form, lowercase, without a final dot: the same for
/// `Exämple.COM`, `exämple.com` and `xn--exmple-cua.com`. At least two
/// labels (a bare top-level domain is refused).
pub fn ascii_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_end_matches('.');
    if d.is_empty() || d.contains(['@', '/', ':', ' ']) {
        return None;
    }
    let ascii = idna::domain_to_ascii(d).ok()?.to_ascii_lowercase();
    let labels: Vec<&str> = ascii.split('.').collect();
    let ok = labels.len() >= 2
        && ascii.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    ok.then_some(ascii)
}

/// An email address as sanctions compare it: the local part lowercased
/// (kept whole: a `+tag` is another address for majlis), `@`, the domain's
/// ASCII form. `None` when the domain is not one.
pub fn normal_email(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    if local.is_empty() {
        return None;
    }
    Some(format!(
        "{}@{}",
        local.to_lowercase(),
        ascii_domain(domain)?
    ))
}

/// Whether `ascii` (lowercase ASCII) is itself a public suffix of the
/// ICANN section of the Public Suffix List (`com`, `co.uk`, `com.sa`), under
/// which anyone registers domains: a ban on it would ban a country.
/// Private-section suffixes (hosting providers' shared domains) may be
/// banned on purpose.
pub fn is_public_suffix(ascii: &str) -> bool {
    psl::suffix(ascii.as_bytes())
        .is_some_and(|s| s.as_bytes() == ascii.as_bytes() && s.typ() == Some(psl::Type::Icann))
}

/// The domains a sanction on which covers an address at `ascii_domain`:
/// the domain itself and every parent with at least two labels
/// (`a.mail.example.com`: itself, `mail.example.com`, `example.com`).
pub fn covering_domains(ascii_domain: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = ascii_domain;
    while rest.contains('.') {
        out.push(rest.to_owned());
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => break,
        }
    }
    out
}

/// An active sanction that covers a comment's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Active {
    pub id: i64,
    pub kind: SanctionKind,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The sanction that decides, among those that cover a comment.
pub fn strongest(list: &[Active]) -> Option<Active> {
    list.iter().copied().min_by_key(|a| (a.kind.rank(), a.id))
}

/// What a sanction does to a new comment (or an author's edit) whose spam
/// verdict and approval workflow gave `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Refused until then.
    Refuse { until: DateTime<Utc> },
    /// Stored with this status instead.
    Status(CommentStatus),
}

pub fn effect(sanction: Active, status: CommentStatus) -> Effect {
    match (sanction.kind, sanction.expires_at) {
        (SanctionKind::Suspend, Some(until)) => Effect::Refuse { until },
        // A suspension always ends (the table says so); without an end it
        // could only be a ban.
        (SanctionKind::Suspend, None) | (SanctionKind::Ban, _) => {
            Effect::Status(CommentStatus::Spam)
        }
        (SanctionKind::Hold, _) if status == CommentStatus::Approved => {
            Effect::Status(CommentStatus::Pending)
        }
        (SanctionKind::Hold, _) => Effect::Status(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_is_the_same_in_any_case_and_in_unicode_or_punycode() {
        let a = ascii_domain("Exämple.COM").unwrap();
        assert_eq!(a, "xn--exmple-cua.com");
        assert_eq!(ascii_domain("exämple.com.").as_deref(), Some(a.as_str()));
        assert_eq!(
            ascii_domain("XN--EXMPLE-CUA.com").as_deref(),
            Some(a.as_str())
        );
        assert_eq!(
            ascii_domain("مثال.إختبار").as_deref(),
            Some("xn--mgbh0fb.xn--kgbechtv")
        );
        for bad in [
            "com",
            "",
            "a b.com",
            "user@example.com",
            "-x.com",
            "example..com",
            "http://x.com",
        ] {
            assert_eq!(ascii_domain(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails_compare_by_lowercase_local_part_and_ascii_domain() {
        assert_eq!(
            normal_email("Sara.Reader@Exämple.com").as_deref(),
            Some("sara.reader@xn--exmple-cua.com")
        );
        assert_eq!(
            normal_email("sara.reader@xn--exmple-cua.COM"),
            normal_email("SARA.READER@exämple.com")
        );
        // A +tag is another address.
        assert_ne!(
            normal_email("sara+x@example.com"),
            normal_email("sara@example.com")
        );
        assert_eq!(normal_email("nobody"), None);
        assert_eq!(
            Target::parse("email", " Sara@Example.com "),
            Ok(Target::Email("sara@example.com".into()))
        );
        assert_eq!(
            Target::parse("email", "not an email"),
            Err(FieldCode::InvalidEmail)
        );
    }

    #[test]
    fn a_domain_sanction_covers_its_subdomains_but_not_the_top_level() {
        assert_eq!(
            covering_domains("a.mail.example.com"),
            ["a.mail.example.com", "mail.example.com", "example.com"]
        );
        assert_eq!(covering_domains("example.com"), ["example.com"]);
        assert!(covering_domains("localhost").is_empty());
    }

    #[test]
    fn a_stored_target_reads_back_as_itself_even_where_new_rules_refuse_it() {
        for t in [
            Target::parse("email", "Sara@Exämple.com").unwrap(),
            Target::parse("domain", "spam.example").unwrap(),
            Target::parse("network", "192.0.2.7/24").unwrap(),
            Target::parse("network", "2001:db8::/48").unwrap(),
        ] {
            assert_eq!(Target::stored(t.type_str(), &t.display()), Some(t.clone()));
        }
        // A domain sanction made before public suffixes were refused.
        assert_eq!(
            Target::stored("domain", "co.uk"),
            Some(Target::Domain("co.uk".into()))
        );
        assert_eq!(Target::stored("network", "not a range"), None);
        assert_eq!(Target::stored("person", "x"), None);
    }

    #[test]
    fn a_public_suffix_cannot_be_banned_but_a_domain_under_it_can() {
        for suffix in ["co.uk", "com.sa", "gov.eg", "ac.jp"] {
            assert_eq!(
                Target::parse("domain", suffix),
                Err(FieldCode::PublicSuffix),
                "{suffix}"
            );
        }
        // A single label (a top-level domain) is refused before.
        assert_eq!(
            Target::parse("domain", "امارات"),
            Err(FieldCode::InvalidValue)
        );
        assert_eq!(
            Target::parse("domain", "Com.SA."),
            Err(FieldCode::PublicSuffix)
        );
        for domain in ["spam.co.uk", "example.com.sa", "example.com"] {
            assert!(Target::parse("domain", domain).is_ok(), "{domain}");
        }
        // A hosting provider's shared domain (the list's private section)
        // may be banned on purpose.
        assert!(Target::parse("domain", "blogspot.com").is_ok());
    }

    #[test]
    fn ranges_are_stored_as_networks_and_not_too_wide() {
        assert_eq!(
            parse_network("192.0.2.77/24")
                .map(|n| n.to_string())
                .as_deref(),
            Some("192.0.2.0/24")
        );
        assert_eq!(
            parse_network("192.0.2.7").map(|n| n.to_string()).as_deref(),
            Some("192.0.2.7/32")
        );
        assert_eq!(
            parse_network("2001:db8:1:2::5/48")
                .map(|n| n.to_string())
                .as_deref(),
            Some("2001:db8:1::/48")
        );
        // IPv4-mapped IPv6: the IPv4 range, as client addresses are kept.
        assert_eq!(
            parse_network("::ffff:192.0.2.77/120")
                .map(|n| n.to_string())
                .as_deref(),
            Some("192.0.2.0/24")
        );
        assert_eq!(
            parse_network("::ffff:192.0.2.7")
                .map(|n| n.to_string())
                .as_deref(),
            Some("192.0.2.7/32")
        );
        assert_eq!(parse_network("::ffff:10.0.0.0/100"), None);
        assert_eq!(parse_network("10.0.0.0/7"), None);
        assert_eq!(parse_network("2001::/15"), None);
        assert_eq!(parse_network("192.0.2.0/33"), None);
        assert_eq!(parse_network("example.com"), None);
        assert_eq!(
            Target::parse("network", "192.0.2.0/24\n"),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(Target::parse("nothing", "x"), Err(FieldCode::InvalidValue));
        assert_eq!(Target::parse("domain", "  "), Err(FieldCode::Required));
    }

    #[test]
    fn a_suspension_refuses_a_ban_sends_to_spam_a_hold_holds() {
        let until = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let s = |id, kind, expires_at| Active {
            id,
            kind,
            expires_at,
        };
        let suspend = s(3, SanctionKind::Suspend, Some(until));
        let ban = s(2, SanctionKind::Ban, None);
        let hold = s(1, SanctionKind::Hold, None);
        assert_eq!(strongest(&[hold, ban, suspend]), Some(suspend));
        assert_eq!(strongest(&[hold, ban]), Some(ban));
        assert_eq!(strongest(&[]), None);
        assert_eq!(
            effect(suspend, CommentStatus::Approved),
            Effect::Refuse { until }
        );
        for status in CommentStatus::ALL {
            assert_eq!(effect(ban, status), Effect::Status(CommentStatus::Spam));
        }
        assert_eq!(
            effect(hold, CommentStatus::Approved),
            Effect::Status(CommentStatus::Pending)
        );
        assert_eq!(
            effect(hold, CommentStatus::Spam),
            Effect::Status(CommentStatus::Spam)
        );
        assert_eq!(
            effect(hold, CommentStatus::Pending),
            Effect::Status(CommentStatus::Pending)
        );
    }

    #[test]
    fn kinds_are_the_fixed_list() {
        for k in SanctionKind::ALL {
            assert_eq!(SanctionKind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(SanctionKind::parse("Ban"), Err(FieldCode::InvalidValue));
        assert_eq!(SanctionKind::parse(""), Err(FieldCode::Required));
    }
}
