//! `POST /api/v1/auth/login` and `POST /api/v1/auth/logout`.

use crate::auth::{Moderator, login};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::domain::ModeratorEmail;
use crate::error::{ApiError, ErrorBody, FieldCode, FieldErrors};
use crate::routes::body::JsonObject;
use crate::routes::moderation::views::ModeratorSummary;
use crate::routes::request::client_ip;
use crate::routes::views::rfc3339;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// A new session.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse<'a> {
    /// Send as `Authorization: Bearer <token>`.
    token: &'a str,
    /// Sessions last 12 hours after their last use (sliding;
    /// `MAJLIS_SESSION_IDLE_HOURS`) and at most 7 days after the login
    /// (`MAJLIS_SESSION_MAX_HOURS`).
    #[serde(serialize_with = "rfc3339")]
    expires_at: DateTime<Utc>,
    moderator: ModeratorSummary,
}

/// `POST /api/v1/auth/login` (documentation only; the handler reads the
/// fields one by one).
#[derive(utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
}

/// Log in.
///
/// A wrong email and a wrong password get the same 401
/// `invalid_credentials`. Attempts are limited per address (5 within 15
/// minutes; IPv6 per /64) and per account from networks that have not
/// logged in to it lately (10 at once, then one every 3 minutes); over a
/// limit, logins answer 429 with `Retry-After`, and a refused attempt
/// counts for nothing, so waiting `Retry-After` is enough. Failures from
/// other addresses never block a network the account logged in from in
/// the last 30 days.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in (`Cache-Control: no-store`).", body = LoginResponse),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody),
        (status = 401, description = "Wrong email or password, or a disabled account (`invalid_credentials`).", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "Missing or bad `email` / `password`.", body = ErrorBody),
        (status = 429, description = "Too many failed logins (`rate_limited`), with `Retry-After`.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]

pub async fn login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = JsonObject::read(&req, payload, &state).await?;
    let mut f = FieldErrors::default();
    let email = body.string("email", &mut f).unwrap_or_default();
    let email = f.take("email", ModeratorEmail::parse(&email));
    let password = body.string("password", &mut f).map(SecretString::from);
    if password.is_none() && f.get("password").is_none() {
        f.add("password", FieldCode::Required);
    }
    f.into_result()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::field("email", FieldCode::Required));
    };
    let done = login::login(&state, &email, password, client_ip(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(LoginResponse {
            token: done.token.expose_secret(),
            expires_at: done.expires_at,
            moderator: ModeratorSummary::from_row(&done.moderator),
        }))
}

/// Log out: ends this session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Session ended."),
        (status = 401, description = "No or bad token (`unauthorized`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn logout(auth: Moderator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut tx = state.pool.begin().await?;
    db::sessions::delete(&mut tx, auth.0.token_hash()).await?;
    db::audit::insert(&mut tx, &NewAuditEvent::logout(auth.0.moderator_id)).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
