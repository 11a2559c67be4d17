//! Admin only: moderator accounts, articles and their settings, the
//! site's settings, the spam learner and legal holds.

use crate::auth::Admin;
use crate::db;
use crate::db::retention::LegalHold;
use crate::domain::cursor::{ArticleCursor, page_end};
use crate::domain::ids::{Actor, ModeratorId};
use crate::domain::limits::{MAX_QUERY_CHARS, QUEUE_DEFAULT_PAGE, QUEUE_MAX_PAGE};
use crate::domain::{ApprovalMode, AuthorUrl, DisplayName, ModerationSettings, Role, SiteId};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::routes::body::{ApiJson, ApiQuery, Authed, Shape, not_null, present, schema};
use crate::routes::moderation::views::{ArticleView, ModeratorView};
use crate::routes::public::comments::article_id_from_path;
use crate::routes::site::{SiteParams, requested_site};
use crate::spam::learner::{self, Prior, Script};
use crate::state::AppState;
use crate::usecases::accounts::{self, AccountPatch, NewModerator};
use crate::usecases::retention::{self, NewHold};
use crate::usecases::{articles, settings, training};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;

/// `POST /api/v1/admin/moderators`. No `Debug`: it holds a password.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewModeratorRequest {
    #[schema(schema_with = schema::moderator_email, required = true)]
    pub email: Option<String>,
    /// At least 12 characters, not containing the email.
    #[schema(schema_with = schema::password, required = true)]
    pub password: Option<String>,
    /// Defaults to `moderator`.
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Defaults to the email's local part (also when nothing of it is visible).
    #[schema(schema_with = schema::new_display_name)]
    pub display_name: Option<String>,
}

impl Shape for NewModeratorRequest {
    type Valid = NewModerator;
    fn validate(self, _: &AppState) -> Result<NewModerator, FieldErrors> {
        NewModerator::parse(
            self.email.as_deref(),
            self.password.map(SecretString::from),
            self.role.as_deref(),
            self.display_name.as_deref(),
        )
    }
}

/// `PATCH /api/v1/admin/moderators/{id}`. No `Debug`: it holds a password.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ModeratorPatch {
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    #[schema(schema_with = schema::display_name)]
    pub display_name: Option<String>,
    /// Disabling an account ends its sessions.
    pub disabled: Option<bool>,
    /// A new password (at least 12 characters, not containing the email);
    /// ends the account's sessions.
    #[schema(schema_with = schema::new_password)]
    pub password: Option<String>,
    /// The sites a `moderator` may work on (existing site ids); `null`:
    /// every site. Admins always have every site.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub sites: Option<Option<Vec<String>>>,
}

impl Shape for ModeratorPatch {
    type Valid = AccountPatch;
    fn validate(self, _: &AppState) -> Result<AccountPatch, FieldErrors> {
        let mut f = FieldErrors::default();
        let sites = match self.sites {
            None => None,
            Some(None) => Some(None),
            Some(Some(list)) => {
                let parsed: Result<Vec<SiteId>, FieldCode> =
                    list.iter().map(|s| SiteId::parse(s)).collect();
                f.take("sites", parsed).map(Some)
            }
        };
        let patch = AccountPatch {
            sites,
            role: self.role.and_then(|r| f.take("role", Role::parse(&r))),
            display_name: self
                .display_name
                .and_then(|d| f.take("display_name", DisplayName::parse(&d))),
            disabled: self.disabled,
            password: self.password.map(SecretString::from),
        };
        if f.is_empty() { Ok(patch) } else { Err(f) }
    }
}

/// `PATCH /api/v1/admin/articles/{article_id}`: at least one of the two
/// fields (the document says so: `routes::openapi::AT_LEAST_ONE`).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ArticlePatch {
    /// Close or reopen comments. Not `null`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub closed: Option<Option<bool>>,
    /// Overrides the site-wide mode; `null` returns to it; absent: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ApprovalMode>, nullable)]
    pub approval_mode: Option<Option<String>>,
}

/// What an article update changes: `approval_mode` `Some(None)` returns
/// the article to the site-wide mode.
pub struct ArticleChange {
    pub closed: Option<bool>,
    pub approval_mode: Option<Option<&'static str>>,
}

