//! The "submit a comment" use case: validate the wire input into a
//! `NewComment`, gather facts, decide, and persist in one transaction.

use crate::db;
use crate::domain::{
    ArticleId, AuthorEmail, AuthorName, AuthorUrl, CommentBody, CommentStatus, ModerationSettings,
    avatar_hash,
};
use crate::error::{ApiError, ErrorCode, FieldCode, FieldErrors};
use crate::spam::learner;
use crate::state::AppState;
use crate::{form_token, render, spam};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::net::IpAddr;

/// A JSON value that may arrive as a number or a string (ids from
/// WordPress are numbers, slugs are strings; `1.0` is a number too).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Loose {
    Int(i64),
    Float(f64),
    Str(String),
}

impl Loose {
    /// The text of an id: a string as sent, a number as an integer; a
    /// fraction or a number past what an `int64` holds has none.
    fn text(&self) -> Option<String> {
        match self {
            Loose::Int(n) => Some(n.to_string()),
            Loose::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Some((*f as i64).to_string())
            }
            Loose::Float(_) => None,
            Loose::Str(s) => Some(s.clone()),
        }
    }
}

/// The wire shape of a submission. Form posts use the same shape with
/// WordPress's field names mapped by [`SubmitCommentRequest::FORM_NAMES`].
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "article_id": "2024/11/strikes",
    "author_name": "ليلى",
    "author_email": "layla@example.com",
    "body": "شكراً على المقال",
    "honeypot": "",
    "form_token": "<from GET /api/v1/form-token>"
}))]
pub struct SubmitCommentRequest {
    /// Required. The site's id of the article (1-200 characters of letters,
    /// digits and `. _ - : /`); a number or a string.
    #[schema(schema_with = article_id_schema, required = true)]
    pub article_id: Option<Loose>,
    /// An approved comment of the same article; 0 or absent: no parent.
    #[schema(schema_with = parent_id_schema)]
    pub parent_id: Option<Loose>,
    /// Required; something visible, no control characters.
    #[schema(schema_with = crate::routes::body::schema::author_name, required = true)]
    pub author_name: Option<String>,
    /// Required; never shown publicly.
    #[schema(schema_with = crate::routes::body::schema::author_email, required = true)]
    pub author_email: Option<String>,
    /// http or https, without credentials or invisible characters; stored
    /// and served normalized (WHATWG URL serialization).
    #[schema(schema_with = crate::routes::body::schema::url)]
    pub author_url: Option<String>,
    /// Required; something visible.
    #[schema(schema_with = crate::routes::body::schema::comment_body, required = true)]
    pub body: Option<String>,
    /// Describes the article when majlis first sees it.
    #[schema(schema_with = crate::routes::body::schema::url)]
    pub article_url: Option<String>,
    /// Describes the article when majlis first sees it.
    #[schema(schema_with = article_title_schema)]
    pub article_title: Option<String>,
    /// Left empty by people; bots fill it in.
    pub honeypot: Option<String>,
    /// The token from `GET /api/v1/form-token`, proving the form was loaded
    /// earlier by a page of the site.
    pub form_token: Option<String>,
    /// Form posts only: where to send the reader back to (an allowed
    /// origin), else the Referer.
    pub redirect_to: Option<String>,
}

pub const MAX_ARTICLE_TITLE: usize = 300;

fn article_id_schema() -> utoipa::openapi::schema::Schema {
    // Any JSON integer reads as its text (`-1` is a valid id: digits and `-`).
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(crate::routes::body::schema::article_id())
        .item(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Integer)
                .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                    utoipa::openapi::schema::KnownFormat::Int64,
                ))),
        )
        .build()
        .into()
}

fn parent_id_schema() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Null),
        )
        .item(crate::routes::body::schema::integer(0, None))
        .item(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                // Spaces only: `\s` differs between regex engines. Empty
                // (or 0) means no parent, as in WordPress.
                .pattern(Some(r"^(?: *[0-9]{1,18} *)?$")),
        )
        .build()
        .into()
}

fn article_title_schema() -> utoipa::openapi::schema::Object {
    crate::routes::body::schema::optional_text(None, MAX_ARTICLE_TITLE)
        .pattern(Some(crate::routes::body::schema::ONE_LINE))
        .build()
}

