//! Admin only: moderator accounts and per-article settings.

use crate::accounts::{self, AccountPatch, NewModerator};
use crate::auth::Admin;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::domain::{ApprovalMode, AuthorUrl, DisplayName, ModerationSettings, Role};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::routes::body::JsonObject;
use crate::routes::moderation::views::{ArticleView, ModeratorView};
use crate::routes::public::comments::article_id_from_path;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;

/// `POST /api/v1/admin/moderators` (documentation only).
#[derive(utoipa::ToSchema)]
pub struct NewModeratorRequest {
    pub email: String,
    /// At least 12 characters, not containing the email.
    #[schema(format = Password)]
    pub password: String,
    /// Defaults to `moderator`.
    pub role: Option<Role>,
    pub display_name: String,
}

/// `PATCH /api/v1/admin/moderators/{id}` (documentation only).
#[derive(utoipa::ToSchema)]
pub struct ModeratorPatch {
    pub role: Option<Role>,
    pub display_name: Option<String>,
    /// Disabling an account ends its sessions.
    pub disabled: Option<bool>,
    /// A new password; ends the account's sessions.
    #[schema(format = Password)]
    pub password: Option<String>,
}

/// `PATCH /api/v1/admin/articles/{article_id}` (documentation only).
#[derive(utoipa::ToSchema)]
pub struct ArticlePatch {
    /// Close or reopen comments.
    pub closed: Option<bool>,
    /// Overrides the site-wide mode; `null` returns to it; absent: unchanged.
    #[schema(nullable)]
    pub approval_mode: Option<ApprovalMode>,
}

/// `PUT /api/v1/admin/articles/{article_id}` (documentation only).
#[derive(utoipa::ToSchema)]
pub struct ArticleRegistration {
    /// The article's page: http or https, at most 200 characters.
    #[schema(format = "uri", max_length = 200)]
    pub url: String,
    /// 1-300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Close or reopen comments; absent: unchanged (open when new).
    pub closed: Option<bool>,
}

/// All moderator accounts.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ModeratorList {
    pub moderators: Vec<ModeratorView>,
}

/// Create a moderator account.
#[utoipa::path(
    post,
    path = "/api/v1/admin/moderators",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewModeratorRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = ModeratorView,
            headers(("Location" = String, description = "`/api/v1/admin/moderators/{id}`"))),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors,
        (status = 409, description = "The email exists, in any case (`email_taken`).", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn create_moderator(
    auth: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = JsonObject::read(&req, payload, &state).await?;
    let mut f = FieldErrors::default();
    let email = body.string("email", &mut f);
    let password = body.string("password", &mut f).map(SecretString::from);
    let role = body.string("role", &mut f);
    let display_name = body.string("display_name", &mut f);
    let parsed = NewModerator::parse(
        email.as_deref(),
        password,
        role.as_deref(),
        display_name.as_deref(),
    );
    let new = match parsed {
        Ok(new) if f.is_empty() => new,
        Ok(_) => return Err(ApiError::validation(f)),
        Err(errors) => return Err(ApiError::validation(merge(f, errors))),
    };
    let row = accounts::create(&state.pool, Some(auth.0.moderator_id), new).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/moderators/{}", row.id),
        ))
        .json(ModeratorView::from_row(row)))
}

/// Type errors found while reading, plus the rules the values broke.
fn merge(mut a: FieldErrors, b: FieldErrors) -> FieldErrors {
    for field in ["email", "password", "role", "display_name"] {
        for code in b.get(field).unwrap_or_default() {
            if !a.get(field).is_some_and(|c| c.contains(code)) {
                a.add(field, *code);
            }
        }
    }
    a
}

