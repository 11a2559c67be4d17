//! `GET /api/v1/form-token?article_id=`: a signed token the comment form
//! fetches when it loads and sends back with the comment.

use crate::domain::{ArticleId, SiteId};
use crate::error::{ApiError, FieldCode, FieldErrors};
use crate::routes::body::{ApiQuery, Shape, one_field, query_params, schema};
use crate::routes::site::{named_site, public_site};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// A signed form token: send it back as `form_token` with the comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormToken {
    pub token: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// This server sends mail: the form may offer `notify_replies`.
    pub notifications: bool,
}

query_params! {
    /// `GET /api/v1/form-token?article_id=`
    pub struct FormTokenParams {
        /// The article the form is on.
        article_id: Option<String> = schema::article_id(), required;
        /// The article's site; absent: the site whose allowed origins hold
        /// the request's `Origin`, else `default`.
        site: Option<String> = schema::site();
    }
}

impl Shape for FormTokenParams {
    type Valid = (ArticleId, Option<SiteId>);
    fn validate(self, _: &AppState) -> Result<(ArticleId, Option<SiteId>), FieldErrors> {
        let article = one_field(
            "article_id",
            ArticleId::parse(self.article_id.as_deref().unwrap_or_default()),
        );
        let site = named_site(self.site.as_deref());
        match (article, site) {
            (Ok(a), Ok(s)) => Ok((a, s)),
            (Err(mut f), Err(g)) => {
                f.extend_new(g);
                Err(f)
            }
            (Err(f), _) | (_, Err(f)) => Err(f),
        }
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
        (status = 404, description = "No such site (`site_not_found`).", body = crate::error::ErrorBody),
        (status = 422, description = "Missing or bad `article_id` or `site`.", body = crate::error::ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]

pub async fn issue(
    req: HttpRequest,
    ApiQuery((article_id, site)): ApiQuery<FormTokenParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now().timestamp();
    let site = public_site(&req, &state, site);
    state.settings.current(&state.pool, &site).await?;
    let subject = crate::form_token::subject(site.as_str(), article_id.as_str());
    let token = crate::form_token::issue(&state.secret, &subject, now);
    let expires_at = DateTime::from_timestamp(now + crate::form_token::TOKEN_TTL_SECS, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .ok_or_else(|| ApiError::field("article_id", FieldCode::InvalidValue))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(FormToken {
            token,
            expires_at,
            notifications: state.config.smtp_url.is_some(),
        }))
}
