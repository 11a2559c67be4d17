//! One error type for the whole API, rendered as the contract's JSON shape
//! with a stable code and a localized message.

pub use crate::domain::codes::{ErrorCode, FieldCode, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::render::escape_html;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The HTTP status each code is answered with.
pub trait HttpStatus {
    fn status(self) -> StatusCode;
}

impl HttpStatus for ErrorCode {
    fn status(self) -> StatusCode {
        match self {
            ErrorCode::MalformedBody | ErrorCode::InvalidQuery => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden
            | ErrorCode::CommentsClosed
            | ErrorCode::CsrfRejected
            | ErrorCode::CommentingSuspended
            | ErrorCode::EditWindowClosed => StatusCode::FORBIDDEN,
            ErrorCode::NotFound
            | ErrorCode::CommentNotFound
            | ErrorCode::ParentNotFound
            | ErrorCode::ModeratorNotFound
            | ErrorCode::ArticleNotFound
            | ErrorCode::HoldNotFound
            | ErrorCode::SanctionNotFound
            | ErrorCode::WebhookNotFound
            | ErrorCode::DeliveryNotFound
            | ErrorCode::SiteNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::DuplicateComment
            | ErrorCode::Conflict
            | ErrorCode::EmailTaken
            | ErrorCode::LastAdmin
            | ErrorCode::LegalHold
            | ErrorCode::AppealNotPossible
            | ErrorCode::MailNotConfigured
            | ErrorCode::SiteExists => StatusCode::CONFLICT,
            ErrorCode::VersionMismatch => StatusCode::PRECONDITION_FAILED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::DbUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::TooManyConcurrentRequests | ErrorCode::TooManyEdits => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ErrorCode::OriginNotAllowed | ErrorCode::CorsRequestNotAllowed => StatusCode::FORBIDDEN,
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(fields: FieldErrors) -> Self {
        ApiError::validation(fields)
    }
}

/// The `Retry-After` of a 503 for a database out of reach: a restart of
/// Postgres or a failover takes seconds, and clients that wait this long
/// do not pile onto one that is coming back.
pub const DB_RETRY_AFTER_SECS: u64 = 2;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub fields: Option<FieldErrors>,
    pub retry_after: Option<u64>,
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            fields: None,
            retry_after: None,
            source: None,
        }
    }

    pub fn validation(fields: FieldErrors) -> Self {
        ApiError {
            fields: Some(fields),
            ..ApiError::new(ErrorCode::ValidationFailed)
        }
    }

    pub fn field(field: &'static str, code: FieldCode) -> Self {
        let mut f = FieldErrors::default();
        f.add(field, code);
        ApiError::validation(f)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after_secs.max(1)),
            ..ApiError::new(ErrorCode::RateLimited)
        }
    }

    /// 403 `commenting_suspended` until `secs` from now (`Retry-After`).
    pub fn suspended(secs: u64) -> Self {
        ApiError {
            retry_after: Some(secs.max(1)),
            ..ApiError::new(ErrorCode::CommentingSuspended)
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError {
            source: Some(err.into()),
            ..ApiError::new(ErrorCode::Internal)
        }
    }

    /// The database is out of reach (stopped, restarting, or no connection
    /// free in time): a 503 that tells clients when to try again.
    pub fn db_unavailable(err: impl Into<anyhow::Error>) -> Self {
        ApiError {
            source: Some(err.into()),
            retry_after: Some(DB_RETRY_AFTER_SECS),
            ..ApiError::new(ErrorCode::DbUnavailable)
        }
    }

    /// The response body in one language.
    pub fn body(&self, lang: Lang) -> ErrorBody {
        let fields = self.fields.as_ref().map(|f| {
            f.iter()
                .map(|(name, codes)| {
                    let list = codes
                        .iter()
                        .map(|c| FieldErrorBody {
                            code: c.as_str(),
                            message: lang.text(Msg::Field(*c)),
                        })
                        .collect();
                    (name.to_string(), list)
                })
                .collect()
        });
        ErrorBody {
            error: ErrorInner {
                code: self.code.as_str(),
                message: lang.text(Msg::Error(self.code)),
                fields,
            },
        }
    }

    /// Renders the error in `lang`. 5xx causes are logged here, once, and
    /// never sent to the client.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        let status = self.code.status();
        let mut builder = HttpResponse::build(status);
        if let Some(secs) = self.retry_after {
            builder.insert_header(("Retry-After", secs.to_string()));
        }
        builder.insert_header(("Content-Language", lang.as_str()));
        builder.json(self.body(lang))
    }

    /// A small page for browsers that posted the comment form without
    /// JavaScript: the message, and the form again with what the reader
    /// typed and each problem beside its field (when the handler saw the
    /// form), so nothing is lost; else each field's problem. Then a way back.
    pub fn render_html(
        &self,
        lang: Lang,
        back: Option<&str>,
        form: Option<&FormEcho>,
    ) -> HttpResponse {
        let body = self.body(lang);
        let mut page = String::with_capacity(2048);
        let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
        page.push_str(&format!(
            "<!doctype html><html lang=\"{}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1>",
            lang.as_str(),
            escape_html(&body.error.message),
            escape_html(&body.error.message)
        ));
        let fields = body.error.fields.unwrap_or_default();
        let problems = |name: &str| -> String {
            fields
                .get(name)
                .map(|list| {
                    list.iter()
                        .map(|p| escape_html(&p.message))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        };
        match form {
            Some(form) => {
                // Problems with fields the form does not show.
                let hidden: Vec<&str> = fields
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !FormEcho::VISIBLE.iter().any(|(ours, _, _)| ours == k))
                    .collect();
                if !hidden.is_empty() {
                    page.push_str("<ul>");
                    for name in hidden {
                        page.push_str(&format!(
                            "<li><strong>{}</strong>: {}</li>",
                            escape_html(&lang.label(name)),
                            problems(name)
                        ));
                    }
                    page.push_str("</ul>");
                }
                page.push_str(&form.to_html(lang, &problems));
            }
            None if !fields.is_empty() => {
                page.push_str("<ul>");
                for (name, list) in &fields {
                    for p in list {
                        page.push_str(&format!(
                            "<li><strong>{}</strong>: {}</li>",
                            escape_html(&lang.label(name)),
                            escape_html(&p.message)
                        ));
                    }
                }
                page.push_str("</ul>");
            }
            None => {}
        }
        if let Some(url) = back {
            page.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_html(url),
                escape_html(&lang.text(Msg::GoBack))
            ));
        }
        page.push_str("</body></html>");
        let mut builder = HttpResponse::build(self.code.status());
        if let Some(secs) = self.retry_after {
            builder.insert_header(("Retry-After", secs.to_string()));
        }
        builder
            .insert_header(("Content-Language", lang.as_str()))
            .insert_header(("Cache-Control", "no-store"))
            .insert_header((
                "Content-Security-Policy",
                // The form posts back here; nothing else runs or loads.
                "default-src 'none'; base-uri 'none'; form-action 'self'",
            ))
            .content_type("text/html; charset=utf-8")
            .body(page)
    }

    pub fn log_cause(&self) {
        if self.code.status().is_server_error() {
            match self.cause_line() {
                Some(cause) => {
                    tracing::error!(error.code = self.code.as_str(), error.cause_chain = %cause, "request failed")
                }
                None => tracing::error!(error.code = self.code.as_str(), "request failed"),
            }
        }
    }

    /// The cause and what caused it, on one line (`a: b: c`), without the
    /// backtrace anyhow captures when `RUST_BACKTRACE` is set: rendering
    /// one loads the binary's debug information (RSS +150 MiB, kept for the
    /// life of the process, measured by `bench/faults/run.sh`), and during
    /// a database outage every request fails the same way.
    fn cause_line(&self) -> Option<String> {
        self.source.as_ref().map(|e| format!("{e:#}"))
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    /// Rendered in the default language here; the language middleware
    /// re-renders it in the one the client asked for.
    fn error_response(&self) -> HttpResponse {
        self.log_cause();
        self.render(Lang::default())
    }
}

