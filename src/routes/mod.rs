//! HTTP only: the route table and the handlers, grouped by client.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod body;
pub mod dashboard;
pub mod data;
pub mod docs;
pub mod embed;
pub mod export_query;
pub mod guard;
pub mod metrics;
pub mod moderation;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod public;
pub mod request;
pub mod site;
pub mod sites;
pub mod webhooks;

use crate::domain::Role;
use crate::error::{ApiError, ErrorCode};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, Route, web};

/// Every route that needs a token, with the least role that may use it.
/// A test walks the route table and fails when a route under
/// `/api/v1/{moderation,admin,export,privacy,auth/logout}` is missing here,
/// and checks 401 without a token and 403 for a too-weak role on each.
pub const PROTECTED_ROUTES: &[(&str, &str, Role)] = &[
    ("POST", "/api/v1/auth/logout", Role::Moderator),
    ("DELETE", "/moderate/session", Role::Moderator),
    ("GET", "/api/v1/moderation/comments", Role::Moderator),
    ("GET", "/api/v1/moderation/counts", Role::Moderator),
    ("POST", "/api/v1/moderation/comments/bulk", Role::Moderator),
    ("GET", "/api/v1/moderation/comments/{id}", Role::Moderator),
    ("PATCH", "/api/v1/moderation/comments/{id}", Role::Moderator),
    ("GET", "/api/v1/moderation/log", Role::Moderator),
    ("GET", "/api/v1/moderation/sanctions", Role::Moderator),
    ("GET", "/api/v1/moderation/notifications", Role::Moderator),
    ("PUT", "/api/v1/moderation/notifications", Role::Moderator),
    ("POST", "/api/v1/moderation/sanctions", Role::Moderator),
    (
        "DELETE",
        "/api/v1/moderation/sanctions/{id}",
        Role::Moderator,
    ),
    (
        "POST",
        "/api/v1/moderation/sanctions/{id}/reject-existing",
        Role::Moderator,
    ),
    ("GET", "/api/v1/admin/moderators", Role::Admin),
    ("POST", "/api/v1/admin/moderators", Role::Admin),
    ("PATCH", "/api/v1/admin/moderators/{id}", Role::Admin),
    ("GET", "/api/v1/admin/articles", Role::Admin),
    (
        "PATCH",
        "/api/v1/admin/articles/{article_id:.+}",
        Role::Admin,
    ),
    ("PUT", "/api/v1/admin/articles/{article_id:.+}", Role::Admin),
    ("GET", "/api/v1/admin/settings", Role::Admin),
    ("GET", "/api/v1/admin/webhooks", Role::Admin),
    ("POST", "/api/v1/admin/webhooks", Role::Admin),
    ("GET", "/api/v1/admin/webhooks/{id}", Role::Admin),
    ("PATCH", "/api/v1/admin/webhooks/{id}", Role::Admin),
    ("DELETE", "/api/v1/admin/webhooks/{id}", Role::Admin),
    (
        "POST",
        "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        Role::Admin,
    ),
    ("PATCH", "/api/v1/admin/settings", Role::Admin),
    ("GET", "/api/v1/admin/spam/learner", Role::Admin),
    ("DELETE", "/api/v1/admin/spam/learner", Role::Admin),
    ("GET", "/api/v1/admin/sites", Role::Admin),
    ("POST", "/api/v1/admin/sites", Role::Admin),
    ("PATCH", "/api/v1/admin/sites/{site}", Role::Admin),
    ("GET", "/api/v1/admin/legal-holds", Role::Admin),
    ("POST", "/api/v1/admin/legal-holds", Role::Admin),
    ("DELETE", "/api/v1/admin/legal-holds/{id}", Role::Admin),
    ("GET", "/api/v1/admin/transparency", Role::Admin),
    ("GET", "/api/v1/export/comments", Role::Moderator),
    ("GET", "/api/v1/privacy/export", Role::Admin),
    ("POST", "/api/v1/privacy/erase", Role::Admin),
];

/// Path prefixes under which every route must be in `PROTECTED_ROUTES`.
pub const PROTECTED_PREFIXES: &[&str] = &[
    "/api/v1/moderation/",
    "/api/v1/admin/",
    "/api/v1/export/",
    "/api/v1/privacy/",
    "/api/v1/auth/logout",
];

type Endpoint = (Method, Route);

fn on<F, Args>(method: Method, handler: F) -> Endpoint
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    (method.clone(), web::method(method).to(handler))
}

