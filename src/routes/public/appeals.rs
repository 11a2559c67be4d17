//! A comment's author asks about its decision, with the comment's edit
//! token as a bearer token: `GET /api/v1/comments/{id}/decision` (the
//! statement of reasons) and `POST /api/v1/comments/{id}/appeal` (one
//! request for a review) (`usecases::appeals`).

use crate::auth::bearer_token;
use crate::domain::text::optional_lines;
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldErrors};
use crate::routes::body::{ApiJson, Shape, one_field, schema};
use crate::routes::public::edits::comment_id;
use crate::state::AppState;
use crate::usecases::appeals::{self, Statement};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// The longest note an appeal may carry.
pub const MAX_APPEAL_NOTE: usize = 500;

use crate::routes::request::lang_of;

/// The decision on your comment (its author, with its edit token).
///
/// A statement of reasons (EU Digital Services Act, article 17): for a
/// rejected comment, who decided (a moderator), the category of the
/// reason in a fixed list with its name in the `Accept-Language`, what the
/// moderator wrote and when; and whether an appeal is still possible. The
/// token keeps working for this after the edit window closes (until the
/// author withdraws the comment). A comment judged spam reads as
/// `pending`, as everywhere its author looks.
#[utoipa::path(
    get,
    path = "/api/v1/comments/{id}/decision",
    tag = "public",
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    security(("edit_token" = [])),
    responses(
        (status = 200, description = "The statement.", body = Statement),
        (status = 401, description = "No edit token (`unauthorized`).", body = ErrorBody),
        (status = 404, description = "No such comment, not this token's, or withdrawn (`comment_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn decision(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let token = bearer_token(&req).ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    let s = appeals::statement(&state, id, &token, lang_of(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(s))
}

/// `POST /api/v1/comments/{id}/appeal`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AppealBody {
    /// Why the decision should change (at most 500 characters; line feeds
    /// kept). Moderators read it; it is erased with the author's data.
    #[schema(schema_with = note_schema)]
    pub note: Option<String>,
}

fn note_schema() -> utoipa::openapi::schema::Object {
    schema::optional_text(None, MAX_APPEAL_NOTE)
        .pattern(Some(schema::REASON))
        .build()
}

impl Shape for AppealBody {
    type Valid = Option<String>;
    fn validate(self, _: &AppState) -> Result<Option<String>, FieldErrors> {
        one_field(
            "note",
            optional_lines(self.note.as_deref(), MAX_APPEAL_NOTE),
        )
    }
}

/// Appeal the rejection of your comment (once).
///
/// With the comment's edit token: a rejected comment goes back to the
/// moderation queue (`pending`, reason `appeal`, the note shown to
/// moderators), audited as `comment.appealed` by the `author`. A
/// moderator's next decision on it is final: a comment is appealed once.
/// Answers the statement as it now stands.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/appeal",
    tag = "public",
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    security(("edit_token" = [])),
    request_body(content = AppealBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Appealed; the statement now.", body = Statement),
        crate::routes::openapi::JsonBodyErrors,
        (status = 401, description = "No edit token (`unauthorized`).", body = ErrorBody),
        (status = 404, description = "No such comment, not this token's, or withdrawn (`comment_not_found`).", body = ErrorBody),
        (status = 409, description = "Not a rejected comment, or appealed before (`appeal_not_possible`).", body = ErrorBody),
        (status = 422, description = "A `note` too long or with control characters.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn appeal(
    req: HttpRequest,
    ApiJson(note): ApiJson<AppealBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let token = bearer_token(&req).ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    let s = appeals::appeal(&state, id, &token, note.as_deref(), lang_of(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(s))
}
