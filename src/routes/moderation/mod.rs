//! The moderator dashboard: the queue, counts, one comment, decisions and
//! edits (one by one or in bulk), and the audit log. Every handler takes
//! the `Moderator` extractor first, so nothing is read before the token
//! is checked.

pub mod views;

use crate::auth::Moderator;
use crate::db;
use crate::domain::{CommentBody, Cursor};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::moderation::{self, Decision, IfMatch, LogQuery, QueueQuery, encode_log_cursor, etag};
use crate::privacy;
use crate::routes::body::JsonObject;
use crate::routes::request::query_pairs;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use views::{AuditEvent, AuthorRecord, CommentDetail, Counts, PrivateComment};

/// One page of the queue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    comments: Vec<PrivateComment>,
    /// Opaque; pass as `cursor` for the next page. `null` on the last page.
    next_cursor: Option<String>,
}

/// The moderation queue.
///
/// Newest first, private view, keyset pagination. Empty parameters count
/// as absent; unknown ones are ignored.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/comments",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("status" = Option<String>, Query, description = "`pending` (default), `approved`, `spam`, `rejected`, or `all`."),
        ("article_id" = Option<String>, Query, description = "Only this article's comments."),
        ("email" = Option<String>, Query, description = "Author email, case-insensitive."),
        ("ip" = Option<String>, Query, description = "An address or a CIDR range."),
        ("q" = Option<String>, Query, description = "Substring (1-200 characters) of the body or the author's name."),
        ("min_score" = Option<f64>, Query, description = "Lowest spam score."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 50).", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "One page of the queue.", body = QueuePage),
        crate::routes::openapi::AuthErrors, (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody), (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]

pub async fn queue(
    auth: Moderator,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut q = QueueQuery::parse(&query_pairs(&req)?)?;
    let who = privacy::personal_data_for(&state, auth.0.role).await?;
    if who.is_masked() {
        // A masked viewer's address filter is widened to what the mask shows.
        q.filter.ip = q.filter.ip.map(privacy::widen_to_mask);
    }
    let mut conn = state.pool.acquire().await?;
    let mut rows = db::moderation::list_queue(&mut conn, &q.filter, q.cursor, q.limit + 1).await?;
    let next_cursor = page_end(&mut rows, q.limit).map(|r| {
        Cursor {
            created_at: r.created_at,
            id: r.id,
        }
        .encode()
    });
    Ok(HttpResponse::Ok().json(QueuePage {
        comments: rows
            .into_iter()
            .map(|r| PrivateComment::from_row(r).visible_to(who))
            .collect(),
        next_cursor,
    }))
}

/// Cuts a page fetched with one extra row; the last row kept when there is
/// a next page.
fn page_end<T>(rows: &mut Vec<T>, limit: i64) -> Option<&T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last()
    } else {
        None
    }
}

/// Comment counts by status.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/counts",
    tag = "moderation",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{pending, approved, spam, rejected}`.", body = Counts),
        crate::routes::openapi::AuthErrors, (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn counts(
    _auth: Moderator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let mut c = db::moderation::StatusCounts::default();
    for (status, n) in db::moderation::counts(&mut conn).await? {
        match status.as_str() {
            "pending" => c.pending = n,
            "approved" => c.approved = n,
            "spam" => c.spam = n,
            _ => c.rejected = n,
        }
    }
    Ok(HttpResponse::Ok().json(Counts::from(c)))
}

/// The `{id}` path segment; anything but a positive integer is not found.
fn comment_id(req: &HttpRequest) -> Result<i64, ApiError> {
    req.match_info()
        .get("id")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| ErrorCode::CommentNotFound.into())
}

fn with_etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, etag(version))
}

/// One comment: private view, audit history and the author's record.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/comments/{id}",
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The comment id.")),
    responses(
        (status = 200, description = "The comment, with `ETag: \"<version>\"` for `If-Match`.", body = CommentDetail,
            headers(("ETag" = String, description = "`\"<version>\"`"))),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such comment (`comment_not_found`).", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn show(
    auth: Moderator,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let who = privacy::personal_data_for(&state, auth.0.role).await?;
    let mut conn = state.pool.acquire().await?;
    let row = db::moderation::fetch(&mut conn, id)
        .await?
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let history = db::audit::history(&mut conn, id).await?;
    let (by_email, by_ip) =
        db::moderation::author_counts(&mut conn, &row.author_email, row.ip).await?;
    Ok(HttpResponse::Ok()
        .insert_header(with_etag(row.version))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CommentDetail {
            comment: PrivateComment::from_row(row).visible_to(who),
            history: history.into_iter().map(AuditEvent::from_row).collect(),
            author_record: AuthorRecord {
                by_email: by_email.into(),
                by_ip: by_ip.map(Counts::from),
            },
        }))
}

