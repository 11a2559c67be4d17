//! What article pages embed: the thread and the comment form as
//! server-rendered HTML (`GET /embed/articles/{article_id}`), the script
//! widget (`/embed.js` and the files it loads) and a demo page
//! (`/embed/demo`).
//!
//! The widget's size: `gzip -9c assets/embed/*.js | wc -c` (the loader
//! under 5 KB, both under 15 KB; `tests/browser` checks it).

use crate::db;
use crate::domain::limits::PUBLIC_DEFAULT_PAGE;
use crate::domain::{Cursor, SiteId};
use crate::error::ErrorCode;
use crate::error::{ApiError, ErrorBody, FieldCode, FieldErrors};
use crate::i18n::Lang;
use crate::render::thread::{ThreadComment, ThreadPage, thread_html};
use crate::routes::assets::{self, Asset, versioned};
use crate::routes::body::{ApiQuery, Shape, positive_id_text, query_params, schema};
use crate::routes::public::comments::{article_id_from_path, cached_read};
use crate::routes::site::{chosen_by_page, named_site, public_site};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::LazyLock;

const LOADER: &str = include_str!("../../assets/embed/embed.js");
const WIDGET: &[u8] = include_bytes!("../../assets/embed/widget.js");

static WIDGET_ASSETS: LazyLock<[Asset; 1]> =
    LazyLock::new(|| [versioned("widget", "js", WIDGET, assets::JS)]);

/// The loader, naming the widget's current versioned file.
static LOADER_SCRIPT: LazyLock<String> = LazyLock::new(|| {
    let [widget] = &*WIDGET_ASSETS;
    LOADER.replace(
        "__MAJLIS_WIDGET__",
        &format!("/embed/assets/{}", widget.name),
    )
});

/// Scripts served to other sites' pages: they run there, under the page's
/// own policy; this one only governs opening them directly.
const SCRIPT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The embed script: finds `<div id="majlis-comments">` on the article
/// page, reserves its box, and loads the widget when it nears the viewport.
#[utoipa::path(
    get,
    path = "/embed.js",
    tag = "embed",
    responses((status = 200, description = "The loader (cached an hour; the widget it loads has a versioned name).",
        content_type = "text/javascript", body = String)),
)]
pub async fn loader() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(assets::JS)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::CONTENT_SECURITY_POLICY, SCRIPT_CSP))
        .body(LOADER_SCRIPT.as_str())
}

/// The widget the loader loads, under its versioned name.
#[utoipa::path(
    get,
    path = "/embed/assets/{file}",
    operation_id = "embed_asset",
    tag = "embed",
    params(("file" = String, Path, description = "The versioned name the loader names (`widget-<hash>.js`).")),
    responses(
        (status = 200, description = "The file, cached for a year.", content_type = "text/javascript", body = String),
        (status = 404, description = "No such file (`not_found`).", body = ErrorBody),
    ),
)]
pub async fn asset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    assets::serve(
        &*WIDGET_ASSETS,
        req.match_info().get("file").unwrap_or(""),
        SCRIPT_CSP,
    )
}

/// The demo page's policy: the strictest an article page could have and
/// still show the widget (scripts and requests to majlis only).
const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// An article page with comments, to try the widget (`MAJLIS_EMBED_DEMO`).
#[utoipa::path(
    get,
    path = "/embed/demo",
    tag = "embed",
    params(("lang" = Option<String>, Query, description = "`ar` (default) or `en`.")),
    responses(
        (status = 200, description = "The demo page.", content_type = "text/html", body = String),
        (status = 404, description = "Turned off (`MAJLIS_EMBED_DEMO=off`): `not_found`.", body = ErrorBody),
    ),
)]
pub async fn demo(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.config.embed_demo {
        return Err(ErrorCode::NotFound.into());
    }
    let en = req.query_string().split('&').any(|p| p == "lang=en");
    let (lang, dir, title, text) = if en {
        (
            "en",
            "ltr",
            "A demo article",
            "This page shows majlis's comment widget as an article page would: one element and one script.",
        )
    } else {
        (
            "ar",
            "rtl",
            "مقال تجريبي",
            "تعرض هذه الصفحة أداة التعليقات في مجلس كما تظهر في صفحة مقال: عنصر واحد وسطر برمجي واحد.",
        )
    };
    let page = format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n</head>\n\
         <body>\n<main>\n<article>\n<h1>{title}</h1>\n<p>{text}</p>\n</article>\n\
         <div id=\"majlis-comments\" data-article-id=\"demo/{lang}\" data-lang=\"{lang}\" data-article-title=\"{title}\"></div>\n\
         <script src=\"/embed.js\" async></script>\n</main>\n</body>\n</html>\n"
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DEMO_CSP))
        .body(page))
}

