//! Webhooks: which events there are, what a webhook's URL and secret may
//! be, how a delivery is signed (Standard Webhooks) and when a failed one
//! is tried again. Pure: storage and delivery live in `db::webhooks` and
//! `usecases::webhooks`.

use super::codes::FieldCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// The events a webhook may ask for.
pub const EVENTS: [&str; 4] = [
    "comment.created",
    "comment.status_changed",
    "comment.edited",
    "comment.erased",
];

/// Personal data a webhook may ask to receive with each comment.
pub const PERSONAL_FIELDS: [&str; 3] = ["email", "ip", "user_agent"];

pub const MAX_URL: usize = 2000;
/// Key lengths Standard Webhooks allows, in bytes.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
const SECRET_PREFIX: &str = "whsec_";
/// How long an attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A webhook's events: at least one, each from [`EVENTS`], without
/// repeats (kept in [`EVENTS`]'s order).
pub fn parse_events(list: &[String]) -> Result<Vec<String>, FieldCode> {
    if list.is_empty() {
        return Err(FieldCode::Required);
    }
    if list.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        return Err(FieldCode::InvalidValue);
    }
    Ok(EVENTS
        .iter()
        .filter(|e| list.iter().any(|l| l == *e))
        .map(|e| (*e).to_owned())
        .collect())
}

/// Which personal fields go out with each comment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Include {
    pub email: bool,
    pub ip: bool,
    pub user_agent: bool,
}

impl Include {
    pub fn parse(list: &[String]) -> Result<Include, FieldCode> {
        let mut inc = Include::default();
        for f in list {
            match f.as_str() {
                "email" => inc.email = true,
                "ip" => inc.ip = true,
                "user_agent" => inc.user_agent = true,
                _ => return Err(FieldCode::InvalidValue),
            }
        }
        Ok(inc)
    }

    pub fn names(self) -> Vec<&'static str> {
        [
            (self.email, "email"),
            (self.ip, "ip"),
            (self.user_agent, "user_agent"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| n)
        .collect()
    }
}

/// A webhook's URL: http or https, a host, no user name or password, at
/// most [`MAX_URL`] characters; unless `allow_private`, a host that is
/// not a private, loopback or link-local address (nor `localhost`).
/// Names are checked again after each resolution, at delivery.
pub fn parse_url(raw: &str, allow_private: bool) -> Result<url::Url, FieldCode> {
    // As sent, as the schema's pattern and `maxLength` judge it: a
    // trailing line feed is refused, not trimmed away.
    if raw.chars().any(char::is_control) {
        return Err(FieldCode::ControlCharacters);
    }
    if raw.chars().count() > MAX_URL {
        return Err(FieldCode::TooLong { max: MAX_URL });
    }
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldCode::Required);
    }
    let url = url::Url::parse(raw).map_err(|_| FieldCode::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldCode::InvalidUrlScheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldCode::UrlCredentials);
    }
    let private = match url.host() {
        None => return Err(FieldCode::InvalidUrl),
        Some(url::Host::Ipv4(a)) => !is_public(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => !is_public(IpAddr::V6(a)),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    };
    if private && !allow_private {
        return Err(FieldCode::PrivateAddress);
    }
    Ok(url)
}

/// Whether an address is one a webhook may reach: not private, loopback,
/// link-local, unspecified, shared (CGNAT), multicast, broadcast or
/// reserved, also when wrapped in IPv6 (mapped, NAT64).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [o1, o2, ..] = a.octets();
    !(a.is_private()
        || a.is_loopback()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || o1 == 0
        || (o1 == 100 && (64..128).contains(&o2))
        || o1 >= 240
        || (o1 == 192 && o2 == 0 && a.octets()[2] == 0))
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let seg = a.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        let [.., a, b, c, d] = a.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00
        || (seg[0] & 0xffc0) == 0xfe80
        || (seg[0] & 0xffc0) == 0xfec0)
}

/// A secret as given: `whsec_` and the base64 of a 24-64 byte key.
pub fn parse_secret(raw: &str) -> Result<String, FieldCode> {
    // As sent: the schema's pattern allows no white space around it.
    secret_key(raw).ok_or(FieldCode::InvalidValue)?;
    Ok(raw.to_owned())
}

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret(key: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", BASE64.encode(key))
}

/// The signing key inside a secret.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX)?;
    let key = BASE64.decode(b64).ok()?;
    KEY_BYTES.contains(&key.len()).then_some(key)
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of
/// `id.timestamp.body` under the secret's key (Standard Webhooks).
pub fn signature(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = secret_key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// The message id receivers see: the same on every retry of an event and
/// on every webhook it goes to.
pub fn message_id(audit_event_id: i64) -> String {
    format!("msg_{audit_event_id}")
}

/// The webhook event an audit event of a comment is, if any: its
/// submission, an edit, an erasure, or any other move to a different
/// status (a decision, a withdrawal, reports holding it).
pub fn event_of(action: &str, old: Option<&str>, new: Option<&str>) -> Option<&'static str> {
    match action {
        "comment.submitted" => Some("comment.created"),
        "comment.edited" => Some("comment.edited"),
        "comment.erased" => Some("comment.erased"),
        _ => match (old, new) {
            (Some(old), Some(new)) if old != new => Some("comment.status_changed"),
            _ => None,
        },
    }
}

