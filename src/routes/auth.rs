//! `POST /api/v1/auth/login` and `POST /api/v1/auth/logout`.

use crate::auth::{Moderator, login};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::domain::ModeratorEmail;
use crate::error::{ApiError, FieldCode, FieldErrors};
use crate::routes::body::JsonObject;
use crate::routes::moderation::views::ModeratorSummary;
use crate::routes::request::client_ip;
use crate::routes::views::rfc3339;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

#[derive(Serialize)]
struct LoginResponse<'a> {
    token: &'a str,
    #[serde(serialize_with = "rfc3339")]
    expires_at: DateTime<Utc>,
    moderator: ModeratorSummary,
}

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

#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn logout(auth: Moderator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut tx = state.pool.begin().await?;
    db::sessions::delete(&mut tx, auth.0.token_hash()).await?;
    db::audit::insert(&mut tx, &NewAuditEvent::logout(auth.0.moderator_id)).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
