//! The API's stable codes: what went wrong with a request ([`ErrorCode`])
//! and with one of its fields ([`FieldCode`], collected in
//! [`FieldErrors`]). Pure vocabulary, shared by the domain's validation,
//! the messages (`i18n`) and the HTTP errors (`error`, which maps each code
//! to a status).

use std::borrow::Cow;
use std::collections::BTreeMap;

/// Stable, snake_case error codes. They are API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum ErrorCode {
    MalformedBody,
    InvalidQuery,
    Unauthorized,
    Forbidden,
    CommentsClosed,
    EditWindowClosed,
    TooManyEdits,
    NotFound,
    MethodNotAllowed,
    CommentNotFound,
    ParentNotFound,
    DuplicateComment,
    Conflict,
    VersionMismatch,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    RateLimited,
    DbUnavailable,
    Internal,
    InvalidCredentials,
    ModeratorNotFound,
    EmailTaken,
    LastAdmin,
    ArticleNotFound,
    RequestTimeout,
    TooManyConcurrentRequests,
    OriginNotAllowed,
    CorsRequestNotAllowed,
    LegalHold,
    HoldNotFound,
    SiteNotFound,
    SiteExists,
    CsrfRejected,
    SanctionNotFound,
    WebhookNotFound,
    DeliveryNotFound,
    MailNotConfigured,
    CommentingSuspended,
    AppealNotPossible,
}

impl ErrorCode {
    /// Every code, in declaration order (derived: a new code cannot be
    /// left out of the message and status checks).
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        <ErrorCode as strum::IntoEnumIterator>::iter()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedBody => "malformed_body",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CommentsClosed => "comments_closed",
            ErrorCode::EditWindowClosed => "edit_window_closed",
            ErrorCode::TooManyEdits => "too_many_edits",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::CommentNotFound => "comment_not_found",
            ErrorCode::ParentNotFound => "parent_not_found",
            ErrorCode::DuplicateComment => "duplicate_comment",
            ErrorCode::Conflict => "conflict",
            ErrorCode::VersionMismatch => "version_mismatch",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::DbUnavailable => "db_unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::ModeratorNotFound => "moderator_not_found",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::LastAdmin => "last_admin",
            ErrorCode::ArticleNotFound => "article_not_found",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::TooManyConcurrentRequests => "too_many_concurrent_requests",
            ErrorCode::OriginNotAllowed => "origin_not_allowed",
            ErrorCode::CorsRequestNotAllowed => "cors_request_not_allowed",
            ErrorCode::LegalHold => "legal_hold",
            ErrorCode::HoldNotFound => "hold_not_found",
            ErrorCode::SiteNotFound => "site_not_found",
            ErrorCode::SiteExists => "site_exists",
            ErrorCode::CsrfRejected => "csrf_rejected",
            ErrorCode::SanctionNotFound => "sanction_not_found",
            ErrorCode::WebhookNotFound => "webhook_not_found",
            ErrorCode::DeliveryNotFound => "delivery_not_found",
            ErrorCode::MailNotConfigured => "mail_not_configured",
            ErrorCode::CommentingSuspended => "commenting_suspended",
            ErrorCode::AppealNotPossible => "appeal_not_possible",
        }
    }
}

/// Why one field was rejected. `code` is stable; the message is looked up
/// from it (and its parameter) when the error is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCode {
    Required,
    TooLong {
        max: usize,
    },
    InvalidEmail,
    InvalidUrl,
    InvalidUrlScheme,
    ControlCharacters,
    InvalidArticleId,
    InvalidNumber,
    OutOfRange {
        min: i64,
        max: i64,
    },
    InvalidCursor,
    InvalidValue,
    TooShort {
        min: usize,
    },
    PasswordContainsEmail,
    NothingToChange,
    UnknownField,
    BelowHoldThreshold,
    /// A URL with a user name or password (`https://news.example@evil.example/`).
    UrlCredentials,
    /// Bidi controls or zero-width characters where they can only deceive.
    InvisibleCharacters,
    /// A number below its minimum (ids start at 1); same code as
    /// `OutOfRange`, a message that names only the minimum.
    TooSmall {
        min: i64,
    },
    /// An article update that names nothing to change.
    ArticleNothingToChange,
    /// Not a site id (1-32 lowercase letters, digits and inner `-`).
    InvalidSite,
    /// An origin another site already lists (an origin names one site).
    OriginTaken,
    /// A setting that holds for every site, changed on another than
    /// `default`.
    InstanceWide,
    /// A webhook URL whose host is a private, loopback or link-local
    /// address (or a name for one, such as `localhost`).
    PrivateAddress,
    /// A domain sanction on a public suffix (`com`, `co.uk`, `com.sa`):
    /// it would cover every address under it.
    PublicSuffix,
}

impl FieldCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldCode::Required => "required",
            FieldCode::TooLong { .. } => "too_long",
            FieldCode::InvalidEmail => "invalid_email",
            FieldCode::InvalidUrl => "invalid_url",
            FieldCode::InvalidUrlScheme => "invalid_url_scheme",
            FieldCode::ControlCharacters => "control_characters",
            FieldCode::InvalidArticleId => "invalid_article_id",
            FieldCode::InvalidNumber => "invalid_number",
            FieldCode::OutOfRange { .. } => "out_of_range",
            FieldCode::InvalidCursor => "invalid_cursor",
            FieldCode::InvalidValue => "invalid_value",
            FieldCode::TooShort { .. } => "too_short",
            FieldCode::PasswordContainsEmail => "password_contains_email",
            FieldCode::NothingToChange => "nothing_to_change",
            FieldCode::UnknownField => "unknown_field",
            FieldCode::BelowHoldThreshold => "below_hold_threshold",
            FieldCode::UrlCredentials => "url_credentials",
            FieldCode::InvisibleCharacters => "invisible_characters",
            FieldCode::TooSmall { .. } => "out_of_range",
            FieldCode::ArticleNothingToChange => "nothing_to_change",
            FieldCode::InvalidSite => "invalid_site",
            FieldCode::OriginTaken => "origin_taken",
            FieldCode::InstanceWide => "instance_wide",
            FieldCode::PrivateAddress => "private_address",
            FieldCode::PublicSuffix => "public_suffix",
        }
    }
}

/// Field name -> the rules it broke, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<Cow<'static, str>, Vec<FieldCode>>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, code: FieldCode) {
        self.0.entry(Cow::Borrowed(field)).or_default().push(code);
    }

    /// For field names that come from the input (unknown fields).
    pub fn add_owned(&mut self, field: String, code: FieldCode) {
        self.0.entry(Cow::Owned(field)).or_default().push(code);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each field with the rules it broke, by field name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[FieldCode])> {
        self.0.iter().map(|(f, c)| (f.as_ref(), c.as_slice()))
    }

    pub fn get(&self, field: &str) -> Option<&[FieldCode]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// Keeps the value when it parsed, records the field error otherwise.
    pub fn take<T>(&mut self, field: &'static str, r: Result<T, FieldCode>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(code) => {
                self.add(field, code);
                None
            }
        }
    }

    /// Adds `other`'s problems for the fields not already named here (a
    /// field of the wrong type is not also reported as missing).
    pub fn extend_new(&mut self, other: FieldErrors) {
        for (field, codes) in other.0 {
            self.0.entry(field).or_insert(codes);
        }
    }

    /// `Err(self)` when any field failed (an `ApiError` through `?`).
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}
