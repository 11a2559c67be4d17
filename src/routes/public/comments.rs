//! `POST /api/v1/comments`, `GET /api/v1/articles/{article_id}/comments`,
//! `GET /api/v1/comment-counts`.

use super::submit_request::{SubmitCommentRequest, new_comment};
use crate::db;
use crate::domain::limits::{MAX_COUNT_IDS, PUBLIC_DEFAULT_PAGE, PUBLIC_MAX_PAGE};
use crate::domain::{ArticleId, Cursor, SiteId};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors, FormEcho};
use crate::public_cache::{self, CachedRead};
use crate::routes::body::{
    ApiQuery, Shape, Submitted, page_limit, parse_oldest_first, query_params, schema,
};
use crate::routes::request::{self, BodyKind, header_string, wants_json};
use crate::routes::site::{chosen_by_page, named_site, public_site};
use crate::state::AppState;
use crate::usecases::submission::{self, NewComment, RequestMeta};
use crate::usecases::views::{AvatarPolicy, PublicComment};
use actix_web::HttpMessage;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Instant;

/// A validated submission, the site it names, and where a form post goes
/// back to.
pub struct Submission {
    pub comment: NewComment,
    /// The reader ticked "notify me".
    pub notify_replies: bool,
    pub site: Option<SiteId>,
    pub redirect_to: Option<String>,
}

impl Shape for SubmitCommentRequest {
    type Valid = Submission;
    const FORM_ALIASES: &'static [(&'static str, &'static str)] = SubmitCommentRequest::FORM_NAMES;

    fn validate(self, state: &AppState) -> Result<Submission, FieldErrors> {
        let site = named_site(self.site.as_deref());
        let comment = new_comment(&self, state.config.max_body_chars);
        match (comment, site) {
            (Ok(comment), Ok(site)) => Ok(Submission {
                comment,
                notify_replies: self
                    .notify_replies
                    .as_ref()
                    .is_some_and(|f| f.parse() == Ok(true)),
                site,
                redirect_to: self.redirect_to,
            }),
            (Err(mut f), site) => {
                if let Err(s) = site {
                    f.extend_new(s);
                }
                Err(f)
            }
            (Ok(_), Err(f)) => Err(f),
        }
    }
}

