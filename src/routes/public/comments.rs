//! `POST /api/v1/comments`, `GET /api/v1/articles/{article_id}/comments`,
//! `GET /api/v1/comment-counts`.

use crate::db;
use crate::domain::{ArticleId, Cursor};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldCode, FieldErrors, FormEcho};
use crate::public_cache::{self, CachedRead};
use crate::routes::request::{self, BodyKind, header_string, query_pairs, read_body, wants_json};
use crate::routes::views::{AvatarPolicy, PublicComment};
use crate::startup::AppState;
use crate::submission::{self, Loose, NewComment, RequestMeta, SubmitCommentRequest};
use actix_web::HttpMessage;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

pub const MAX_COUNT_IDS: usize = 100;

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
            (crate::submission::WordPressCommentForm = "application/x-www-form-urlencoded"),
        ),
    ),
    responses(
        (status = 201, description = "Created; `status` is `approved` or `pending` (spam reads as pending).",
            body = PublicComment,
            headers(("Location" = String, description = "`/api/v1/comments/{id}`"))),
        (status = 303, description = "Form posts: back to the article page, `#comment-<id>`.",
            headers(("Location" = String, description = "The page with `#comment-<id>`"))),
        (status = 400, description = "Malformed body (`malformed_body`).", body = ErrorBody),
        (status = 403, description = "Comments are closed on the article (`comments_closed`).", body = ErrorBody),
        (status = 404, description = "The parent is not an approved comment of the article (`parent_not_found`), or the article is not registered while `require_known_articles` is on (`article_not_found`).", body = ErrorBody),
        (status = 409, description = "The same text by the same author on the same article (`duplicate_comment`).", body = ErrorBody),
        (status = 413, description = "Body too large (`payload_too_large`).", body = ErrorBody),
        (status = 415, description = "Neither JSON nor a form post (`unsupported_media_type`).", body = ErrorBody),
        (status = 422, description = "Validation failed; `fields` names each problem.", body = ErrorBody),
        (status = 429, description = "Flood control (`rate_limited`), with `Retry-After`.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn submit(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let kind = BodyKind::of(&req)?;
    let bytes = read_body(&req, payload, state.config.max_request_bytes).await?;
    let dto = match kind {
        BodyKind::Json => serde_json::from_slice::<SubmitCommentRequest>(&bytes)
            .map_err(|_| ApiError::new(ErrorCode::MalformedBody))?,
        BodyKind::Form => SubmitCommentRequest::from_form_pairs(
            request::parse_pairs(&bytes).ok_or(ApiError::new(ErrorCode::MalformedBody))?,
        ),
    };
    let form_page = kind == BodyKind::Form && !wants_json(&req);
    let referrer = header_string(&req, header::REFERER, 1000);
    let created = create(&req, &state, &dto, referrer.clone()).await;
    let back = if form_page {
        return_page(&state, &dto, referrer.as_deref()).await
    } else {
        None
    };
    let (row, avatars) = match created {
        Ok(done) => done,
        Err(e) => {
            if form_page {
                req.extensions_mut().insert(form_echo(&dto, back));
            }
            return Err(e);
        }
    };
    let id = row.id;
    if let Some(target) = back {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{target}#comment-{id}")))
            .finish());
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/comments/{id}")))
        .json(PublicComment::for_submitter(row, &avatars)))
}

/// Validates and stores the submission.
async fn create(
    req: &HttpRequest,
    state: &AppState,
    dto: &SubmitCommentRequest,
    referrer: Option<String>,
) -> Result<(db::comments::CommentRow, AvatarPolicy), ApiError> {
    let new = NewComment::parse(dto, state.config.max_body_chars)?;
    let meta = RequestMeta {
        ip: request::client_ip(req, state),
        user_agent: header_string(req, header::USER_AGENT, 500),
        referrer,
    };
    let row = submission::submit(state, &new, &meta).await?;
    Ok((row, avatar_policy(state).await?))
}

/// The avatar setting's policy, keyed by the instance secret.
async fn avatar_policy(state: &AppState) -> Result<AvatarPolicy, ApiError> {
    let snap = state.settings.current(&state.pool).await?;
    Ok(AvatarPolicy::new(snap.settings.avatar, &state.secret))
}

