//! Which site a request is about. Admin and moderator routes name it with
//! `?site=` (default: `default`); the public API names it with a `site`
//! field or parameter, or else by the page's origin.

use crate::auth::Session;
use crate::domain::SiteId;
use crate::domain::settings::normalize_origin;
use crate::error::{ApiError, FieldErrors};
use crate::routes::body::{Shape, query_params, query_shape, schema};
use crate::routes::request::header_string;
use crate::state::AppState;
use actix_web::HttpRequest;
use actix_web::http::header;

query_params! {
    /// `site`: which site (default: `default`).
    pub struct SiteParams {
        /// The site's id; `default` when absent.
        site: Option<String> = schema::site();
    }
}

impl Shape for SiteParams {
    type Valid = SiteId;
    fn validate(self, _: &AppState) -> Result<SiteId, FieldErrors> {
        named_site(self.site.as_deref()).map(Option::unwrap_or_default)
    }
}

/// A `site` as sent: absent is `None`; anything else, empty included, must
/// be a site id (422 `invalid_site`, or `required` when empty).
pub fn named_site(raw: Option<&str>) -> Result<Option<SiteId>, FieldErrors> {
    match raw {
        None => Ok(None),
        Some(s) => {
            let mut f = FieldErrors::default();
            let site = f.take("site", SiteId::parse(s));
            f.into_result().map(|()| site)
        }
    }
}

/// The site of a public request: the one it names; else the site whose
/// allowed origins hold the request's `Origin` (or, for a form post
/// without one, the Referer's origin); else `default`.
pub fn public_site(req: &HttpRequest, state: &AppState, named: Option<SiteId>) -> SiteId {
    if let Some(site) = named {
        return site;
    }
    let origin = header_string(req, header::ORIGIN, 300)
        .or_else(|| header_string(req, header::REFERER, 1000))
        .and_then(|o| {
            url::Url::parse(&o)
                .ok()
                .and_then(|u| normalize_origin(&u.origin().ascii_serialization()))
        });
    origin
        .and_then(|o| state.settings.site_for_origin(&o))
        .unwrap_or_default()
}

/// Whether a public read's answer depends on the page that asked: no
/// `site` was named and more than one site exists, so the `Origin` or
/// `Referer` chose it. Such answers are `private` and vary by both headers
/// (a shared cache must never hand one site's thread to another's page);
/// a request that names its site, or an instance with one site, keeps
/// `public`.
pub fn chosen_by_page(state: &AppState, named: bool) -> bool {
    !named && state.settings.seen().len() > 1
}

/// The `?site=` of an admin or moderator request (default: `default`):
/// 403 `forbidden` outside the account's sites, 404 `site_not_found` for
/// no such site. Read after the account is known, so a signed-out request
/// gets its 401 first.
pub async fn requested_site(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
) -> Result<SiteId, ApiError> {
    let site = query_shape::<SiteParams>(req, state)?;
    session.check_site(&site)?;
    state.settings.current(&state.pool, &site).await?;
    Ok(site)
}