/// Submit a comment.
///
/// JSON, or the WordPress comment form's fields as
/// `application/x-www-form-urlencoded`. A form post answers `303 See Other`
/// with `#comment-<id>` back to `redirect_to`, else a Referer that names a
/// page, else the article's URL majlis knows, else the Referer's origin,
/// when that page is on an allowed origin and the client did not ask for
/// JSON; otherwise `201` with the public view. A failed form post without
/// `Accept: application/json` gets a small localized HTML page showing the
/// form again with what was typed.
#[utoipa::path(
    post,
    path = "/api/v1/comments",
    tag = "public",
    request_body(
        description = "The comment. JSON, or a WordPress comment form post.",
        content(
            (SubmitCommentRequest = "application/json"),
            (SubmitCommentRequest = "application/x-www-form-urlencoded"),
        ),
    ),
    responses(
        (status = 201, description = "Created; `status` is `approved` or `pending` (spam reads as pending); a JSON post gets its `edit_token` once.",
            body = CreatedComment,
            headers(("Location" = String, description = "`/api/v1/comments/{id}`"))),
        (status = 303, description = "Form posts: back to the article page, `#comment-<id>`.",
            headers(("Location" = String, description = "The page with `#comment-<id>`"))),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody),
        (status = 403, description = "Comments are closed on the article (`comments_closed`), or a moderator suspended the commenter (`commenting_suspended`, with `Retry-After`: seconds until the suspension ends).", body = ErrorBody),
        (status = 404, description = "The parent is not an approved comment of the article (`parent_not_found`), the article is not registered while `require_known_articles` is on (`article_not_found`), or there is no such site (`site_not_found`).", body = ErrorBody),
        (status = 409, description = "The same text by the same author on the same article (`duplicate_comment`).", body = ErrorBody),
        (status = 413, description = "Body too large (`payload_too_large`).", body = ErrorBody),
        (status = 415, description = "Neither JSON nor a form post (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "Validation failed; `fields` names each problem.", body = ErrorBody),
        (status = 429, description = "Flood control (`rate_limited`), with `Retry-After`.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn submit(
    req: HttpRequest,
    input: Submitted<SubmitCommentRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form_page = input.kind == BodyKind::Form && !wants_json(&req);
    let referrer = header_string(&req, header::REFERER, 1000);
    let named = match &input.value {
        Ok(submission) => submission.site.clone(),
        Err(_) => SiteId::parse(&sent(&input.fields, "site")).ok(),
    };
    let site = public_site(&req, &state, named);
    // Only a script's JSON post gets an edit token: a form post has
    // nowhere to keep it.
    let edit_token = input.kind == BodyKind::Json;
    let created = match input.value {
        Ok(submission) => {
            let notify = (submission.notify_replies && state.config.smtp_url.is_some())
                .then(|| crate::routes::request::lang_of(&req, &state));
            let comment = NewComment {
                site: site.clone(),
                notify,
                ..submission.comment
            };
            create(&req, &state, &comment, referrer.clone(), edit_token).await
        }
        Err(e) => Err(e),
    };
    let back = if form_page {
        return_page(&state, &site, &input.fields, referrer.as_deref()).await
    } else {
        None
    };
    let (submitted, avatars) = match created {
        Ok(done) => done,
        Err(e) => {
            if form_page {
                req.extensions_mut().insert(form_echo(&input.fields, back));
            }
            return Err(e);
        }
    };
    let id = submitted.row.id;
    if let Some(target) = back {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{target}#comment-{id}")))
            .finish());
    }
    let (edit_token, edit_until) = match submitted.edit {
        Some(g) => (
            Some(secrecy::ExposeSecret::expose_secret(&g.token).to_owned()),
            Some(g.until),
        ),
        None => (None, None),
    };
    let commenter_token = submitted
        .commenter_token
        .map(|t| secrecy::ExposeSecret::expose_secret(&t).to_owned());
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/comments/{id}")))
        .json(CreatedComment {
            comment: PublicComment::for_submitter(submitted.row, &avatars),
            edit_token,
            edit_until,
            commenter_token,
        }))
}

/// The answer to a new comment: its public view as its author sees it
/// and, once, the token to edit or withdraw it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedComment {
    #[serde(flatten)]
    #[schema(inline)]
    pub comment: PublicComment,
    /// Shown only here, never stored in clear: with `Authorization:
    /// Bearer <edit_token>`, `PATCH` (`{"body"}`) or `DELETE
    /// /api/v1/comments/{id}` until `edit_until`. `null` for form posts and
    /// when the site's `edit_window_minutes` is 0.
    pub edit_token: Option<String>,
    /// When the edit window closes.
    #[serde(serialize_with = "crate::domain::timestamps::opt_millis")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edit_until: Option<chrono::DateTime<chrono::Utc>>,
    /// A returning-commenter token, given once to a JSON post that sent
    /// none: keep it in the browser and send it as `commenter_token` with
    /// this reader's later comments. Only approved comments carrying it
    /// earn their author trust (`trust_after_approved`, and `first_time`'s
    /// one approved comment), so typing someone's email earns nothing.
    /// Absent when the request sent a token, and for form posts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commenter_token: Option<String>,
}

/// Stores a validated submission.
async fn create(
    req: &HttpRequest,
    state: &AppState,
    new: &NewComment,
    referrer: Option<String>,
    edit_token: bool,
) -> Result<(submission::Submitted, AvatarPolicy), ApiError> {
    let meta = RequestMeta {
        ip: request::client_ip(req, state),
        user_agent: header_string(req, header::USER_AGENT, 500),
        referrer,
    };
    let submitted = submission::submit(state, new, &meta, edit_token).await?;
    Ok((submitted, AvatarPolicy::current(state, &new.site).await?))
}

