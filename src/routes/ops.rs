//! `GET /healthz` (process alive) and `GET /readyz` (database reachable).

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;
use std::time::Duration;

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

/// How long readiness waits for the database: a probe must hear "not
/// ready" quickly, not queue behind the pool's acquire timeout.
pub const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// The database is reachable (answers within a second either way).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Health),
        (status = 503, description = "Database unavailable or not answering within a second (`db_unavailable`).", body = crate::error::ErrorBody),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ping = sqlx::query("select 1").execute(&state.pool);
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(_)) => Ok(HttpResponse::Ok().json(json!({"status": "ready"}))),
        Ok(Err(e)) => Err(ApiError::db_unavailable(e)),
        Err(elapsed) => Err(ApiError::db_unavailable(elapsed)),
    }
}
