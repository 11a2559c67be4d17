//! Reading requests: body kinds and size limits, strict form/query decoding,
//! and the client's address.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::usecases::moderation::IfMatch;
use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

impl BodyKind {
    /// JSON or form-encoded; anything else is 415.
    pub fn of(req: &HttpRequest) -> Result<BodyKind, ApiError> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Ok(BodyKind::Json),
            "application/x-www-form-urlencoded" => Ok(BodyKind::Form),
            _ => Err(ErrorCode::UnsupportedMediaType.into()),
        }
    }
}

/// Reads the whole body, refusing (413) as soon as it passes `limit` bytes,
/// and answering 408 when its deadline passes (`guard::body_deadline`).
/// The buffer grows with what arrives, not with what the client declares:
/// a stalled upload holds only the bytes it has sent.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    const FIRST_ALLOCATION: usize = 8 * 1024;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ErrorCode::PayloadTooLarge.into());
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(1024).min(FIRST_ALLOCATION));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            if is_body_timeout(&e) {
                ApiError::new(ErrorCode::RequestTimeout)
            } else {
                ApiError::new(ErrorCode::MalformedBody)
            }
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ErrorCode::PayloadTooLarge.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether a body read failed because its deadline passed (the error
/// `guard::body_deadline` makes the payload return then).
fn is_body_timeout(e: &actix_web::error::PayloadError) -> bool {
    use actix_web::error::PayloadError;
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// A decision's `If-Match` precondition: the versions its strong entity
/// tags name (`"3"`); `*` or no header, any version. Weak tags and a
/// malformed header name no version (so the decision answers 412).
pub fn if_match(req: &HttpRequest) -> IfMatch {
    use actix_web::http::header::{self, Header};
    if !req.headers().contains_key(header::IF_MATCH) {
        return IfMatch::Any;
    }
    match header::IfMatch::parse(req) {
        Ok(header::IfMatch::Any) => IfMatch::Any,
        Ok(header::IfMatch::Items(tags)) => IfMatch::Versions(
            tags.iter()
                .filter(|t| !t.weak)
                .filter_map(|t| t.tag().parse().ok())
                .collect(),
        ),
        Err(_) => IfMatch::Versions(Vec::new()),
    }
}

/// Whether the request's `If-None-Match` names `etag` (a quoted entity
/// tag) or is `*`, weak forms included (RFC 9110's weak comparison).
pub fn if_none_match_names(req: &HttpRequest, etag: &str) -> bool {
    use actix_web::http::header::{self, EntityTag, Header};
    let Ok(ours) = etag.parse::<EntityTag>() else {
        return false;
    };
    match header::IfNoneMatch::parse(req) {
        Ok(header::IfNoneMatch::Any) => true,
        Ok(header::IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&ours)),
        Err(_) => false,
    }
}

/// One name or value: `+` is a space, escapes are decoded by
/// `percent-encoding`, which passes a malformed escape (`%zz`, `%+1`, a
/// trailing `%`) through as text; those are refused here first.
fn decode_component(raw: &[u8]) -> Option<String> {
    let well_formed = raw.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || raw
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Decodes `application/x-www-form-urlencoded` (bodies and query strings).
/// Unlike lenient decoders it refuses invalid UTF-8 and bad escapes instead
/// of silently replacing them, so no data is lost without the client knowing.
pub fn parse_pairs(raw: &[u8]) -> Option<Vec<(String, String)>> {
    raw.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            Some((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

/// Whether the client asked for JSON explicitly.
/// The language the client asks for (`Accept-Language`), else the
/// instance's default.
pub fn lang_of(req: &HttpRequest, state: &AppState) -> crate::i18n::Lang {
    crate::i18n::Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        state.config.default_lang,
    )
}

pub fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("application/json"))
}

/// The client's address: the socket peer, or `X-Forwarded-For` when the peer
/// is a configured trusted proxy.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> Option<IpAddr> {
    let xff = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    crate::client_ip::client_ip(
        req.peer_addr().map(|a| a.ip()),
        xff,
        &state.config.trusted_proxies,
    )
}

pub fn header_string(
    req: &HttpRequest,
    name: header::HeaderName,
    max_chars: usize,
) -> Option<String> {
    let v = req.headers().get(name)?.to_str().ok()?.trim();
    if v.is_empty() {
        return None;
    }
    Some(
        v.chars()
            .filter(|c| !c.is_control())
            .take(max_chars)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &str, value: Option<&str>) -> HttpRequest {
        let mut r = actix_web::test::TestRequest::default();
        if let Some(v) = value {
            r = r.insert_header((name, v));
        }
        r.to_http_request()
    }

    #[test]
    fn if_match_takes_strong_tags_and_star_only() {
        let m = |v: Option<&str>| if_match(&with("if-match", v));
        assert_eq!(m(None), IfMatch::Any);
        assert_eq!(m(Some(" * ")), IfMatch::Any);
        assert!(m(Some("\"3\"")).allows(3));
        assert!(!m(Some("\"3\"")).allows(4));
        assert!(m(Some("\"2\", \"4\"")).allows(4));
        assert!(!m(Some("W/\"3\"")).allows(3));
        assert!(!m(Some("3")).allows(3));
    }

    #[test]
    fn if_none_match_lists_and_weak_forms() {
        let n = |v: Option<&str>| if_none_match_names(&with("if-none-match", v), "\"3-ab\"");
        assert!(n(Some("\"x\", \"3-ab\"")));
        assert!(n(Some("W/\"3-ab\"")));
        assert!(n(Some("*")));
        assert!(!n(Some("\"3-ac\"")));
        assert!(!n(None));
    }

    #[test]
    fn form_decoding_is_strict_about_utf8_and_escapes() {
        let pairs = parse_pairs(b"author=%D8%B3%D8%A7%D8%B1%D8%A9&comment=a+b%21&x").unwrap();
        assert_eq!(pairs[0], ("author".into(), "سارة".into()));
        assert_eq!(pairs[1], ("comment".into(), "a b!".into()));
        assert_eq!(pairs[2], ("x".into(), String::new()));
        assert!(parse_pairs(b"comment=%FF%FE").is_none());
        for bad in [
            &b"comment=%zz"[..],
            b"comment=%+1",
            b"comment=50%",
            b"a%4=1",
        ] {
            assert!(
                parse_pairs(bad).is_none(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(parse_pairs(b"comment=%G1").is_none());
        assert!(parse_pairs(b"comment=%4").is_none());
        assert!(parse_pairs(b"").unwrap().is_empty());
    }
}