/// A field as sent (JSON names), as text: what a form shows again.
fn sent(fields: &Map<String, Value>, name: &str) -> String {
    match fields.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// What the reader typed, to show the form again on an error page.
fn form_echo(fields: &Map<String, Value>, back: Option<String>) -> FormEcho {
    let text = |name: &str| sent(fields, name);
    FormEcho {
        article_id: text("article_id"),
        parent_id: text("parent_id"),
        author_name: text("author_name"),
        author_email: text("author_email"),
        author_url: text("author_url"),
        body: text("body"),
        article_url: text("article_url"),
        article_title: text("article_title"),
        form_token: text("form_token"),
        redirect_to: back.clone().unwrap_or_else(|| text("redirect_to")),
        back,
    }
}

/// Where a form post goes back to, looking up the article's known URL
/// only when the request names no page itself.
async fn return_page(
    state: &AppState,
    site: &SiteId,
    fields: &Map<String, Value>,
    referrer: Option<&str>,
) -> Option<String> {
    let snap = state.settings.current(&state.pool, site).await.ok()?;
    let allowed = |origin: &str| state.is_site_origin(&snap, origin);
    let redirect_to = sent(fields, "redirect_to");
    let article_url = sent(fields, "article_url");
    let given = ReturnCandidates {
        redirect_to: Some(redirect_to.as_str()).filter(|r| !r.is_empty()),
        referrer,
        article_urls: &[],
    };
    if let Some(page) = redirect_target(&given, false, allowed) {
        return Some(page);
    }
    let registered = match ArticleId::parse(&sent(fields, "article_id")).ok() {
        Some(id) => match state.pool.acquire().await {
            Ok(mut conn) => db::articles::fetch(&mut conn, site.as_str(), id.as_str())
                .await
                .ok()
                .flatten()
                .and_then(|a| a.url),
            Err(_) => None,
        },
        None => None,
    };
    let urls: Vec<&str> = [registered.as_deref(), Some(article_url.as_str())]
        .into_iter()
        .flatten()
        .filter(|u| !u.is_empty())
        .collect();
    redirect_target(
        &ReturnCandidates {
            article_urls: &urls,
            ..given
        },
        true,
        allowed,
    )
}

/// What a form post may go back to, best first.
#[derive(Debug, Clone, Copy)]
pub struct ReturnCandidates<'a> {
    /// The form's `redirect_to`.
    pub redirect_to: Option<&'a str>,
    /// The Referer: often only the origin across origins
    /// (`strict-origin-when-cross-origin`).
    pub referrer: Option<&'a str>,
    /// The article's URL as majlis knows it (registry, import, earlier
    /// posts), then the form's `article_url`.
    pub article_urls: &'a [&'a str],
}

/// Pure: where a form post goes back to, only ever on one of the site's
/// allowed origins (no open redirect): `redirect_to`; else a Referer that
/// names a page; else the article's known URL; else (when
/// `bare_origin_ok`) a Referer that is only an origin, the home page.
pub fn redirect_target(
    c: &ReturnCandidates<'_>,
    bare_origin_ok: bool,
    allowed: impl Fn(&str) -> bool,
) -> Option<String> {
    let checked = |candidate: &str| -> Option<url::Url> {
        let mut url = url::Url::parse(candidate.trim()).ok()?;
        if !matches!(url.scheme(), "http" | "https")
            || !allowed(&url.origin().ascii_serialization())
        {
            return None;
        }
        url.set_fragment(None);
        Some(url)
    };
    let names_a_page = |u: &url::Url| u.path() != "/" || u.query().is_some();
    let referrer = c.referrer.and_then(checked);
    c.redirect_to
        .and_then(checked)
        .or_else(|| referrer.clone().filter(names_a_page))
        .or_else(|| c.article_urls.iter().find_map(|u| checked(u)))
        .or_else(|| referrer.filter(|_| bare_origin_ok))
        .map(|u| u.to_string())
}

