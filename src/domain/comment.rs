//! Newtypes for the fields of a comment. Each `parse` trims, normalizes to
//! NFC, and checks one field's rules, returning a stable field code.
//! Lengths are counted in Unicode scalar values (what Postgres'
//! `char_length` counts), never in bytes.

use super::codes::FieldCode;
use crate::domain::text::{has_visible, is_invisible};
use sha2::{Digest, Sha256};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use validator::{ValidateEmail, ValidateUrl};

pub const MAX_ARTICLE_ID: usize = 200;
pub const MAX_NAME: usize = 100;
pub const MAX_EMAIL: usize = 254;
pub const MAX_URL: usize = 200;
pub const DEFAULT_MAX_BODY: usize = 5000;

fn clean(raw: &str) -> String {
    raw.trim().nfc().collect()
}

/// Control characters (C0, DEL, C1) are never stored; the body may keep
/// newlines and tabs.
fn has_forbidden_control(s: &str, allow_newlines: bool) -> bool {
    s.chars().any(|c| {
        c.is_control() && !(allow_newlines && (c == '\n' || c == '\t'))
            || c == '\u{FFFE}'
            || c == '\u{FFFF}'
    })
}

fn check_len(s: &str, max: usize) -> Result<(), FieldCode> {
    if s.chars().count() > max {
        Err(FieldCode::TooLong { max })
    } else {
        Ok(())
    }
}

/// The site's own id for an article: 1-200 letters, digits and `. _ - : /`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArticleId(String);

