//! Reader reports over HTTP: `POST /api/v1/comments/{id}/reports`
//! (`usecases::reports`).

use crate::domain::report::{MAX_NOTE_CHARS, ReportReason};
use crate::domain::text::{optional_lines, parse_browser_token};
use crate::error::{ApiError, ErrorBody, FieldErrors};
use crate::i18n::Msg;
use crate::routes::body::{ApiJson, Shape, schema};
use crate::routes::public::edits::comment_id;
use crate::routes::request;
use crate::state::AppState;
use crate::usecases::reports::{self, ReportRequest};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// `POST /api/v1/comments/{id}/reports`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ReportBody {
    /// Why: `spam`, `abuse`, `off_topic`, `misinformation` or `other`.
    #[schema(schema_with = reason_schema, required = true)]
    pub reason: Option<String>,
    /// What the moderators should know (at most 500 characters; line
    /// feeds are kept, other control characters refused).
    #[schema(schema_with = note_schema)]
    pub note: Option<String>,
    /// The browser's report token: random, 16-128 letters, digits, `-` or
    /// `_`, kept by the browser so one reader counts once wherever they
    /// are (the embed widget sends one). Without it the reader is their
    /// address.
    #[schema(schema_with = schema::browser_token)]
    pub reader_token: Option<String>,
}

fn reason_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ReportReason::ALL.map(ReportReason::as_str)))
        .build()
}

fn note_schema() -> utoipa::openapi::schema::Object {
    schema::optional_text(None, MAX_NOTE_CHARS)
        .pattern(Some(schema::REASON))
        .build()
}

impl Shape for ReportBody {
    type Valid = ReportRequest;
    fn validate(self, _: &AppState) -> Result<ReportRequest, FieldErrors> {
        let mut f = FieldErrors::default();
        let reason = f.take(
            "reason",
            ReportReason::parse(self.reason.as_deref().unwrap_or_default()),
        );
        let note = f
            .take("note", optional_lines(self.note.as_deref(), MAX_NOTE_CHARS))
            .flatten();
        let reader_token = self
            .reader_token
            .and_then(|t| f.take("reader_token", parse_browser_token(&t)));
        f.into_result()?;
        Ok(ReportRequest {
            // `take` gave a value when no error was recorded.
            reason: reason.unwrap_or(ReportReason::Other),
            note,
            reader_token,
        })
    }
}

/// The answer every accepted report gets.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportReceived {
    pub received: bool,
    /// A localized thank-you (`Accept-Language`).
    pub message: String,
}

/// Report a published comment (any reader, no account).
///
/// One report per reader and comment (the reader is the `reader_token`,
/// else the address; both kept only as keyed hashes); a repeat is
/// answered alike and not counted. When readers in `report_threshold`
/// distinct networks (IPv4 /24, IPv6 /48; a setting, 3) have reported a
/// published comment it goes back to `pending` with the reason `reported`,
/// out of the thread at once, until a moderator decides; a comment a
/// moderator approved over reports needs twice as many. The answer is the
/// same whatever the report did: a reporter learns nothing about other
/// reports. At most 20 reports an hour from one address.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/reports",
    tag = "public",
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    request_body(content = ReportBody, content_type = "application/json"),
    responses(
        (status = 202, description = "Received.", body = ReportReceived),
        crate::routes::openapi::JsonBodyErrors,
        (status = 404, description = "No published comment with this id (`comment_not_found`).", body = ErrorBody),
        (status = 422, description = "A missing or unknown `reason`, a `note` too long, or a bad `reader_token`.", body = ErrorBody),
        (status = 429, description = "Too many reports from this address (`rate_limited`, with `Retry-After`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn create(
    req: HttpRequest,
    ApiJson(report): ApiJson<ReportBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let ip = request::client_ip(&req, &state);
    reports::report(&state, id.0, &report, ip).await?;
    let lang = request::lang_of(&req, &state);
    Ok(HttpResponse::Accepted()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ReportReceived {
            received: true,
            message: lang.text(Msg::ReportReceived),
        }))
}