/// Reads `{status?, body?, reason?}` (and, for bulk, the status is required).
fn parse_decision(
    body: &JsonObject,
    max_body_chars: usize,
    f: &mut FieldErrors,
) -> Option<Decision> {
    let status = body.string("status", f).and_then(|s| {
        f.take(
            "status",
            s.trim().parse().map_err(|()| FieldCode::InvalidValue),
        )
    });
    let text = body
        .string("body", f)
        .and_then(|b| f.take("body", CommentBody::parse(&b, max_body_chars)));
    let reason_raw = body.string("reason", f);
    let reason = f.take("reason", moderation::parse_reason(reason_raw.as_deref()))?;
    Some(Decision {
        status,
        body: text,
        reason,
    })
}

/// `PATCH /api/v1/moderation/comments/{id}` (documentation only).
#[derive(utoipa::ToSchema)]
pub struct DecisionRequest {
    /// The new status; any status may move to any other.
    pub status: Option<crate::domain::CommentStatus>,
    /// A new body (re-rendered to `body_html`).
    pub body: Option<String>,
    /// Recorded in the audit log (at most 500 characters).
    pub reason: Option<String>,
}

/// A decision or an edit.
///
/// Each change is an audit event (the moderator, the old and new status,
/// the reason) committed with it, and bumps the comment's `version`. Asking
/// for what the comment already is changes and records nothing.
#[utoipa::path(
    patch,
    path = "/api/v1/moderation/comments/{id}",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The comment id."),
        ("If-Match" = Option<String>, Header, description = "`\"<version>\"` from the `ETag`; `*` matches any."),
    ),
    request_body(content = DecisionRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The comment after the change, with its new `ETag`.", body = PrivateComment,
            headers(("ETag" = String, description = "`\"<version>\"`"))),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such comment (`comment_not_found`).", body = ErrorBody),
        (status = 412, description = "`If-Match` names a stale or weak version (`version_mismatch`).", body = ErrorBody),
        (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "A bad field, or neither `status` nor `body` (`nothing_to_change`).", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn decide(
    auth: Moderator,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let if_match = IfMatch::parse(
        req.headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().unwrap_or("")),
    );
    let body = JsonObject::read(&req, payload, &state).await?;
    let mut f = FieldErrors::default();
    let decision = parse_decision(&body, state.config.max_body_chars, &mut f);
    if !body.has("status") && !body.has("body") {
        f.add("status", FieldCode::NothingToChange);
    }
    f.into_result()?;
    let decision = decision.ok_or(ApiError::new(ErrorCode::ValidationFailed))?;
    let mut tx = state.pool.begin().await?;
    let row = moderation::apply(&mut tx, auth.0.moderator_id, id, &decision, &if_match).await?;
    tx.commit().await?;
    // Other instances hear of it through NOTIFY; this one knows now.
    state.public_cache.invalidate(&row.article_id);
    let who = privacy::personal_data_for(&state, auth.0.role).await?;
    Ok(HttpResponse::Ok()
        .insert_header(with_etag(row.version))
        .json(PrivateComment::from_row(row).visible_to(who)))
}

/// One id's outcome.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum BulkResult {
    Ok {
        id: i64,
        ok: bool,
        status: crate::domain::CommentStatus,
        version: i32,
    },
    Failed {
        id: i64,
        ok: bool,
        error: BulkError,
    },
}

/// Why one id failed: a stable code and a localized message.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkError {
    #[schema(value_type = String)]
    code: &'static str,
    message: String,
}

