//! Webhooks over HTTP (admins): `POST`, `GET /api/v1/admin/webhooks`,
//! `GET`, `PATCH`, `DELETE /api/v1/admin/webhooks/{id}` and a
//! redelivery (`usecases::webhooks`).

use crate::auth::Admin;
use crate::db;
use crate::db::webhooks::{Delivery, Webhook};
use crate::domain::SiteId;
use crate::domain::webhook::{self, EVENTS, Include, PERSONAL_FIELDS};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::routes::body::path_id;
use crate::routes::body::{ApiJson, Authed, Shape, present, schema};
use crate::state::AppState;
use crate::usecases::webhooks::{self, CreatedWebhook, WebhookDetail, WebhookPatch, WebhookSpec};
use actix_web::{HttpRequest, HttpResponse, web};

fn events_schema() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(EVENTS)),
        )
        .min_items(Some(1))
        .max_items(Some(16))
        .build()
}

fn include_schema() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(PERSONAL_FIELDS)),
        )
        .max_items(Some(16))
        .build()
}

fn url_schema() -> utoipa::openapi::schema::Object {
    schema::text(Some(1), webhook::MAX_URL)
        .pattern(Some(schema::ONE_LINE))
        .description(Some(
            "An http or https URL without user name or password, whose host is not a \
             private, loopback or link-local address (unless the instance allows them: \
             MAJLIS_WEBHOOK_ALLOW_PRIVATE).",
        ))
        .build()
}

fn secret_schema() -> utoipa::openapi::schema::Object {
    let mut s = schema::optional_text(Some(10), 200)
        .pattern(Some(r"^whsec_[A-Za-z0-9+/]+={0,2}$"))
        .description(Some(
            "`whsec_` and the base64 of a 24-64 byte key; absent or null: one is made.",
        ))
        .build();
    s.format = Some(utoipa::openapi::SchemaFormat::KnownFormat(
        utoipa::openapi::KnownFormat::Password,
    ));
    s
}

/// `POST /api/v1/admin/webhooks`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewWebhookBody {
    /// Where deliveries are posted.
    #[schema(schema_with = url_schema, required = true)]
    pub url: Option<String>,
    /// The events it receives.
    #[schema(schema_with = events_schema, required = true)]
    pub events: Option<Vec<String>>,
    /// The signing secret; absent or `null`: one is made (and shown once).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = secret_schema)]
    pub secret: Option<Option<String>>,
    /// Only this site's comments; absent or `null`: every site.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::nullable_site)]
    pub site: Option<Option<String>>,
    /// Personal fields to send with each comment (`email`, `ip`,
    /// `user_agent`); absent: none.
    #[schema(schema_with = include_schema)]
    pub include: Option<Vec<String>>,
    /// Absent: `true`.
    pub active: Option<bool>,
}

fn take_url(f: &mut FieldErrors, raw: &str, state: &AppState) -> Option<String> {
    f.take(
        "url",
        webhook::parse_url(raw, state.config.webhooks_allow_private).map(String::from),
    )
}

fn take_list<T>(
    f: &mut FieldErrors,
    field: &'static str,
    list: &[String],
    parse: impl Fn(&[String]) -> Result<T, FieldCode>,
) -> Option<T> {
    if list.len() > 16 {
        f.add(field, FieldCode::InvalidValue);
        return None;
    }
    f.take(field, parse(list))
}

fn take_site(f: &mut FieldErrors, site: Option<Option<String>>) -> Option<Option<SiteId>> {
    match site {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) => f.take("site", SiteId::parse(&s)).map(Some),
    }
}

fn take_secret(f: &mut FieldErrors, secret: Option<Option<String>>) -> Option<String> {
    secret
        .flatten()
        .and_then(|s| f.take("secret", webhook::parse_secret(&s)))
}

impl Shape for NewWebhookBody {
    type Valid = WebhookSpec;
    fn validate(self, state: &AppState) -> Result<WebhookSpec, FieldErrors> {
        let mut f = FieldErrors::default();
        let url = match self.url.as_deref() {
            None => {
                f.add("url", FieldCode::Required);
                None
            }
            Some(raw) => take_url(&mut f, raw, state),
        };
        let events = match &self.events {
            None => {
                f.add("events", FieldCode::Required);
                None
            }
            Some(list) => take_list(&mut f, "events", list, webhook::parse_events),
        };
        let include = take_list(
            &mut f,
            "include",
            self.include.as_deref().unwrap_or_default(),
            Include::parse,
        );
        let site = take_site(&mut f, self.site).flatten();
        let secret = take_secret(&mut f, self.secret);
        match (url, events, include) {
            (Some(url), Some(events), Some(include)) if f.is_empty() => Ok(WebhookSpec {
                url,
                events,
                site,
                include,
                active: self.active.unwrap_or(true),
                secret,
            }),
            _ => Err(f),
        }
    }
}

/// `PATCH /api/v1/admin/webhooks/{id}`: what is absent stays.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookPatchBody {
    #[schema(schema_with = url_schema)]
    pub url: Option<String>,
    #[schema(schema_with = events_schema)]
    pub events: Option<Vec<String>>,
    /// A new signing secret (not shown back); absent or `null`: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = secret_schema)]
    pub secret: Option<Option<String>>,
    /// `null`: every site.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::nullable_site)]
    pub site: Option<Option<String>>,
    #[schema(schema_with = include_schema)]
    pub include: Option<Vec<String>>,
    /// Turned off, it receives nothing new; its pending deliveries fail.
    pub active: Option<bool>,
}