/// The named constraints whose violation is the client's doing, and the
/// code each one answers. Every write path (submission, moderator edits,
/// account creation, ...) reaches the client through `From<sqlx::Error>`,
/// which reads this table, so a constraint means the same thing wherever it
/// fires; a new unique index needs one line here. Unnamed or unlisted
/// violations stay 500 `internal` (they are bugs, not client errors).
pub const CONSTRAINT_ERRORS: &[(&str, ErrorCode)] = &[
    ("comments_no_duplicate", ErrorCode::DuplicateComment),
    (crate::db::moderators::EMAIL_KEY, ErrorCode::EmailTaken),
    ("comments_parent_id_fkey", ErrorCode::ParentNotFound),
    ("articles_site_id_fkey", ErrorCode::SiteNotFound),
];

/// The error a violation of constraint `name` answers, if it is listed.
pub fn constraint_error(name: &str) -> Option<ErrorCode> {
    CONSTRAINT_ERRORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, code)| *code)
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        let mapped = ApiError::from_sqlx(e);
        // A listed constraint is the client's doing, not a database failure.
        if mapped.code.status().is_server_error() {
            crate::metrics::record_db_error(if mapped.code == ErrorCode::DbUnavailable {
                "unavailable"
            } else {
                "query"
            });
        }
        mapped
    }
}

