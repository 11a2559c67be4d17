//! The dashboard's way in: the session token in an HttpOnly cookie that
//! page scripts cannot read, and a CSRF token derived from the session
//! that a state-changing request must send back in a header (a page on
//! another origin can make the browser send the cookie, never the header).
//! Bearer tokens stay the API's way in for every other client.

use super::token;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::Method;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "majlis_session";
/// The header a cookie-signed-in request that changes something carries.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A background request (polling for counts) that must not keep the
/// session alive: it is answered, but the session's idle clock runs on.
pub const POLL_HEADER: &str = "x-majlis-poll";

/// The session token in the request's cookie, if it has the shape of one.
pub fn session_token(req: &HttpRequest) -> Option<SecretString> {
    let c = req.cookie(SESSION_COOKIE)?;
    token::is_well_formed(c.value()).then(|| SecretString::from(c.value().to_owned()))
}

/// The CSRF token of a session: an HMAC of its stored digest with the
/// instance secret (stateless; any instance computes the same).
pub fn csrf_token(secret: &[u8], token_hash: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(b"csrf:v1:");
    mac.update(token_hash);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `method` only reads (needs no CSRF token).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request carries the session's CSRF token.
pub fn csrf_ok(req: &HttpRequest, secret: &[u8], token_hash: &[u8]) -> bool {
    let expected = csrf_token(secret, token_hash);
    req.headers()
        .get(CSRF_HEADER)
        .map(|v| v.as_bytes())
        .is_some_and(|sent| !expected.is_empty() && bool::from(sent.ct_eq(expected.as_bytes())))
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure when the page was
/// served over HTTPS, for as long as a session can live.
pub fn session_cookie(token: &str, secure: bool, max_hours: u32) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::hours(i64::from(
            max_hours,
        )))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie("", secure, 0);
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_csrf_token_is_the_sessions_and_the_instances() {
        let a = csrf_token(b"secret-one-secret-one-secret-one", b"hash-a");
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            csrf_token(b"secret-one-secret-one-secret-one", b"hash-a")
        );
        assert_ne!(
            a,
            csrf_token(b"secret-one-secret-one-secret-one", b"hash-b")
        );
        assert_ne!(
            a,
            csrf_token(b"secret-two-secret-two-secret-two", b"hash-a")
        );
        let req = TestRequest::post()
            .insert_header((CSRF_HEADER, a.as_str()))
            .to_http_request();
        assert!(csrf_ok(
            &req,
            b"secret-one-secret-one-secret-one",
            b"hash-a"
        ));
        assert!(!csrf_ok(
            &req,
            b"secret-one-secret-one-secret-one",
            b"hash-b"
        ));
        let none = TestRequest::post().to_http_request();
        assert!(!csrf_ok(
            &none,
            b"secret-one-secret-one-secret-one",
            b"hash-a"
        ));
    }

    #[test]
    fn the_cookie_is_out_of_scripts_reach_and_same_site() {
        let c = session_cookie("t", true, 168).to_string();
        for part in [
            "majlis_session=t",
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=604800",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!session_cookie("t", false, 1).to_string().contains("Secure"));
        assert!(cleared_cookie(false).to_string().contains("Max-Age=0"));
        assert!(is_safe(&Method::GET) && !is_safe(&Method::PATCH));
    }
}