/// One approved comment.
///
/// The public view of an approved comment: the `Location` of a `201`.
/// Any other status answers `404` exactly like a missing id, so nothing
/// about held, spam or rejected comments leaks.
#[utoipa::path(
    get,
    path = "/api/v1/comments/{id}",
    operation_id = "public_comment",
    tag = "public",
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    responses(
        (status = 200, description = "The comment.", body = PublicComment,
            headers(("Cache-Control" = String))),
        (status = 404, description = "No approved comment with this id (`comment_not_found`).", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = req
        .match_info()
        .get("id")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let mut conn = state.read_pool.acquire().await?;
    let row = db::comments::fetch_approved(&mut conn, id)
        .await?
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    drop(conn);
    let avatars = AvatarPolicy::current(&state, &SiteId::from_stored(row.site.clone())).await?;
    let mut resp = HttpResponse::Ok();
    cache_headers(&mut resp, &state, false);
    Ok(resp.json(PublicComment::from_row(row, &avatars)))
}

query_params! {
    /// `limit` and `cursor` of a public listing.
    pub struct PageParams {
        /// Page size, 1-100 (default 50).
        limit: Option<String> = schema::public_limit();
        /// `next_cursor` of the previous page.
        cursor: Option<String> = schema::cursor();
        /// The article's site; absent: the site whose allowed origins hold
        /// the request's `Origin`, else `default`.
        site: Option<String> = schema::site();
        /// `oldest` first (default) or `newest` first; send the same
        /// `order` with a cursor (a cursor is a position, read onward in
        /// the order asked).
        order: Option<String> = schema::order();
    }
}

/// A validated page request.
pub struct Page {
    pub limit: i64,
    pub cursor: Option<Cursor>,
    pub site: Option<SiteId>,
    pub newest_first: bool,
}

impl Shape for PageParams {
    type Valid = Page;
    fn validate(self, _: &AppState) -> Result<Page, FieldErrors> {
        let mut f = FieldErrors::default();
        let limit = self
            .limit
            .and_then(|v| f.take("limit", page_limit(&v, PUBLIC_MAX_PAGE)))
            .unwrap_or(PUBLIC_DEFAULT_PAGE);
        let cursor = self
            .cursor
            .and_then(|v| f.take("cursor", Cursor::decode(&v).ok_or(FieldCode::InvalidCursor)));
        let site = named_site(self.site.as_deref()).unwrap_or_else(|e| {
            f.extend_new(e);
            None
        });
        let newest_first = self
            .order
            .and_then(|v| f.take("order", parse_oldest_first(&v).map(|oldest| !oldest)))
            .unwrap_or(false);
        if f.is_empty() {
            Ok(Page {
                limit,
                cursor,
                site,
                newest_first,
            })
        } else {
            Err(f)
        }
    }
}

/// One page of an article's approved comments, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentPage {
    pub comments: Vec<PublicComment>,
    /// Opaque; pass as `cursor` for the next page. `null` on the last page.
    pub next_cursor: Option<String>,
    /// Approved comments of the article in all.
    pub total: i64,
}

/// The `{article_id}` path segment, percent-decoded (ids may contain `/`).
pub fn article_id_from_path(req: &HttpRequest) -> Result<ArticleId, ApiError> {
    let raw = req.match_info().get("article_id").unwrap_or("");
    let decoded = request::parse_pairs(format!("x={}", raw.replace('+', "%2B")).as_bytes())
        .and_then(|mut p| p.pop())
        .map(|(_, v)| v)
        .ok_or_else(|| ApiError::field("article_id", FieldCode::InvalidArticleId))?;
    ArticleId::parse(&decoded).map_err(|c| ApiError::field("article_id", c))
}

