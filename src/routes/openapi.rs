//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations and the view types' `ToSchema`
//! derives, built once per process. Tests check it against the route table
//! (`registered_routes()`) and `PROTECTED_ROUTES`, so a route cannot be
//! added without being documented.

use crate::error::ErrorCode;
use crate::routes;
use actix_web::HttpResponse;
use actix_web::http::header;
use std::sync::LazyLock;
use utoipa::openapi::schema::{Object, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi};

/// What the contract leaves open, as majlis chose it (from the README).
const DESCRIPTION: &str = r#"Comment moderation backend: the website's comment form (public), the moderator dashboard (bearer token) and data export tools.

**Statuses.** `pending` (held), `approved` (public), `spam`, `rejected` (trash). A new comment gets one from the approval workflow (`approval_mode` `all`, `first_time` (default) or `none`, plus spam scores against `hold_threshold` and `spam_threshold`). Moderators may move a comment between any two statuses; each change is an audit event. The public only ever sees `approved` comments; a submitter judged spam is told `pending`.

**Form posts.** `POST /api/v1/comments` also takes the WordPress comment form (`application/x-www-form-urlencoded`: `comment_post_ID`, `comment_parent`, `author`, `email`, `url`, `comment`, `redirect_to`). On success it answers `303 See Other` to `redirect_to`, else the Referer, with `#comment-<id>`, only when that page is on an allowed origin; otherwise, or with `Accept: application/json`, it answers like the JSON route (`201`). A failed form post without `Accept: application/json` gets a small localized HTML page.

**Avatar.** `avatar` is the hex SHA-256 of the trimmed, lowercased email, usable with Gravatar or Libravatar (`https://gravatar.com/avatar/<avatar>`); the email itself is never public.

**Pagination.** Lists use keyset pagination with an opaque `cursor`: pass the previous page's `next_cursor`; `null` means the last page. Public listings are oldest first; the queue and the log newest first.

**Errors and localization.** Every error is `{"error": {"code", "message", "fields"?}}` (schema `ErrorBody`) with a stable snake_case `code`; `fields` (validation errors only) maps each field to `[{code, message}]`. Messages follow `Accept-Language` (`ar`, `en`), else the site's default language (Arabic unless configured); the response carries `Content-Language`.

**Caching.** Public listings and counts carry a strong `ETag` from the articles' comment versions and `Cache-Control: public, max-age=N` (10 s by default); `If-None-Match` gets `304`. `GET /api/v1/moderation/comments/{id}` returns `ETag: "<version>"` for `If-Match` on `PATCH` (412 `version_mismatch` when stale).

**Rate limits.** Submissions: at most `flood_max_comments` (1) per IP and per email within `flood_interval_seconds` (15). Logins: 5 failed attempts within 15 minutes for one account or one IP. Both answer `429 rate_limited` with `Retry-After` (seconds).

**Authentication.** `POST /api/v1/auth/login` returns a token; send it as `Authorization: Bearer <token>`. Sessions last 12 hours after their last use. Roles: `admin` (everything) and `moderator` (queue, decisions, log, export). A protected route answers 401 `unauthorized` without a live token and 403 `forbidden` to a role that may not use it."#;

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::ops::healthz,
        routes::ops::readyz,
        routes::metrics::metrics,
        routes::docs::page,
        routes::docs::asset,
        openapi_json,
        routes::public::comments::submit,
        routes::public::comments::list,
        routes::public::comments::counts,
        routes::public::form_token::issue,
        routes::auth::login,
        routes::auth::logout,
        routes::moderation::queue,
        routes::moderation::counts,
        routes::moderation::bulk,
        routes::moderation::show,
        routes::moderation::decide,
        routes::moderation::log,
        routes::admin::list_moderators,
        routes::admin::create_moderator,
        routes::admin::update_moderator,
        routes::admin::update_article,
        routes::admin::get_settings,
        routes::admin::patch_settings,
        routes::data::export_comments,
        routes::data::privacy_export,
        routes::data::privacy_erase,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&SecurityAddon, &Described),
    tags(
        (name = "public", description = "The website's comment form; no authentication."),
        (name = "auth", description = "Moderator sessions."),
        (name = "moderation", description = "The queue, decisions and the audit log (moderator or admin)."),
        (name = "admin", description = "Accounts, articles and settings (admin)."),
        (name = "export", description = "Streamed comment export (moderator or admin)."),
        (name = "privacy", description = "One commenter's data: export and erasure (admin)."),
        (name = "operations", description = "Health, metrics and this documentation."),
    ),
)]
pub struct ApiDoc;

