//! The commenter's edit window over HTTP: `PATCH` and `DELETE
//! /api/v1/comments/{id}` with the comment's edit token as a bearer token
//! (`usecases::edits`).

use crate::auth::bearer_token;
use crate::domain::CommentBody;
use crate::domain::ids::CommentId;
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldErrors};
use crate::routes::body::{ApiJson, Shape, one_field, schema};
use crate::routes::request::{self, header_string};
use crate::state::AppState;
use crate::usecases::edits::{self, AuthorChange};
use crate::usecases::submission::RequestMeta;
use crate::usecases::views::{AvatarPolicy, PublicComment};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// `PATCH /api/v1/comments/{id}`: the new text.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AuthorEditRequest {
    #[schema(schema_with = schema::comment_body, required = true)]
    pub body: Option<String>,
}

impl Shape for AuthorEditRequest {
    type Valid = CommentBody;
    fn validate(self, state: &AppState) -> Result<CommentBody, FieldErrors> {
        one_field(
            "body",
            CommentBody::parse(
                self.body.as_deref().unwrap_or_default(),
                state.config.max_body_chars,
            ),
        )
    }
}

/// The `{id}` of a public comment route (404 for anything but a positive
/// integer, like a missing comment).
pub(crate) fn comment_id(req: &HttpRequest) -> Result<CommentId, ApiError> {
    crate::routes::body::path_id(req, "id", ErrorCode::CommentNotFound).map(CommentId)
}

/// The change, made with the edit token the request carries (401
/// `unauthorized` without one).
async fn change(
    req: &HttpRequest,
    state: &AppState,
    id: CommentId,
    what: AuthorChange,
) -> Result<crate::db::comments::CommentRow, ApiError> {
    let token = bearer_token(req).ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    let meta = RequestMeta {
        ip: request::client_ip(req, state),
        user_agent: header_string(req, header::USER_AGENT, 500),
        referrer: None,
    };
    edits::author_change(state, id, &token, what, &meta).await
}

/// Edit your comment (its author, within the edit window).
///
/// With the `edit_token` of the submission's 201 as a bearer token. The
/// new text is validated and judged as a new submission of the author's
/// would be (spam rules, learner, approval workflow; what the posted form
/// cost counts again), so an edited comment may go back to `pending`; the
/// previous text is kept for moderators. At most 10 edits. The
/// answer is the comment as its author sees it (spam reads as
/// `pending`).
#[utoipa::path(
    patch,
    path = "/api/v1/comments/{id}",
    tag = "public",
    security(("edit_token" = [])),
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    request_body(content = AuthorEditRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The comment after the edit.", body = PublicComment),
        crate::routes::openapi::JsonBodyErrors,
        (status = 401, description = "No edit token (`unauthorized`).", body = ErrorBody),
        (status = 403, description = "The edit window has closed (`edit_window_closed`), the article no longer takes comments (`comments_closed`), or a moderator suspended the commenter (`commenting_suspended`, with `Retry-After`).", body = ErrorBody),
        (status = 404, description = "No such comment, not this token's, or withdrawn, rejected or judged spam (`comment_not_found`).", body = ErrorBody),
        (status = 409, description = "The text repeats another comment of the author's on the article (`duplicate_comment`).", body = ErrorBody),
        (status = 422, description = "A missing or bad `body`.", body = ErrorBody),
        (status = 429, description = "The comment has been edited 10 times (`too_many_edits`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn edit(
    req: HttpRequest,
    ApiJson(body): ApiJson<AuthorEditRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let row = change(&req, &state, id, AuthorChange::Edit(body)).await?;
    let avatars = AvatarPolicy::current(
        &state,
        &crate::domain::SiteId::from_stored(row.site.clone()),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PublicComment::for_submitter(row, &avatars)))
}

/// Withdraw your comment (its author, within the edit window).
///
/// With the `edit_token` of the submission's 201 as a bearer token: the
/// comment becomes `rejected`, leaves the public thread, and the audit log
/// records the withdrawal by its author.
#[utoipa::path(
    delete,
    path = "/api/v1/comments/{id}",
    tag = "public",
    security(("edit_token" = [])),
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    responses(
        (status = 204, description = "Withdrawn."),
        (status = 401, description = "No edit token (`unauthorized`).", body = ErrorBody),
        (status = 403, description = "The edit window has closed (`edit_window_closed`).", body = ErrorBody),
        (status = 404, description = "No such comment, not this token's, or already withdrawn, rejected or judged spam (`comment_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    change(&req, &state, id, AuthorChange::Withdraw).await?;
    Ok(HttpResponse::NoContent().finish())
}
