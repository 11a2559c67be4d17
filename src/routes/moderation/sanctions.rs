//! Sanctions over HTTP: `POST`, `GET /api/v1/moderation/sanctions`,
//! `DELETE /api/v1/moderation/sanctions/{id}` and `POST
//! /api/v1/moderation/sanctions/{id}/reject-existing`
//! (`usecases::sanctions`).

use crate::auth::Moderator;
use crate::db;
use crate::db::sanctions::Sanction;
use crate::domain::cursor::{LogCursor, page_end};
use crate::domain::decision::ReasonCategory;
use crate::domain::ids::CommentId;
use crate::domain::limits::{LOG_MAX_PAGE, QUEUE_DEFAULT_PAGE};
use crate::domain::personal_data::{mask_email, mask_ip};
use crate::domain::sanction::{SanctionKind, Target};
use crate::domain::{SiteId, cursor::in_storable_range};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::routes::body::path_id;
use crate::routes::body::{
    ApiJson, ApiQuery, Authed, Shape, not_null, page_limit, present, query_params, schema,
};
use crate::routes::moderation::views::Lens;
use crate::state::AppState;
use crate::usecases::moderation::parse_reason;
use crate::usecases::sanctions::{self, NewSanctionRequest, TargetSource};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// `POST /api/v1/moderation/sanctions`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewSanctionBody {
    /// `ban` (new comments go to spam, silently), `suspend` (new comments
    /// refused until `expires_at`, which it needs) or `hold` (new comments
    /// wait for review).
    #[schema(schema_with = kind_schema, required = true)]
    pub kind: Option<String>,
    /// `email` (one address), `domain` (an email domain and its
    /// subdomains; not a public suffix such as `co.uk`: 422
    /// `public_suffix`) or `network` (an address range, IPv4 /8 or narrower,
    /// IPv6 /16 or narrower).
    #[schema(schema_with = target_type_schema, required = true)]
    pub target_type: Option<String>,
    /// The email, domain or range (give this or `comment_id`).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = target_schema)]
    pub target: Option<Option<String>>,
    /// Take the target from this comment's author: their email, its
    /// domain, or their address (give this or `target`).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::id)]
    pub comment_id: Option<Option<i64>>,
    /// Only this site; absent or `null`: every site (accounts limited to
    /// sites must name one).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::nullable_site)]
    pub site: Option<Option<String>>,
    /// Why: at most 500 characters (kept on the sanction, erased with the
    /// person's data).
    #[schema(schema_with = schema::required_reason, required = true)]
    pub reason: Option<String>,
    /// The category of the rejections it makes (`reject_existing`): one
    /// of the decision categories; absent: `other`.
    #[schema(schema_with = crate::routes::moderation::reason_category_schema)]
    pub reason_category: Option<String>,
    /// When it ends by itself (RFC 3339, in the future); absent or `null`:
    /// when revoked. A suspension needs one.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = expires_schema)]
    pub expires_at: Option<Option<String>>,
    /// Also reject the target's pending and published comments (on the
    /// site, or every site), each as a decision of its own in the audit
    /// log with the reason `sanction #id`.
    #[serde(default)]
    pub reject_existing: Option<bool>,
}

fn enum_schema(values: &[&'static str]) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

fn kind_schema() -> utoipa::openapi::schema::Object {
    enum_schema(&SanctionKind::ALL.map(SanctionKind::as_str))
}

fn target_type_schema() -> utoipa::openapi::schema::Object {
    enum_schema(&Target::TYPES)
}

fn target_schema() -> utoipa::openapi::schema::Object {
    schema::optional_text(Some(1), 320)
        .pattern(Some(schema::ONE_LINE))
        .build()
}

fn expires_schema() -> utoipa::openapi::schema::Object {
    schema::optional_text(None, 64)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::DateTime,
        )))
        .build()
}

/// An end in RFC 3339 that the database can hold.
fn parse_expiry(raw: &str) -> Result<DateTime<Utc>, FieldCode> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| in_storable_range(*t))
        .ok_or(FieldCode::InvalidValue)
}

