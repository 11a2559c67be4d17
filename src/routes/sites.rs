//! Admin only: the sites that share this majlis (`GET`, `POST
//! /api/v1/admin/sites`, `PATCH /api/v1/admin/sites/{site}`). A site's
//! settings are read and changed with `?site=` on `/api/v1/admin/settings`.

use crate::auth::Admin;
use crate::domain::SiteId;
use crate::domain::text::optional_text;
use crate::error::{ApiError, ErrorBody, FieldCode, FieldErrors};
use crate::routes::body::{ApiJson, Authed, Shape, not_null, present, schema};
use crate::state::AppState;
use crate::usecases::settings::{self, Snapshot};
use actix_web::{HttpRequest, HttpResponse, web};

/// The longest site name.
const MAX_SITE_NAME: usize = 200;

/// A site as admins see it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SiteView {
    /// The site's id: `site` in the public API, `?site=` in the others.
    pub id: String,
    pub name: String,
    /// The pages that may embed its comments (its setting).
    pub allowed_origins: Vec<String>,
    /// Moves with every change of its settings (the settings' `ETag`).
    pub settings_version: i64,
}

impl SiteView {
    fn of(s: &Snapshot) -> SiteView {
        SiteView {
            id: s.site.as_str().to_owned(),
            name: s.name.clone(),
            allowed_origins: s.settings.allowed_origins.clone(),
            settings_version: s.version,
        }
    }
}

/// Every site, by id.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SiteList {
    pub sites: Vec<SiteView>,
}

/// `POST /api/v1/admin/sites`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewSiteRequest {
    /// 1-32 lowercase letters, digits or inner `-`; never changes.
    #[schema(schema_with = schema::site, required = true)]
    pub id: Option<String>,
    /// Shown to moderators; defaults to the id.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = site_name_schema)]
    pub name: Option<Option<String>>,
}

/// `PATCH /api/v1/admin/sites/{site}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SitePatch {
    #[schema(schema_with = site_name_schema, required = true)]
    pub name: Option<String>,
}

fn site_name_schema() -> utoipa::openapi::schema::Object {
    schema::text(Some(1), MAX_SITE_NAME)
        .pattern(Some(schema::ONE_LINE))
        .build()
}

/// A name as sent: absent is `None`; given, it must show something.
fn site_name(raw: Option<&str>) -> Result<Option<String>, FieldCode> {
    match raw {
        None => Ok(None),
        Some(r) => optional_text(Some(r), MAX_SITE_NAME)?
            .map(Some)
            .ok_or(FieldCode::Required),
    }
}

impl Shape for NewSiteRequest {
    type Valid = (SiteId, String);
    fn validate(self, _: &AppState) -> Result<(SiteId, String), FieldErrors> {
        let mut f = FieldErrors::default();
        let id = f.take("id", SiteId::parse(self.id.as_deref().unwrap_or("")));
        // `null` is no name: refused, as the document says.
        let name = not_null("name", self.name, &mut f);
        let name = f.take("name", site_name(name.as_deref()));
        match (id, name) {
            (Some(id), Some(name)) if f.is_empty() => {
                let name = name.unwrap_or_else(|| id.as_str().to_owned());
                Ok((id, name))
            }
            _ => Err(f),
        }
    }
}

impl Shape for SitePatch {
    type Valid = String;
    fn validate(self, _: &AppState) -> Result<String, FieldErrors> {
        let mut f = FieldErrors::default();
        match f.take("name", site_name(self.name.as_deref())) {
            Some(Some(name)) => Ok(name),
            Some(None) => {
                f.add("name", FieldCode::Required);
                Err(f)
            }
            None => Err(f),
        }
    }
}

/// Every site.
#[utoipa::path(
    get,
    path = "/api/v1/admin/sites",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sites, by id.", body = SiteList),
        crate::routes::openapi::AuthErrors, crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list_sites(
    _auth: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let sites = state.settings.all(&state.pool).await?;
    Ok(HttpResponse::Ok().json(SiteList {
        sites: sites.values().map(|s| SiteView::of(s)).collect(),
    }))
}

/// Add a site.
///
/// Its settings start as a copy of the default site's, without the
/// allowed origins (an origin names one site: set them with `PATCH
/// /api/v1/admin/settings?site=<id>`). Audited as `site.created`.
#[utoipa::path(
    post,
    path = "/api/v1/admin/sites",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewSiteRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = SiteView),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 409, description = "The id is taken (`site_exists`).", body = ErrorBody),
        (status = 422, description = "A bad `id` or `name`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn create_site(
    Authed(auth, ApiJson((id, name))): Authed<Admin, ApiJson<NewSiteRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snap = settings::create_site(&state.pool, auth.0.actor(), &id, &name).await?;
    let snap = state.settings.replace(snap);
    Ok(HttpResponse::Created().json(SiteView::of(&snap)))
}

/// Rename a site. Audited as `site.renamed`.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/sites/{site}",
    tag = "admin",
    security(("bearer" = [])),
    params(("site" = String, Path, description = "The site's id.")),
    request_body(content = SitePatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The site after the change.", body = SiteView),
        crate::routes::openapi::JsonBodyErrors, crate::routes::openapi::AuthErrors,
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "A bad `name`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
#[tracing::instrument(skip_all, fields(admin_id = auth.0.moderator_id))]
pub async fn update_site(
    req: HttpRequest,
    Authed(auth, ApiJson(name)): Authed<Admin, ApiJson<SitePatch>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let site = req
        .match_info()
        .get("site")
        .and_then(|s| SiteId::parse(s).ok())
        .ok_or(ApiError::new(crate::error::ErrorCode::SiteNotFound))?;
    let renamed = settings::rename_site(&state.pool, auth.0.actor(), &site, &name).await?;
    let snap = state.settings.replace(renamed);
    Ok(HttpResponse::Ok().json(SiteView::of(&snap)))
}