impl ApiError {
    fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && let Some(code) = db.constraint().and_then(constraint_error)
        {
            // The cause (with the row's values in its detail) is dropped:
            // a 4xx is never logged, and the client gets only the code.
            return ApiError::new(code);
        }
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_) => ApiError::db_unavailable(e),
            sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("08")) => {
                ApiError::db_unavailable(e)
            }
            // 57014: statement timeout; 57P01..03: the server is shutting down.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c == "57014" || c.starts_with("57P")) =>
            {
                ApiError::db_unavailable(e)
            }
            // Logged without the server's DETAIL, which for a constraint
            // or a row error carries the row's values (emails, addresses).
            sqlx::Error::Database(db) => ApiError::internal(anyhow::anyhow!(
                "database error {}: {} (constraint {:?}, table {:?})",
                db.code().as_deref().unwrap_or("?"),
                db.message(),
                db.constraint(),
                db.table(),
            )),
            _ => ApiError::internal(e),
        }
    }
}

/// Every error response. See the document's description for the list of
/// stable codes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorInner,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorInner {
    /// Stable snake_case code; never renamed.
    #[schema(value_type = String)]
    pub code: &'static str,
    /// Localized by `Accept-Language` (`ar`, `en`), else the site default.
    pub message: String,
    /// Only for `validation_failed`: each field with the rules it broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, Vec<FieldErrorBody>>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    /// `required`, `too_long`, `invalid_email`, `invalid_url`, `out_of_range`, ...
    #[schema(value_type = String)]
    pub code: &'static str,
    pub message: String,
}

/// What a reader typed into the comment form, kept by the handler (in the
/// request's extensions) so that an error page can show the form again.
/// Posted back in the page's body, never put in a URL; `Debug` shows none
/// of it.
#[derive(Clone, Default)]
pub struct FormEcho {
    pub article_id: String,
    pub parent_id: String,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub body: String,
    pub article_url: String,
    pub article_title: String,
    pub form_token: String,
    /// Where the page goes back to (the checked return page).
    pub redirect_to: String,
    /// The article page to link back to, when one is known.
    pub back: Option<String>,
}

impl fmt::Debug for FormEcho {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FormEcho(<redacted>)")
    }
}