/// Answers a public read from the cache when possible: fresh entries need
/// no query; older ones are revalidated by their articles' versions; a
/// matching `If-None-Match` gets 304. `build` runs only on a miss and
/// makes a body of `content_type`. `by_page`: the site was chosen by the
/// page that asked ([`chosen_by_page`]).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn cached_read<F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    key: String,
    site: &SiteId,
    by_page: bool,
    articles: &[String],
    content_type: &'static str,
    build: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(sqlx::pool::PoolConnection<sqlx::Postgres>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ApiError>>,
{
    let cache = &state.public_cache;
    // One rebuild per page at a time: readers arriving together share it.
    let _turn = match cache.fresh(&key) {
        Some(_) => None,
        None => Some(cache.rebuild_turn(&key).await),
    };
    let entry = match cache.fresh(&key) {
        Some(hit) => hit,
        None => {
            // Taken before reading the versions: an invalidation that arrives
            // while we read must leave the entry stale, not look older.
            let checked_at = Instant::now();
            let mut conn = state.read_pool.acquire().await?;
            let versions =
                db::articles::comment_versions(&mut conn, site.as_str(), articles).await?;
            match cache.any(&key).filter(|e| e.versions == versions) {
                Some(same) => cache.put(
                    key,
                    CachedRead {
                        checked_at,
                        ..(*same).clone()
                    },
                ),
                None => {
                    let etag = public_cache::etag(&key, &versions);
                    if crate::routes::request::if_none_match_names(req, &etag) {
                        return Ok(not_modified(state, &etag, by_page));
                    }
                    let body = build(conn).await?;
                    cache.put(
                        key,
                        CachedRead {
                            etag,
                            body: body.into(),
                            versions,
                            checked_at,
                        },
                    )
                }
            }
        }
    };
    if crate::routes::request::if_none_match_names(req, &entry.etag) {
        return Ok(not_modified(state, &entry.etag, by_page));
    }
    let mut resp = HttpResponse::Ok();
    resp.content_type(content_type)
        .insert_header((header::ETAG, entry.etag.clone()));
    cache_headers(&mut resp, state, by_page);
    Ok(resp.body(entry.body.clone()))
}

const JSON: &str = "application/json";

fn cache_headers(resp: &mut actix_web::HttpResponseBuilder, state: &AppState, by_page: bool) {
    let scope = if by_page { "private" } else { "public" };
    resp.insert_header((
        header::CACHE_CONTROL,
        format!("{scope}, max-age={}", state.config.public_max_age),
    ));
    if by_page {
        resp.append_header((header::VARY, "Origin, Referer"));
    }
}

fn not_modified(state: &AppState, etag: &str, by_page: bool) -> HttpResponse {
    let mut resp = HttpResponse::NotModified();
    resp.insert_header((header::ETAG, etag.to_owned()));
    cache_headers(&mut resp, state, by_page);
    resp.finish()
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(ApiError::internal)
}

/// Approved comments of an article.
///
/// Oldest first (or `order=newest`), with `parent_id` so a client builds threads; keyset
/// pagination with an opaque cursor. An unknown article lists empty.
/// Carries a strong `ETag` and `Cache-Control: public, max-age=N`; a
/// matching `If-None-Match` gets `304`. When several sites exist and the
/// request names none (the page's `Origin` or `Referer` chooses), the
/// answer is `private` with `Vary: Origin, Referer`.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article_id}/comments",
    tag = "public",
    params(
        ("article_id" = String, Path, description = "The site's article id (may contain `/`, raw or as `%2F`).",
            min_length = 1, max_length = 200),
        PageParams,
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer."),
    ),
    responses(
        (status = 200, description = "One page.", body = CommentPage,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the given `ETag`."),
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "Bad `article_id`, `limit`, `cursor` or `site`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn list(
    req: HttpRequest,
    ApiQuery(Page {
        limit,
        cursor,
        site,
        newest_first,
    }): ApiQuery<PageParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let by_page = chosen_by_page(&state, site.is_some());
    let site = public_site(&req, &state, site);
    // The avatar setting changes every page: it is part of the key (and
    // so of the ETag).
    let avatars = AvatarPolicy::current(&state, &site).await?;
    let key = format!(
        "list\u{0}{}\u{0}{site}\u{0}{}\u{0}{limit}\u{0}{}\u{0}{newest_first}",
        avatars.cache_tag(),
        article_id.as_str(),
        cursor.map(|c| c.encode()).unwrap_or_default()
    );
    let articles = [article_id.as_str().to_owned()];
    let in_site = site.clone();
    cached_read(
        &req,
        &state,
        key,
        &site,
        by_page,
        &articles,
        JSON,
        |mut conn| async move {
            let (site, article) = (in_site.as_str(), article_id.as_str());
            let page =
                db::comments::public_page(&mut conn, site, article, cursor, limit, newest_first)
                    .await?;
            let total = page.total;
            to_json(&CommentPage {
                comments: page
                    .rows
                    .into_iter()
                    .map(|r| PublicComment::from_row(r, &avatars))
                    .collect(),
                next_cursor: page.next.map(|c| c.encode()),
                total,
            })
        },
    )
    .await
}

/// Approved comment counts by article id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CommentCounts, example = json!({"counts": {"a": 3, "b": 0}}))]
pub struct Counts {
    pub counts: BTreeMap<String, i64>,
}

query_params! {
    /// `article_id`, repeated: the articles to count.
    pub struct CountsParams {
        /// Repeat for each article (1-100); `article_id[]` works too.
        article_id: Vec<String> = count_ids_schema(), required;
        /// The articles' site; absent: the site whose allowed origins hold
        /// the request's `Origin`, else `default`.
        site: Option<String> = schema::site();
    }
}

/// Validated count request: the distinct ids, sorted, and the site named.
pub struct CountRequest {
    pub ids: Vec<String>,
    pub site: Option<SiteId>,
}

fn count_ids_schema() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(schema::article_id())
        .min_items(Some(1))
        .max_items(Some(MAX_COUNT_IDS))
        .build()
}

impl Shape for CountsParams {
    type Valid = CountRequest;
    const LISTS: &'static [&'static str] = &["article_id"];

    fn validate(self, _: &AppState) -> Result<CountRequest, FieldErrors> {
        let mut f = FieldErrors::default();
        let site = named_site(self.site.as_deref()).unwrap_or_else(|e| {
            f.extend_new(e);
            None
        });
        let mut ids: Vec<String> = Vec::new();
        // Counted as sent (repeats included), as the document's `maxItems` is.
        if self.article_id.len() > MAX_COUNT_IDS {
            f.add(
                "article_id",
                FieldCode::OutOfRange {
                    min: 1,
                    max: MAX_COUNT_IDS as i64,
                },
            );
            return Err(f);
        }
        for raw in &self.article_id {
            match ArticleId::parse(raw) {
                Ok(id) if !ids.iter().any(|x| x == id.as_str()) => ids.push(id.as_str().to_owned()),
                Ok(_) => {}
                Err(code) => {
                    f.add("article_id", code);
                    return Err(f);
                }
            }
        }
        if ids.is_empty() {
            f.add("article_id", FieldCode::Required);
        } else if ids.len() > MAX_COUNT_IDS {
            f.add(
                "article_id",
                FieldCode::OutOfRange {
                    min: 1,
                    max: MAX_COUNT_IDS as i64,
                },
            );
        }
        ids.sort();
        if f.is_empty() {
            Ok(CountRequest { ids, site })
        } else {
            Err(f)
        }
    }
}