/// The `bearer` HTTP scheme that protected routes name.
pub struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token from `POST /api/v1/auth/login`: `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The answers every protected route shares: no or a bad token, and a role
/// that may not use the route. One definition instead of one per handler.
#[derive(IntoResponses)]
pub enum AuthErrors {
    /// No or bad token (`unauthorized`).
    #[response(status = 401, description = "No or bad token (`unauthorized`).")]
    Unauthorized(crate::error::ErrorBody),
    /// The role may not use this route (`forbidden`).
    #[response(
        status = 403,
        description = "The role may not use this route (`forbidden`)."
    )]
    Forbidden(crate::error::ErrorBody),
}

/// The answers every route with a JSON body shares: the body's bytes are
/// not a JSON object, too large, or not JSON at all.
#[derive(IntoResponses)]
pub enum JsonBodyErrors {
    #[response(
        status = 400,
        description = "The body is not a JSON object (`malformed_body`)."
    )]
    Malformed(crate::error::ErrorBody),
    #[response(
        status = 413,
        description = "The body is larger than `MAJLIS_MAX_REQUEST_BYTES` (`payload_too_large`)."
    )]
    TooLarge(crate::error::ErrorBody),
    #[response(
        status = 415,
        description = "The body is not `application/json` (`unsupported_media_type`)."
    )]
    NotJson(crate::error::ErrorBody),
}

/// The document's description, and the stable error codes (from
/// `ErrorCode::ALL`, so the list cannot drift) on the `ErrorBody` schema.
pub struct Described;

impl Modify for Described {
    fn modify(&self, openapi: &mut Document) {
        openapi.info.title = "majlis API".to_owned();
        openapi.info.description = Some(DESCRIPTION.to_owned());
        let codes: String = ErrorCode::ALL
            .iter()
            .map(|c| format!("`{}` {}", c.as_str(), c.status().as_u16()))
            .collect::<Vec<_>>()
            .join(", ");
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        if let Some(RefOr::T(Schema::Object(body))) = schemas.get_mut("ErrorBody") {
            body.description = Some(format!(
                "Every error response. Stable codes with their HTTP status: {codes}. \
                 `fields` (only with `validation_failed`) maps each field to its problems."
            ));
        }
        if let Some(RefOr::T(Schema::Object(inner))) = schemas.get_mut("ErrorInner")
            && let Some(RefOr::T(Schema::Object(code))) = inner.properties.get_mut("code")
        {
            set_enum(code, ErrorCode::ALL.iter().map(|c| c.as_str()));
        }
    }
}

fn set_enum<'a>(schema: &mut Object, values: impl Iterator<Item = &'a str>) {
    schema.enum_values = Some(values.map(serde_json::Value::from).collect());
}

/// The document as JSON, built on first use.
pub static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi().to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "OpenAPI document could not be serialized");
        String::from("{}")
    })
});

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object)),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(DOCUMENT.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{PROTECTED_ROUTES, registered_routes};
    use std::collections::BTreeSet;

    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    fn document() -> serde_json::Value {
        serde_json::from_str(&DOCUMENT).unwrap()
    }

    /// `{article_id:.+}` (actix) -> `{article_id}` (OpenAPI).
    fn normalize(path: &str) -> String {
        let mut out = String::with_capacity(path.len());
        let mut in_param = false;
        let mut skipping = false;
        for ch in path.chars() {
            match ch {
                '{' => {
                    in_param = true;
                    out.push(ch);
                }
                '}' if in_param => {
                    in_param = false;
                    skipping = false;
                    out.push(ch);
                }
                ':' if in_param => skipping = true,
                _ if skipping => {}
                _ => out.push(ch),
            }
        }
        out
    }

    fn documented_operations(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
        let mut ops = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for m in METHODS {
                if item.get(*m).is_some() {
                    ops.insert((m.to_uppercase(), path.clone()));
                }
            }
        }
        ops
    }

    #[test]
    fn normalize_drops_actix_regexes() {
        assert_eq!(
            normalize("/api/v1/articles/{article_id:.+}/comments"),
            "/api/v1/articles/{article_id}/comments"
        );
        assert_eq!(normalize("/a/{id}/b"), "/a/{id}/b");
    }

    /// Every registered route is documented and every documented operation
    /// is registered, compared as (method, path) pairs. Nothing is exempt:
    /// `/docs/{file}` and `/openapi.json` are documented too.
    #[test]
    fn document_matches_the_route_table() {
        let registered: BTreeSet<(String, String)> = registered_routes()
            .into_iter()
            .map(|(m, p)| (m, normalize(p)))
            .collect();
        let documented = documented_operations(&document());
        let undocumented: Vec<_> = registered.difference(&documented).collect();
        let unregistered: Vec<_> = documented.difference(&registered).collect();
        assert!(
            undocumented.is_empty(),
            "registered but not in the OpenAPI document: {undocumented:?}"
        );
        assert!(
            unregistered.is_empty(),
            "in the OpenAPI document but not registered: {unregistered:?}"
        );
    }

    fn has_bearer(op: &serde_json::Value) -> bool {
        op["security"]
            .as_array()
            .is_some_and(|reqs| reqs.iter().any(|r| r.get("bearer").is_some()))
    }

    #[test]
    fn protected_routes_and_only_they_require_the_bearer_token() {
        let doc = document();
        for (m, p, _) in PROTECTED_ROUTES {
            let op = &doc["paths"][normalize(p)][m.to_lowercase()];
            assert!(op.is_object(), "{m} {p} is not documented");
            assert!(has_bearer(op), "{m} {p} lacks security: bearer");
            assert!(
                op["responses"]["401"].is_object(),
                "{m} {p} does not document 401"
            );
        }
        for (m, p) in documented_operations(&doc) {
            let protected = PROTECTED_ROUTES
                .iter()
                .any(|(pm, pp, _)| *pm == m && normalize(pp) == p);
            if !protected {
                let op = &doc["paths"][&p][m.to_lowercase()];
                assert!(!has_bearer(op), "{m} {p} is public but documents a token");
            }
        }
        let scheme = &doc["components"]["securitySchemes"]["bearer"];
        assert_eq!(scheme["type"], "http");
        assert_eq!(scheme["scheme"], "bearer");
    }

    #[test]
    fn error_responses_use_the_one_error_body_and_list_every_code() {
        let doc = document();
        let body = &doc["components"]["schemas"]["ErrorBody"];
        let description = body["description"].as_str().unwrap();
        for code in ErrorCode::ALL {
            assert!(description.contains(&format!("`{}`", code.as_str())));
        }
        for (m, p) in documented_operations(&doc) {
            let op = &doc["paths"][&p][m.to_lowercase()];
            assert!(
                !op["tags"].as_array().unwrap().is_empty(),
                "{m} {p} untagged"
            );
            for (status, resp) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        resp["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{m} {p} {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn submit_documents_json_and_the_wordpress_form() {
        let doc = document();
        let content = &doc["paths"]["/api/v1/comments"]["post"]["requestBody"]["content"];
        assert!(content["application/json"].is_object());
        assert!(content["application/x-www-form-urlencoded"].is_object());
        assert!(doc["paths"]["/api/v1/comments"]["post"]["responses"]["303"].is_object());
    }
}
