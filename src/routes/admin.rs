//! Admin only: moderator accounts and per-article settings.

use crate::accounts::{self, AccountPatch, NewModerator};
use crate::auth::Admin;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::domain::{ApprovalMode, DisplayName, Role};
use crate::error::{ApiError, ErrorCode, FieldCode, FieldErrors};
use crate::routes::body::JsonObject;
use crate::routes::moderation::views::{ArticleView, ModeratorView};
use crate::routes::public::comments::article_id_from_path;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;

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

pub async fn list_moderators(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let rows = db::moderators::list(&mut conn).await?;
    let list: Vec<ModeratorView> = rows.into_iter().map(ModeratorView::from_row).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "moderators": list })))
}

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

/// `GET /api/v1/admin/settings`: every setting with its current value.
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