impl Shape for ArticlePatch {
    type Valid = ArticleChange;
    fn validate(self, _: &AppState) -> Result<ArticleChange, FieldErrors> {
        let mut f = FieldErrors::default();
        let closed = not_null("closed", self.closed, &mut f);
        let approval_mode = self.approval_mode.map(|m| {
            m.and_then(|m| {
                f.take(
                    "approval_mode",
                    m.trim()
                        .parse::<ApprovalMode>()
                        .map(ApprovalMode::as_str)
                        .map_err(|()| FieldCode::InvalidValue),
                )
            })
        });
        if closed.is_none() && approval_mode.is_none() && f.is_empty() {
            f.add("closed", FieldCode::ArticleNothingToChange);
        }
        if f.is_empty() {
            Ok(ArticleChange {
                closed,
                approval_mode,
            })
        } else {
            Err(f)
        }
    }
}

/// `PUT /api/v1/admin/articles/{article_id}`: the site's description of
/// an article.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ArticleRegistration {
    /// The article's page: http or https; stored normalized.
    #[schema(schema_with = registration_url, required = true)]
    pub url: Option<String>,
    /// The article's title, one line.
    #[schema(schema_with = registration_title, required = true)]
    pub title: Option<String>,
    /// Close or reopen comments; absent: unchanged (open when new).
    pub closed: Option<bool>,
}

fn registration_url() -> utoipa::openapi::schema::Object {
    schema::text(Some(1), crate::domain::comment::MAX_URL)
        .pattern(Some(schema::ONE_LINE))
        .format(Some(utoipa::openapi::schema::SchemaFormat::Custom(
            "uri".to_owned(),
        )))
        .build()
}

fn registration_title() -> utoipa::openapi::schema::Object {
    schema::text(Some(1), crate::domain::limits::MAX_ARTICLE_TITLE)
        .pattern(Some(schema::ONE_LINE))
        .build()
}

/// A validated registration.
pub struct Registration {
    pub url: AuthorUrl,
    pub title: String,
    pub closed: Option<bool>,
}

impl Shape for ArticleRegistration {
    type Valid = Registration;
    fn validate(self, _: &AppState) -> Result<Registration, FieldErrors> {
        let mut f = FieldErrors::default();
        let url = f.take(
            "url",
            AuthorUrl::parse_optional(self.url.as_deref())
                .and_then(|u| u.ok_or(FieldCode::Required)),
        );
        let title = f.take("title", article_title(self.title.as_deref().unwrap_or("")));
        match (url, title) {
            (Some(url), Some(title)) if f.is_empty() => Ok(Registration {
                url,
                title,
                closed: self.closed,
            }),
            _ => Err(f),
        }
    }
}

/// All moderator accounts.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ModeratorList {
    pub moderators: Vec<ModeratorView>,
}

/// Create a moderator account.
#[utoipa::path(
    post,
    path = "/api/v1/admin/moderators",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewModeratorRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = ModeratorView,
            headers(("Location" = String, description = "`/api/v1/admin/moderators/{id}`"))),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 409, description = "The email exists, in any case (`email_taken`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn create_moderator(
    Authed(auth, ApiJson(new)): Authed<Admin, ApiJson<NewModeratorRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let row = accounts::create(&state.pool, Some(auth.0.actor()), new).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/admin/moderators/{}", row.id),
        ))
        .json(ModeratorView::from_row(row)))
}

/// Every moderator account (never a password hash).
#[utoipa::path(
    get,
    path = "/api/v1/admin/moderators",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The accounts.", body = ModeratorList),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list_moderators(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let rows = db::moderators::list(&mut conn).await?;
    let list: Vec<ModeratorView> = rows.into_iter().map(ModeratorView::from_row).collect();
    Ok(HttpResponse::Ok().json(ModeratorList { moderators: list }))
}

/// Change an account's role, name, password, or disable it.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/moderators/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The moderator id.", minimum = 1)),
    request_body(content = ModeratorPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The account after the change.", body = ModeratorView),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such account (`moderator_not_found`).", body = ErrorBody),
        (status = 409, description = "Would leave no active admin (`last_admin`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn update_moderator(
    req: HttpRequest,
    Authed(auth, ApiJson(patch)): Authed<Admin, ApiJson<ModeratorPatch>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = crate::routes::body::path_id(&req, "id", ErrorCode::ModeratorNotFound)?;
    let session = auth.0;
    let row = accounts::update(
        &state.pool,
        Actor(session.moderator_id),
        session.token_hash(),
        ModeratorId(id),
        patch,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ModeratorView::from_row(row)))
}