/// The route table: each path with its methods. Registration order matters
/// where paths overlap (`comments/bulk` before `comments/{id}`).
fn table() -> Vec<(&'static str, Vec<Endpoint>)> {
    use Method as M;
    vec![
        ("/healthz", vec![on(M::GET, ops::healthz)]),
        ("/readyz", vec![on(M::GET, ops::readyz)]),
        ("/metrics", vec![on(M::GET, metrics::metrics)]),
        ("/docs", vec![on(M::GET, docs::page)]),
        ("/docs/{file}", vec![on(M::GET, docs::asset)]),
        ("/openapi.json", vec![on(M::GET, openapi::openapi_json)]),
        (
            "/embed/articles/{article_id:.+}",
            vec![on(M::GET, embed::fragment)],
        ),
        ("/embed.js", vec![on(M::GET, embed::loader)]),
        ("/embed/assets/{file}", vec![on(M::GET, embed::asset)]),
        ("/embed/demo", vec![on(M::GET, embed::demo)]),
        ("/moderate", vec![on(M::GET, dashboard::to_page)]),
        ("/moderate/", vec![on(M::GET, dashboard::page)]),
        (
            "/moderate/assets/{file}",
            vec![on(M::GET, dashboard::asset)],
        ),
        (
            "/moderate/session",
            vec![
                on(M::GET, dashboard::session),
                on(M::POST, dashboard::sign_in),
                on(M::DELETE, dashboard::sign_out),
            ],
        ),
        (
            "/api/v1/comments",
            vec![on(M::POST, public::comments::submit)],
        ),
        (
            "/api/v1/comments/{id}",
            vec![
                on(M::GET, public::comments::show),
                on(M::PATCH, public::edits::edit),
                on(M::DELETE, public::edits::withdraw),
            ],
        ),
        (
            "/api/v1/comments/{id}/reports",
            vec![on(M::POST, public::reports::create)],
        ),
        (
            "/api/v1/comments/{id}/decision",
            vec![on(M::GET, public::appeals::decision)],
        ),
        (
            "/api/v1/comments/{id}/appeal",
            vec![on(M::POST, public::appeals::appeal)],
        ),
        (
            "/api/v1/articles/{article_id:.+}/comments",
            vec![on(M::GET, public::comments::list)],
        ),
        (
            "/api/v1/comment-counts",
            vec![on(M::GET, public::comments::counts)],
        ),
        (
            "/api/v1/form-token",
            vec![on(M::GET, public::form_token::issue)],
        ),
        ("/api/v1/auth/login", vec![on(M::POST, auth::login)]),
        ("/api/v1/auth/logout", vec![on(M::POST, auth::logout)]),
        (
            "/api/v1/moderation/comments",
            vec![on(M::GET, moderation::queue)],
        ),
        (
            "/api/v1/moderation/counts",
            vec![on(M::GET, moderation::counts)],
        ),
        (
            "/api/v1/moderation/comments/bulk",
            vec![on(M::POST, moderation::bulk)],
        ),
        (
            "/api/v1/moderation/comments/{id}",
            vec![
                on(M::GET, moderation::show),
                on(M::PATCH, moderation::decide),
            ],
        ),
        ("/api/v1/moderation/log", vec![on(M::GET, moderation::log)]),
        (
            "/api/v1/moderation/sanctions",
            vec![
                on(M::GET, moderation::sanctions::list),
                on(M::POST, moderation::sanctions::create),
            ],
        ),
        (
            "/api/v1/moderation/sanctions/{id}",
            vec![on(M::DELETE, moderation::sanctions::revoke)],
        ),
        (
            "/api/v1/moderation/sanctions/{id}/reject-existing",
            vec![on(M::POST, moderation::sanctions::reject_existing)],
        ),
        (
            "/api/v1/admin/moderators",
            vec![
                on(M::GET, admin::list_moderators),
                on(M::POST, admin::create_moderator),
            ],
        ),
        (
            "/api/v1/admin/moderators/{id}",
            vec![on(M::PATCH, admin::update_moderator)],
        ),
        (
            "/api/v1/admin/articles",
            vec![on(M::GET, admin::list_articles)],
        ),
        (
            "/api/v1/admin/articles/{article_id:.+}",
            vec![
                on(M::PATCH, admin::update_article),
                on(M::PUT, admin::register_article),
            ],
        ),
        (
            "/api/v1/admin/settings",
            vec![
                on(M::GET, admin::get_settings),
                on(M::PATCH, admin::patch_settings),
            ],
        ),
        (
            "/api/v1/admin/spam/learner",
            vec![
                on(M::GET, admin::learner_state),
                on(M::DELETE, admin::reset_learner),
            ],
        ),
        (
            "/api/v1/admin/sites",
            vec![
                on(M::GET, sites::list_sites),
                on(M::POST, sites::create_site),
            ],
        ),
        (
            "/api/v1/admin/sites/{site}",
            vec![on(M::PATCH, sites::update_site)],
        ),
        (
            "/api/v1/admin/legal-holds",
            vec![
                on(M::GET, admin::list_holds),
                on(M::POST, admin::place_hold),
            ],
        ),
        (
            "/api/v1/admin/legal-holds/{id}",
            vec![on(M::DELETE, admin::lift_hold)],
        ),
        (
            "/api/v1/moderation/notifications",
            vec![
                on(M::GET, notifications::get),
                on(M::PUT, notifications::set),
            ],
        ),
        (
            "/api/v1/notifications/unsubscribe",
            vec![
                on(M::GET, notifications::unsubscribe_page),
                on(M::POST, notifications::unsubscribe),
            ],
        ),
        (
            "/api/v1/admin/webhooks",
            vec![on(M::GET, webhooks::list), on(M::POST, webhooks::create)],
        ),
        (
            "/api/v1/admin/webhooks/{id}",
            vec![
                on(M::GET, webhooks::get),
                on(M::PATCH, webhooks::update),
                on(M::DELETE, webhooks::delete),
            ],
        ),
        (
            "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            vec![on(M::POST, webhooks::redeliver)],
        ),
        (
            "/api/v1/admin/transparency",
            vec![on(M::GET, admin::transparency)],
        ),
        (
            "/api/v1/export/comments",
            vec![on(M::GET, data::export_comments)],
        ),
        (
            "/api/v1/privacy/export",
            vec![on(M::GET, data::privacy_export)],
        ),
        (
            "/api/v1/privacy/erase",
            vec![on(M::POST, data::privacy_erase)],
        ),
    ]
}