fn loose_text(v: &Loose) -> String {
    match v {
        Loose::Int(n) => n.to_string(),
        Loose::Str(s) => s.clone(),
    }
}

/// What the reader typed, to show the form again on an error page.
fn form_echo(dto: &SubmitCommentRequest, back: Option<String>) -> FormEcho {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let loose = |v: &Option<Loose>| v.as_ref().map(loose_text).unwrap_or_default();
    FormEcho {
        article_id: loose(&dto.article_id),
        parent_id: loose(&dto.parent_id),
        author_name: text(&dto.author_name),
        author_email: text(&dto.author_email),
        author_url: text(&dto.author_url),
        body: text(&dto.body),
        article_url: text(&dto.article_url),
        article_title: text(&dto.article_title),
        form_token: text(&dto.form_token),
        redirect_to: back.clone().unwrap_or_else(|| text(&dto.redirect_to)),
        back,
    }
}

/// Where a form post goes back to, looking up the article's known URL
/// only when the request names no page itself.
async fn return_page(
    state: &AppState,
    dto: &SubmitCommentRequest,
    referrer: Option<&str>,
) -> Option<String> {
    let allowed = |origin: &str| state.is_allowed_origin(origin);
    let given = ReturnCandidates {
        redirect_to: dto.redirect_to.as_deref(),
        referrer,
        article_urls: &[],
    };
    if let Some(page) = redirect_target(&given, false, allowed) {
        return Some(page);
    }
    let registered = match dto
        .article_id
        .as_ref()
        .and_then(|a| ArticleId::parse(&loose_text(a)).ok())
    {
        Some(id) => match state.pool.acquire().await {
            Ok(mut conn) => db::articles::fetch(&mut conn, id.as_str())
                .await
                .ok()
                .flatten()
                .and_then(|a| a.url),
            Err(_) => None,
        },
        None => None,
    };
    let urls: Vec<&str> = [registered.as_deref(), dto.article_url.as_deref()]
        .into_iter()
        .flatten()
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
    tag = "public",
    params(("id" = i64, Path, description = "The comment id.", minimum = 1)),
    responses(
        (status = 200, description = "The comment.", body = PublicComment,
            headers(("Cache-Control" = String))),
        (status = 404, description = "No approved comment with this id (`comment_not_found`).", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = req
        .match_info()
        .get("id")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    let avatars = avatar_policy(&state).await?;
    let mut conn = state.read_pool.acquire().await?;
    let row = db::comments::fetch_approved(&mut conn, id)
        .await?
        .ok_or(ApiError::new(ErrorCode::CommentNotFound))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, cache_control(&state)))
        .json(PublicComment::from_row(row, &avatars)))
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
/// matching `If-None-Match` gets 304. `build` runs only on a miss.
async fn cached_read<F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    key: String,
    articles: &[String],
    build: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(sqlx::pool::PoolConnection<sqlx::Postgres>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ApiError>>,
{
    let cache = &state.public_cache;
    let entry = match cache.fresh(&key) {
        Some(hit) => hit,
        None => {
            // Taken before reading the versions: an invalidation that arrives
            // while we read must leave the entry stale, not look older.
            let checked_at = Instant::now();
            let mut conn = state.read_pool.acquire().await?;
            let versions = db::articles::comment_versions(&mut conn, articles).await?;
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
                    if public_cache::matches_if_none_match(if_none_match(req), &etag) {
                        return Ok(not_modified(state, &etag));
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
    if public_cache::matches_if_none_match(if_none_match(req), &entry.etag) {
        return Ok(not_modified(state, &entry.etag));
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, entry.etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache_control(state)))
        .body(entry.body.clone()))
}

fn if_none_match(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
}

fn cache_control(state: &AppState) -> String {
    format!("public, max-age={}", state.config.public_max_age)
}

fn not_modified(state: &AppState, etag: &str) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, cache_control(state)))
        .finish()
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(v).map_err(ApiError::internal)
}