/// Every moderator account (never a password hash).
#[utoipa::path(
    get,
    path = "/api/v1/admin/moderators",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The accounts.", body = ModeratorList),
        crate::routes::openapi::AuthErrors, (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn list_moderators(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let rows = db::moderators::list(&mut conn).await?;
    let list: Vec<ModeratorView> = rows.into_iter().map(ModeratorView::from_row).collect();
    Ok(HttpResponse::Ok().json(ModeratorList { moderators: list }))
}

/// Change an account's role, name, password, or disable it.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/moderators/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The moderator id.")),
    request_body(content = ModeratorPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The account after the change.", body = ModeratorView),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such account (`moderator_not_found`).", body = ErrorBody),
        (status = 409, description = "Would leave no active admin (`last_admin`).", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn update_moderator(
    auth: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = req
        .match_info()
        .get("id")
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or(ApiError::new(ErrorCode::ModeratorNotFound))?;
    let body = JsonObject::read(&req, payload, &state).await?;
    let mut f = FieldErrors::default();
    let patch = AccountPatch {
        role: body
            .string("role", &mut f)
            .and_then(|r| f.take("role", Role::parse(&r))),
        display_name: body
            .string("display_name", &mut f)
            .and_then(|d| f.take("display_name", DisplayName::parse(&d))),
        disabled: body.bool("disabled", &mut f),
        password: body.string("password", &mut f).map(SecretString::from),
    };
    f.into_result()?;
    let session = auth.0;
    let row = accounts::update(
        &state.pool,
        session.moderator_id,
        session.token_hash(),
        id,
        patch,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ModeratorView::from_row(row)))
}

/// `PATCH /api/v1/admin/articles/{article_id}` `{closed?, approval_mode?}`:
/// `approval_mode` `null` returns the article to the site-wide mode.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/articles/{article_id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("article_id" = String, Path, description = "The site's article id (may contain `/`). An article not seen yet is created.")),
    request_body(content = ArticlePatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The article after the change.", body = ArticleView),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors, (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "A bad field, or nothing to change (`nothing_to_change`).", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn update_article(
    auth: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let body = JsonObject::read(&req, payload, &state).await?;
    let mut f = FieldErrors::default();
    let closed = body.bool("closed", &mut f);
    let mode = body.string("approval_mode", &mut f).and_then(|m| {
        f.take(
            "approval_mode",
            m.trim()
                .parse::<ApprovalMode>()
                .map_err(|()| FieldCode::InvalidValue),
        )
    });
    // Present as null: back to the site-wide mode; absent: unchanged.
    let approval_mode = if body.has("approval_mode") {
        Some(mode.map(ApprovalMode::as_str))
    } else {
        None
    };
    if closed.is_none() && approval_mode.is_none() && f.is_empty() {
        f.add("closed", FieldCode::NothingToChange);
    }
    f.into_result()?;
    let mut tx = state.pool.begin().await?;
    let row =
        db::articles::update_settings(&mut tx, article_id.as_str(), closed, approval_mode).await?;
    let event = NewAuditEvent::article_updated(
        auth.0.moderator_id,
        &row.id,
        row.closed,
        row.approval_mode.as_deref(),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    state.public_cache.invalidate(&row.id);
    Ok(HttpResponse::Ok().json(ArticleView::from_row(row)))
}

/// Register an article (for a CMS to call).
///
/// `PUT /api/v1/admin/articles/{article_id}` `{url, title, closed?}`: the
/// site's own description of the article, which replaces whatever a
/// submitter gave (submitters describe an article only while the site
/// has not registered it, and only with a page on an allowed origin).
/// With the setting `require_known_articles`, only registered articles
/// take comments. Idempotent.
#[utoipa::path(
    put,
    path = "/api/v1/admin/articles/{article_id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("article_id" = String, Path, description = "The site's article id (may contain `/`).")),
    request_body(content = ArticleRegistration, content_type = "application/json"),
    responses(
        (status = 200, description = "Registered; the article as stored.", body = ArticleView),
        (status = 201, description = "Registered a new article.", body = ArticleView),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors, (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "A missing or bad `url`, `title` or `closed`.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn register_article(
    auth: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let body = JsonObject::read(&req, payload, &state).await?;
    let mut f = FieldErrors::default();
    let url = match body.string("url", &mut f) {
        Some(u) => match AuthorUrl::parse_optional(Some(&u)) {
            Ok(Some(u)) => Some(u),
            Ok(None) => {
                f.add("url", FieldCode::Required);
                None
            }
            Err(c) => {
                f.add("url", c);
                None
            }
        },
        None => {
            if f.get("url").is_none() {
                f.add("url", FieldCode::Required);
            }
            None
        }
    };
    let title = match body.string("title", &mut f) {
        Some(t) => f.take("title", article_title(&t)),
        None => {
            if f.get("title").is_none() {
                f.add("title", FieldCode::Required);
            }
            None
        }
    };
    let closed = body.bool("closed", &mut f);
    f.into_result()?;
    let (Some(url), Some(title)) = (url, title) else {
        return Err(ErrorCode::ValidationFailed.into());
    };
    let mut tx = state.pool.begin().await?;
    let (row, created) =
        db::articles::register(&mut tx, article_id.as_str(), url.as_str(), &title, closed).await?;
    let event = NewAuditEvent::article_registered(auth.0.moderator_id, &row.id, row.closed);
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    state.public_cache.invalidate(&row.id);
    let view = ArticleView::from_row(row);
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// An article title: trimmed, 1-300 characters, no control characters.
fn article_title(raw: &str) -> Result<String, FieldCode> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldCode::Required);
    }
    if t.chars().any(char::is_control) {
        return Err(FieldCode::ControlCharacters);
    }
    if t.chars().count() > 300 {
        return Err(FieldCode::TooLong { max: 300 });
    }
    Ok(t.to_owned())
}

/// `GET /api/v1/admin/settings`: every setting with its current value.
#[utoipa::path(
    get,
    path = "/api/v1/admin/settings",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every setting with its current value.", body = ModerationSettings,
            headers(("ETag" = String, description = "`\"<settings version>\"`"))),
        crate::routes::openapi::AuthErrors, (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn get_settings(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snap = state.settings.current(&state.pool).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", snap.version)))
        .json(&snap.settings))
}

/// `PATCH /api/v1/admin/settings`: changes only the fields named; every bad
/// value is reported by field (422) before anything is written. Applied
/// under a row lock, audited with the names of the changed fields, and
/// visible on this instance at once (others within a second).
#[utoipa::path(
    patch,
    path = "/api/v1/admin/settings",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = ModerationSettings, content_type = "application/json",
        description = "Any subset of the settings; only the fields named change."),
    responses(
        (status = 200, description = "Every setting after the change.", body = ModerationSettings,
            headers(("ETag" = String, description = "`\"<settings version>\"`"))),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors, (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "A bad value or an unknown field; `fields` names each.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn patch_settings(
    auth: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bytes =
        crate::routes::request::read_body(&req, payload, state.config.max_request_bytes).await?;
    let patch: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| ApiError::new(ErrorCode::MalformedBody))?;
    let mut tx = state.pool.begin().await?;
    let (_, current) = db::settings::load_for_update(&mut tx).await?;
    let next = current.patched(&patch).map_err(ApiError::validation)?;
    let changed: Vec<String> = patch
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let version = db::settings::store(&mut tx, &next).await?;
    db::audit::insert(
        &mut tx,
        &NewAuditEvent::by_moderator(
            auth.0.moderator_id,
            "settings.changed",
            serde_json::json!({ "fields": changed, "version": version }),
        ),
    )
    .await?;
    tx.commit().await?;
    let snap = state.settings.replace(version, next);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(&snap.settings))
}