query_params! {
    /// The fragment's query: its site, language, page and reply target.
    pub struct FragmentParams {
        /// The article's site (default: by the page's origin, else
        /// `default`).
        site: Option<String> = schema::site();
        /// `ar` or `en` (default: `MAJLIS_DEFAULT_LANG`).
        lang: Option<String> = lang_schema();
        /// `next_cursor` of the previous page ("more comments").
        cursor: Option<String> = schema::cursor();
        /// The comment a reply link chose: the form answers it.
        reply_to: Option<String> = schema::id();
    }
}

fn lang_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["ar", "en"]))
        .build()
}

/// A parsed fragment query.
pub struct Fragment {
    site: Option<SiteId>,
    lang: Option<Lang>,
    cursor: Option<Cursor>,
    reply_to: Option<i64>,
}

impl Shape for FragmentParams {
    type Valid = Fragment;
    fn validate(self, _: &AppState) -> Result<Fragment, FieldErrors> {
        let mut f = FieldErrors::default();
        let site = named_site(self.site.as_deref()).unwrap_or_else(|e| {
            f.extend_new(e);
            None
        });
        let lang = self.lang.and_then(|v| {
            f.take(
                "lang",
                match v.trim() {
                    "ar" => Ok(Lang::Ar),
                    "en" => Ok(Lang::En),
                    _ => Err(FieldCode::InvalidValue),
                },
            )
        });
        let cursor = self
            .cursor
            .and_then(|v| f.take("cursor", Cursor::decode(&v).ok_or(FieldCode::InvalidCursor)));
        let reply_to = self
            .reply_to
            .and_then(|v| f.take("reply_to", positive_id_text(&v)));
        f.into_result().map(|()| Fragment {
            site,
            lang,
            cursor,
            reply_to,
        })
    }
}

/// Whether a Content-Security-Policy lets some page frame the answer (a
/// `frame-ancestors` directive other than `'none'`).
pub fn names_frame_ancestors(csp: &str) -> bool {
    csp.split(';').any(|d| {
        let mut words = d.split_whitespace();
        words.next() == Some("frame-ancestors") && words.any(|w| w != "'none'")
    })
}

/// The fragment's policy: nothing runs or loads; its form posts to majlis
/// and comes back to the site; only the site's pages may frame it.
fn fragment_csp(origins: &[String]) -> String {
    let list = origins.join(" ");
    let ancestors = if list.is_empty() { "'none'" } else { &list };
    format!(
        "default-src 'none'; base-uri 'none'; form-action 'self' {list}; frame-ancestors {ancestors}"
    )
}