impl SubmitCommentRequest {
    /// The WordPress comment form's field names and ours: `(form, JSON)`.
    pub const FORM_NAMES: &'static [(&'static str, &'static str)] = &[
        ("comment_post_ID", "article_id"),
        ("comment_parent", "parent_id"),
        ("author", "author_name"),
        ("email", "author_email"),
        ("url", "author_url"),
        ("comment", "body"),
    ];
}

/// A validated submission.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub parent_id: Option<i64>,
    pub author_name: AuthorName,
    pub author_email: AuthorEmail,
    pub author_url: Option<AuthorUrl>,
    pub body: CommentBody,
    pub article_url: Option<String>,
    pub article_title: Option<String>,
    pub honeypot_filled: bool,
    pub form_token: Option<String>,
}

fn parse_parent(v: Option<&Loose>) -> Result<Option<i64>, FieldCode> {
    match v {
        None => Ok(None),
        Some(Loose::Int(0)) => Ok(None),
        Some(Loose::Int(n)) if *n > 0 => Ok(Some(*n)),
        Some(Loose::Int(_)) => Err(FieldCode::InvalidNumber),
        Some(Loose::Float(f)) if f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15 => {
            parse_parent(Some(&Loose::Int(*f as i64)))
        }
        Some(Loose::Float(_)) => Err(FieldCode::InvalidNumber),
        Some(Loose::Str(s)) => match s.trim() {
            "" | "0" => Ok(None),
            t => t
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or(FieldCode::InvalidNumber),
        },
    }
}

/// Optional descriptive text about the article (bounded, no controls).
/// Optional one-line text: trimmed, empty reads as absent, at most `max`
/// characters, no control characters.
pub(crate) fn optional_text(v: Option<&str>, max: usize) -> Result<Option<String>, FieldCode> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().any(char::is_control) {
        return Err(FieldCode::ControlCharacters);
    }
    if s.chars().count() > max {
        return Err(FieldCode::TooLong { max });
    }
    Ok(Some(s.to_owned()))
}

impl NewComment {
    /// Checks every field and reports all problems at once (422).
    pub fn parse(
        req: &SubmitCommentRequest,
        max_body_chars: usize,
    ) -> Result<NewComment, FieldErrors> {
        let mut f = FieldErrors::default();
        let article_id = match req.article_id.as_ref().map(Loose::text) {
            Some(None) => Err(FieldCode::InvalidArticleId),
            Some(Some(text)) => ArticleId::parse(&text),
            None => ArticleId::parse(""),
        };
        let article_id = f.take("article_id", article_id);
        let parent_id = f.take("parent_id", parse_parent(req.parent_id.as_ref()));
        let author_name = f.take(
            "author_name",
            AuthorName::parse(req.author_name.as_deref().unwrap_or("")),
        );
        let author_email = f.take(
            "author_email",
            AuthorEmail::parse(req.author_email.as_deref().unwrap_or("")),
        );
        let author_url = f.take(
            "author_url",
            AuthorUrl::parse_optional(req.author_url.as_deref()),
        );
        let body = f.take(
            "body",
            CommentBody::parse(req.body.as_deref().unwrap_or(""), max_body_chars),
        );
        let article_url = f.take(
            "article_url",
            AuthorUrl::parse_optional(req.article_url.as_deref())
                .map(|u| u.map(|u| u.as_str().to_owned())),
        );
        let article_title = f.take(
            "article_title",
            optional_text(req.article_title.as_deref(), MAX_ARTICLE_TITLE),
        );
        match (
            article_id,
            parent_id,
            author_name,
            author_email,
            author_url,
            body,
            article_url,
            article_title,
        ) {
            (
                Some(article_id),
                Some(parent_id),
                Some(author_name),
                Some(author_email),
                Some(author_url),
                Some(body),
                Some(article_url),
                Some(article_title),
            ) if f.is_empty() => Ok(NewComment {
                article_id,
                parent_id,
                author_name,
                author_email,
                author_url,
                body,
                article_url,
                article_title,
                honeypot_filled: req
                    .honeypot
                    .as_deref()
                    .is_some_and(|h| !h.trim().is_empty()),
                form_token: req.form_token.clone(),
            }),
            _ => Err(f),
        }
    }
}

/// What the request itself tells about the submitter (kept for moderators).
#[derive(Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
}

impl std::fmt::Debug for RequestMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestMeta(<redacted>)")
    }
}

