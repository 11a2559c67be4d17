//! Mail settings and unsubscribing over HTTP: a moderator's own mail
//! (`GET`, `PUT /api/v1/moderation/notifications`), and the link every
//! mail carries (`GET`, `POST /api/v1/notifications/unsubscribe`).

use crate::auth::Moderator;
use crate::db;
use crate::db::mail::Notifications;
use crate::domain::notify::{DIGEST_MINUTES, NotifyMode};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::i18n::Lang;
use crate::routes::body::{ApiJson, ApiQuery, Authed, Shape, query_params, schema};
use crate::state::AppState;
use crate::usecases::mail;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// A moderator's mail, and whether this server sends any.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NotificationsView {
    #[serde(flatten)]
    pub settings: Notifications,
    /// `false`: this server has no SMTP server (`MAJLIS_SMTP_URL`), so
    /// only `off` can be chosen.
    pub mail_enabled: bool,
}

fn notify_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(NotifyMode::ALL))
        .build()
}

/// `null` reads as absent.
fn lang_schema() -> utoipa::openapi::schema::Object {
    let mut o = utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["ar", "en"]))
        .build();
    if let Some(values) = o.enum_values.as_mut() {
        values.push(serde_json::Value::Null);
    }
    schema::nullable(o)
}

/// `null` reads as absent.
fn digest_schema() -> utoipa::openapi::schema::Object {
    schema::nullable(schema::integer(DIGEST_MINUTES.0, Some(DIGEST_MINUTES.1)).build())
}

/// `PUT /api/v1/moderation/notifications`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NotificationsRequest {
    /// `off`, `each` (a mail per comment that enters the queue on a site
    /// you see) or `digest` (what waits, every `digest_minutes`, when
    /// something new came in).
    #[schema(schema_with = notify_schema, required = true)]
    pub notify: Option<String>,
    /// Minutes between digests, 5-1440; absent: unchanged (60 at first).
    #[schema(schema_with = digest_schema)]
    pub digest_minutes: Option<f64>,
    /// The mails' language; absent: unchanged (Arabic at first).
    #[schema(schema_with = lang_schema)]
    pub lang: Option<String>,
}

/// A checked request: each field, if sent.
pub struct NotificationsChange {
    notify: NotifyMode,
    digest_minutes: Option<i32>,
    lang: Option<Lang>,
}

impl Shape for NotificationsRequest {
    type Valid = NotificationsChange;
    fn validate(self, _: &AppState) -> Result<NotificationsChange, FieldErrors> {
        let mut f = FieldErrors::default();
        let notify = match self.notify.as_deref() {
            None => {
                f.add("notify", FieldCode::Required);
                None
            }
            Some(n) => f.take("notify", NotifyMode::parse(n)),
        };
        let (min, max) = DIGEST_MINUTES;
        // A whole number (`30.0` is one, as JSON Schema says).
        let digest_minutes = self.digest_minutes.and_then(|m| {
            f.take(
                "digest_minutes",
                Some(m)
                    .filter(|m| m.fract() == 0.0 && (min as f64..=max as f64).contains(m))
                    .map(|m| m as i32)
                    .ok_or(FieldCode::OutOfRange { min, max }),
            )
        });
        let lang = self.lang.and_then(|l| match l.as_str() {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => {
                f.add("lang", FieldCode::InvalidValue);
                None
            }
        });
        match notify {
            Some(notify) if f.is_empty() => Ok(NotificationsChange {
                notify,
                digest_minutes,
                lang,
            }),
            _ => Err(f),
        }
    }
}

/// Your mail: what you asked for.
#[utoipa::path(
    get,
    operation_id = "get_notifications",
    path = "/api/v1/moderation/notifications",
    tag = "moderation",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your mail settings.", body = NotificationsView),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
pub async fn get(auth: Moderator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let settings = db::mail::notifications(&mut conn, auth.0.moderator_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::ModeratorNotFound))?;
    Ok(HttpResponse::Ok().json(NotificationsView {
        settings,
        mail_enabled: state.config.smtp_url.is_some(),
    }))
}

/// Choose your mail: a mail per comment that enters the queue (held by the
/// workflow, by readers' reports, an appeal) on the sites you see, or a
/// digest of what waits every `digest_minutes` when something new came
/// in, or none. Every mail has a one-click unsubscribe link.
#[utoipa::path(
    put,
    operation_id = "set_notifications",
    path = "/api/v1/moderation/notifications",
    tag = "moderation",
    security(("bearer" = [])),
    request_body(content = NotificationsRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved.", body = NotificationsView),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 409, description = "This server sends no mail (`mail_not_configured`): only `off`.", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn set(
    Authed(auth, ApiJson(change)): Authed<Moderator, ApiJson<NotificationsRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = auth.0.moderator_id;
    let current = {
        let mut conn = state.pool.acquire().await?;
        db::mail::notifications(&mut conn, id)
            .await?
            .ok_or(ApiError::new(ErrorCode::ModeratorNotFound))?
    };
    let wanted = Notifications {
        notify: change.notify.as_str().to_owned(),
        digest_minutes: change.digest_minutes.unwrap_or(current.digest_minutes),
        lang: change
            .lang
            .map(|l| l.as_str().to_owned())
            .unwrap_or(current.lang),
    };
    let settings = mail::set_notifications(&state, id, wanted).await?;
    Ok(HttpResponse::Ok().json(NotificationsView {
        settings,
        mail_enabled: state.config.smtp_url.is_some(),
    }))
}

