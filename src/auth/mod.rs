//! Moderator authentication: Argon2id passwords, random session tokens
//! stored hashed, the login use case with its throttle, and the extractors
//! that guard the moderator and admin routes.

pub mod cookie;
pub mod login;
pub mod password;
pub mod throttle;
pub mod token;

use crate::db;
use crate::domain::site::SiteScope;
use crate::domain::{Role, SiteId};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use secrecy::SecretString;

/// The moderator a request acts for, from a live session.
#[derive(Clone)]
pub struct Session {
    pub moderator_id: i64,
    pub role: Role,
    /// The sites the account may work on (admins: every site).
    pub sites: SiteScope,
    token_hash: Vec<u8>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("moderator_id", &self.moderator_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The signed-in account, as the one who acts.
    pub fn actor(&self) -> crate::domain::ids::Actor {
        crate::domain::ids::Actor(self.moderator_id)
    }

    /// `forbidden` unless the account may see `site`.
    pub fn check_site(&self, site: &SiteId) -> Result<(), ApiError> {
        if self.sites.allows(site.as_str()) {
            Ok(())
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }

    pub fn token_hash(&self) -> &[u8] {
        &self.token_hash
    }
}

/// How long sessions live, from the configuration.
pub fn session_lifetime(config: &crate::config::Config) -> db::sessions::Lifetime {
    db::sessions::Lifetime {
        idle_hours: config.session_idle_hours,
        max_hours: config.session_max_hours,
    }
}

/// The bearer token of a request, if it has the shape of one.
pub fn bearer_token(req: &HttpRequest) -> Option<SecretString> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && token::is_well_formed(token))
        .then(|| SecretString::from(token))
}

/// 401 without a live session, 403 when its role may not act as `required`.
pub fn authorize(session: Option<Session>, required: Role) -> Result<Session, ApiError> {
    let session = session.ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    if session.role.may_act_as(required) {
        Ok(session)
    } else {
        Err(ErrorCode::Forbidden.into())
    }
}

async fn session_of(req: HttpRequest) -> Result<Option<Session>, ApiError> {
    // A bearer token (API clients), else the dashboard's cookie.
    let (token, via_cookie) = match bearer_token(&req) {
        Some(t) => (t, false),
        None => match cookie::session_token(&req) {
            Some(t) => (t, true),
            None => return Ok(None),
        },
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState is not registered")))?;
    let token_hash = token::digest(&token);
    // A page on another origin can make the browser send the cookie, never
    // the header: a change signed in by cookie must carry it.
    if via_cookie
        && !cookie::is_safe(req.method())
        && !cookie::csrf_ok(&req, &state.secret, &token_hash)
    {
        return Err(ErrorCode::CsrfRejected.into());
    }
    // Polling keeps nothing alive: the session ends after its idle time
    // however often the page asks for counts.
    let slide = !req.headers().contains_key(cookie::POLL_HEADER);
    let mut conn = state.pool.acquire().await?;
    let owner = db::sessions::authenticate(
        &mut conn,
        &token_hash,
        session_lifetime(&state.config),
        slide,
    )
    .await?;
    Ok(owner.map(|o| Session {
        moderator_id: o.moderator_id,
        sites: match (o.role.0, o.sites) {
            (Role::Moderator, Some(sites)) => {
                SiteScope::Only(sites.into_iter().map(SiteId::from_stored).collect())
            }
            _ => SiteScope::All,
        },
        role: o.role.0,
        token_hash,
    }))
}

/// The signed-in account of a request, if any (the dashboard's session
/// check; a CSRF failure is an error, no session is `None`).
pub async fn current_session(req: &HttpRequest) -> Result<Option<Session>, ApiError> {
    session_of(req.clone()).await
}

/// Any signed-in account (role `moderator` or `admin`).
#[derive(Debug, Clone)]
pub struct Moderator(pub Session);

/// A signed-in admin; other roles get 403.
#[derive(Debug, Clone)]
pub struct Admin(pub Session);

impl FromRequest for Moderator {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authorize(session_of(req).await?, Role::Moderator).map(Moderator) })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authorize(session_of(req).await?, Role::Admin).map(Admin) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn session(role: Role) -> Session {
        Session {
            moderator_id: 1,
            role,
            sites: SiteScope::All,
            token_hash: vec![0; 32],
        }
    }

    #[test]
    fn a_moderator_limited_to_sites_sees_only_those() {
        let ar = SiteId::parse("ar").unwrap();
        let en = SiteId::parse("en").unwrap();
        let limited = Session {
            sites: SiteScope::Only(vec![ar.clone()]),
            ..session(Role::Moderator)
        };
        assert!(limited.check_site(&ar).is_ok());
        assert_eq!(
            limited.check_site(&en).map_err(|e| e.code),
            Err(ErrorCode::Forbidden)
        );
        assert!(session(Role::Moderator).check_site(&en).is_ok());
    }

    #[test]
    fn no_session_is_401_and_the_wrong_role_is_403() {
        let code = |r: Result<Session, ApiError>| r.map(|_| ()).map_err(|e| e.code);
        assert_eq!(
            code(authorize(None, Role::Moderator)),
            Err(ErrorCode::Unauthorized)
        );
        assert_eq!(
            code(authorize(Some(session(Role::Moderator)), Role::Admin)),
            Err(ErrorCode::Forbidden)
        );
        assert_eq!(
            code(authorize(Some(session(Role::Moderator)), Role::Moderator)),
            Ok(())
        );
        assert_eq!(
            code(authorize(Some(session(Role::Admin)), Role::Admin)),
            Ok(())
        );
        assert!(!format!("{:?}", session(Role::Admin)).contains("token"));
    }

    #[test]
    fn only_well_formed_bearer_tokens_are_read() {
        let good = "a".repeat(43);
        let req = TestRequest::default()
            .insert_header(("Authorization", format!("bearer {good}")))
            .to_http_request();
        assert!(bearer_token(&req).is_some());
        for bad in [
            format!("Basic {good}"),
            "Bearer short".to_owned(),
            format!("Bearer{good}"),
        ] {
            let req = TestRequest::default()
                .insert_header(("Authorization", bad))
                .to_http_request();
            assert!(bearer_token(&req).is_none());
        }
        assert!(bearer_token(&TestRequest::default().to_http_request()).is_none());
    }
}