/// An article's thread and comment form as HTML, for pages without
/// JavaScript.
///
/// Server-rendered `<section class="majlis">`: the approved comments
/// (oldest first, replies nested three levels, then listed flat), a link to
/// the next page, and a WordPress-compatible form (`comment_post_ID`,
/// `comment_parent`, `author`, `email`, `url`, `comment`) that posts to
/// `/api/v1/comments` with `redirect_to` set to the article's URL (when
/// majlis knows it), or a note that comments are closed. Classes are
/// prefixed `majlis-`; no script, no style. Use it as a server-side
/// include (set `MAJLIS_PUBLIC_URL` so the form posts to majlis), or in an
/// iframe on the site's allowed origins: this answer alone names them in
/// `frame-ancestors`. Cached like the JSON listing (`ETag`, `304`).
#[utoipa::path(
    get,
    path = "/embed/articles/{article_id}",
    tag = "public",
    params(
        ("article_id" = String, Path, description = "The site's article id (may contain `/`).",
            min_length = 1, max_length = 200),
        FragmentParams,
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer."),
    ),
    responses(
        (status = 200, description = "The thread and the form.", content_type = "text/html",
            headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 304, description = "Not modified since the given `ETag`."),
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "Bad `article_id`, `site`, `lang`, `cursor` or `reply_to`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn fragment(
    req: HttpRequest,
    ApiQuery(q): ApiQuery<FragmentParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let by_page = chosen_by_page(&state, q.site.is_some());
    let site = public_site(&req, &state, q.site);
    let snap = state.settings.current(&state.pool, &site).await?;
    let lang = q.lang.unwrap_or(state.config.default_lang);
    let mut origins = snap.settings.allowed_origins.clone();
    if site.as_str() == SiteId::DEFAULT {
        origins.extend(state.config.allowed_origins.iter().cloned());
    }
    origins.sort();
    origins.dedup();
    let form_action = match &state.config.public_url {
        Some(base) => format!("{}/api/v1/comments", base.as_str().trim_end_matches('/')),
        None => "/api/v1/comments".to_owned(),
    };
    // Links keep the fragment's own site and language.
    let base_query = format!("?site={}&lang={}&", site.as_str(), lang.as_str());
    // Besides the article's comment version (the cache's validator), the
    // page depends on this build's markup, the site's settings, and, when
    // articles close with age, the hour (an article that closed shows its
    // form for at most an hour more; a post then gets `comments_closed`).
    let hour = if snap.settings.close_after_days > 0 {
        chrono::Utc::now().timestamp() / 3600
    } else {
        0
    };
    let key = format!(
        "embed\u{0}{}\u{0}{}\u{0}{hour}\u{0}{site}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        env!("CARGO_PKG_VERSION"),
        snap.version,
        article_id.as_str(),
        lang.as_str(),
        q.cursor.map(|c| c.encode()).unwrap_or_default(),
        q.reply_to.unwrap_or(0),
    );
    let articles = [article_id.as_str().to_owned()];
    let in_site = site.clone();
    let (cursor, reply_to) = (q.cursor, q.reply_to);
    let close_after_days = snap.settings.close_after_days;
    let notifications = state.config.smtp_url.is_some();
    let mut resp = cached_read(
        &req,
        &state,
        key,
        &site,
        by_page,
        &articles,
        "text/html; charset=utf-8",
        |mut conn| async move {
            let (site, article) = (in_site.as_str(), article_id.as_str());
            let known = db::articles::fetch(&mut conn, site, article).await?;
            let page = db::comments::public_page(
                &mut conn,
                site,
                article,
                cursor,
                PUBLIC_DEFAULT_PAGE,
                false,
            )
            .await?;
            let (rows, more, total) = (page.rows, page.next.map(|c| c.encode()), page.total);
            let comments: Vec<ThreadComment> = rows
                .into_iter()
                .map(|r| ThreadComment {
                    id: r.id,
                    parent_id: r.parent_id,
                    author_name: r.author_name,
                    author_url: r.author_url,
                    body_html: r.body_html,
                    created_at: r.created_at,
                })
                .collect();
            // A reply to a comment that is not on this page (or not
            // public) is a plain comment.
            let reply_to = reply_to.filter(|id| comments.iter().any(|c| c.id == *id));
            let closed = known.as_ref().is_some_and(|a| {
                crate::usecases::submission::comments_closed(
                    a.closed,
                    a.created_at,
                    close_after_days,
                    chrono::Utc::now(),
                )
            });
            let html = thread_html(&ThreadPage {
                lang,
                site,
                article_id: article,
                article_url: known.as_ref().and_then(|a| a.url.as_deref()),
                comments: &comments,
                total,
                closed,
                more_href: more.map(|c| format!("{base_query}cursor={c}")),
                form_action: &form_action,
                reply_to,
                reply_href: &base_query,
                notifications,
            });
            Ok(html.into_bytes())
        },
    )
    .await?;
    let headers = resp.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&fragment_csp(&origins)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.as_str()),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_policy_naming_pages_may_be_framed() {
        assert!(names_frame_ancestors(&fragment_csp(&[
            "https://news.example".to_owned()
        ])));
        assert!(!names_frame_ancestors(&fragment_csp(&[])));
        assert!(!names_frame_ancestors(
            "default-src 'none'; frame-ancestors 'none'"
        ));
        assert!(!names_frame_ancestors("default-src 'none'"));
        assert_eq!(
            fragment_csp(&[
                "https://a.example".to_owned(),
                "https://b.example".to_owned()
            ]),
            "default-src 'none'; base-uri 'none'; form-action 'self' https://a.example https://b.example; frame-ancestors https://a.example https://b.example"
        );
    }
}