/// Whether an article takes no more comments: closed by an admin, or older
/// than the site's `close_after_days` (0 = never).
pub fn comments_closed(
    closed: bool,
    article_created: DateTime<Utc>,
    close_after_days: u32,
    now: DateTime<Utc>,
) -> bool {
    closed
        || (close_after_days > 0
            && now - article_created > chrono::Duration::days(i64::from(close_after_days)))
}

/// Flood control: at most `flood_max_comments` per IP (IPv6: per /64) and
/// per email within `flood_interval_seconds`, counted in Postgres so every
/// instance agrees. The takes are part of the statement that stores the
/// comment: a refused or failed submission stores nothing and counts
/// nothing, so only stored comments use the allowance and a client that
/// waits `Retry-After` gets through.
fn flood_takes(
    secret: &[u8],
    s: &ModerationSettings,
    email: &AuthorEmail,
    ip: Option<IpAddr>,
) -> db::submissions::FloodTakes {
    let mut keys = Vec::new();
    if s.flood_interval_seconds > 0 {
        // Always in this order (email, then address), so two submissions
        // never wait on each other's counters in a cycle.
        keys.push(db::rate_limits::key(
            secret,
            "flood:email",
            &email.as_str().to_lowercase(),
        ));
        if let Some(ip) = ip {
            keys.push(db::rate_limits::key(
                secret,
                "flood:ip",
                &crate::client_ip::throttle_subject(ip),
            ));
        }
    }
    db::submissions::FloodTakes {
        keys,
        limit: s.flood_max_comments,
        window_secs: i64::from(s.flood_interval_seconds),
    }
}

/// Loads this instance's copy of the learner's store ahead of the first
/// submission, when the learner is on (start-up calls it in the
/// background, so no reader waits for the load).
pub async fn warm_learner(state: &AppState) -> Result<(), sqlx::Error> {
    if !state
        .settings
        .current(&state.pool)
        .await?
        .settings
        .bayes_enabled
    {
        return Ok(());
    }
    let _turn = state.learner_loading.lock().await;
    if state.learner.generation().is_none() {
        let mut conn = state.pool.acquire().await?;
        let loaded = db::spam::load_mirror(&mut conn).await?;
        state.learner.install(loaded);
    }
    Ok(())
}

/// Brings this instance's copy of the learner's store up to what a
/// submission's read saw: the read's changes, or the whole store when the
/// copy is empty or of an older generation (loaded once however many
/// submissions ask together).
async fn catch_up_learner(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    changes: &crate::spam::mirror::Changes,
) -> Result<(), sqlx::Error> {
    use crate::spam::mirror::CatchUp;
    if state.learner.catch_up(changes) == CatchUp::Current {
        return Ok(());
    }
    let _turn = state.learner_loading.lock().await;
    if state
        .learner
        .generation()
        .is_none_or(|g| g < changes.generation)
    {
        let loaded = db::spam::load_mirror(conn).await?;
        state.learner.install(loaded);
    }
    Ok(())
}

