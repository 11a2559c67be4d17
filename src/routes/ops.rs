//! `GET /healthz` (process alive) and `GET /readyz` (database reachable).

use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    sqlx::query("select 1")
        .execute(&state.pool)
        .await
        .map_err(ApiError::db_unavailable)?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