/// `PATCH /api/v1/admin/articles/{article_id}` `{closed?, approval_mode?}`:
/// `approval_mode` `null` returns the article to the site-wide mode.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/articles/{article_id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("article_id" = String, Path, description = "The site's article id (may contain `/`). An article not seen yet is created."), SiteParams),
    request_body(content = ArticlePatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The article after the change.", body = ArticleView),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad field, or nothing to change (`nothing_to_change`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn update_article(
    req: HttpRequest,
    Authed(
        auth,
        ApiJson(ArticleChange {
            closed,
            approval_mode,
        }),
    ): Authed<Admin, ApiJson<ArticlePatch>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let site = requested_site(&req, &state, &auth.0).await?;
    let row = articles::update(
        &state.pool,
        auth.0.actor(),
        &site,
        &article_id,
        closed,
        approval_mode,
    )
    .await?;
    state
        .public_cache
        .invalidate(&db::articles::cache_key(&row.site, &row.id));
    Ok(HttpResponse::Ok().json(ArticleView::from_row(row)))
}

crate::routes::body::query_params! {
    /// `GET /api/v1/admin/articles`: the query as sent.
    pub struct ArticleListParams {
        /// Only this site's articles (default: every site).
        site: Option<String> = schema::site();
        /// A substring (1-200 characters) of the id or the title.
        q: Option<String> = schema::query_text();
        /// Only closed (`true`) or open (`false`) articles.
        closed: Option<String> = crate::routes::export_query::bool_schema();
        /// `next_cursor` of the previous page.
        cursor: Option<String> = schema::article_cursor();
        /// Page size, 1-100 (default 50).
        limit: Option<String> = schema::queue_limit();
    }
}

/// A parsed `GET /api/v1/admin/articles` query.
pub struct ArticleListQuery {
    filter: db::articles::ArticleFilter,
    cursor: Option<ArticleCursor>,
    limit: i64,
}

impl Shape for ArticleListParams {
    type Valid = ArticleListQuery;
    fn validate(self, _: &AppState) -> Result<ArticleListQuery, FieldErrors> {
        let mut f = FieldErrors::default();
        let site = crate::routes::site::named_site(self.site.as_deref()).unwrap_or_else(|e| {
            f.extend_new(e);
            None
        });
        let q = self
            .q
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .and_then(|v| {
                let too_long = v.chars().count() > MAX_QUERY_CHARS;
                f.take(
                    "q",
                    if too_long {
                        Err(FieldCode::TooLong {
                            max: MAX_QUERY_CHARS,
                        })
                    } else {
                        Ok(v)
                    },
                )
            });
        let closed = self.closed.and_then(|v| {
            f.take(
                "closed",
                crate::routes::export_query::parse_bool(&v).ok_or(FieldCode::InvalidValue),
            )
        });
        let cursor = self.cursor.and_then(|v| {
            f.take(
                "cursor",
                ArticleCursor::decode(&v).ok_or(FieldCode::InvalidCursor),
            )
        });
        let limit = self
            .limit
            .and_then(|v| f.take("limit", crate::routes::body::page_limit(&v, QUEUE_MAX_PAGE)))
            .unwrap_or(QUEUE_DEFAULT_PAGE);
        f.into_result().map(|()| ArticleListQuery {
            filter: db::articles::ArticleFilter {
                site: site.map(|s| s.as_str().to_owned()),
                sites: None,
                q,
                closed,
            },
            cursor,
            limit,
        })
    }
}

/// One page of articles.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ArticlePage {
    pub articles: Vec<ArticleView>,
    /// Opaque; pass as `cursor` for the next page. `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The articles: registered by the site or seen in submissions.