impl FormEcho {
    /// Fields shown to the reader: our name, the WordPress form's name,
    /// and the input type (`textarea` for the comment).
    const VISIBLE: [(&'static str, &'static str, &'static str); 4] = [
        ("author_name", "author", "text"),
        ("author_email", "email", "email"),
        ("author_url", "url", "url"),
        ("body", "comment", "textarea"),
    ];

    fn value(&self, ours: &str) -> &str {
        match ours {
            "author_name" => &self.author_name,
            "author_email" => &self.author_email,
            "author_url" => &self.author_url,
            "body" => &self.body,
            _ => "",
        }
    }

    /// The form (WordPress field names), posting back to this address.
    fn to_html(&self, lang: Lang, problems: &dyn Fn(&str) -> String) -> String {
        let mut out = String::from("<form method=\"post\">");
        for (name, value) in [
            ("comment_post_ID", &self.article_id),
            ("comment_parent", &self.parent_id),
            ("article_url", &self.article_url),
            ("article_title", &self.article_title),
            ("form_token", &self.form_token),
            ("redirect_to", &self.redirect_to),
        ] {
            if !value.is_empty() {
                out.push_str(&format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    escape_html(value)
                ));
            }
        }
        for (ours, wp, kind) in Self::VISIBLE {
            let label = escape_html(&lang.label(ours));
            let value = escape_html(self.value(ours));
            let problem = problems(ours);
            out.push_str(&format!("<p><label for=\"{wp}\">{label}</label> "));
            if kind == "textarea" {
                out.push_str(&format!(
                    "<textarea id=\"{wp}\" name=\"{wp}\" rows=\"8\" cols=\"60\">{value}</textarea>"
                ));
            } else {
                out.push_str(&format!(
                    "<input id=\"{wp}\" name=\"{wp}\" type=\"{kind}\" value=\"{value}\">"
                ));
            }
            if !problem.is_empty() {
                out.push_str(&format!(" <strong class=\"error\">{problem}</strong>"));
            }
            out.push_str("</p>");
        }
        out.push_str(&format!(
            "<p><button type=\"submit\">{}</button></p></form>",
            escape_html(&lang.text(Msg::SendAgain))
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn every_code_is_unique_snake_case_and_has_a_client_status() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::all() {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            let status = code.status();
            assert!(status.is_client_error() || status.is_server_error());
        }
    }

    #[test]
    fn validation_error_lists_each_field_with_localized_messages() {
        let mut f = FieldErrors::default();
        f.add("author_email", FieldCode::InvalidEmail);
        f.add("body", FieldCode::Required);
        let err = ApiError::validation(f);
        let ar = serde_json::to_value(err.body(Lang::Ar)).unwrap();
        let en = serde_json::to_value(err.body(Lang::En)).unwrap();
        assert_eq!(ar["error"]["code"], "validation_failed");
        assert_eq!(
            ar["error"]["fields"]["author_email"][0]["code"],
            "invalid_email"
        );
        assert_ne!(ar["error"]["message"], en["error"]["message"]);
        assert_eq!(en["error"]["fields"]["body"][0]["code"], "required");
    }

    #[test]
    fn every_mapped_constraint_exists_in_the_schema_and_answers_a_client_error() {
        let schema: String = crate::db::MIGRATOR
            .iter()
            .map(|m| m.sql.as_ref().to_owned())
            .collect();
        for (name, code) in CONSTRAINT_ERRORS {
            let named = schema.contains(&format!("{name} ")) || {
                // `<table>_<column>_fkey` is Postgres's name for an unnamed
                // `references`: check the column declares one.
                let column = name
                    .strip_prefix("comments_")
                    .and_then(|n| n.strip_suffix("_fkey"));
                column.is_some_and(|c| schema.contains(&format!("{c} ")))
            };
            assert!(named, "{name} is not in the migrations");
            assert!(code.status().is_client_error(), "{name}");
            assert_eq!(constraint_error(name), Some(*code));
        }
        assert_eq!(constraint_error("settings_single_row"), None);
    }

    /// A database error as Postgres reports a constraint violation: the
    /// row's values sit in the detail, which `Display` and `Debug` show.
    #[derive(Debug)]
    struct Violation {
        constraint: &'static str,
        detail: &'static str,
    }

    impl std::fmt::Display for Violation {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "violates {}: {}", self.constraint, self.detail)
        }
    }

