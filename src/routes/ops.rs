//! `GET /healthz` (process alive) and `GET /readyz` (database reachable).

use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `{"status": "ok"|"ready"}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is alive.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Health)),
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database is reachable.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Health),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = crate::error::ErrorBody),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    sqlx::query("select 1")
        .execute(&state.pool)
        .await
        .map_err(ApiError::db_unavailable)?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
