//! `GET /api/v1/form-token?article_id=`: a signed token the comment form
//! fetches when it loads and sends back with the comment.

use crate::domain::ArticleId;
use crate::error::{ApiError, FieldCode, FieldErrors};
use crate::routes::body::{ApiQuery, Shape, one_field, query_params, schema};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// A signed form token: send it back as `form_token` with the comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormToken {
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

query_params! {
    /// `GET /api/v1/form-token?article_id=`
    pub struct FormTokenParams {
        /// The article the form is on.
        article_id: Option<String> = schema::article_id(), required;
    }
}

impl Shape for FormTokenParams {
    type Valid = ArticleId;
    fn validate(self, _: &AppState) -> Result<ArticleId, FieldErrors> {
        one_field(
            "article_id",
            ArticleId::parse(self.article_id.as_deref().unwrap_or_default()),
        )
    }
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
    params(FormTokenParams),
    responses(
        (status = 200, description = "The token (`Cache-Control: no-store`).", body = FormToken),
        (status = 422, description = "Missing or bad `article_id`.", body = crate::error::ErrorBody),
    ),
)]

pub async fn issue(
    ApiQuery(article_id): ApiQuery<FormTokenParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now().timestamp();
    let token = crate::form_token::issue(&state.secret, article_id.as_str(), now);
    let expires_at = DateTime::from_timestamp(now + crate::form_token::TOKEN_TTL_SECS, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .ok_or_else(|| ApiError::field("article_id", FieldCode::InvalidValue))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(FormToken { token, expires_at }))
}
