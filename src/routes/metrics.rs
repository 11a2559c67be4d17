//! `GET /metrics`: Prometheus text format. When `MAJLIS_METRICS_TOKEN` is
//! set, it wants `Authorization: Bearer <token>`.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

/// Prometheus metrics (text format), labelled by route pattern.
///
/// When `MAJLIS_METRICS_TOKEN` is set it wants `Authorization: Bearer
/// <that token>` (a separate token, not a moderator's session).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4.", content_type = "text/plain", body = String),
        (status = 401, description = "`MAJLIS_METRICS_TOKEN` is set and was not given (`unauthorized`).", body = crate::error::ErrorBody),
    ),
)]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &state.config.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
            return Err(ErrorCode::Unauthorized.into());
        }
    }
    let (pending, oldest): (i64, f64) = sqlx::query_as(
        "select count(*), coalesce(extract(epoch from now() - min(created_at))::float8, 0)
         from comments where status = 'pending'",
    )
    .fetch_one(&state.pool)
    .await?;
    crate::metrics::set_pending(pending, oldest);
    let (size, idle) = state.worker_pools.usage();
    crate::metrics::set_pool(size, idle);
    let body = crate::metrics::handle()
        .map(|h| h.render())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
