//! The moderator dashboard: the queue, counts, one comment, decisions and
//! edits (one by one or in bulk), and the audit log. Every handler takes
//! the `Moderator` extractor first, so nothing is read before the token
//! is checked.

pub mod queries;
pub mod sanctions;
pub mod views;

use crate::auth::Moderator;
use crate::db;
use crate::db::moderation::QueueOrder;
use crate::domain::cursor::{RankedCursor, page_end};
use crate::domain::decision::{ReasonCategory, category_for};
use crate::domain::ids::CommentId;
use crate::domain::{CommentBody, Cursor, SiteId};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::routes::body::{
    ApiJson, ApiQuery, Authed, Shape, not_null, positive_id, present, schema,
};
use crate::state::AppState;
use crate::usecases::moderation::{self, Decision, IfMatch, etag};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use queries::{LogParams, LogQuery, QueueParams, QueueQuery};
use serde::{Deserialize, Serialize};
use views::{
    AuditEvent, AuthorRecord, CommentDetail, Counts, Lens, PrivateComment, QueueComment,
    QueueCounts,
};

/// One page of the queue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    comments: Vec<QueueComment>,
    /// Opaque; pass as `cursor` for the next page. `null` on the last page.
    next_cursor: Option<String>,
}

/// The moderation queue.
///
/// Newest first (or `order=oldest`, or `order=reports`: reader reports
/// from the most distinct networks first, only reported comments), private view with each
/// comment's article, the start of the comment it answers and its open
/// reports, keyset pagination. `reported=true` keeps comments with open
/// reports (in any status: use `status=all` for every one). Empty
/// parameters count as absent; unknown ones are ignored.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/comments",
    tag = "moderation",
    security(("bearer" = [])),
    params(QueueParams),
    responses(
        (status = 200, description = "One page of the queue.", body = QueuePage),
        crate::routes::openapi::AuthErrors, (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody), crate::routes::openapi::DbErrors,
    ),
)]

pub async fn queue(
    Authed(auth, ApiQuery(mut q)): Authed<Moderator, ApiQuery<QueueParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(site) = &q.filter.site {
        auth.0.check_site(&SiteId::from_stored(site.clone()))?;
    }
    q.filter.sites = auth.0.sites.as_sql();
    let lens = Lens::for_role(&state, auth.0.role).await?;
    if lens.masks_personal_data() {
        // A masked viewer's address filter is widened to what the mask shows.
        q.filter.ip = q.filter.ip.map(crate::domain::personal_data::widen_to_mask);
    }
    let mut conn = state.pool.acquire().await?;
    let mut rows = db::moderation::list_queue(&mut conn, &q.filter, q.cursor, q.limit + 1).await?;
    let by_reports = q.filter.order == QueueOrder::Reports;
    let next_cursor = page_end(&mut rows, q.limit).map(|r| {
        let at = Cursor::from(&r.row);
        if by_reports {
            RankedCursor {
                reports: r.open_networks,
                at,
            }
            .encode()
        } else {
            at.encode()
        }
    });
    let rows: Vec<_> = rows.into_iter().map(|q| q.row).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let contexts = db::moderation::contexts(&mut conn, &ids).await?;
    let reports = db::reports::summaries(&mut conn, &ids).await?;
    Ok(HttpResponse::Ok().json(QueuePage {
        comments: lens.queue(rows, contexts, reports),
        next_cursor,
    }))
}

