//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations and the view types' `ToSchema`
//! derives, built once per process. Tests check it against the route table
//! (`registered_routes()`) and `PROTECTED_ROUTES`, so a route cannot be
//! added without being documented.

use crate::error::ErrorCode;
use crate::error::HttpStatus;
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

**Form posts.** `POST /api/v1/comments` also takes the WordPress comment form (`application/x-www-form-urlencoded`: `comment_post_ID`, `comment_parent`, `author`, `email`, `url`, `comment`, `redirect_to`, `article_url`). On success it answers `303 See Other` with `#comment-<id>` to `redirect_to`, else the Referer when it names a page, else the article's URL majlis knows, else the Referer's origin, only ever to a page on an allowed origin; otherwise, or with `Accept: application/json`, it answers like the JSON route (`201`). A failed form post without `Accept: application/json` gets a localized HTML page showing the form again with the reader's input and each problem beside its field.

**Avatar.** `avatar` follows the setting `avatar`: `keyed` (default), a hex HMAC-SHA256 of the trimmed, lowercased email with an instance key (stable per commenter, useless for confirming a guessed address); `gravatar`, the hex SHA-256 for Gravatar or Libravatar (`https://gravatar.com/avatar/<avatar>`); `none`, `null`. The email itself is never public.

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
        routes::public::comments::show,
        routes::public::edits::edit,
        routes::public::edits::withdraw,
        routes::public::reports::create,
        routes::public::appeals::decision,
        routes::public::appeals::appeal,
        routes::embed::fragment,
        routes::embed::loader,
        routes::embed::asset,
        routes::embed::demo,
        routes::public::form_token::issue,
        routes::auth::login,
        routes::auth::logout,
        routes::moderation::queue,
        routes::moderation::counts,
        routes::moderation::bulk,
        routes::moderation::show,
        routes::moderation::decide,
        routes::moderation::log,
        routes::moderation::sanctions::create,
        routes::moderation::sanctions::list,
        routes::moderation::sanctions::revoke,
        routes::moderation::sanctions::reject_existing,
        routes::admin::list_moderators,
        routes::admin::create_moderator,
        routes::admin::update_moderator,
        routes::admin::list_articles,
        routes::admin::update_article,
        routes::admin::register_article,
        routes::admin::get_settings,
        routes::admin::patch_settings,
        routes::admin::learner_state,
        routes::admin::reset_learner,
        routes::dashboard::page,
        routes::dashboard::to_page,
        routes::dashboard::asset,
        routes::dashboard::sign_in,
        routes::dashboard::session,
        routes::dashboard::sign_out,
        routes::sites::list_sites,
        routes::sites::create_site,
        routes::sites::update_site,
        routes::admin::place_hold,
        routes::admin::list_holds,
        routes::admin::lift_hold,
        routes::admin::transparency,
        routes::notifications::get,
        routes::notifications::set,
        routes::notifications::unsubscribe_page,
        routes::notifications::unsubscribe,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::get,
        routes::webhooks::update,
        routes::webhooks::delete,
        routes::webhooks::redeliver,
        routes::data::export_comments,
        routes::data::privacy_export,
        routes::data::privacy_erase,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&SecurityAddon, &Described, &FormPost, &AtLeastOne),
    tags(
        (name = "public", description = "The website's comment form; no authentication."),
        (name = "auth", description = "Moderator sessions."),
        (name = "moderation", description = "The queue, decisions, sanctions on commenters and the audit log (moderator or admin)."),
        (name = "admin", description = "Accounts, articles, settings and the spam learner (admin)."),
        (name = "export", description = "Streamed comment export (moderator or admin)."),
        (name = "privacy", description = "One commenter's data: export and erasure (admin)."),
        (name = "operations", description = "Health, metrics and this documentation."),
        (name = "dashboard", description = "The moderator dashboard at `/moderate/`: its page, assets and cookie session. Signed in by cookie, every API route works as with a bearer token; a request that changes something also sends `X-CSRF-Token` (else 403 `csrf_rejected`), and one with `X-Majlis-Poll: 1` does not keep the session alive."),
    ),
)]
pub struct ApiDoc;

/// The `bearer` HTTP scheme that protected routes name, and the
/// dashboard's `cookie`, which each of them accepts as well (with
/// `X-CSRF-Token` for a change).
pub struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement};
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
                if let Some(reqs) = &mut op.security
                    && reqs.contains(&bearer)
                {
                    reqs.push(SecurityRequirement::new("cookie", Vec::<String>::new()));
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::cookie::SESSION_COOKIE,
                "The dashboard's session cookie, set by `POST /moderate/session`; a request \
                 that changes something also sends the session's `X-CSRF-Token`.",
            ))),
        );
        components.add_security_scheme(
            "edit_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A comment's `edit_token` from the 201 of its submission: \
                         `Authorization: Bearer <edit_token>`, within the site's edit window.",
                    ))
                    .build(),
            ),
        );
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

