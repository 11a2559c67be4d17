//! Who asked for mail, and the signed links that stop it. Pure.

use super::codes::FieldCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A moderator's mail: none, one per held comment, or a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyMode {
    Off,
    Each,
    Digest,
}

impl NotifyMode {
    pub const ALL: [&'static str; 3] = ["off", "each", "digest"];

    pub fn parse(s: &str) -> Result<NotifyMode, FieldCode> {
        match s {
            "off" => Ok(NotifyMode::Off),
            "each" => Ok(NotifyMode::Each),
            "digest" => Ok(NotifyMode::Digest),
            _ => Err(FieldCode::InvalidValue),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyMode::Off => "off",
            NotifyMode::Each => "each",
            NotifyMode::Digest => "digest",
        }
    }
}

/// Minutes between digests.
pub const DIGEST_MINUTES: (i64, i64) = (5, 1440);

/// Whose mail an unsubscribe link stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscriber {
    /// The author of this comment (and every comment with their email).
    Reader(i64),
    /// This moderator account.
    Moderator(i64),
}

impl Subscriber {
    fn text(self) -> String {
        match self {
            Subscriber::Reader(id) => format!("c{id}"),
            Subscriber::Moderator(id) => format!("m{id}"),
        }
    }
}

fn mac(key: &[u8], subject: &str) -> Option<Vec<u8>> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
    m.update(b"majlis unsubscribe ");
    m.update(subject.as_bytes());
    Some(m.finalize().into_bytes().to_vec())
}

/// The token of an unsubscribe link: who, and an HMAC of it under a key
/// derived from the instance secret. It never expires (an old mail's link
/// still works) and names no email.
pub fn unsubscribe_token(key: &[u8], who: Subscriber) -> String {
    let subject = who.text();
    let sig = mac(key, &subject).unwrap_or_default();
    format!("{subject}.{}", B64URL.encode(&sig[..16.min(sig.len())]))
}

/// The subscriber a token names, if its signature holds.
pub fn read_unsubscribe_token(key: &[u8], token: &str) -> Option<Subscriber> {
    let (subject, sig) = token.split_once('.')?;
    let given = B64URL.decode(sig).ok()?;
    let expected = mac(key, subject)?;
    if given.len() != 16 || !bool::from(subtle::ConstantTimeEq::ct_eq(&given[..], &expected[..16]))
    {
        return None;
    }
    let id: i64 = subject.get(1..)?.parse().ok().filter(|n| *n > 0)?;
    match subject.as_bytes().first()? {
        b'c' => Some(Subscriber::Reader(id)),
        b'm' => Some(Subscriber::Moderator(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_tokens_name_their_subscriber_and_cannot_be_forged() {
        let key = [3u8; 32];
        for who in [Subscriber::Reader(42), Subscriber::Moderator(7)] {
            let t = unsubscribe_token(&key, who);
            assert_eq!(read_unsubscribe_token(&key, &t), Some(who));
            assert_eq!(read_unsubscribe_token(&[4u8; 32], &t), None);
        }
        let t = unsubscribe_token(&key, Subscriber::Reader(42));
        let forged = t.replacen("c42", "c43", 1);
        assert_eq!(read_unsubscribe_token(&key, &forged), None);
        for junk in [
            "",
            ".",
            "c42",
            "c42.",
            "x1.AAAA",
            "c0.AAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(read_unsubscribe_token(&key, junk), None, "{junk}");
        }
    }

    #[test]
    fn modes_parse() {
        assert_eq!(NotifyMode::parse("digest"), Ok(NotifyMode::Digest));
        assert_eq!(NotifyMode::parse("weekly"), Err(FieldCode::InvalidValue));
        assert_eq!(NotifyMode::Each.as_str(), "each");
    }
}