///
/// Newest first, keyset pagination; for the dashboard's articles page,
/// where admins close or open them and set their approval mode.
#[utoipa::path(
    get,
    path = "/api/v1/admin/articles",
    tag = "admin",
    security(("bearer" = [])),
    params(ArticleListParams),
    responses(
        (status = 200, description = "One page of articles.", body = ArticlePage),
        crate::routes::openapi::AuthErrors,
        (status = 422, description = "A bad query parameter; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list_articles(
    Authed(auth, ApiQuery(mut q)): Authed<Admin, ApiQuery<ArticleListParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(site) = &q.filter.site {
        auth.0.check_site(&SiteId::from_stored(site.clone()))?;
    }
    q.filter.sites = auth.0.sites.as_sql();
    let mut conn = state.pool.acquire().await?;
    let mut rows = db::articles::list(&mut conn, &q.filter, q.cursor.as_ref(), q.limit + 1).await?;
    let next_cursor = page_end(&mut rows, q.limit).map(|r| {
        ArticleCursor {
            created_at: r.created_at,
            site: r.site.clone(),
            id: r.id.clone(),
        }
        .encode()
    });
    Ok(HttpResponse::Ok().json(ArticlePage {
        articles: rows.into_iter().map(ArticleView::from_row).collect(),
        next_cursor,
    }))
}

/// Register an article (for a CMS to call).
///
/// `PUT /api/v1/admin/articles/{article_id}` `{url, title, closed?}`: the
/// site's own description of the article, which replaces whatever a
/// submitter gave (submitters describe an article only while the site
/// has not registered it, and only with a page on an allowed origin).
/// With the setting `require_known_articles`, only registered articles
/// take comments. Idempotent.
#[utoipa::path(
    put,
    path = "/api/v1/admin/articles/{article_id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("article_id" = String, Path, description = "The site's article id (may contain `/`)."), SiteParams),
    request_body(content = ArticleRegistration, content_type = "application/json"),
    responses(
        (status = 200, description = "Registered; the article as stored.", body = ArticleView),
        (status = 201, description = "Registered a new article.", body = ArticleView),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A missing or bad `url`, `title` or `closed`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn register_article(
    req: HttpRequest,
    Authed(auth, ApiJson(reg)): Authed<Admin, ApiJson<ArticleRegistration>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let site = requested_site(&req, &state, &auth.0).await?;
    let (row, created) = articles::register(
        &state.pool,
        auth.0.actor(),
        &site,
        &article_id,
        reg.url.as_str(),
        &reg.title,
        reg.closed,
    )
    .await?;
    state
        .public_cache
        .invalidate(&db::articles::cache_key(&row.site, &row.id));
    let view = ArticleView::from_row(row);
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// An article title: trimmed, one line, 1-300 characters (the same rule
/// as a submitter's `article_title`, but required).
fn article_title(raw: &str) -> Result<String, FieldCode> {
    crate::domain::text::optional_text(Some(raw), crate::domain::limits::MAX_ARTICLE_TITLE)?
        .ok_or(FieldCode::Required)
}

/// `PATCH /api/v1/admin/settings`: any subset of the settings, documented
/// as `ModerationSettings`; `ModerationSettings::patched` validates it
/// against the current settings (unknown fields are `unknown_field`).
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct SettingsPatch(serde_json::Map<String, serde_json::Value>);

impl Shape for SettingsPatch {
    type Valid = serde_json::Value;
    fn validate(self, _: &AppState) -> Result<serde_json::Value, FieldErrors> {
        Ok(serde_json::Value::Object(self.0))
    }
}

/// `GET /api/v1/admin/settings`: every setting with its current value.
#[utoipa::path(
    get,
    path = "/api/v1/admin/settings",
    tag = "admin",
    security(("bearer" = [])),
    params(SiteParams),
    responses(
        (status = 200, description = "Every setting of the site with its current value.", body = ModerationSettings,
            headers(("ETag" = String, description = "`\"<settings version>\"`"))),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad `site`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn get_settings(
    req: HttpRequest,
    auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let site = requested_site(&req, &state, &auth.0).await?;
    let snap = state.settings.current(&state.pool, &site).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", snap.version)))
        .json(&snap.settings))
}

/// `PATCH /api/v1/admin/settings`: changes only the fields named; every bad
/// value is reported by field (422) before anything is written. Applied
/// under a row lock, audited with the names of the changed fields, and
/// visible on this instance at once (others within a second).
#[utoipa::path(
    patch,
    path = "/api/v1/admin/settings",
    tag = "admin",
    security(("bearer" = [])),
    params(SiteParams),
    request_body(content = ModerationSettings, content_type = "application/json",
        description = "Any subset of the settings; only the fields named change."),
    responses(
        (status = 200, description = "Every setting after the change.", body = ModerationSettings,
            headers(("ETag" = String, description = "`\"<settings version>\"`"))),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad value or an unknown field; `fields` names each (`origin_taken`: another site lists the origin; `instance_wide`: a setting for every site, set on `default`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn patch_settings(
    req: HttpRequest,
    Authed(auth, ApiJson(patch)): Authed<Admin, ApiJson<SettingsPatch>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let site = requested_site(&req, &state, &auth.0).await?;
    let next = settings::change(
        &state.pool,
        auth.0.actor(),
        &site,
        &patch,
        &state.config.allowed_origins,
    )
    .await?;
    let snap = state.settings.replace(next);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", snap.version)))
        .json(&snap.settings))
}

/// The shipped prior: how much it knows and how much it weighs.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PriorState {
    /// Features it holds counts for.
    pub features: u64,
    /// Spam and ham comments it was trained on.
    pub spam: u64,
    pub ham: u64,
    /// What one of its comments counts for next to one the site's
    /// moderators decided: the learner reads the site's counts plus this
    /// share of the prior's, so the site's own decisions take over as they
    /// accumulate.
    pub weight: f64,
}

/// What the site's moderators taught.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SiteLearnerState {
    /// Comments trained as spam and as ham.
    pub spam: i64,
    pub ham: i64,
    /// Rows in the feature store (buckets ever touched; at most 3,145,728:
    /// 1,048,576 per script).
    pub features: i64,
    /// The same per script (a comment counts in the script most of its
    /// letters are in): `arabic`, `latin`, `other`, in that order.
    pub scripts: Vec<ScriptLearnerState>,
}

/// The learner in one script.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ScriptLearnerState {
    /// `arabic`, `latin` or `other`.
    pub script: &'static str,
    /// Comments the site trained as spam and as ham in it.
    pub spam: i64,
    pub ham: i64,
    /// The shipped prior speaks in this script (it knows both classes
    /// there); where it does not, the site's counts answer alone once they
    /// hold 20 comments of each class.
    pub prior: bool,
    /// The site has taught fewer than 100 comments here while the prior
    /// speaks: the learner adds at most 4 points to a comment unless it is
    /// near certain, so that the prior alone does not hold what it is only
    /// fairly sure of.
    pub fresh: bool,
}

/// The learner's state.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LearnerState {
    /// The default site's setting `bayes_enabled`: whether the learner
    /// takes part in its spam scores (each site has its own; the learner
    /// is one for every site).
    pub enabled: bool,
    /// `null` only if this build's prior failed to load.
    pub prior: Option<PriorState>,
    pub site: SiteLearnerState,
}

