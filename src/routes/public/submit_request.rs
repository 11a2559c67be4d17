//! The wire shape of a submission (JSON, or WordPress's form fields) and
//! what the OpenAPI document says of it, checked into the use case's
//! [`NewComment`].

use crate::domain::limits::MAX_ARTICLE_TITLE;
use crate::domain::text::{optional_text, parse_browser_token};
use crate::domain::{ArticleId, AuthorEmail, AuthorName, AuthorUrl, CommentBody, SiteId};
use crate::error::{FieldCode, FieldErrors};
use crate::routes::body::schema;
use crate::usecases::submission::NewComment;
use serde::Deserialize;

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
    #[schema(schema_with = schema::author_name, required = true)]
    pub author_name: Option<String>,
    /// Required; never shown publicly.
    #[schema(schema_with = schema::author_email, required = true)]
    pub author_email: Option<String>,
    /// http or https, without credentials or invisible characters; stored
    /// and served normalized (WHATWG URL serialization).
    #[schema(schema_with = schema::url)]
    pub author_url: Option<String>,
    /// Required; something visible.
    #[schema(schema_with = schema::comment_body, required = true)]
    pub body: Option<String>,
    /// Describes the article when majlis first sees it.
    #[schema(schema_with = schema::url)]
    pub article_url: Option<String>,
    /// Describes the article when majlis first sees it.
    #[schema(schema_with = article_title_schema)]
    pub article_title: Option<String>,
    /// Left empty by people; bots fill it in.
    pub honeypot: Option<String>,
    /// The token from `GET /api/v1/form-token`, proving the form was loaded
    /// earlier by a page of the site.
    pub form_token: Option<String>,
    /// The returning-commenter token this browser was given with an
    /// earlier comment (`commenter_token` in that 201): the author's
    /// approved comments count towards trust only with the token they
    /// carry.
    #[schema(schema_with = schema::browser_token)]
    pub commenter_token: Option<String>,
    /// Form posts only: where to send the reader back to (an allowed
    /// origin), else the Referer.
    pub redirect_to: Option<String>,
    /// The site the article belongs to. Absent: the site whose allowed
    /// origins hold the request's `Origin` (or the Referer's), else
    /// `default`.
    #[schema(schema_with = schema::site)]
    pub site: Option<String>,
    /// Mail me when my comment is published and when someone replies
    /// (in the request's language: `Accept-Language`); a form checkbox
    /// sends `on`. Ignored when the instance sends no mail.
    #[schema(schema_with = flag_schema)]
    pub notify_replies: Option<Flag>,
}

/// A yes or no: JSON `true`/`false`, or a form's `on`/`1`/`true`/`yes`
/// (and `off`/`0`/`false`/`no`/empty).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Flag {
    Bool(bool),
    Str(String),
}

impl Flag {
    pub fn parse(&self) -> Result<bool, FieldCode> {
        match self {
            Flag::Bool(b) => Ok(*b),
            Flag::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "on" | "1" | "true" | "yes" => Ok(true),
                "" | "off" | "0" | "false" | "no" => Ok(false),
                _ => Err(FieldCode::InvalidValue),
            },
        }
    }
}

fn flag_schema() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Boolean),
        )
        .item(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some([
                    "on", "off", "1", "0", "true", "false", "yes", "no", "",
                ])),
        )
        .build()
        .into()
}

fn article_id_schema() -> utoipa::openapi::schema::Schema {
    // Any JSON integer reads as its text (`-1` is a valid id: digits and `-`).
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(schema::article_id())
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
        .item(schema::integer(0, None))
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
    schema::optional_text(None, MAX_ARTICLE_TITLE)
        .pattern(Some(schema::ONE_LINE))
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

/// Checks every field of a submission and reports all problems at once
/// (422).
pub fn new_comment(
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
    let commenter_token = req
        .commenter_token
        .as_deref()
        .and_then(|t| f.take("commenter_token", parse_browser_token(t)));
    // Whether the reader wants mail is the route's to settle (it knows
    // the language and whether mail is on): here only checked.
    if let Some(flag) = &req.notify_replies {
        f.take("notify_replies", flag.parse());
    }
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
            // The request's site is settled by the route, which sees the
            // request's origin (`routes::site::public_site`).
            site: SiteId::default(),
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
            commenter_token,
            notify: None,
        }),
        _ => Err(f),
    }
}