/// Comment counts by status.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/counts",
    tag = "moderation",
    security(("bearer" = [])),
    params(CountParams),
    responses(
        (status = 200, description = "`{pending, approved, spam, rejected, reported}` of the site named, else of every site the account may see (`reported`: comments with open reader reports, in any status).", body = QueueCounts),
        crate::routes::openapi::AuthErrors,
        (status = 422, description = "A bad `site`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn counts(
    req: HttpRequest,
    auth: Moderator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let site = crate::routes::body::query_shape::<CountParams>(&req, &state)?;
    if let Some(site) = &site {
        auth.0.check_site(site)?;
    }
    let scope = auth.0.sites.as_sql();
    let mut conn = state.pool.acquire().await?;
    let mut c = QueueCounts::default();
    let rows = db::moderation::counts(
        &mut conn,
        site.as_ref().map(SiteId::as_str),
        scope.as_deref(),
    )
    .await?;
    for (status, n) in rows {
        match status.as_str() {
            "pending" => c.pending = n,
            "approved" => c.approved = n,
            "spam" => c.spam = n,
            "rejected" => c.rejected = n,
            _ => c.reported = n,
        }
    }
    Ok(HttpResponse::Ok().json(c))
}

crate::routes::body::query_params! {
    /// `site`: count one site's comments.
    pub struct CountParams {
        /// Only this site (default: every site the account may see).
        site: Option<String> = crate::routes::body::schema::site();
    }
}

impl crate::routes::body::Shape for CountParams {
    type Valid = Option<SiteId>;
    fn validate(self, _: &AppState) -> Result<Option<SiteId>, crate::error::FieldErrors> {
        crate::routes::site::named_site(self.site.as_deref())
    }
}

/// The `{id}` path segment; anything but a positive integer is not found.
fn comment_id(req: &HttpRequest) -> Result<CommentId, ApiError> {
    crate::routes::public::edits::comment_id(req)
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
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    responses(
        (status = 200, description = "The comment, with `ETag: \"<version>\"` for `If-Match`.", body = CommentDetail,
            headers(("ETag" = String, description = "`\"<version>\"`"))),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such comment (`comment_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn show(
    auth: Moderator,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let lens = Lens::for_role(&state, auth.0.role).await?;
    let mut conn = state.pool.acquire().await?;
    let row = db::moderation::fetch(&mut conn, id, db::Lock::None)
        .await?
        .filter(|r| auth.0.sites.allows(&r.site))
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let history = db::audit::history(&mut conn, id).await?;
    let context = db::moderation::contexts(&mut conn, &[row.id]).await?.pop();
    let revisions = db::revisions::of_comments(&mut conn, &[row.id]).await?;
    let reports = db::reports::summaries(&mut conn, &[row.id])
        .await?
        .pop_first();
    let scope = auth.0.sites.as_sql();
    let (by_email, by_ip) =
        db::moderation::author_counts(&mut conn, &row.author_email, row.ip, scope.as_deref())
            .await?;
    Ok(HttpResponse::Ok()
        .insert_header(with_etag(row.version))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CommentDetail {
            comment: lens.in_context(row, context, reports.map(|(_, r)| r)),
            history,
            revisions,
            author_record: AuthorRecord {
                by_email: by_email.into(),
                by_ip: by_ip.map(Counts::from),
            },
        }))
}

impl Shape for QueueParams {
    type Valid = QueueQuery;
    fn validate(self, _: &AppState) -> Result<QueueQuery, FieldErrors> {
        QueueQuery::from_params(self)
    }
}

impl Shape for LogParams {
    type Valid = LogQuery;
    fn validate(self, _: &AppState) -> Result<LogQuery, FieldErrors> {
        LogQuery::from_params(self)
    }
}

/// The fields a decision and a bulk decision share.
fn parse_decision(
    status: Option<String>,
    body: Option<String>,
    reason: Option<String>,
    category: Option<String>,
    max_body_chars: usize,
    f: &mut FieldErrors,
) -> Option<Decision> {
    let status: Option<crate::domain::CommentStatus> = status.and_then(|s| {
        f.take(
            "status",
            s.trim().parse().map_err(|()| FieldCode::InvalidValue),
        )
    });
    let text = body.and_then(|b| f.take("body", CommentBody::parse(&b, max_body_chars)));
    let reason = f.take("reason", moderation::parse_reason(reason.as_deref()))?;
    let chosen = category.and_then(|c| f.take("reason_category", ReasonCategory::parse(&c)));
    // Only a status change to a removal or a hold carries a category.
    let category = match status {
        Some(st) => f
            .take("reason_category", category_for(st, chosen))
            .flatten(),
        None if chosen.is_some() => {
            f.add("reason_category", FieldCode::InvalidValue);
            None
        }
        None => None,
    };
    Some(Decision {
        status,
        body: text,
        reason,
        category,
        tell_author: true,
    })
}

/// `PATCH /api/v1/moderation/comments/{id}`: a new status, a new body, or
/// both.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    /// The new status; any status may move to any other. Not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::CommentStatus>)]
    pub status: Option<Option<String>>,
    /// A new body (re-rendered to `body_html`). Not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::edited_body)]
    pub body: Option<Option<String>>,
    /// Recorded in the audit log (at most 500 characters); shown to the
    /// author in the statement of reasons; erased with their data.
    #[schema(schema_with = schema::reason)]
    pub reason: Option<String>,
    /// Why a comment is removed or held, from a fixed list (`spam`,
    /// `abuse`, `hate`, `off_topic`, `misinformation`, `personal_data`,
    /// `legal`, `other`); only with a `status` other than `approved`.
    /// Absent: `spam` for spam, else `other`.
    #[schema(schema_with = reason_category_schema)]
    pub reason_category: Option<String>,
}

/// A reason category, or `null` (the default).
pub(crate) fn reason_category_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{SchemaType, Type};
    let values = ReasonCategory::ALL
        .map(|c| serde_json::Value::from(c.as_str()))
        .into_iter()
        .chain([serde_json::Value::Null]);
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .build()
}

impl Shape for DecisionRequest {
    type Valid = Decision;
    fn validate(self, state: &AppState) -> Result<Decision, FieldErrors> {
        let mut f = FieldErrors::default();
        // `null` is neither a status nor a text: refused, not read as absent.
        let status = not_null("status", self.status, &mut f);
        let body = not_null("body", self.body, &mut f);
        if status.is_none() && body.is_none() && f.is_empty() {
            f.add("status", FieldCode::NothingToChange);
        }
        let d = parse_decision(
            status,
            body,
            self.reason,
            self.reason_category,
            state.config.max_body_chars,
            &mut f,
        );
        match d {
            Some(d) if f.is_empty() => Ok(d),
            _ => Err(f),
        }
    }
}

/// A decision or an edit.
///
/// Each change is an audit event (the moderator, the old and new status,
/// the reason) committed with it, and bumps the comment's `version`. An
/// explicit decision always teaches the spam learner: asking for the
/// status the comment already has (a confirmation) trains it as that class
/// when it is not trained so yet, recorded as a `comment.confirmed` audit
/// event, while the comment, its `version`, its `ETag` and its article's
/// cache version stay as they were. A confirmation of a comment already
/// trained so changes and records nothing.
#[utoipa::path(
    patch,
    path = "/api/v1/moderation/comments/{id}",
    tag = "moderation",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The comment id.", minimum = 1),
        ("If-Match" = Option<String>, Header, description = "`\"<version>\"` from the `ETag`; `*` matches any."),
    ),
    request_body(content = DecisionRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The comment after the change, with its new `ETag`.", body = PrivateComment,
            headers(("ETag" = String, description = "`\"<version>\"`"))),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such comment (`comment_not_found`).", body = ErrorBody),
        (status = 409, description = "The edited body repeats another comment of the same author on the same article (`duplicate_comment`).", body = ErrorBody),
        (status = 412, description = "`If-Match` names a stale or weak version (`version_mismatch`).", body = ErrorBody),
        (status = 422, description = "A bad field, or neither `status` nor `body` (`nothing_to_change`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn decide(
    req: HttpRequest,
    Authed(auth, ApiJson(decision)): Authed<Moderator, ApiJson<DecisionRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = comment_id(&req)?;
    let if_match = crate::routes::request::if_match(&req);
    let row = moderation::apply_committed(&state, &auth.0, id, &decision, &if_match).await?;
    let lens = Lens::for_role(&state, auth.0.role).await?;
    Ok(HttpResponse::Ok()
        .insert_header(with_etag(row.version))
        .json(lens.comment(row)))
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
                status: row.status,
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

/// `POST /api/v1/moderation/comments/bulk`: one status for many comments.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct BulkRequest {
    /// 1-500 comment ids; duplicates count once.
    #[schema(schema_with = schema::bulk_ids, required = true)]
    pub ids: Option<Vec<serde_json::Value>>,
    #[schema(value_type = crate::domain::CommentStatus, required = true)]
    pub status: Option<String>,
    /// Recorded in the audit log (at most 500 characters); shown to each
    /// author in the statement of reasons, as in a single decision;
    /// erased with their data.
    #[schema(schema_with = schema::reason)]
    pub reason: Option<String>,
    /// As in a single decision: `spam`, `abuse`, `hate`, `off_topic`,
    /// `misinformation`, `personal_data`, `legal` or `other`.
    #[schema(schema_with = reason_category_schema)]
    pub reason_category: Option<String>,
    /// Refused: edits go one comment at a time.
    #[serde(default)]
    #[schema(ignore)]
    pub body: Option<serde::de::IgnoredAny>,
}

/// A bulk decision: the ids deduplicated in order, and the decision.
pub struct BulkDecision {
    pub ids: Vec<i64>,
    pub decision: Decision,
}

/// 1-500 positive ids.
fn bulk_ids(list: &[serde_json::Value]) -> Result<Vec<i64>, FieldCode> {
    if list.is_empty() || list.len() > crate::domain::limits::MAX_BULK_IDS {
        return Err(FieldCode::OutOfRange {
            min: 1,
            max: i64::try_from(crate::domain::limits::MAX_BULK_IDS).unwrap_or(i64::MAX),
        });
    }
    list.iter().map(positive_id).collect()
}

impl Shape for BulkRequest {
    type Valid = BulkDecision;
    fn validate(self, state: &AppState) -> Result<BulkDecision, FieldErrors> {
        let mut f = FieldErrors::default();
        let ids = match &self.ids {
            Some(list) => f.take("ids", bulk_ids(list)),
            None => {
                f.add("ids", FieldCode::Required);
                None
            }
        };
        if self.body.is_some() {
            f.add("body", FieldCode::InvalidValue);
        }
        if self.status.is_none() {
            f.add("status", FieldCode::Required);
        }
        let decision = parse_decision(
            self.status,
            None,
            self.reason,
            self.reason_category,
            state.config.max_body_chars,
            &mut f,
        );
        match (ids, decision) {
            (Some(mut ids), Some(decision)) if f.is_empty() => {
                let mut seen = std::collections::HashSet::new();
                ids.retain(|id| seen.insert(*id));
                Ok(BulkDecision { ids, decision })
            }
            _ => Err(f),
        }
    }
}

/// The outcome per id, in the order given.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BulkResponse {
    results: Vec<BulkResult>,
}

/// Applies one status to many comments, each in its own transaction, so
/// each id is all or nothing and one bad id does not stop the others. A
/// comment already in that status is a confirmation, as in the `PATCH`: it
/// teaches the learner if it is not trained so yet, and its `version`
/// stays.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/bulk",
    tag = "moderation",
    security(("bearer" = [])),
    request_body(content = BulkRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Per-id results; a missing id fails alone.", body = BulkResponse),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 422, description = "Bad `ids` (none, or more than 500), `status` or `reason`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id, count))]