    impl std::error::Error for Violation {}

    impl sqlx::error::DatabaseError for Violation {
        fn message(&self) -> &str {
            "new row violates a constraint"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed("23514"))
        }
        fn constraint(&self) -> Option<&str> {
            Some(self.constraint)
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::CheckViolation
        }
    }

    fn violation(constraint: &'static str) -> sqlx::Error {
        sqlx::Error::Database(Box::new(Violation {
            constraint,
            detail: "Failing row contains (sara@example.com, 192.0.2.7)",
        }))
    }

    #[test]
    fn listed_constraints_answer_their_code_and_others_log_no_row_values() {
        let e = ApiError::from(violation("comments_no_duplicate"));
        assert_eq!(e.code, ErrorCode::DuplicateComment);
        assert!(e.source.is_none());
        assert_eq!(
            ApiError::from(violation("moderators_email_key")).code,
            ErrorCode::EmailTaken
        );
        let e = ApiError::from(violation("comments_status_check"));
        assert_eq!(e.code, ErrorCode::Internal);
        let logged = e.cause_line().unwrap_or_default();
        assert!(logged.contains("comments_status_check"), "{logged}");
        assert!(
            !logged.contains("sara@") && !logged.contains("192.0.2.7"),
            "{logged}"
        );
    }

    /// What the server says when it goes away: `code` is its SQLSTATE.
    #[derive(Debug)]
    struct ServerGone {
        code: &'static str,
    }

    impl std::fmt::Display for ServerGone {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}: the server went away", self.code)
        }
    }

    impl std::error::Error for ServerGone {}

    impl sqlx::error::DatabaseError for ServerGone {
        fn message(&self) -> &str {
            "terminating connection due to unexpected postmaster exit"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.code))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    /// The errors a request meets while Postgres is stopped, killed or
    /// recovering (as `bench/faults/run.sh` sees them) answer 503
    /// `db_unavailable`, never 500.
    #[test]
    fn a_database_that_goes_away_answers_503() {
        use std::io::ErrorKind;
        let gone = |code| sqlx::Error::Database(Box::new(ServerGone { code }));
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(ErrorKind::UnexpectedEof.into()),
            sqlx::Error::Io(ErrorKind::ConnectionReset.into()),
            sqlx::Error::Io(ErrorKind::ConnectionRefused.into()),
            sqlx::Error::Io(ErrorKind::NotFound.into()),
            // admin_shutdown, crash_shutdown, cannot_connect_now
            gone("57P01"),
            gone("57P02"),
            gone("57P03"),
            // connection_failure
            gone("08006"),
        ] {
            let shown = e.to_string();
            let api = ApiError::from(e);
            assert_eq!(api.code, ErrorCode::DbUnavailable, "{shown}");
            // Logged on one line, without a backtrace even under RUST_BACKTRACE=1.
            let logged = api.cause_line().unwrap_or_default();
            assert!(logged.contains(&shown), "{logged}");
            assert!(!logged.contains('\n'), "{logged}");
            let resp = api.render(Lang::En);
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "{shown}");
            assert_eq!(
                resp.headers().get("Retry-After").unwrap(),
                &DB_RETRY_AFTER_SECS.to_string(),
                "{shown}"
            );
        }
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let resp = ApiError::rate_limited(7).render(Lang::En);
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers().get("Retry-After").unwrap(), "7");
    }
}