/// Whether a webhook made at `created_at`, asking for `events` on `site`
/// (`None`: every site), wants `event` of a comment on `comment_site`
/// that happened at `at` (a webhook gets nothing from before it existed).
pub fn wants(
    events: &[String],
    site: Option<&str>,
    created_at: chrono::DateTime<chrono::Utc>,
    event: &str,
    comment_site: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> bool {
    events.iter().any(|e| e == event) && site.is_none_or(|s| s == comment_site) && created_at <= at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_checked_and_kept_in_order_without_repeats() {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(&list(&[
                "comment.erased",
                "comment.created",
                "comment.created"
            ])),
            Ok(list(&["comment.created", "comment.erased"]))
        );
        assert_eq!(parse_events(&[]), Err(FieldCode::Required));
        assert_eq!(
            parse_events(&list(&["comment.deleted"])),
            Err(FieldCode::InvalidValue)
        );
    }

    #[test]
    fn urls_must_be_public_http_without_credentials() {
        assert!(parse_url("https://hooks.example.com/majlis", false).is_ok());
        for (raw, code) in [
            ("ftp://hooks.example.com/", FieldCode::InvalidUrlScheme),
            (
                "https://user:pw@hooks.example.com/",
                FieldCode::UrlCredentials,
            ),
            ("http://127.0.0.1:9000/", FieldCode::PrivateAddress),
            ("http://localhost/", FieldCode::PrivateAddress),
            ("http://api.localhost./", FieldCode::PrivateAddress),
            ("http://10.1.2.3/", FieldCode::PrivateAddress),
            (
                "http://169.254.169.254/latest/meta-data",
                FieldCode::PrivateAddress,
            ),
            ("http://[::1]/", FieldCode::PrivateAddress),
            ("http://[::ffff:192.168.1.1]/", FieldCode::PrivateAddress),
            ("http://[fd00::1]/", FieldCode::PrivateAddress),
            ("http://[fe80::1]/", FieldCode::PrivateAddress),
            ("http://0x7f000001/", FieldCode::PrivateAddress),
            ("not a url", FieldCode::InvalidUrl),
            (
                "https://hooks.example.com/x\r",
                FieldCode::ControlCharacters,
            ),
            (
                "https://hooks.example.com/x\n",
                FieldCode::ControlCharacters,
            ),
            ("", FieldCode::Required),
        ] {
            assert_eq!(parse_url(raw, false).map(|_| ()), Err(code), "{raw}");
        }
        assert!(parse_url("http://127.0.0.1:9000/", true).is_ok());
    }

    #[test]
    fn public_addresses_are_told_from_the_rest() {
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "100.64.0.1",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "172.16.0.1",
            "192.168.0.1",
            "64:ff9b::a00:1",
            "::",
            "ff02::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert!(signature("whsec_c2hvcnQ=", "msg_1", 1, b"{}").is_none());
        assert!(parse_secret("no prefix").is_err());
        assert!(parse_secret(&format!("{}\n", new_secret(&[7; 32]))).is_err());
        let made = new_secret(&[7; 32]);
        assert_eq!(parse_secret(&made), Ok(made.clone()));
        assert_eq!(secret_key(&made), Some(vec![7; 32]));
    }

    #[test]
    fn audit_events_map_to_webhook_events() {
        assert_eq!(
            event_of("comment.submitted", None, Some("pending")),
            Some("comment.created")
        );
        assert_eq!(
            event_of("comment.edited", Some("approved"), Some("pending")),
            Some("comment.edited")
        );
        assert_eq!(
            event_of("comment.erased", None, None),
            Some("comment.erased")
        );
        assert_eq!(
            event_of("comment.status_changed", Some("pending"), Some("approved")),
            Some("comment.status_changed")
        );
        assert_eq!(
            event_of("comment.withdrawn", Some("approved"), Some("rejected")),
            Some("comment.status_changed")
        );
        // A confirmation (same status) or an event without statuses is none.
        assert_eq!(
            event_of("comment.status_changed", Some("approved"), Some("approved")),
            None
        );
        assert_eq!(event_of("comment.reported", None, None), None);
        assert_eq!(event_of("comment.imported", None, Some("approved")), None);
    }

    #[test]
    fn a_webhook_wants_its_events_on_its_site_from_its_creation() {
        let t = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap_or_default();
        let events = vec!["comment.created".to_owned()];
        // (the webhook's site, the event, the comment's site, when; wanted)
        for (site, event, on, at, wanted) in [
            (None, "comment.created", "news", 10, true),
            (Some("news"), "comment.created", "news", 11, true),
            (Some("sport"), "comment.created", "news", 11, false),
            (None, "comment.edited", "news", 11, false),
            // Before the webhook was made (at 10).
            (None, "comment.created", "news", 9, false),
        ] {
            assert_eq!(
                wants(&events, site, t(10), event, on, t(at)),
                wanted,
                "{site:?} {event} {on} {at}"
            );
        }
    }
}