pub async fn bulk(
    req: HttpRequest,
    Authed(auth, ApiJson(BulkDecision { ids, decision })): Authed<Moderator, ApiJson<BulkRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tracing::Span::current().record("count", ids.len());
    let lang = Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        state.config.default_lang,
    );
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let outcome =
            moderation::apply_committed(&state, &auth.0, CommentId(id), &decision, &IfMatch::Any)
                .await;
        results.push(BulkResult::of(id, outcome, lang));
    }
    Ok(HttpResponse::Ok().json(BulkResponse { results }))
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
    params(LogParams),
    responses(
        (status = 200, description = "One page of events.", body = LogPage),
        crate::routes::openapi::AuthErrors, (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody), crate::routes::openapi::DbErrors,
    ),
)]

pub async fn log(
    Authed(auth, ApiQuery(mut q)): Authed<Moderator, ApiQuery<LogParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // An account limited to sites reads the events about their comments.
    q.filter.sites = auth.0.sites.as_sql();
    let mut conn = state.pool.acquire().await?;
    let mut rows = db::audit::list(&mut conn, &q.filter, q.limit + 1).await?;
    let next_cursor =
        page_end(&mut rows, q.limit).map(|r| crate::domain::cursor::LogCursor(r.id).encode());
    Ok(HttpResponse::Ok().json(LogPage {
        events: rows,
        next_cursor,
    }))
}