impl ArticleId {
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldCode::Required);
        }
        // Checked before trimming too: what the schema's pattern refuses
        // (a trailing newline, say) is refused, not silently trimmed.
        if has_forbidden_control(raw, false) {
            return Err(FieldCode::InvalidArticleId);
        }
        if s.chars().count() > MAX_ARTICLE_ID
            || !s
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/'))
        {
            return Err(FieldCode::InvalidArticleId);
        }
        Ok(ArticleId(s.nfc().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A required one-line field, cleaned: `required` when nothing is left,
/// `control_characters` when the raw value holds one (refused, not trimmed
/// away).
fn required_line(raw: &str) -> Result<String, FieldCode> {
    let s = clean(raw);
    if s.is_empty() {
        return Err(FieldCode::Required);
    }
    if has_forbidden_control(raw, false) {
        return Err(FieldCode::ControlCharacters);
    }
    Ok(s)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorName(String);

impl AuthorName {
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        let s = required_line(raw)?;
        if !has_visible(&s) {
            return Err(FieldCode::Required);
        }
        check_len(&s, MAX_NAME)?;
        Ok(AuthorName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A commenter's email, stored as typed (case preserved). Its `Debug`
/// never shows the address.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorEmail(String);

impl AuthorEmail {
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        let s = required_line(raw)?;
        check_len(&s, MAX_EMAIL)?;
        if !s.validate_email() {
            return Err(FieldCode::InvalidEmail);
        }
        Ok(AuthorEmail(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part, lowercased.
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_lowercase())
            .unwrap_or_default()
    }
}

impl fmt::Debug for AuthorEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorEmail(<redacted>)")
    }
}

/// The avatar key of an email: hex SHA-256 of the trimmed, lowercased
/// address. Gravatar and Libravatar both accept SHA-256 hashes
/// (`https://gravatar.com/avatar/<hash>`), so the address itself is never
/// published.
pub fn avatar_hash(email: &str) -> String {
    hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
}

/// The key of keyed avatars, derived from the instance secret (so every
/// instance agrees, and the secret itself never hashes an email).
pub fn avatar_key(instance_secret: &[u8]) -> [u8; 32] {
    keyed_sha256(instance_secret, b"majlis avatar key v1")
}

/// A keyed avatar: hex HMAC-SHA256 of the trimmed, lowercased email. As
/// stable per commenter as [`avatar_hash`], but without the key nobody can
/// tell whether a guessed address wrote a comment.
pub fn avatar_keyed(key: &[u8; 32], email: &str) -> String {
    hex::encode(keyed_sha256(key, email.trim().to_lowercase().as_bytes()))
}

fn keyed_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        Err(_) => Sha256::digest([key, data].concat()).into(),
    }
}

/// A web address as the WHATWG URL standard serializes it (host
/// lowercased and IDNA-encoded, `\\` made `/`, `"` `<` `>` and spaces
/// percent-encoded), so what is stored and served is safe inside an
/// attribute. Credentials and invisible or bidi characters are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorUrl(String);

impl AuthorUrl {
    /// An empty value means "no website" (the field is optional).
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, FieldCode> {
        let s = clean(raw.unwrap_or(""));
        if s.is_empty() {
            return Ok(None);
        }
        if s.chars().any(is_invisible) {
            return Err(FieldCode::InvisibleCharacters);
        }
        if has_forbidden_control(raw.unwrap_or(""), false) || s.chars().any(char::is_whitespace) {
            return Err(FieldCode::InvalidUrl);
        }
        check_len(&s, MAX_URL)?;
        let parsed = url::Url::parse(&s).map_err(|_| FieldCode::InvalidUrl)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FieldCode::InvalidUrlScheme);
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(FieldCode::InvalidUrl);
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(FieldCode::UrlCredentials);
        }
        let normalized = String::from(parsed);
        check_len(&normalized, MAX_URL)?;
        if !normalized.validate_url() {
            return Err(FieldCode::InvalidUrl);
        }
        Ok(Some(AuthorUrl(normalized)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The comment text as written (trimmed, NFC, line endings made `\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, FieldCode> {
        let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
        let s = clean(&unified);
        if s.is_empty() {
            return Err(FieldCode::Required);
        }
        if has_forbidden_control(&s, true) {
            return Err(FieldCode::ControlCharacters);
        }
        if !has_visible(&s) {
            return Err(FieldCode::Required);
        }
        check_len(&s, max_chars)?;
        Ok(CommentBody(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_even_where_trimming_would_drop_them() {
        assert_eq!(
            AuthorName::parse("Layla\n"),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            AuthorEmail::parse("\tlayla@example.com"),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            AuthorUrl::parse_optional(Some("https://news.example/\n")),
            Err(FieldCode::InvalidUrl)
        );
        assert_eq!(ArticleId::parse("42\n"), Err(FieldCode::InvalidArticleId));
        // Plain spaces around a value are still trimmed.
        assert_eq!(AuthorName::parse("  Layla ").unwrap().as_str(), "Layla");
    }

    #[test]
    fn article_ids_allow_slugs_and_reject_other_punctuation() {
        assert!(ArticleId::parse("2024/11/us-strikes-isis").is_ok());
        assert!(ArticleId::parse("post:123").is_ok());
        assert!(ArticleId::parse("خبر-عاجل").is_ok());
        assert_eq!(ArticleId::parse("  "), Err(FieldCode::Required));
        assert_eq!(ArticleId::parse("a b"), Err(FieldCode::InvalidArticleId));
        assert_eq!(ArticleId::parse("x?y"), Err(FieldCode::InvalidArticleId));
        assert_eq!(
            ArticleId::parse(&"a".repeat(201)),
            Err(FieldCode::InvalidArticleId)
        );
    }

    #[test]
    fn names_are_trimmed_and_counted_in_characters_not_bytes() {
        let arabic = "م".repeat(100); // 200 bytes, 100 characters
        assert_eq!(AuthorName::parse(&arabic).unwrap().as_str(), arabic);
        assert_eq!(
            AuthorName::parse(&"م".repeat(101)),
            Err(FieldCode::TooLong { max: 100 })
        );
        assert_eq!(AuthorName::parse("  سارة  ").unwrap().as_str(), "سارة");
        assert_eq!(
            AuthorName::parse("a\u{0}b"),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(AuthorName::parse("a\nb"), Err(FieldCode::ControlCharacters));
        assert_eq!(AuthorName::parse(""), Err(FieldCode::Required));
    }

    #[test]
    fn emails_are_checked_and_never_shown_by_debug() {
        let e = AuthorEmail::parse(" Reader@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Reader@Example.COM");
        assert_eq!(e.domain(), "example.com");
        assert!(!format!("{e:?}").contains("Reader"));
        assert_eq!(AuthorEmail::parse("nope"), Err(FieldCode::InvalidEmail));
        assert_eq!(AuthorEmail::parse("a@"), Err(FieldCode::InvalidEmail));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            AuthorEmail::parse(&long),
            Err(FieldCode::TooLong { max: 254 })
        );
    }

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert_eq!(AuthorUrl::parse_optional(None), Ok(None));
        assert_eq!(AuthorUrl::parse_optional(Some("  ")), Ok(None));
        assert!(
            AuthorUrl::parse_optional(Some("https://example.com/a"))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            AuthorUrl::parse_optional(Some("javascript:alert(1)")),
            Err(FieldCode::InvalidUrlScheme)
        );
        assert_eq!(
            AuthorUrl::parse_optional(Some("ftp://example.com")),
            Err(FieldCode::InvalidUrlScheme)
        );
        assert_eq!(
            AuthorUrl::parse_optional(Some("not a url")),
            Err(FieldCode::InvalidUrl)
        );
        let long = format!("https://example.com/{}", "a".repeat(200));
        assert_eq!(
            AuthorUrl::parse_optional(Some(&long)),
            Err(FieldCode::TooLong { max: 200 })
        );
    }

    #[test]
    fn urls_are_stored_in_their_normalized_form() {
        let norm = |raw: &str| {
            AuthorUrl::parse_optional(Some(raw))
                .map(|u| u.map(|u| u.as_str().to_owned()).unwrap_or_default())
        };
        assert_eq!(
            norm("https://x.example/\"onmouseover=\"alert(1)").unwrap(),
            "https://x.example/%22onmouseover=%22alert(1)"
        );
        assert_eq!(
            norm("https://evil.com/<script>").unwrap(),
            "https://evil.com/%3Cscript%3E"
        );
        assert_eq!(
            norm("https://Evil.COM\\a\\b").unwrap(),
            "https://evil.com/a/b"
        );
        assert_eq!(norm("https://example.com").unwrap(), "https://example.com/");
        assert_eq!(
            norm("https://news.example@evil.com/"),
            Err(FieldCode::UrlCredentials)
        );
        assert_eq!(
            norm("https://u:p@evil.com/"),
            Err(FieldCode::UrlCredentials)
        );
        assert_eq!(
            norm("https://x.example/\u{202E}gpj.exe"),
            Err(FieldCode::InvisibleCharacters)
        );
        assert_eq!(
            norm("https://x.\u{200B}example/"),
            Err(FieldCode::InvisibleCharacters)
        );
    }

    #[test]
    fn required_text_needs_something_visible() {
        assert_eq!(
            AuthorName::parse("\u{2060}\u{200D}"),
            Err(FieldCode::Required)
        );
        assert_eq!(
            CommentBody::parse("\u{200B}\u{200B}\n\u{FEFF}", 100),
            Err(FieldCode::Required)
        );
        assert!(AuthorName::parse("\u{200F}سارة").is_ok());
    }

    #[test]
    fn bodies_keep_newlines_tabs_rtl_marks_and_emoji_but_not_nul() {
        let b = CommentBody::parse("سطر أول\r\n\tسطر ثانٍ \u{200F} 👍🏽", 5000).unwrap();
        assert_eq!(b.as_str(), "سطر أول\n\tسطر ثانٍ \u{200F} 👍🏽");
        assert_eq!(
            CommentBody::parse("bad\u{0}", 5000),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            CommentBody::parse("bell\u{7}", 5000),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            CommentBody::parse(&"ع".repeat(11), 10),
            Err(FieldCode::TooLong { max: 10 })
        );
        assert_eq!(CommentBody::parse(" \n ", 10), Err(FieldCode::Required));
    }

    #[test]
    fn keyed_avatars_are_stable_per_email_and_depend_on_the_key() {
        let k = avatar_key(b"instance secret one");
        assert_eq!(
            avatar_keyed(&k, " Reader@Example.com "),
            avatar_keyed(&k, "reader@example.com")
        );
        assert_ne!(
            avatar_keyed(&k, "reader@example.com"),
            avatar_hash("reader@example.com")
        );
        let other = avatar_key(b"instance secret two");
        assert_ne!(
            avatar_keyed(&k, "reader@example.com"),
            avatar_keyed(&other, "reader@example.com")
        );
        assert_eq!(avatar_keyed(&k, "a@b.c").len(), 64);
    }

    #[test]
    fn avatar_is_sha256_of_the_normalized_email() {
        assert_eq!(
            avatar_hash(" Reader@Example.com "),
            avatar_hash("reader@example.com")
        );
        assert_eq!(avatar_hash("a@b.c").len(), 64);
        assert!(!avatar_hash("reader@example.com").contains('@'));
    }
}