impl LearnerState {
    fn new(enabled: bool, site: db::spam::SiteTraining) -> LearnerState {
        let prior = Prior::shipped();
        let count = |n: f64| {
            if n.is_finite() && n > 0.0 {
                n as u64
            } else {
                0
            }
        };
        LearnerState {
            enabled,
            prior: prior.map(|p| PriorState {
                features: u64::try_from(p.len()).unwrap_or(u64::MAX),
                spam: count(p.totals.iter().map(|t| t.spam.docs).sum()),
                ham: count(p.totals.iter().map(|t| t.ham.docs).sum()),
                weight: learner::Params::default().prior_weight,
            }),
            site: SiteLearnerState {
                spam: site.spam,
                ham: site.ham,
                features: site.features,
                scripts: Script::ALL
                    .into_iter()
                    .map(|script| {
                        let (spam, ham) = site.in_script(script);
                        ScriptLearnerState {
                            script: script.name(),
                            spam,
                            ham,
                            prior: learner::prior_speaks(prior, script),
                            fresh: learner::is_fresh(prior, script, (spam + ham) as f64),
                        }
                    })
                    .collect(),
            },
        }
    }
}

/// The spam learner's state: the shipped prior and what the site taught.
#[utoipa::path(
    get,
    path = "/api/v1/admin/spam/learner",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The learner's state.", body = LearnerState),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
pub async fn learner_state(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snap = state
        .settings
        .current(&state.pool, &SiteId::default_site())
        .await?;
    let mut conn = state.pool.acquire().await?;
    let site = db::spam::site_training(&mut conn).await?;
    Ok(HttpResponse::Ok().json(LearnerState::new(snap.settings.bayes_enabled, site)))
}