query_params! {
    /// `/api/v1/notifications/unsubscribe?token=`.
    pub struct UnsubscribeParams {
        /// The token of the mail's link.
        token: Option<String> = schema::text(Some(24), 50).pattern(Some(TOKEN)).build(), required;
    }
}

/// An unsubscribe token: `c` (a reader) or `m` (a moderator), an id, a
/// dot, 22 characters of base64url.
const TOKEN: &str = r"^[cm][0-9]{1,19}\.[A-Za-z0-9_-]{22}$";

fn token_shape(t: &str) -> bool {
    let Some((who, sig)) = t.split_once('.') else {
        return false;
    };
    let mut chars = who.chars();
    matches!(chars.next(), Some('c' | 'm'))
        && (1..=19).contains(&chars.as_str().len())
        && chars.as_str().bytes().all(|b| b.is_ascii_digit())
        && sig.len() == 22
        && sig
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Shape for UnsubscribeParams {
    type Valid = String;
    fn validate(self, _: &AppState) -> Result<String, FieldErrors> {
        let mut f = FieldErrors::default();
        match self.token {
            Some(t) if token_shape(&t) => Ok(t),
            Some(_) => {
                f.add("token", FieldCode::InvalidValue);
                Err(f)
            }
            None => {
                f.add("token", FieldCode::Required);
                Err(f)
            }
        }
    }
}

fn page(lang: Lang, title: &str, inner: &str) -> HttpResponse {
    let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
    let mut t = String::new();
    crate::render::escape_into(&mut t, title);
    let html = format!(
        "<!doctype html><html lang=\"{}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title></head>\
         <body><main><h1>{t}</h1>{inner}</main></body></html>",
        lang.as_str()
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

use crate::routes::request::lang_of;

/// The page an unsubscribe link opens: a button that stops the mail (a
/// link scanner's visit changes nothing).
#[utoipa::path(
    get,
    operation_id = "unsubscribe_page",
    path = "/api/v1/notifications/unsubscribe",
    tag = "public",
    params(UnsubscribeParams),
    responses(
        (status = 200, description = "A page with the button.", content_type = "text/html"),
        (status = 422, description = "No token.", body = ErrorBody),
    ),
)]
pub async fn unsubscribe_page(
    req: HttpRequest,
    ApiQuery(token): ApiQuery<UnsubscribeParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req, &state);
    let (title, button) = match lang {
        Lang::Ar => ("إيقاف رسائل البريد", "أوقف هذه الرسائل"),
        Lang::En => ("Stop these mails", "Stop these mails"),
    };
    let mut action = String::new();
    crate::render::escape_into(
        &mut action,
        &format!(
            "/api/v1/notifications/unsubscribe?token={}",
            percent_encoding::utf8_percent_encode(&token, percent_encoding::NON_ALPHANUMERIC)
        ),
    );
    let inner = format!(
        "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"List-Unsubscribe\" \
         value=\"One-Click\"><button type=\"submit\">{button}</button></form>"
    );
    Ok(page(lang, title, &inner))
}

/// Stop the mail a link names (RFC 8058 one-click: mail clients post here
/// with `List-Unsubscribe=One-Click`). A reader's link stops mail about
/// every comment with their email; a moderator's sets their mail to `off`.
#[utoipa::path(
    post,
    operation_id = "unsubscribe",
    path = "/api/v1/notifications/unsubscribe",
    tag = "public",
    params(UnsubscribeParams),
    responses(
        (status = 200, description = "Stopped; a short page says so.", content_type = "text/html"),
        (status = 404, description = "The link's token does not check out (`not_found`).", body = ErrorBody),
        (status = 422, description = "No token.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn unsubscribe(
    req: HttpRequest,
    ApiQuery(token): ApiQuery<UnsubscribeParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    mail::unsubscribe(&state, &token).await?;
    let lang = lang_of(&req, &state);
    let (title, said) = match lang {
        Lang::Ar => ("أُوقفت الرسائل", "لن تصلك هذه الرسائل بعد الآن."),
        Lang::En => ("Mails stopped", "You will get no more of these mails."),
    };
    Ok(page(lang, title, &format!("<p>{said}</p>")))
}