impl Shape for NewSanctionBody {
    type Valid = NewSanctionRequest;
    fn validate(self, _: &AppState) -> Result<NewSanctionRequest, FieldErrors> {
        let mut f = FieldErrors::default();
        let kind = f.take(
            "kind",
            SanctionKind::parse(self.kind.as_deref().unwrap_or_default()),
        );
        let target_type = match self.target_type.as_deref() {
            None | Some("") => {
                f.add("target_type", FieldCode::Required);
                None
            }
            Some(t) if Target::TYPES.contains(&t) => Some(t.to_owned()),
            Some(_) => {
                f.add("target_type", FieldCode::InvalidValue);
                None
            }
        };
        let target = not_null("target", self.target, &mut f);
        let comment_id = not_null("comment_id", self.comment_id, &mut f);
        let source = match (target, comment_id, &target_type) {
            (Some(t), None, Some(ty)) => f
                .take("target", Target::parse(ty, &t))
                .map(TargetSource::Given),
            (None, Some(id), Some(ty)) => f
                .take(
                    "comment_id",
                    if id >= 1 {
                        Ok(CommentId(id))
                    } else {
                        Err(FieldCode::OutOfRange {
                            min: 1,
                            max: i64::MAX,
                        })
                    },
                )
                .map(|id| TargetSource::OfComment {
                    id,
                    target_type: ty.clone(),
                }),
            (Some(_), Some(_), _) => {
                f.add("comment_id", FieldCode::InvalidValue);
                None
            }
            (None, None, _) => {
                f.add("target", FieldCode::Required);
                None
            }
            _ => None,
        };
        let site = self
            .site
            .flatten()
            .and_then(|s| f.take("site", SiteId::parse(&s)));
        let reason = f.take(
            "reason",
            parse_reason(self.reason.as_deref()).and_then(|r| r.ok_or(FieldCode::Required)),
        );
        let reason_category = self
            .reason_category
            .and_then(|c| f.take("reason_category", ReasonCategory::parse(&c)))
            .unwrap_or(ReasonCategory::Other);
        let expires_at = self
            .expires_at
            .flatten()
            .and_then(|e| f.take("expires_at", parse_expiry(&e)));
        if let Some(e) = expires_at
            && e <= Utc::now()
        {
            f.add("expires_at", FieldCode::InvalidValue);
        }
        if kind == Some(SanctionKind::Suspend)
            && expires_at.is_none()
            && f.get("expires_at").is_none()
        {
            f.add("expires_at", FieldCode::Required);
        }
        match (kind, source, reason) {
            (Some(kind), Some(source), Some(reason)) if f.is_empty() => Ok(NewSanctionRequest {
                kind,
                source,
                site,
                reason,
                reason_category,
                expires_at,
                reject_existing: self.reject_existing.unwrap_or(false),
            }),
            _ => Err(f),
        }
    }
}

/// A sanction as this account may see it: emails and addresses masked
/// for accounts that see personal data masked; a sanction on every site,
/// seen by an account limited to some sites, masked too and without its
/// reason (the person may never have commented on those sites).
fn shown(lens: &Lens, session: &crate::auth::Session, mut s: Sanction) -> Sanction {
    let foreign = s.site.is_none() && session.sites.as_sql().is_some();
    if foreign {
        s.reason = None;
    }
    if foreign || lens.masks_personal_data() {
        s.target = s.target.map(|t| match s.target_type.as_str() {
            "email" => mask_email(&t),
            "network" => match t.parse::<ipnet::IpNet>() {
                Ok(n) => format!("{}/{}", mask_ip(n.addr()), n.prefix_len()),
                Err(_) => "***".to_owned(),
            },
            _ => t,
        });
    }
    s
}

/// What a new sanction did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SanctionCreated {
    pub sanction: Sanction,
    /// What `reject_existing` did (nothing without it).
    #[serde(flatten)]
    pub rejection: sanctions::Rejection,
}

/// Sanction a commenter.
///
/// A ban sends the target's new comments to `spam` without running the
/// spam rules; the commenter is answered exactly as any comment held as
/// spam is (`pending`), so a spammer cannot tell. Comments a sanction sent
/// to spam teach the learner nothing (only a moderator's decision does).
/// A suspension refuses new comments with 403 `commenting_suspended` and
/// `Retry-After` until it ends. A hold sends new comments to the queue.
/// Sanctions apply before the spam rules, to new comments and to authors'
/// edits; the strongest wins (suspension, ban, hold). Emails match in any
/// letter case with the domain in Unicode or punycode; a domain covers
/// its subdomains. Audited as `sanction.created` (without the target or
/// the reason).
#[utoipa::path(
    post,
    operation_id = "create_sanction",
    path = "/api/v1/moderation/sanctions",
    tag = "moderation",
    security(("bearer" = [])),
    request_body(content = NewSanctionBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Imposed; the sanction and the comments it rejected.", body = SanctionCreated),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such comment (`comment_not_found`) or site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn create(
    Authed(auth, ApiJson(new)): Authed<Moderator, ApiJson<NewSanctionBody>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let created = sanctions::create(&state, &auth.0, new).await?;
    let lens = Lens::for_role(&state, auth.0.role).await?;
    Ok(HttpResponse::Created().json(SanctionCreated {
        sanction: shown(&lens, &auth.0, created.sanction),
        rejection: created.rejection,
    }))
}

