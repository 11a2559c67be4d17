//! Signed form tokens: `GET /api/v1/form-token` hands one out when the
//! comment form loads; the submission carries it back, proving the form was
//! loaded some seconds earlier by a page of this site. Stateless (HMAC with
//! the instance secret), so any instance can check a token another issued.

use crate::spam::FormTokenCheck;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long a token stays valid: a reader may keep an article open a while.
pub const TOKEN_TTL_SECS: i64 = 24 * 3600;
/// Tolerated clock skew between instances.
const SKEW_SECS: i64 = 60;

fn mac(secret: &[u8], payload: &str) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(secret).ok()?;
    m.update(b"form-token:v1:");
    m.update(payload.as_bytes());
    Some(m)
}

/// What a token is for: the article, and its site when it is not the
/// default one (`|` never occurs in an article id, so no two articles of
/// any sites share a subject, and tokens issued before there were sites
/// still check).
pub fn subject(site: &str, article_id: &str) -> String {
    if site == crate::domain::SiteId::DEFAULT {
        article_id.to_owned()
    } else {
        format!("{site}|{article_id}")
    }
}

/// A token for `article_id` (a [`subject`]) issued at `now` (unix seconds).
pub fn issue(secret: &[u8], article_id: &str, now: i64) -> String {
    let payload = format!("{now}:{article_id}");
    let sig = mac(secret, &payload)
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

/// Checks a submitted token against the article it is used for.
pub fn check(secret: &[u8], token: Option<&str>, article_id: &str, now: i64) -> FormTokenCheck {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return FormTokenCheck::Missing;
    };
    let verified = (|| {
        let (p, s) = token.split_once('.')?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
        mac(secret, &payload)?.verify_slice(&sig).ok()?;
        let (issued, art) = payload.split_once(':')?;
        Some((issued.parse::<i64>().ok()?, art.to_owned()))
    })();
    match verified {
        Some((issued, art)) if art == article_id && issued <= now + SKEW_SECS => {
            let age = now - issued;
            if age > TOKEN_TTL_SECS {
                FormTokenCheck::Expired
            } else {
                FormTokenCheck::Valid {
                    age_seconds: age.max(0) as f64,
                }
            }
        }
        _ => FormTokenCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_fresh_token_is_valid_with_its_age() {
        let t = issue(KEY, "post-1", 1000);
        assert_eq!(
            check(KEY, Some(&t), "post-1", 1007),
            FormTokenCheck::Valid { age_seconds: 7.0 }
        );
    }

    #[test]
    fn missing_forged_foreign_and_expired_tokens_are_told_apart() {
        let t = issue(KEY, "post-1", 1000);
        assert_eq!(check(KEY, None, "post-1", 1000), FormTokenCheck::Missing);
        assert_eq!(
            check(KEY, Some(" "), "post-1", 1000),
            FormTokenCheck::Missing
        );
        assert_eq!(
            check(KEY, Some(&t), "post-2", 1001),
            FormTokenCheck::Invalid
        );
        assert_eq!(
            check(b"another-secret-another-secret!!", Some(&t), "post-1", 1001),
            FormTokenCheck::Invalid
        );
        // An older timestamp with the original signature: not ours.
        let (_, sig) = t.split_once('.').unwrap();
        let forged = format!("{}.{sig}", URL_SAFE_NO_PAD.encode("900:post-1"));
        assert_eq!(
            check(KEY, Some(&forged), "post-1", 1001),
            FormTokenCheck::Invalid
        );
        assert_eq!(
            check(KEY, Some("garbage"), "post-1", 1001),
            FormTokenCheck::Invalid
        );
        assert_eq!(
            check(KEY, Some(&t), "post-1", 1000 + TOKEN_TTL_SECS + 1),
            FormTokenCheck::Expired
        );
        // Issued in the future beyond the allowed skew.
        let future = issue(KEY, "post-1", 5000);
        assert_eq!(
            check(KEY, Some(&future), "post-1", 1000),
            FormTokenCheck::Invalid
        );
    }
}