/// Reset the site's own training.
///
/// Forgets everything the site's moderators taught the learner (the
/// feature store, what each comment was trained as, the class totals), in
/// one transaction with a `learner.reset` audit event; the shipped prior
/// stays. Decisions made afterwards teach again.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/spam/learner",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reset; the learner's state after it.", body = LearnerState),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn reset_learner(
    auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snap = state
        .settings
        .current(&state.pool, &SiteId::default_site())
        .await?;
    let (before, site) = training::reset(&state.pool, auth.0.actor()).await?;
    tracing::info!(
        spam = before.spam,
        ham = before.ham,
        "the site's learner was reset"
    );
    Ok(HttpResponse::Ok().json(LearnerState::new(snap.settings.bayes_enabled, site)))
}

/// `POST /api/v1/admin/legal-holds`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewHoldRequest {
    /// The held comment (give this or `author_email`).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::id)]
    pub comment_id: Option<Option<i64>>,
    /// The held author: every comment with this email (give this or
    /// `comment_id`).
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = schema::author_email)]
    pub author_email: Option<Option<String>>,
    /// Why (a case number, a court order): at most 500 characters.
    #[schema(schema_with = schema::required_reason, required = true)]
    pub reason: Option<String>,
}

impl Shape for NewHoldRequest {
    type Valid = NewHold;
    fn validate(self, _: &AppState) -> Result<NewHold, FieldErrors> {
        // `null` names no target: refused, as the document says.
        let mut f = FieldErrors::default();
        let comment_id = not_null("comment_id", self.comment_id, &mut f);
        let author_email = not_null("author_email", self.author_email, &mut f);
        if !f.is_empty() {
            return Err(f);
        }
        NewHold::parse(comment_id, author_email.as_deref(), self.reason.as_deref())
    }
}

/// Place a legal hold.
///
/// A hold on a comment, or on an author (every comment with that email),
/// exempts it from the retention purge (`purge_spam_after_days`,
/// `purge_rejected_after_days`) and from privacy erasure (409
/// `legal_hold`) until lifted. Audited as `legal_hold.placed`.
#[utoipa::path(
    post,
    path = "/api/v1/admin/legal-holds",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewHoldRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Placed.", body = LegalHold),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such comment (`comment_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad field; `fields` names it.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn place_hold(
    Authed(auth, ApiJson(new)): Authed<Admin, ApiJson<NewHoldRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let hold = retention::place(&state.pool, auth.0.actor(), new).await?;
    Ok(HttpResponse::Created().json(hold))
}

/// Legal holds, newest first (at most 1,000), lifted ones included.
#[utoipa::path(
    get,
    path = "/api/v1/admin/legal-holds",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The holds.", body = Vec<LegalHold>),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list_holds(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let holds = db::retention::list_holds(&mut conn, true).await?;
    Ok(HttpResponse::Ok().json(holds))
}

/// Lift a legal hold.
///
/// The comment or author is again subject to retention and erasure.
/// Audited as `legal_hold.lifted`.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/legal-holds/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The hold's id.", minimum = 1)),
    responses(
        (status = 200, description = "Lifted.", body = LegalHold),
        crate::routes::openapi::AuthErrors,
        (status = 404, description = "No active hold with this id (`hold_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn lift_hold(
    req: HttpRequest,
    auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = crate::routes::body::path_id(&req, "id", ErrorCode::HoldNotFound)?;
    let hold = retention::lift(&state.pool, auth.0.actor(), id).await?;
    Ok(HttpResponse::Ok().json(hold))
}

crate::routes::body::query_params! {
    /// `GET /api/v1/admin/transparency`: the query as sent.
    pub struct TransparencyParams {
        /// RFC 3339 time or a date (its midnight UTC); default: 365 days
        /// before `until`.
        since: Option<String> = crate::routes::export_query::time_schema();
        /// RFC 3339 time or a date (the end of that day); default: now.
        until: Option<String> = crate::routes::export_query::time_schema();
        /// Only this site's comments (default: every site).
        site: Option<String> = schema::site();
    }
}

/// A parsed transparency query.
pub struct TransparencyQuery {
    since: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
    site: Option<SiteId>,
}

impl Shape for TransparencyParams {
    type Valid = TransparencyQuery;
    fn validate(self, _: &AppState) -> Result<TransparencyQuery, FieldErrors> {
        use crate::routes::export_query::time_bound;
        let mut f = FieldErrors::default();
        let q = TransparencyQuery {
            since: self
                .since
                .and_then(|v| f.take("since", time_bound(&v, false))),
            until: self
                .until
                .and_then(|v| f.take("until", time_bound(&v, true))),
            site: self.site.and_then(|v| f.take("site", SiteId::parse(&v))),
        };
        if let (Some(s), Some(u)) = (q.since, q.until)
            && s >= u
        {
            f.add("until", FieldCode::InvalidValue);
        }
        if f.is_empty() { Ok(q) } else { Err(f) }
    }
}

/// Decisions of one reason category.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CategoryFigures {
    /// By the approval workflow (spam rules, learner, standing, sanctions,
    /// readers' reports), with no moderator.
    pub automatic: i64,
    /// By a moderator.
    pub manual: i64,
}