/// Approved comment counts for many articles at once.
///
/// Up to 100 articles; an unknown article counts 0. Cached like listings
/// (`ETag`, `304`).
#[utoipa::path(
    get,
    path = "/api/v1/comment-counts",
    tag = "public",
    operation_id = "comment_counts",
    params(
        CountsParams,
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer."),
    ),
    responses(
        (status = 200, description = "Counts by article id.", body = Counts,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the given `ETag`."),
        (status = 404, description = "No such site (`site_not_found`).", body = ErrorBody),
        (status = 422, description = "No `article_id`, a bad one, more than 100, or a bad `site`.", body = ErrorBody),
        crate::routes::openapi::DbErrors,
    ),
)]
pub async fn counts(
    req: HttpRequest,
    ApiQuery(CountRequest { ids, site }): ApiQuery<CountsParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let by_page = chosen_by_page(&state, site.is_some());
    let site = public_site(&req, &state, site);
    // An unknown site counts nothing: 404, like its listings.
    state.settings.current(&state.pool, &site).await?;
    let key = format!("counts\u{0}{site}\u{0}{}", ids.join("\u{0}"));
    let query_ids = ids.clone();
    let in_site = site.clone();
    cached_read(
        &req,
        &state,
        key,
        &site,
        by_page,
        &ids,
        JSON,
        |mut conn| async move {
            let counts =
                db::comments::count_public_many(&mut conn, in_site.as_str(), &query_ids).await?;
            to_json(&Counts {
                counts: counts.into_iter().collect(),
            })
        },
    )
    .await
}
