//! `GET /docs`: a browsable API page (Swagger UI 5.35.0, embedded in the
//! binary from the npm package `swagger-ui-dist`; see assets/swagger-ui/),
//! so it works with no internet on the client, under a strict
//! Content-Security-Policy.

use crate::error::{ApiError, ErrorBody, ErrorCode};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

const BUNDLE: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js");
const CSS: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui.css");
const INIT: &[u8] = include_bytes!("../../assets/docs-init.js");
const LICENSE: &[u8] = include_bytes!("../../assets/swagger-ui/LICENSE");

/// Swagger UI styles its widgets inline, hence `style-src 'unsafe-inline'`;
/// scripts come only from this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>majlis API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"#;

/// The browsable API page (Swagger UI on `/openapi.json`).
#[utoipa::path(
    get,
    path = "/docs",
    tag = "operations",
    responses((status = 200, description = "An HTML page.", content_type = "text/html", body = String)),
)]
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(PAGE)
}

/// The page's embedded assets (Swagger UI's script and styles, its licence).
#[utoipa::path(
    get,
    path = "/docs/{file}",
    tag = "operations",
    params(("file" = String, Path, description = "`swagger-ui-bundle.js`, `swagger-ui.css`, `init.js` or `LICENSE`.")),
    responses(
        (status = 200, description = "The file (cached for a day): a script, a style sheet or text.",
            content(
                (String = "text/javascript"),
                (String = "text/css"),
                (String = "text/plain"),
            )),
        (status = 404, description = "No such file (`not_found`).", body = ErrorBody),
    ),
)]
pub async fn asset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (body, ctype): (&'static [u8], &str) = match req.match_info().get("file").unwrap_or("") {
        "swagger-ui-bundle.js" => (BUNDLE, "text/javascript; charset=utf-8"),
        "swagger-ui.css" => (CSS, "text/css; charset=utf-8"),
        "init.js" => (INIT, "text/javascript; charset=utf-8"),
        "LICENSE" => (LICENSE, "text/plain; charset=utf-8"),
        _ => return Err(ErrorCode::NotFound.into()),
    };
    Ok(HttpResponse::Ok()
        .content_type(ctype)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .body(body))
}