/// Every route of the API. Tests build the same table.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, endpoints) in table() {
        let methods: Vec<Method> = endpoints.iter().map(|(m, _)| m.clone()).collect();
        let mut r = resource(path, &methods);
        for (_, route) in endpoints {
            r = r.route(route);
        }
        cfg.service(r);
    }
}

/// `(method, path pattern)` of every registered route, in table order.
pub fn registered_routes() -> Vec<(String, &'static str)> {
    table()
        .into_iter()
        .flat_map(|(path, endpoints)| {
            endpoints
                .into_iter()
                .map(move |(m, _)| (m.as_str().to_owned(), path))
        })
        .collect()
}

/// A path whose unsupported methods answer 405 in the API's error shape,
/// with `Allow` naming the methods it has (RFC 9110, section 15.5.6).
fn resource(path: &str, methods: &[Method]) -> Resource {
    let allow = allow_header(methods);
    web::resource(path).default_service(web::to(move || {
        let allow = allow.clone();
        async move { method_not_allowed(allow) }
    }))
}

/// `GET, PATCH`: the value of `Allow` for these methods.
fn allow_header(methods: &[Method]) -> HeaderValue {
    let list: Vec<&str> = methods.iter().map(Method::as_str).collect();
    HeaderValue::from_str(&list.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ErrorCode::NotFound.into())
}

/// The error (localized later like any other) with its `Allow` header,
/// which the language middleware keeps.
fn method_not_allowed(allow: HeaderValue) -> HttpResponse {
    let mut res = HttpResponse::from_error(ApiError::from(ErrorCode::MethodNotAllowed));
    res.headers_mut().insert(header::ALLOW, allow);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_under_a_protected_prefix_is_listed_with_a_role() {
        let registered = registered_routes();
        for (method, path) in &registered {
            if PROTECTED_PREFIXES.iter().any(|p| path.starts_with(p)) {
                assert!(
                    PROTECTED_ROUTES
                        .iter()
                        .any(|(m, p, _)| m == method && p == path),
                    "{method} {path} is not in PROTECTED_ROUTES"
                );
            }
        }
        for (m, p, _) in PROTECTED_ROUTES {
            assert!(
                registered.iter().any(|(rm, rp)| rm == m && rp == p),
                "{m} {p} is listed but not registered"
            );
        }
    }

    #[test]
    fn allow_lists_the_methods_in_table_order() {
        assert_eq!(allow_header(&[Method::GET, Method::PATCH]), "GET, PATCH");
        assert_eq!(allow_header(&[Method::POST]), "POST");
    }
}