/// Stores a new comment and returns it as saved, in two statements: one
/// read of everything the decision needs (the article, the parent, the
/// author's record, the learner's counts), the spam verdict and the
/// workflow's status in between, then one write (flood counters, article,
/// comment, audit event) that Postgres commits on its own. See
/// `db::submissions` for what each guarantee rests on.
#[tracing::instrument(skip_all, fields(article_id = %new.article_id, comment_id, status, score))]
pub async fn submit(
    state: &AppState,
    new: &NewComment,
    meta: &RequestMeta,
) -> Result<db::comments::CommentRow, ApiError> {
    let snap = state.settings.current(&state.pool).await?;
    let settings = &snap.settings;

    let body = new.body.as_str();
    let email = new.author_email.as_str();
    let author_url = new.author_url.as_ref().map(AuthorUrl::as_str);
    // Normalised once, for the fingerprint, the learner's features and the
    // rules.
    let body_text = spam::normalize(body);
    let name_text = spam::normalize(new.author_name.as_str());
    let fingerprint = spam::fingerprint_of(&body_text);
    let now = Utc::now();

    // The public describes an article only with a page on the site's own
    // origins (and only until the site registers it: see the query).
    let article_url = new.article_url.as_deref().filter(|u| {
        url::Url::parse(u).is_ok_and(|u| state.is_allowed_origin(&u.origin().ascii_serialization()))
    });
    let article_title = article_url.and(new.article_title.as_deref());
    let features = settings.bayes_enabled.then(|| {
        (
            spam::features::features_of(&body_text, &name_text, email, author_url),
            learner::Script::of(body),
        )
    });
    let since = features.as_ref().and(state.learner.position());
    let mut conn = state.pool.acquire().await?;
    let ctx = db::submissions::context(
        &mut conn,
        &db::submissions::ContextQuery {
            article_id: new.article_id.as_str(),
            parent_id: new.parent_id,
            email,
            ip: meta.ip,
            fingerprint: &fingerprint,
            learner: features.as_ref().map(|(_, s)| (*s, since.as_ref())),
        },
    )
    .await?;
    if let Some(changes) = &ctx.learner_changes {
        catch_up_learner(state, &mut conn, changes).await?;
    }
    let article = ctx.article.as_ref();
    if settings.require_known_articles && article.is_none_or(|a| a.registered_at.is_none()) {
        return Err(ErrorCode::ArticleNotFound.into());
    }
    if let Some(a) = article
        && comments_closed(a.closed, a.created_at, settings.close_after_days, now)
    {
        return Err(ErrorCode::CommentsClosed.into());
    }
    if new.parent_id.is_some() && !ctx.parent_ok {
        return Err(ErrorCode::ParentNotFound.into());
    }
    let facts = &ctx.facts;
    if facts.duplicate {
        return Err(ErrorCode::DuplicateComment.into());
    }
    // The learner (the setting keeps its historical name).
    let spam_probability = features.as_ref().and_then(|(features, script)| {
        state
            .learner
            .judge(
                features,
                *script,
                &ctx.evidence.totals,
                learner::Prior::shipped(),
                &learner::Params::default(),
            )
            .map(|j| j.probability)
    });
    let ip_text = meta.ip.map(|ip| ip.to_string()).unwrap_or_default();
    let input = spam::SpamInput {
        body,
        author_name: new.author_name.as_str(),
        author_email: email,
        author_url,
        ip: &ip_text,
        user_agent: meta.user_agent.as_deref().unwrap_or(""),
        honeypot_filled: new.honeypot_filled,
        form_token: form_token::check(
            &state.secret,
            new.form_token.as_deref(),
            new.article_id.as_str(),
            now.timestamp(),
        ),
        history: spam::AuthorHistory {
            approved_by_email: count(facts.approved_by_email),
            spam_by_email: count(facts.spam_by_email),
            spam_by_ip: count(facts.spam_by_ip),
            rejected_by_email: count(facts.rejected_by_email),
        },
        same_text_other_authors_24h: count(facts.same_text_other_authors_24h),
        spam_probability,
    };
    let verdict = spam::score_normalized(&input, &snap.rules, body_text, name_text);
    let mode = article
        .and_then(|a| a.approval_mode.as_deref())
        .and_then(|m| m.parse().ok())
        .unwrap_or(settings.approval_mode);
    let status = spam::initial_status(
        &verdict,
        &snap.thresholds(),
        mode,
        facts.approved_by_email > 0,
    );

    let body_html = render::body_html(body);
    let stored = db::submissions::store(
        &mut conn,
        &flood_takes(&state.secret, settings, &new.author_email, meta.ip),
        db::submissions::ArticleWrite::decide(article, status, article_url, article_title),
        &db::comments::InsertComment {
            article_id: new.article_id.as_str(),
            parent_id: new.parent_id,
            author_name: new.author_name.as_str(),
            author_email: email,
            author_url,
            avatar: &avatar_hash(email),
            body,
            body_html: &body_html,
            body_fingerprint: &fingerprint,
            status,
            spam_score: verdict.score,
            spam_reasons: serde_json::to_value(&verdict.reasons).map_err(ApiError::internal)?,
            ip: meta.ip,
            user_agent: meta.user_agent.as_deref(),
            referrer: meta.referrer.as_deref(),
        },
    )
    .await;
    let row = match stored {
        Ok(row) => row,
        Err(db::submissions::StoreError::Flooded { retry_after }) => {
            return Err(ApiError::rate_limited(retry_after));
        }
        Err(db::submissions::StoreError::Db(e)) => return Err(e.into()),
    };
    // Only a comment the public sees changes what the public reads.
    if status == CommentStatus::Approved {
        state.public_cache.invalidate(new.article_id.as_str());
    }
    crate::metrics::record_submission(
        status.as_str(),
        verdict.reasons.iter().map(|r| r.rule.clone()),
    );
    tracing::Span::current()
        .record("comment_id", row.id)
        .record("status", status.as_str())
        .record("score", verdict.score);
    Ok(row)
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
