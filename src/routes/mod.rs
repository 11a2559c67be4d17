//! HTTP only: the route table and the handlers, grouped by client.

pub mod docs;
pub mod metrics;
pub mod ops;
pub mod public;
pub mod request;
pub mod views;

use crate::error::{ApiError, ErrorCode};
use actix_web::{HttpResponse, Resource, web};

/// Every route of the API. Tests build the same table.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").get(ops::healthz))
        .service(resource("/readyz").get(ops::readyz))
        .service(resource("/metrics").get(metrics::metrics))
        .service(resource("/docs").get(docs::page))
        .service(resource("/docs/{file}").get(docs::asset))
        .service(resource("/api/v1/comments").post(public::comments::submit))
        .service(resource("/api/v1/articles/{article_id:.+}/comments").get(public::comments::list))
        .service(resource("/api/v1/comment-counts").get(public::comments::counts))
        .service(resource("/api/v1/form-token").get(public::form_token::issue));
}

/// A path whose unsupported methods answer 405 in the API's error shape.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ErrorCode::NotFound.into())
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ErrorCode::MethodNotAllowed.into())
}