impl Shape for WebhookPatchBody {
    type Valid = WebhookPatch;
    fn validate(self, state: &AppState) -> Result<WebhookPatch, FieldErrors> {
        let mut f = FieldErrors::default();
        let url = self.url.as_deref().and_then(|u| take_url(&mut f, u, state));
        let events = self
            .events
            .as_deref()
            .and_then(|l| take_list(&mut f, "events", l, webhook::parse_events));
        let include = self
            .include
            .as_deref()
            .and_then(|l| take_list(&mut f, "include", l, Include::parse));
        let site = take_site(&mut f, self.site);
        let secret = take_secret(&mut f, self.secret);
        let patch = WebhookPatch {
            url,
            events,
            secret,
            site,
            include,
            active: self.active,
        };
        if f.is_empty() && patch.changed().is_empty() {
            f.add("url", FieldCode::NothingToChange);
        }
        if f.is_empty() { Ok(patch) } else { Err(f) }
    }
}

/// Register a webhook.
///
/// Each change of a comment that the audit log records is delivered to
/// every active webhook that asked for its event: `comment.created` (with
/// its status), `comment.status_changed`, `comment.edited`,
/// `comment.erased`, from the webhook's creation on. The event is the
/// audit log's row, written in the transaction of the change (no event
/// lost, none for a change that rolled back), and is posted as JSON `{"type", "timestamp", "data": {"site", "status",
/// "previous_status", "comment"}}`; the comment is its public view plus
/// its status, spam score, reasons, version and `updated_at`, and the
/// personal fields `include` names. Signed the Standard Webhooks way:
/// `webhook-id` (`msg_` and the audit event's id, the same on every
/// retry), `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with the
/// secret's key), plus `X-Majlis-Event`. A 2xx answer within 10 s
/// delivers; anything else (a redirect too) is retried after 5 s,
/// doubling to two hours with jitter, for a day, then the delivery is
/// `failed`. The answer carries the secret, this once. Audited as
/// `webhook.created` (without the URL or secret).
#[utoipa::path(
    post,
    operation_id = "create_webhook",
    path = "/api/v1/admin/webhooks",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewWebhookBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered; the secret is shown this once.", body = CreatedWebhook),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it (`private_address` for a private, loopback or link-local host).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn create(
    Authed(auth, ApiJson(spec)): Authed<Admin, ApiJson<NewWebhookBody>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let created = webhooks::create(&state, auth.0.actor(), spec).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The webhooks (never their secrets), oldest first.
#[utoipa::path(
    get,
    operation_id = "list_webhooks",
    path = "/api/v1/admin/webhooks",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The webhooks.", body = Vec<Webhook>),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list(_auth: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    Ok(HttpResponse::Ok().json(db::webhooks::list(&mut conn).await?))
}

/// A webhook and its latest 50 deliveries (status, attempts, the last
/// answer or error, when the next attempt is due).
#[utoipa::path(
    get,
    operation_id = "get_webhook",
    path = "/api/v1/admin/webhooks/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook's id.", minimum = 1)),
    responses(
        (status = 200, description = "The webhook.", body = WebhookDetail),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such webhook (`webhook_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn get(
    req: HttpRequest,
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&req, "id", ErrorCode::WebhookNotFound)?;
    Ok(HttpResponse::Ok().json(webhooks::detail(&state, id).await?))
}

/// Change a webhook: the fields sent, the others stay. A new `secret` is
/// not shown back. Audited as `webhook.updated` (the names of the fields).
#[utoipa::path(
    patch,
    operation_id = "update_webhook",
    path = "/api/v1/admin/webhooks/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook's id.", minimum = 1)),
    request_body(content = WebhookPatchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed.", body = Webhook),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such webhook (`webhook_not_found`) or site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad field, or nothing to change; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn update(
    req: HttpRequest,
    Authed(auth, ApiJson(patch)): Authed<Admin, ApiJson<WebhookPatchBody>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&req, "id", ErrorCode::WebhookNotFound)?;
    let hook = webhooks::update(&state, auth.0.actor(), id, patch).await?;
    Ok(HttpResponse::Ok().json(hook))
}

/// Delete a webhook and its deliveries. Audited as `webhook.deleted`.
#[utoipa::path(
    delete,
    operation_id = "delete_webhook",
    path = "/api/v1/admin/webhooks/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook's id.", minimum = 1)),
    responses(
        (status = 204, description = "Deleted."),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such webhook (`webhook_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn delete(
    req: HttpRequest,
    auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&req, "id", ErrorCode::WebhookNotFound)?;
    webhooks::delete(&state, auth.0.actor(), id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a delivery again, now: it becomes `pending` and is retried for
/// another day if it fails. Receivers see the same `webhook-id` (and
/// should ignore a message they already handled). Audited as
/// `webhook.redelivered`.
#[utoipa::path(
    post,
    operation_id = "redeliver_webhook_delivery",
    path = "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The webhook's id.", minimum = 1),
        ("delivery_id" = i64, Path, description = "The delivery's id.", minimum = 1),
    ),
    responses(
        (status = 202, description = "Queued again.", body = Delivery),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such webhook (`webhook_not_found`) or delivery (`delivery_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn redeliver(
    req: HttpRequest,
    auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&req, "id", ErrorCode::WebhookNotFound)?;
    let delivery_id = path_id(&req, "delivery_id", ErrorCode::DeliveryNotFound)?;
    let delivery = webhooks::redeliver(&state, auth.0.actor(), id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(delivery))
}
