//! The moderator dashboard at `/moderate/`: one server-rendered page shell
//! and its script and styles, embedded in the binary under versioned names
//! (cached for a year), and the cookie session it signs in with
//! (`/moderate/session`). Everything else it does goes through the
//! moderation API, with the session cookie and a CSRF header instead of a
//! bearer token (see `auth::cookie`).

use crate::auth::{Moderator, cookie, current_session, login};
use crate::db;
use crate::domain::timestamps;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::routes::assets::{self, Asset, versioned};
use crate::routes::auth::LoginRequest;
use crate::routes::body::ApiJson;
use crate::routes::moderation::views::ModeratorSummary;
use crate::routes::request::client_ip;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::LazyLock;

const SCRIPT: &[u8] = include_bytes!("../../assets/dashboard/app.js");
const STYLES: &[u8] = include_bytes!("../../assets/dashboard/app.css");

/// Scripts and styles only from this server, no inline script or style,
/// no framing, requests only to this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        versioned("app", "js", SCRIPT, assets::JS),
        versioned("app", "css", STYLES, assets::CSS),
    ]
});

/// The page shell: the script builds the rest. The language and direction
/// start as the server's default; the script applies the moderator's
/// choice (kept in the browser) before anything is shown.
fn shell(state: &AppState) -> String {
    let lang = state.config.default_lang;
    let (code, dir) = match lang {
        crate::i18n::Lang::Ar => ("ar", "rtl"),
        crate::i18n::Lang::En => ("en", "ltr"),
    };
    let [js, css] = &*ASSETS;
    format!(
        "<!doctype html>\n<html lang=\"{code}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>majlis</title>\n<link rel=\"stylesheet\" href=\"/moderate/assets/{css}\">\n\
         <script src=\"/moderate/assets/{js}\" defer></script>\n</head>\n\
         <body data-default-lang=\"{code}\">\n<main id=\"app\" aria-live=\"polite\"></main>\n</body>\n</html>\n",
        css = css.name,
        js = js.name,
    )
}

/// The dashboard.
#[utoipa::path(
    get,
    path = "/moderate/",
    operation_id = "dashboard_page",
    tag = "dashboard",
    responses((status = 200, description = "The dashboard's page (HTML; its script signs in and works the queue through the API).",
        content_type = "text/html", body = String)),
)]
pub async fn page(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(shell(&state))
}

/// `/moderate` goes to `/moderate/`.
#[utoipa::path(
    get,
    path = "/moderate",
    operation_id = "dashboard_redirect",
    tag = "dashboard",
    responses((status = 308, description = "To `/moderate/`.", headers(("Location" = String)))),
)]
pub async fn to_page() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/moderate/"))
        .finish()
}

/// The dashboard's script and styles, under versioned names.
#[utoipa::path(
    get,
    path = "/moderate/assets/{file}",
    operation_id = "dashboard_asset",
    tag = "dashboard",
    params(("file" = String, Path, description = "A versioned file name the page names (`app-<hash>.js`, `app-<hash>.css`).")),
    responses(
        (status = 200, description = "The file, cached for a year (its name changes with its content).",
            content((String = "text/javascript"), (String = "text/css"))),
        (status = 404, description = "No such file (`not_found`).", body = ErrorBody),
    ),
)]
pub async fn asset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    assets::serve(&*ASSETS, req.match_info().get("file").unwrap_or(""), CSP)
}

/// The dashboard's session: who is signed in, and the token its changes
/// must carry in `X-CSRF-Token`. The session token itself stays in the
/// HttpOnly cookie.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DashboardSession {
    moderator: ModeratorSummary,
    csrf_token: String,
    /// When the session ends if unused (`null` when only checked).
    #[serde(serialize_with = "timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<DateTime<Utc>>,
}

/// Whether the page was served over HTTPS: a trusted proxy said so (majlis
/// itself speaks plain HTTP).
fn over_https(req: &HttpRequest, state: &AppState) -> bool {
    let from_proxy = req.peer_addr().is_some_and(|p| {
        state
            .config
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&p.ip().to_canonical()))
    });
    from_proxy
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// Sign in to the dashboard.
///
/// The login of `POST /api/v1/auth/login` (same checks, limits and audit),
/// answered with the session in an HttpOnly, SameSite=Strict cookie
/// (Secure behind an HTTPS proxy) instead of a token in the body.
#[utoipa::path(
    post,
    path = "/moderate/session",
    operation_id = "dashboard_sign_in",
    tag = "dashboard",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in; `Set-Cookie: majlis_session=...; HttpOnly; SameSite=Strict`.", body = DashboardSession),
        crate::routes::openapi::JsonBodyErrors,
        (status = 401, description = "Wrong email or password (`invalid_credentials`).", body = ErrorBody),
        (status = 422, description = "Missing or bad `email` / `password`.", body = ErrorBody),
        (status = 429, description = "Too many failed logins (`rate_limited`), with `Retry-After`.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn sign_in(
    req: HttpRequest,
    ApiJson((email, password)): ApiJson<LoginRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use secrecy::ExposeSecret;
    let done = login::login(&state, &email, password, client_ip(&req, &state)).await?;
    let token_hash = crate::auth::token::digest(&done.token);
    let cookie = cookie::session_cookie(
        done.token.expose_secret(),
        over_https(&req, &state),
        state.config.session_max_hours,
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(DashboardSession {
            moderator: ModeratorSummary::from_row(&done.moderator),
            csrf_token: cookie::csrf_token(&state.secret, &token_hash),
            expires_at: Some(done.expires_at),
        }))
}

/// The dashboard's current session (a page load asks).
#[utoipa::path(
    get,
    path = "/moderate/session",
    operation_id = "dashboard_session",
    tag = "dashboard",
    responses(
        (status = 200, description = "Signed in.", body = DashboardSession),
        (status = 401, description = "No live session cookie (`unauthorized`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn session(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Only the cookie: this route tells the page whether it is signed in.
    if crate::auth::bearer_token(&req).is_some() {
        return Err(ErrorCode::Unauthorized.into());
    }
    let session = current_session(&req)
        .await?
        .ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    let mut conn = state.pool.acquire().await?;
    let account = db::moderators::fetch(&mut conn, session.moderator_id, db::Lock::None)
        .await?
        .ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DashboardSession {
            moderator: ModeratorSummary::from_row(&account),
            csrf_token: cookie::csrf_token(&state.secret, session.token_hash()),
            expires_at: None,
        }))
}

/// Sign out of the dashboard: ends the session and removes the cookie.
#[utoipa::path(
    delete,
    path = "/moderate/session",
    operation_id = "dashboard_sign_out",
    tag = "dashboard",
    security(("bearer" = [])),
    params(("X-CSRF-Token" = Option<String>, Header, description = "The session's `csrf_token` (needed when signed in by cookie).")),
    responses(
        (status = 204, description = "Signed out; the cookie is removed."),
        (status = 401, description = "No live session (`unauthorized`).", body = ErrorBody),
        (status = 403, description = "No or a wrong `X-CSRF-Token` (`csrf_rejected`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn sign_out(
    req: HttpRequest,
    auth: Moderator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::usecases::accounts::end_session(&state.pool, auth.0.actor(), auth.0.token_hash())
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(cookie::cleared_cookie(over_https(&req, &state)))
        .finish())
}
