//! Export and privacy (bearer token): the streaming comment export and one
//! commenter's data export and erasure. Thin: the work is in `crate::export`
//! and `crate::usecases::privacy`, shared with the command line.

use crate::auth::{Admin, Moderator};
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::error::{ApiError, ErrorBody, FieldErrors};
use crate::export::{
    self, ExportOptions, ExportProgress, ExportRequest, content_disposition, stream,
};
use crate::i18n::Lang;
use crate::routes::body::{ApiJson, ApiQuery, Authed, Shape, one_field, query_params, schema};
use crate::routes::export_query::ExportParams;
use crate::state::AppState;
use crate::usecases::privacy::{self, SubjectEmail};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use futures_util::StreamExt;

/// `GET /api/v1/export/comments?format=csv|ndjson&status=&article_id=&since=&until=&bom=`:
/// streamed in keyset batches; memory stays flat and a client that goes
/// away stops the reading.
///
/// CSV (RFC 4180, CRLF, a UTF-8 BOM by default so spreadsheet programs read
/// Arabic; cells beginning with `= + - @` are prefixed with `'`) or NDJSON
/// (one `ExportRecord` per line). Sent as an attachment, `no-store`.
///
/// Every export is audited: `export.started` (who, format, filters, and
/// whether personal data was masked) before the first row, then
/// `export.finished` (rows sent, whether it ran to its end). With the
/// setting `mask_personal_data`, accounts with the `moderator` role get
/// emails masked (`l***@example.com`) and `ip` and `user_agent` empty;
/// admins get everything.
#[utoipa::path(
    get,
    path = "/api/v1/export/comments",
    tag = "export",
    security(("bearer" = [])),
    params(ExportParams),
    responses(
        (status = 200, description = "The comments, streamed.",
            content(
                (String = "text/csv"),
                (crate::export::ExportRecord = "application/x-ndjson"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"comments-<date>.<ext>\"`"))),
        crate::routes::openapi::AuthErrors, (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody), crate::routes::openapi::DbErrors,
    ),
)]
pub async fn export_comments(
    Authed(auth, ApiQuery(mut export)): Authed<Moderator, ApiQuery<ExportParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(site) = &export.filter.site {
        auth.0
            .check_site(&crate::domain::SiteId::from_stored(site.clone()))?;
    }
    export.filter.sites = auth.0.sites.as_sql();
    let moderator_id = auth.0.moderator_id;
    let personal_data = privacy::personal_data_for(&state, auth.0.role).await?;
    // Audited before the first row is read; the row count when it ends.
    let started = {
        let mut conn = state.pool.acquire().await?;
        let event = export::started_event(
            Some(moderator_id),
            export.format,
            &export.filter,
            personal_data,
        );
        db::audit::insert(&mut conn, &event).await?
    };
    tracing::info!(
        moderator_id,
        format = export.format.extension(),
        personal_data = personal_data.as_str(),
        "export started"
    );
    let today = Utc::now().date_naive();
    let progress = ExportProgress::default();
    let mut options = ExportOptions::from(&export);
    options.progress = Some(progress.clone());
    options.personal_data = personal_data;
    let format = export.format.extension();
    let mut counted = 0;
    let watched = progress.clone();
    let rows = stream(state.pool.clone(), export.filter.clone(), options).inspect(move |_| {
        let rows = watched.rows();
        crate::metrics::record_export_rows(format, rows.saturating_sub(counted));
        counted = rows;
    });
    let pool = state.pool.clone();
    let body = export::when_finished(rows, progress, move |rows, complete| {
        let event = export::finished_event(Some(moderator_id), started, rows, complete);
        record_in_background(pool, event);
    });
    Ok(HttpResponse::Ok()
        .content_type(export.format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(export.format, today),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Appends an audit event from a place that cannot wait for it (a stream
/// being dropped); a failure is logged.
fn record_in_background(pool: sqlx::PgPool, event: NewAuditEvent) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::error!(action = event.action, "audit event lost: no runtime");
        return;
    };
    runtime.spawn(async move {
        let written = match pool.acquire().await {
            Ok(mut conn) => db::audit::insert(&mut conn, &event).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::error!(action = event.action, error.cause_chain = ?e, "audit event lost");
        }
    });
}

impl Shape for ExportParams {
    type Valid = ExportRequest;
    fn validate(self, _: &AppState) -> Result<ExportRequest, FieldErrors> {
        ExportRequest::from_params(self)
    }
}

/// One commenter, named by email: `POST /api/v1/privacy/erase {"email"}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SubjectRequest {
    /// The commenter's email (matched case-insensitively).
    #[schema(schema_with = schema::subject_email, required = true)]
    pub email: Option<String>,
}

query_params! {
    /// `GET /api/v1/privacy/export?email=`
    pub struct SubjectParams {
        /// The commenter's email (matched case-insensitively).
        email: Option<String> = schema::subject_email(), required;
    }
}

impl Shape for SubjectParams {
    type Valid = SubjectEmail;
    fn validate(self, state: &AppState) -> Result<SubjectEmail, FieldErrors> {
        SubjectRequest { email: self.email }.validate(state)
    }
}

impl Shape for SubjectRequest {
    type Valid = SubjectEmail;
    fn validate(self, _: &AppState) -> Result<SubjectEmail, FieldErrors> {
        one_field(
            "email",
            SubjectEmail::parse(self.email.as_deref().unwrap_or_default()),
        )
    }
}

/// `GET /api/v1/privacy/export?email=` (admin): everything stored about one
/// commenter. The access itself is audited (with a keyed hash, never the email).
#[utoipa::path(
    get,
    path = "/api/v1/privacy/export",
    tag = "privacy",
    security(("bearer" = [])),
    params(SubjectParams),
    responses(
        (status = 200, description = "Everything stored about the commenter (`no-store`).", body = crate::usecases::privacy::PersonExport),
        crate::routes::openapi::AuthErrors,
        (status = 422, description = "Missing or bad `email`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn privacy_export(
    Authed(auth, ApiQuery(email)): Authed<Admin, ApiQuery<SubjectParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let export = privacy::export_person(&mut conn, &email).await?;
    let secret = db::secrets::get_or_create(&mut conn, privacy::SECRET_NAME).await?;
    let event = NewAuditEvent::by_moderator(
        auth.0.actor(),
        "privacy.exported",
        serde_json::json!({
            "email_hmac": privacy::email_hmac(&secret, &email),
            "comments": export.comments.len(),
        }),
    );
    db::audit::insert(&mut conn, &event).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(export))
}

/// `POST /api/v1/privacy/erase {"email"}` (admin): anonymizes that
/// commenter's comments, keeps their text and threads, and audits it.
#[utoipa::path(
    post,
    path = "/api/v1/privacy/erase",
    tag = "privacy",
    security(("bearer" = [])),
    request_body(content = SubjectRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "What the erasure did (repeating it is harmless).", body = crate::usecases::privacy::ErasureReport),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 409, description = "A legal hold covers the person or one of their comments (`legal_hold`).", body = ErrorBody),
        (status = 422, description = "Missing or bad `email`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn privacy_erase(
    Authed(auth, ApiJson(email)): Authed<Admin, ApiJson<SubjectRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // "Anonymous" in the public site's language, not the admin's.
    let lang: Lang = state.config.default_lang;
    let mut conn = state.pool.acquire().await?;
    let report = privacy::erase_person(&mut conn, &email, Some(auth.0.moderator_id), lang).await?;
    // Names changed on public pages (their articles' versions moved, which
    // other instances see when they poll); this instance drops everything.
    state.public_cache.invalidate_all();
    Ok(HttpResponse::Ok().json(report))
}