impl BulkResult {
    fn of(id: i64, outcome: Result<db::comments::CommentRow, ApiError>, lang: Lang) -> Self {
        match outcome {
            Ok(row) => BulkResult::Ok {
                id,
                ok: true,
                status: row.status.0,
                version: row.version,
            },
            Err(e) => {
                e.log_cause();
                BulkResult::Failed {
                    id,
                    ok: false,
                    error: BulkError {
                        code: e.code.as_str(),
                        message: lang.text(Msg::Error(e.code)),
                    },
                }
            }
        }
    }
}

/// `{ids, status, reason?}`: the ids deduplicated in order, and the decision.
fn parse_bulk(body: &JsonObject, max_body_chars: usize) -> Result<(Vec<i64>, Decision), ApiError> {
    let mut f = FieldErrors::default();
    let ids = body.ids("ids", moderation::MAX_BULK_IDS, &mut f);
    let decision = parse_decision(body, max_body_chars, &mut f);
    if body.has("body") {
        f.add("body", FieldCode::InvalidValue);
    }
    if !body.has("status") {
        f.add("status", FieldCode::Required);
    }
    f.into_result()?;
    let (Some(mut ids), Some(decision)) = (ids, decision) else {
        return Err(ErrorCode::ValidationFailed.into());
    };
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    Ok((ids, decision))
}

/// `POST /api/v1/moderation/comments/bulk` (documentation only).
#[derive(utoipa::ToSchema)]
pub struct BulkRequest {
    /// Up to 500 comment ids; duplicates count once.
    pub ids: Vec<i64>,
    pub status: crate::domain::CommentStatus,
    pub reason: Option<String>,
}

/// The outcome per id, in the order given.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkResponse {
    results: Vec<BulkResult>,
}

/// Applies one status to many comments, each in its own transaction, so
/// each id is all or nothing and one bad id does not stop the others.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/bulk",
    tag = "moderation",
    security(("bearer" = [])),
    request_body(content = BulkRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Per-id results; a missing id fails alone.", body = BulkResponse),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody), crate::routes::openapi::AuthErrors, (status = 415, description = "Not JSON (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "Bad `ids` (none, or more than 500), `status` or `reason`.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id, count))]
pub async fn bulk(
    auth: Moderator,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = JsonObject::read(&req, payload, &state).await?;
    let (ids, decision) = parse_bulk(&body, state.config.max_body_chars)?;
    tracing::Span::current().record("count", ids.len());
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        state.config.default_lang,
    );
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let outcome = apply_one(&state, auth.0.moderator_id, id, &decision).await;
        results.push(BulkResult::of(id, outcome, lang));
    }
    Ok(HttpResponse::Ok().json(BulkResponse { results }))
}

async fn apply_one(
    state: &AppState,
    moderator_id: i64,
    id: i64,
    d: &Decision,
) -> Result<db::comments::CommentRow, ApiError> {
    let mut tx = state.pool.begin().await?;
    let row = moderation::apply(&mut tx, moderator_id, id, d, &IfMatch::Any).await?;
    tx.commit().await?;
    state.public_cache.invalidate(&row.article_id);
    Ok(row)
}

/// One page of the audit log, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LogPage {
    events: Vec<AuditEvent>,
    /// Opaque; pass as `cursor` for the next page. `null` on the last page.
    next_cursor: Option<String>,
}

/// The audit log (append-only).
#[utoipa::path(
    get,
    path = "/api/v1/moderation/log",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("comment_id" = Option<i64>, Query, description = "Only this comment's events."),
        ("moderator_id" = Option<i64>, Query, description = "Only this moderator's events."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
        ("limit" = Option<i64>, Query, description = "Page size, 1-200 (default 50).", minimum = 1, maximum = 200),
    ),
    responses(
        (status = 200, description = "One page of events.", body = LogPage),
        crate::routes::openapi::AuthErrors, (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody), (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]

pub async fn log(
    _auth: Moderator,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = LogQuery::parse(&query_pairs(&req)?)?;
    let mut conn = state.pool.acquire().await?;
    let mut rows = db::audit::list(
        &mut conn,
        q.comment_id,
        q.moderator_id,
        q.before,
        q.limit + 1,
    )
    .await?;
    let next_cursor = page_end(&mut rows, q.limit).map(|r| encode_log_cursor(r.id));
    Ok(HttpResponse::Ok().json(LogPage {
        events: rows.into_iter().map(AuditEvent::from_row).collect(),
        next_cursor,
    }))
}