/// Decisions that removed or held comments, in total.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DecisionFigures {
    pub total: i64,
    pub automatic: i64,
    pub manual: i64,
}

/// A transparency report's figures.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TransparencyReport {
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub since: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    pub until: chrono::DateTime<chrono::Utc>,
    pub site: Option<String>,
    pub decisions: DecisionFigures,
    /// Every category of the fixed list, zeros included.
    pub by_category: std::collections::BTreeMap<String, CategoryFigures>,
    /// Median seconds from a comment's posting to a moderator's decision
    /// that removed or held it; `null` without one.
    pub median_seconds_to_decision: Option<f64>,
    /// Reader reports received (counted ones: one per reader and comment).
    pub reports_received: i64,
    /// Authors' appeals of rejections.
    pub appeals_received: i64,
    /// Sanctions imposed on commenters.
    pub sanctions_imposed: i64,
}

/// The figures of a transparency report.
///
/// What the EU Digital Services Act's transparency reports ask of a
/// moderation system, counted from the audit log in `[since, until)`:
/// every decision that removed or held a comment (an audit event with a
/// `reason_category`: the workflow's spam, holds by score, standing or
/// sanction, and readers' reports that held a comment are `automatic`; a
/// moderator's rejection, spam or hold is `manual`), per category; the
/// median time from a comment to a moderator's decision on it; reader
/// reports, appeals and sanctions. Holds by the approval mode alone (a
/// review before publication) and approvals are not decisions against a
/// comment and are not counted.
#[utoipa::path(
    get,
    path = "/api/v1/admin/transparency",
    tag = "admin",
    security(("bearer" = [])),
    params(TransparencyParams),
    responses(
        (status = 200, description = "The figures.", body = TransparencyReport),
        crate::routes::openapi::AuthErrors,
        (status = 422, description = "A bad `since`, `until` or `site`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn transparency(
    Authed(_auth, ApiQuery(q)): Authed<Admin, ApiQuery<TransparencyParams>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use crate::domain::decision::ReasonCategory;
    let until = q.until.unwrap_or_else(chrono::Utc::now);
    let since = q
        .since
        .unwrap_or_else(|| until - chrono::Duration::days(365));
    let site = q.site.as_ref().map(SiteId::as_str);
    let mut conn = state.pool.acquire().await?;
    let rows = db::transparency::by_category(&mut conn, since, until, site).await?;
    let totals = db::transparency::totals(&mut conn, since, until, site).await?;
    let mut by_category: std::collections::BTreeMap<String, CategoryFigures> = ReasonCategory::ALL
        .iter()
        .map(|c| {
            (
                c.as_str().to_owned(),
                CategoryFigures {
                    automatic: 0,
                    manual: 0,
                },
            )
        })
        .collect();
    for r in rows {
        if let Some(f) = by_category.get_mut(&r.category) {
            f.automatic += r.automatic;
            f.manual += r.manual;
        }
    }
    let automatic = by_category.values().map(|f| f.automatic).sum();
    let manual = by_category.values().map(|f| f.manual).sum();
    Ok(HttpResponse::Ok().json(TransparencyReport {
        since,
        until,
        site: site.map(str::to_owned),
        decisions: DecisionFigures {
            total: automatic + manual,
            automatic,
            manual,
        },
        by_category,
        median_seconds_to_decision: totals.median_seconds,
        reports_received: totals.reports_received,
        appeals_received: totals.appeals_received,
        sanctions_imposed: totals.sanctions_imposed,
    }))
}