query_params! {
    /// `GET /api/v1/moderation/sanctions`: the query as sent.
    pub struct SanctionParams {
        /// `true`: revoked and expired sanctions too (default: active
        /// ones only).
        all: Option<String> = crate::routes::export_query::bool_schema();
        /// `next_cursor` of the previous page.
        cursor: Option<String> = schema::cursor();
        /// Page size, 1-200 (default 50).
        limit: Option<String> = schema::log_limit();
    }
}

/// A parsed `GET /api/v1/moderation/sanctions`.
pub struct SanctionQuery {
    all: bool,
    before: Option<i64>,
    limit: i64,
}

impl Shape for SanctionParams {
    type Valid = SanctionQuery;
    fn validate(self, _: &AppState) -> Result<SanctionQuery, FieldErrors> {
        let mut f = FieldErrors::default();
        let q = SanctionQuery {
            all: self
                .all
                .and_then(|v| {
                    f.take(
                        "all",
                        crate::routes::export_query::parse_bool(&v).ok_or(FieldCode::InvalidValue),
                    )
                })
                .unwrap_or(false),
            before: self.cursor.and_then(|v| {
                f.take(
                    "cursor",
                    LogCursor::decode(&v)
                        .map(|c| c.0)
                        .ok_or(FieldCode::InvalidCursor),
                )
            }),
            limit: self
                .limit
                .and_then(|v| f.take("limit", page_limit(&v, LOG_MAX_PAGE)))
                .unwrap_or(QUEUE_DEFAULT_PAGE),
        };
        if f.is_empty() { Ok(q) } else { Err(f) }
    }
}

/// One page of sanctions, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SanctionPage {
    pub sanctions: Vec<Sanction>,
    /// Opaque; pass as `cursor` for the next page. `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Sanctions, newest first: active ones, or all with `all=true`; those of
/// the sites the account may see and those on every site.
#[utoipa::path(
    get,
    operation_id = "list_sanctions",
    path = "/api/v1/moderation/sanctions",
    tag = "moderation",
    security(("bearer" = [])),
    params(SanctionParams),
    responses(
        (status = 200, description = "One page of sanctions.", body = SanctionPage),
        crate::routes::openapi::AuthErrors,
        (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list(
    Authed(auth, ApiQuery(q)): Authed<Moderator, ApiQuery<SanctionParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let lens = Lens::for_role(&state, auth.0.role).await?;
    let sites = auth.0.sites.as_sql();
    let mut conn = state.pool.acquire().await?;
    let mut rows =
        db::sanctions::list(&mut conn, q.all, sites.as_deref(), q.before, q.limit + 1).await?;
    let next_cursor = page_end(&mut rows, q.limit).map(|r| LogCursor(r.id).encode());
    Ok(HttpResponse::Ok().json(SanctionPage {
        sanctions: rows.into_iter().map(|s| shown(&lens, &auth.0, s)).collect(),
        next_cursor,
    }))
}

/// Revoke a sanction.
///
/// It stops covering the target at once (new comments only: what it
/// decided stays decided). Audited as `sanction.revoked`.
#[utoipa::path(
    delete,
    operation_id = "revoke_sanction",
    path = "/api/v1/moderation/sanctions/{id}",
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The sanction's id.", minimum = 1)),
    responses(
        (status = 200, description = "Revoked.", body = Sanction),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No unrevoked sanction with this id that the account may see (`sanction_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn revoke(
    req: HttpRequest,
    auth: Moderator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&req, "id", ErrorCode::SanctionNotFound)?;
    let s = sanctions::revoke(&state, &auth.0, id).await?;
    let lens = Lens::for_role(&state, auth.0.role).await?;
    Ok(HttpResponse::Ok().json(shown(&lens, &auth.0, s)))
}

/// Reject more of a sanction's existing comments.
///
/// Rejects the next 500 pending and published comments an active
/// sanction covers (oldest first), each a decision of its own, audited as
/// a moderator's with the sanction's category: for a sanction whose
/// `reject_existing` left some (`remaining` above 0). Repeat until
/// `remaining` is 0.
#[utoipa::path(
    post,
    operation_id = "reject_sanction_existing",
    path = "/api/v1/moderation/sanctions/{id}/reject-existing",
    tag = "moderation",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The sanction's id.", minimum = 1)),
    responses(
        (status = 200, description = "The comments rejected, and how many are left.", body = sanctions::Rejection),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No active sanction with this id that the account may act on (`sanction_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(moderator_id = auth.0.moderator_id))]
pub async fn reject_existing(
    req: HttpRequest,
    auth: Moderator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&req, "id", ErrorCode::SanctionNotFound)?;
    Ok(HttpResponse::Ok().json(sanctions::reject_existing(&state, &auth.0, id).await?))
}
