//! `POST /api/v1/auth/login` and `POST /api/v1/auth/logout`.

use crate::auth::{Moderator, login};
use crate::domain::ModeratorEmail;
use crate::domain::moderator::MAX_PASSWORD_CHARS;
use crate::domain::timestamps;
use crate::error::{ApiError, ErrorBody, FieldCode, FieldErrors};
use crate::routes::body::{ApiJson, Shape, schema};
use crate::routes::moderation::views::ModeratorSummary;
use crate::routes::request::client_ip;
use crate::state::AppState;
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
    #[serde(serialize_with = "timestamps::millis")]
    expires_at: DateTime<Utc>,
    moderator: ModeratorSummary,
}

/// `POST /api/v1/auth/login`. No `Debug`: it holds a password.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    #[schema(schema_with = schema::moderator_email, required = true)]
    pub email: Option<String>,
    #[schema(schema_with = schema::login_password, required = true)]
    pub password: Option<String>,
}

impl Shape for LoginRequest {
    type Valid = (ModeratorEmail, SecretString);
    fn validate(self, _: &AppState) -> Result<Self::Valid, FieldErrors> {
        let mut f = FieldErrors::default();
        let email = f.take(
            "email",
            ModeratorEmail::parse(self.email.as_deref().unwrap_or_default()),
        );
        let password = self.password.filter(|p| !p.is_empty());
        match &password {
            None => f.add("password", FieldCode::Required),
            Some(p) if p.chars().count() > MAX_PASSWORD_CHARS => f.add(
                "password",
                FieldCode::TooLong {
                    max: MAX_PASSWORD_CHARS,
                },
            ),
            Some(_) => {}
        }
        match (email, password) {
            (Some(e), Some(p)) if f.is_empty() => Ok((e, SecretString::from(p))),
            _ => Err(f),
        }
    }
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
        crate::routes::openapi::JsonBodyErrors,
        (status = 401, description = "Wrong email or password, or a disabled account (`invalid_credentials`).", body = ErrorBody),
        (status = 422, description = "Missing or bad `email` / `password`.", body = ErrorBody),
        (status = 429, description = "Too many failed logins (`rate_limited`), with `Retry-After`.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]

pub async fn login(
    req: HttpRequest,
    ApiJson((email, password)): ApiJson<LoginRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
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
    crate::usecases::accounts::end_session(&state.pool, auth.0.actor(), auth.0.token_hash())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
