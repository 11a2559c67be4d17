//! Reading requests: body kinds and size limits, strict form/query decoding,
//! and the client's address.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
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

fn decode_component(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3)?;
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
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

    #[test]
    fn form_decoding_is_strict_about_utf8_and_escapes() {
        let pairs = parse_pairs(b"author=%D8%B3%D8%A7%D8%B1%D8%A9&comment=a+b%21&x").unwrap();
        assert_eq!(pairs[0], ("author".into(), "سارة".into()));
        assert_eq!(pairs[1], ("comment".into(), "a b!".into()));
        assert_eq!(pairs[2], ("x".into(), String::new()));
        assert!(parse_pairs(b"comment=%FF%FE").is_none());
        assert!(parse_pairs(b"comment=%G1").is_none());
        assert!(parse_pairs(b"comment=%4").is_none());
        assert!(parse_pairs(b"").unwrap().is_empty());
    }
}