/// Approved comments of an article.
///
/// Oldest first, with `parent_id` so a client builds threads; keyset
/// pagination with an opaque cursor. An unknown article lists empty.
/// Carries a strong `ETag` and `Cache-Control: public, max-age=N`; a
/// matching `If-None-Match` gets `304`.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article_id}/comments",
    tag = "public",
    params(
        ("article_id" = String, Path, description = "The site's article id (may contain `/`, raw or as `%2F`)."),
        ("limit" = Option<i64>, Query, description = "Page size, 1-100 (default 50).", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer."),
    ),
    responses(
        (status = 200, description = "One page.", body = CommentPage,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the given `ETag`."),
        (status = 422, description = "Bad `article_id`, `limit` or `cursor`.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let article_id = article_id_from_path(&req)?;
    let mut limit: i64 = 50;
    let mut cursor = None;
    let mut f = FieldErrors::default();
    for (k, v) in query_pairs(&req)? {
        match k.as_str() {
            "limit" => match v.trim().parse::<i64>() {
                Ok(n) if (1..=100).contains(&n) => limit = n,
                Ok(_) => f.add("limit", FieldCode::OutOfRange { min: 1, max: 100 }),
                Err(_) => f.add("limit", FieldCode::InvalidNumber),
            },
            "cursor" if !v.trim().is_empty() => match Cursor::decode(&v) {
                Some(c) => cursor = Some(c),
                None => f.add("cursor", FieldCode::InvalidCursor),
            },
            _ => {}
        }
    }
    f.into_result()?;
    // The avatar setting changes every page: it is part of the key (and
    // so of the ETag).
    let avatars = avatar_policy(&state).await?;
    let key = format!(
        "list\u{0}{}\u{0}{}\u{0}{limit}\u{0}{}",
        avatars.cache_tag(),
        article_id.as_str(),
        cursor.map(|c| c.encode()).unwrap_or_default()
    );
    let articles = [article_id.as_str().to_owned()];
    cached_read(&req, &state, key, &articles, |mut conn| async move {
        let mut rows =
            db::comments::list_public(&mut conn, article_id.as_str(), cursor, limit + 1).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| {
                Cursor {
                    created_at: r.created_at,
                    id: r.id,
                }
                .encode()
            })
        } else {
            None
        };
        let total = db::comments::count_public(&mut conn, article_id.as_str()).await?;
        to_json(&CommentPage {
            comments: rows
                .into_iter()
                .map(|r| PublicComment::from_row(r, &avatars))
                .collect(),
            next_cursor,
            total,
        })
    })
    .await
}

/// Approved comment counts by article id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CommentCounts, example = json!({"counts": {"a": 3, "b": 0}}))]
pub struct Counts {
    pub counts: BTreeMap<String, i64>,
}

/// Approved comment counts for many articles at once.
///
/// Up to 100 articles; an unknown article counts 0. Cached like listings
/// (`ETag`, `304`).
#[utoipa::path(
    get,
    path = "/api/v1/comment-counts",
    tag = "public",
    params(
        ("article_id" = Vec<String>, Query, description = "Repeat for each article (1-100); `article_id[]` works too.",
            style = Form, explode),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer."),
    ),
    responses(
        (status = 200, description = "Counts by article id.", body = Counts,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the given `ETag`."),
        (status = 422, description = "No `article_id`, a bad one, or more than 100.", body = ErrorBody),
        (status = 503, description = "Database unavailable (`db_unavailable`).", body = ErrorBody),
    ),
)]
pub async fn counts(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut ids: Vec<String> = Vec::new();
    for (k, v) in query_pairs(&req)? {
        if k == "article_id" || k == "article_id[]" {
            let id = ArticleId::parse(&v).map_err(|c| ApiError::field("article_id", c))?;
            if !ids.iter().any(|x| x == id.as_str()) {
                ids.push(id.as_str().to_owned());
            }
        }
    }
    if ids.is_empty() {
        return Err(ApiError::field("article_id", FieldCode::Required));
    }
    if ids.len() > MAX_COUNT_IDS {
        return Err(ApiError::field(
            "article_id",
            FieldCode::OutOfRange {
                min: 1,
                max: MAX_COUNT_IDS as i64,
            },
        ));
    }
    ids.sort();
    let key = format!("counts\u{0}{}", ids.join("\u{0}"));
    let query_ids = ids.clone();
    cached_read(&req, &state, key, &ids, |mut conn| async move {
        let counts = db::comments::count_public_many(&mut conn, &query_ids).await?;
        to_json(&Counts {
            counts: counts.into_iter().collect(),
        })
    })
    .await
}