/// The answer of every route that reads the database when it is out of
/// reach.
#[derive(IntoResponses)]
pub enum DbErrors {
    #[response(
        status = 503,
        description = "Database unavailable (`db_unavailable`), with `Retry-After` in seconds."
    )]
    Unavailable(crate::error::ErrorBody),
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
/// `ErrorCode::all`, so the list cannot drift) on the `ErrorBody` schema.
pub struct Described;

impl Modify for Described {
    fn modify(&self, openapi: &mut Document) {
        openapi.info.title = "majlis API".to_owned();
        openapi.info.description = Some(DESCRIPTION.to_owned());
        let codes: String = ErrorCode::all()
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
            set_enum(code, ErrorCode::all().map(|c| c.as_str()));
        }
    }
}

/// The comment form route: its `application/x-www-form-urlencoded` body
/// is `SubmitCommentRequest` with WordPress's names added from
/// `SubmitCommentRequest::FORM_NAMES` (the table the decoder maps with),
/// and every error may also answer as a small HTML page.
pub struct FormPost;

pub const FORM_SCHEMA: &str = "WordPressCommentForm";

impl Modify for FormPost {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::{Content, Ref};
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        let Some(RefOr::T(Schema::Object(json))) = schemas.get("SubmitCommentRequest") else {
            return;
        };
        use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Type};
        let mut form = json.clone();
        // Either name may carry a required field: one of each such pair.
        let mut either = Vec::new();
        // A form carries text only: each field is its JSON schema's string
        // alternative (no `null`, no JSON number).
        for p in form.properties.values_mut() {
            *p = as_form_text(p.clone());
        }
        for (wp, ours) in crate::routes::public::submit_request::SubmitCommentRequest::FORM_NAMES {
            if let Some(p) = form.properties.get(*ours).cloned() {
                form.properties.insert((*wp).to_owned(), p);
            }
            if form.required.iter().any(|r| r == ours) {
                form.required.retain(|r| r != ours);
                let named = |name: &str| {
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .required(name)
                };
                either.push(AnyOfBuilder::new().item(named(wp)).item(named(ours)));
            }
        }
        form.description = Some(
            "The WordPress comment form's fields (`comment_post_ID`, `comment_parent`, \
             `author`, `email`, `url`, `comment`) or ours (`article_id`, `parent_id`, \
             `author_name`, `author_email`, `author_url`, `body`): one of each pair is \
             required for the article, name, email and comment."
                .to_owned(),
        );
        form.example = None;
        let all = either
            .into_iter()
            .fold(AllOfBuilder::new().item(form), |all, pair| all.item(pair));
        schemas.insert(FORM_SCHEMA.to_owned(), RefOr::T(Schema::AllOf(all.build())));
        let Some(op) = openapi
            .paths
            .paths
            .get_mut("/api/v1/comments")
            .and_then(|item| item.post.as_mut())
        else {
            return;
        };
        if let Some(content) = op
            .request_body
            .as_mut()
            .and_then(|b| b.content.get_mut("application/x-www-form-urlencoded"))
        {
            content.schema = Some(RefOr::Ref(Ref::from_schema_name(FORM_SCHEMA)));
        }
        let page = utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A form post without `Accept: application/json`: a small localized HTML page \
                 with each field's problem and a link back to the form.",
            ))
            .build();
        for (status, response) in op.responses.responses.iter_mut() {
            if let (true, RefOr::T(r)) =
                (status.starts_with('4') || status.starts_with('5'), response)
            {
                r.content.insert(
                    "text/html".to_owned(),
                    Content::new(Some(RefOr::T(Schema::Object(page.clone())))),
                );
            }
        }
    }
}

