//! `GET /api/v1/form-token?article_id=`: a signed token the comment form
//! fetches when it loads and sends back with the comment.

use crate::domain::ArticleId;
use crate::error::{ApiError, FieldCode};
use crate::routes::request::query_pairs;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// A signed form token: send it back as `form_token` with the comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormToken {
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// A signed form token for the comment form.
///
/// HMAC-signed, valid 24 hours, bound to the article; proves the form was
/// loaded earlier by a page of the site. Optional: a submission without one
/// only scores `no_token_score` (0 by default).
#[utoipa::path(
    get,
    path = "/api/v1/form-token",
    tag = "public",
    params(("article_id" = String, Query, description = "The article the form is on.")),
    responses(
        (status = 200, description = "The token (`Cache-Control: no-store`).", body = FormToken),
        (status = 422, description = "Missing or bad `article_id`.", body = crate::error::ErrorBody),
    ),
)]

pub async fn issue(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let raw = query_pairs(&req)?
        .into_iter()
        .find(|(k, _)| k == "article_id")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let article_id = ArticleId::parse(&raw).map_err(|c| ApiError::field("article_id", c))?;
    let now = Utc::now().timestamp();
    let token = crate::form_token::issue(&state.secret, article_id.as_str(), now);
    let expires_at = DateTime::from_timestamp(now + crate::form_token::TOKEN_TTL_SECS, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .ok_or_else(|| ApiError::field("article_id", FieldCode::InvalidValue))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(FormToken { token, expires_at }))
}