/// A JSON body field's schema as a form field's: the string alternative of
/// a `oneOf`, and `string` where the JSON type also allows `null`.
fn as_form_text(schema: RefOr<Schema>) -> RefOr<Schema> {
    use utoipa::openapi::schema::{SchemaType, Type};
    match schema {
        RefOr::T(Schema::OneOf(one)) => {
            let text = one.items.iter().find(|item| {
                matches!(item, RefOr::T(Schema::Object(o))
                    if o.schema_type == SchemaType::Type(Type::String))
            });
            match text {
                Some(t) => as_form_text(t.clone()),
                None => RefOr::T(Schema::OneOf(one)),
            }
        }
        RefOr::T(Schema::Object(mut o)) => {
            o.schema_type = without_null(o.schema_type);
            // An empty form field reads as absent (`comment_parent=`): a
            // pattern may not refuse it (`minLength` still does where a
            // value is needed).
            if let Some(p) = o.pattern.take() {
                let inner = p.strip_prefix('^').and_then(|p| p.strip_suffix('$'));
                o.pattern = Some(match inner {
                    Some(inner) => format!("^(?:{inner})?$"),
                    None => p,
                });
            }
            // A form sends its empty fields too (`url=` when the reader has
            // no website): empty is "none", so no `format` may refuse it.
            if matches!(&o.format, Some(utoipa::openapi::schema::SchemaFormat::Custom(f)) if f == "uri")
            {
                o.format = None;
            }
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

/// A type list without `null` (`["string", "null"]` becomes `"string"`).
fn without_null(t: utoipa::openapi::schema::SchemaType) -> utoipa::openapi::schema::SchemaType {
    use utoipa::openapi::schema::{SchemaType, Type};
    match t {
        SchemaType::Array(types) => {
            let mut rest: Vec<Type> = types.into_iter().filter(|t| *t != Type::Null).collect();
            if rest.len() == 1 {
                SchemaType::Type(rest.remove(0))
            } else {
                SchemaType::Array(rest)
            }
        }
        other => other,
    }
}

/// Bodies that must name at least one of some fields, each of them with a
/// value (`null` reads as absent, which would change nothing): the schema
/// says so with `anyOf` required, as the handlers' `nothing_to_change` does.
pub struct AtLeastOne;

/// `(schema, fields of which one is needed and may not be null)`.
pub const AT_LEAST_ONE: &[(&str, &[&str])] = &[
    ("DecisionRequest", &["status", "body"]),
    ("ArticlePatch", &["closed", "approval_mode"]),
];

/// `(schema, fields of which exactly one is needed)`.
pub const EXACTLY_ONE: &[(&str, &[&str])] = &[("NewHoldRequest", &["comment_id", "author_email"])];

impl Modify for AtLeastOne {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Type};
        let Some(schemas) = openapi.components.as_mut().map(|c| &mut c.schemas) else {
            return;
        };
        use utoipa::openapi::schema::OneOfBuilder;
        for (name, fields) in EXACTLY_ONE {
            let Some(RefOr::T(Schema::Object(body))) = schemas.get(*name) else {
                continue;
            };
            // `null` is the same as absent: each branch needs its field
            // present and not null, and the body keeps the nullable forms.
            let body = body.clone();
            let one = fields.iter().fold(OneOfBuilder::new(), |one, field| {
                let mut branch = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .required(*field);
                if let Some(p) = body.properties.get(*field) {
                    branch = branch.property(*field, non_null(p.clone()));
                }
                one.item(branch)
            });
            let all = AllOfBuilder::new().item(body).item(one).build();
            schemas.insert((*name).to_owned(), RefOr::T(Schema::AllOf(all)));
        }
        for (name, fields) in AT_LEAST_ONE {
            let Some(RefOr::T(Schema::Object(body))) = schemas.get(*name) else {
                continue;
            };
            let mut body = body.clone();
            // `approval_mode: null` means "back to the site-wide mode": a
            // change, so it keeps its `null`.
            for field in fields.iter().filter(|f| **f != "approval_mode") {
                if let Some(p) = body.properties.get_mut(*field) {
                    *p = non_null(p.clone());
                }
            }
            body.min_properties = None;
            let any = fields.iter().fold(AnyOfBuilder::new(), |any, field| {
                any.item(
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .required(*field),
                )
            });
            let all = AllOfBuilder::new().item(body).item(any).build();
            schemas.insert((*name).to_owned(), RefOr::T(Schema::AllOf(all)));
        }
    }
}

/// A field's schema without its `null` alternative.
fn non_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    use utoipa::openapi::schema::{SchemaType, Type};
    match schema {
        RefOr::T(Schema::OneOf(mut one)) => {
            one.items.retain(|item| {
                !matches!(item, RefOr::T(Schema::Object(o))
                    if o.schema_type == SchemaType::Type(Type::Null))
            });
            if one.items.len() == 1 {
                one.items.remove(0)
            } else {
                RefOr::T(Schema::OneOf(one))
            }
        }
        RefOr::T(Schema::Object(mut o)) => {
            o.schema_type = without_null(o.schema_type);
            RefOr::T(Schema::Object(o))
        }
        other => other,
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
        for code in ErrorCode::all() {
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

    fn schema<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
        &doc["components"]["schemas"][name]
    }

    fn query_param<'a>(
        doc: &'a serde_json::Value,
        path: &str,
        name: &str,
    ) -> &'a serde_json::Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} documents no {name}"))
    }

    /// One constant feeds the validation and the document: the schema of
    /// each request carries the limits the server enforces.
    #[test]
    fn request_schemas_carry_the_limits_validation_enforces() {
        use crate::domain::comment::{DEFAULT_MAX_BODY, MAX_EMAIL, MAX_NAME, MAX_URL};
        use crate::domain::moderator::{MAX_DISPLAY_NAME, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
        use crate::domain::settings as s;
        let doc = document();
        let submit = &schema(&doc, "SubmitCommentRequest")["properties"];
        assert_eq!(submit["author_name"]["maxLength"], MAX_NAME);
        assert_eq!(submit["author_email"]["maxLength"], MAX_EMAIL);
        assert_eq!(submit["author_email"]["format"], "email");
        assert_eq!(submit["author_url"]["maxLength"], MAX_URL);
        assert_eq!(submit["article_url"]["maxLength"], MAX_URL);
        assert_eq!(
            submit["article_title"]["maxLength"],
            crate::domain::limits::MAX_ARTICLE_TITLE
        );
        assert_eq!(submit["body"]["maxLength"], DEFAULT_MAX_BODY);
        assert_eq!(submit["article_id"]["oneOf"][0]["maxLength"], 200);
        let required = schema(&doc, "SubmitCommentRequest")["required"].clone();
        assert_eq!(
            required,
            serde_json::json!(["article_id", "author_name", "author_email", "body"])
        );

        let new_mod = &schema(&doc, "NewModeratorRequest")["properties"];
        assert_eq!(new_mod["password"]["minLength"], MIN_PASSWORD_CHARS);
        assert_eq!(new_mod["password"]["maxLength"], MAX_PASSWORD_CHARS);
        assert_eq!(new_mod["display_name"]["maxLength"], MAX_DISPLAY_NAME);
        assert_eq!(new_mod["email"]["format"], "email");

        let bulk = &schema(&doc, "BulkRequest")["properties"]["ids"];
        assert_eq!(bulk["maxItems"], crate::domain::limits::MAX_BULK_IDS);
        assert_eq!(bulk["minItems"], 1);
        assert_eq!(bulk["items"]["minimum"], 1);
        assert_eq!(
            schema(&doc, "DecisionRequest")["allOf"][0]["properties"]["reason"]["maxLength"],
            crate::domain::limits::MAX_REASON_CHARS
        );

        let queue = "/api/v1/moderation/comments";
        assert_eq!(
            query_param(&doc, queue, "limit")["schema"]["maximum"],
            crate::domain::limits::QUEUE_MAX_PAGE
        );
        assert_eq!(
            query_param(&doc, queue, "q")["schema"]["maxLength"],
            crate::domain::limits::MAX_QUERY_CHARS
        );
        let statuses: Vec<&str> = crate::routes::moderation::queries::queue_statuses().collect();
        assert_eq!(
            query_param(&doc, queue, "status")["schema"]["enum"],
            serde_json::json!(statuses)
        );
        let log = "/api/v1/moderation/log";
        assert_eq!(
            query_param(&doc, log, "limit")["schema"]["maximum"],
            crate::domain::limits::LOG_MAX_PAGE
        );
        assert_eq!(
            query_param(&doc, log, "moderator_id")["schema"]["minimum"],
            1
        );
        assert_eq!(
            query_param(&doc, "/api/v1/export/comments", "format")["schema"]["enum"],
            serde_json::json!(crate::export::ExportFormat::NAMES)
        );
        let counts = query_param(&doc, "/api/v1/comment-counts", "article_id");
        assert_eq!(counts["required"], true);
        assert_eq!(
            counts["schema"]["maxItems"],
            crate::domain::limits::MAX_COUNT_IDS
        );
        assert_eq!(
            query_param(&doc, "/api/v1/articles/{article_id}/comments", "limit")["schema"]["maximum"],
            crate::domain::limits::PUBLIC_MAX_PAGE
        );

        let settings = &schema(&doc, "ModerationSettings")["properties"];
        for (field, (min, max)) in [
            ("max_links", s::MAX_LINKS),
            ("flood_interval_seconds", s::FLOOD_INTERVAL_SECONDS),
            ("flood_max_comments", s::FLOOD_MAX_COMMENTS),
            ("close_after_days", s::CLOSE_AFTER_DAYS),
            ("min_form_seconds", s::MIN_FORM_SECONDS),
            ("purge_spam_after_days", s::RETENTION_DAYS),
            ("purge_rejected_after_days", s::RETENTION_DAYS),
            ("ip_retention_days", s::RETENTION_DAYS),
            ("edit_window_minutes", s::EDIT_WINDOW_MINUTES),
            ("report_threshold", s::REPORT_THRESHOLD),
            ("trust_after_approved", s::TRUST_AFTER_APPROVED),
            ("distrust_window_days", s::DISTRUST_WINDOW_DAYS),
        ] {
            assert_eq!(settings[field]["minimum"], min, "{field}");
            assert_eq!(settings[field]["maximum"], max, "{field}");
        }
        assert_eq!(settings["spam_threshold"]["maximum"], s::MAX_SCORE);
        assert_eq!(settings["held_words"]["maxItems"], s::MAX_LIST);
        assert_eq!(settings["held_words"]["items"]["maxLength"], s::MAX_WORD);
        assert_eq!(
            settings["languages"]["items"]["enum"],
            serde_json::json!(s::LANGUAGES)
        );
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let mut seen = BTreeSet::new();
        for (m, p) in documented_operations(&doc) {
            let id = doc["paths"][&p][m.to_lowercase()]["operationId"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(seen.insert(id.clone()), "operationId {id} used twice");
        }
    }

    #[test]
    fn every_json_body_documents_413_and_415() {
        let doc = document();
        for (m, p) in documented_operations(&doc) {
            let op = &doc["paths"][&p][m.to_lowercase()];
            if op["requestBody"]["content"]["application/json"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        op["responses"][status].is_object(),
                        "{m} {p} lacks {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_form_route_documents_wordpress_names_and_its_html_errors() {
        let doc = document();
        let op = &doc["paths"]["/api/v1/comments"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"],
            format!("#/components/schemas/{FORM_SCHEMA}")
        );
        let form = &schema(&doc, FORM_SCHEMA)["allOf"];
        for (wp, ours) in crate::routes::public::submit_request::SubmitCommentRequest::FORM_NAMES {
            assert_eq!(
                form[0]["properties"][wp], form[0]["properties"][ours],
                "{wp}"
            );
        }
        // One of each pair for the article, the name, the email, the body.
        assert_eq!(
            form[1]["anyOf"],
            serde_json::json!([
                {"type": "object", "required": ["comment_post_ID"]},
                {"type": "object", "required": ["article_id"]},
            ])
        );
        assert_eq!(form.as_array().map(Vec::len), Some(5));
        for status in ["400", "413", "422", "429"] {
            assert!(
                op["responses"][status]["content"]["text/html"].is_object(),
                "{status} has no HTML answer"
            );
        }
        let asset = &doc["paths"]["/docs/{file}"]["get"]["responses"]["200"]["content"];
        assert!(asset["text/javascript"].is_object() && asset["text/css"].is_object());
    }

    #[test]
    fn form_fields_are_text_only() {
        let doc = document();
        let form = &schema(&doc, FORM_SCHEMA)["allOf"][0]["properties"];
        for (name, p) in form.as_object().unwrap() {
            assert!(p.get("oneOf").is_none(), "{name}: {p}");
            if let Some(t) = p.get("type") {
                assert_eq!(t, "string", "{name}: {p}");
            }
        }
        // A form's `comment_parent` is digits or empty, never the text `null`.
        assert_eq!(
            form["comment_parent"]["pattern"], "^(?:(?: *[0-9]{1,18} *)?)?$",
            "{}",
            form["comment_parent"]
        );
        // An empty `url=` is what a form sends for "no website".
        assert!(form["url"].get("format").is_none(), "{}", form["url"]);
        assert!(form["url"]["maxLength"].is_number());
    }

    #[test]
    fn bodies_that_change_nothing_are_outside_their_schemas() {
        let doc = document();
        for (name, fields) in AT_LEAST_ONE {
            let all = &schema(&doc, name)["allOf"];
            let required: Vec<&str> = all[1]["anyOf"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["required"][0].as_str().unwrap())
                .collect();
            assert_eq!(&required, fields, "{name}");
        }
        let decision = &schema(&doc, "DecisionRequest")["allOf"][0]["properties"];
        assert_eq!(decision["body"]["type"], "string", "{decision}");
        assert!(decision["status"]["$ref"].is_string(), "{decision}");
        let article = &schema(&doc, "ArticlePatch")["allOf"][0]["properties"];
        assert_eq!(article["closed"]["type"], "boolean", "{article}");
        assert!(
            article["approval_mode"]
                .to_string()
                .contains(r#"{"type":"null"}"#),
            "{article}"
        );
    }
}
