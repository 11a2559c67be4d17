//! The moderation queue's and the audit log's query strings: their shapes
//! (and what the OpenAPI document says of them), parsed and checked into
//! the queries the routes run.

use crate::db::audit::LogFilter;
use crate::db::moderation::{QueueAfter, QueueFilter, QueueOrder};
use crate::domain::cursor::{LogCursor, RankedCursor};
use crate::domain::ids::{CommentId, ModeratorId};
use crate::domain::limits::{
    LOG_MAX_PAGE, MAX_ACTION_CHARS, MAX_EMAIL_FILTER, MAX_QUERY_CHARS, QUEUE_DEFAULT_PAGE,
    QUEUE_MAX_PAGE,
};
use crate::domain::{ArticleId, CommentStatus, Cursor};
use crate::error::{FieldCode, FieldErrors};
use crate::routes::body::{page_limit, positive_id_text, query_params, schema};
use crate::routes::site::named_site;
use ipnet::IpNet;
use std::net::IpAddr;

/// An action name to filter the log by: trimmed, one line, bounded. An
/// action no event has simply finds nothing.
fn parse_action(v: &str) -> Result<String, FieldCode> {
    let v = v.trim();
    if v.chars().any(char::is_control) {
        return Err(FieldCode::ControlCharacters);
    }
    if v.chars().count() > MAX_ACTION_CHARS {
        return Err(FieldCode::TooLong {
            max: MAX_ACTION_CHARS,
        });
    }
    Ok(v.to_owned())
}

/// A parsed `GET /api/v1/moderation/comments` query.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    pub filter: QueueFilter,
    pub cursor: Option<QueueAfter>,
    pub limit: i64,
}

/// The queue's `status` values: every status, and `all`.
pub fn queue_statuses() -> impl Iterator<Item = &'static str> {
    CommentStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .chain(std::iter::once("all"))
}

query_params! {
    /// `GET /api/v1/moderation/comments`: the query as sent. An empty
    /// free-text filter (`q`, `email`) counts as absent; another empty
    /// value is refused as its schema says; unknown keys are ignored.
    pub struct QueueParams {
        /// `pending` (default), `approved`, `spam`, `rejected`, or `all`.
        status: Option<String> = queue_status_schema();
        /// Only this site's comments (default: every site the account may
        /// see).
        site: Option<String> = schema::site();
        /// Only this article's comments.
        article_id: Option<String> = schema::article_id_filter();
        /// Author email, case-insensitive.
        email: Option<String> = email_filter_schema();
        /// An address or a CIDR range.
        ip: Option<String> = schema::text(None, 50).pattern(Some(schema::NO_NUL)).build();
        /// Substring (1-200 characters) of the body or the author's name.
        q: Option<String> = schema::query_text();
        /// Lowest spam score.
        min_score: Option<String> = schema::number();
        /// `newest` first (default), `oldest` first, or `reports` (open
        /// reader reports from the most distinct networks first; only
        /// reported comments); send the same `order` with a cursor (a
        /// cursor is a position, read onward in the order asked).
        order: Option<String> = queue_order_schema();
        /// `true`: only comments with open reader reports.
        reported: Option<String> = crate::routes::export_query::bool_schema();
        /// `next_cursor` of the previous page.
        cursor: Option<String> = schema::cursor();
        /// Page size, 1-100 (default 50).
        limit: Option<String> = schema::queue_limit();
    }
}

fn queue_status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(queue_statuses()))
        .build()
}

fn queue_order_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["newest", "oldest", "reports"]))
        .build()
}

fn parse_queue_order(v: &str) -> Result<QueueOrder, FieldCode> {
    match v.trim() {
        "newest" => Ok(QueueOrder::Newest),
        "oldest" => Ok(QueueOrder::Oldest),
        "reports" => Ok(QueueOrder::Reports),
        _ => Err(FieldCode::InvalidValue),
    }
}

fn email_filter_schema() -> utoipa::openapi::schema::Object {
    schema::text(None, MAX_EMAIL_FILTER)
        .pattern(Some(schema::NO_NUL))
        .build()
}

fn parse_ip(v: &str) -> Result<IpNet, FieldCode> {
    let v = v.trim();
    v.parse::<IpNet>()
        .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| FieldCode::InvalidValue)
}

/// Free text for a filter: trimmed, at most `max` characters.
fn filter_text(v: &str, max: usize) -> Result<String, FieldCode> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(FieldCode::TooLong { max });
    }
    Ok(v.to_owned())
}

impl QueueQuery {
    /// `status` defaults to `pending`; `status=all` lists every status.
    pub fn from_params(p: QueueParams) -> Result<QueueQuery, FieldErrors> {
        let mut f = FieldErrors::default();
        let status = match p.status.as_deref().map(str::trim) {
            None => Some(CommentStatus::Pending),
            Some("all") => None,
            Some(v) => match v.parse::<CommentStatus>() {
                Ok(s) => Some(s),
                Err(()) => {
                    f.add("status", FieldCode::InvalidValue);
                    Some(CommentStatus::Pending)
                }
            },
        };
        let site = named_site(p.site.as_deref()).unwrap_or_else(|e| {
            f.extend_new(e);
            None
        });
        let filter = QueueFilter {
            status,
            site: site.map(|s| s.as_str().to_owned()),
            sites: None,
            article_id: p.article_id.and_then(|v| {
                f.take("article_id", ArticleId::parse(&v))
                    .map(|a| a.as_str().to_owned())
            }),
            email: p
                .email
                .and_then(|v| f.take("email", filter_text(&v, MAX_EMAIL_FILTER))),
            ip: p.ip.and_then(|v| f.take("ip", parse_ip(&v))),
            q: p.q
                .and_then(|v| f.take("q", filter_text(&v, MAX_QUERY_CHARS))),
            min_score: p.min_score.and_then(|v| match v.trim().parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    f.add("min_score", FieldCode::InvalidNumber);
                    None
                }
            }),
            order: p
                .order
                .and_then(|v| f.take("order", parse_queue_order(&v)))
                .unwrap_or_default(),
            reported: p
                .reported
                .and_then(|v| {
                    f.take(
                        "reported",
                        crate::routes::export_query::parse_bool(&v).ok_or(FieldCode::InvalidValue),
                    )
                })
                .unwrap_or(false),
        };
        let by_reports = filter.order == QueueOrder::Reports;
        let cursor = p.cursor.and_then(|v| {
            let after = if by_reports {
                RankedCursor::decode(&v).map(QueueAfter::Ranked)
            } else {
                Cursor::decode(&v).map(QueueAfter::At)
            };
            f.take("cursor", after.ok_or(FieldCode::InvalidCursor))
        });
        let limit = p
            .limit
            .and_then(|v| f.take("limit", page_limit(&v, QUEUE_MAX_PAGE)))
            .unwrap_or(QUEUE_DEFAULT_PAGE);
        if f.is_empty() {
            Ok(QueueQuery {
                filter,
                cursor,
                limit,
            })
        } else {
            Err(f)
        }
    }
}

/// A parsed `GET /api/v1/moderation/log` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub filter: LogFilter,
    pub limit: i64,
}

query_params! {
    /// `GET /api/v1/moderation/log`: the query as sent.
    pub struct LogParams {
        /// Only this comment's events.
        comment_id: Option<String> = schema::id();
        /// Only this moderator's events.
        moderator_id: Option<String> = schema::id();
        /// Only events of this action (`comment.status_changed`,
        /// `comment.confirmed`, `learner.reset`, ...).
        action: Option<String> = schema::text(None, MAX_ACTION_CHARS).pattern(Some(schema::ONE_LINE)).build();
        /// `next_cursor` of the previous page.
        cursor: Option<String> = schema::cursor();
        /// Page size, 1-200 (default 50).
        limit: Option<String> = schema::log_limit();
    }
}

impl LogQuery {
    pub fn from_params(p: LogParams) -> Result<LogQuery, FieldErrors> {
        let mut f = FieldErrors::default();
        let q = LogQuery {
            filter: LogFilter {
                sites: None,
                comment_id: p
                    .comment_id
                    .and_then(|v| f.take("comment_id", positive_id_text(&v)))
                    .map(CommentId),
                moderator_id: p
                    .moderator_id
                    .and_then(|v| f.take("moderator_id", positive_id_text(&v)))
                    .map(ModeratorId),
                action: p
                    .action
                    .and_then(|v| f.take("action", parse_action(&v)))
                    .filter(|a| !a.is_empty()),
                before: p.cursor.and_then(|v| {
                    f.take(
                        "cursor",
                        LogCursor::decode(&v).ok_or(FieldCode::InvalidCursor),
                    )
                }),
            },
            limit: p
                .limit
                .and_then(|v| f.take("limit", page_limit(&v, LOG_MAX_PAGE)))
                .unwrap_or(QUEUE_DEFAULT_PAGE),
        };
        if f.is_empty() { Ok(q) } else { Err(f) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    /// Query pairs through the same decoding the `ApiQuery` extractor does.
    fn params<T: serde::de::DeserializeOwned>(p: &[(&str, &str)]) -> T {
        let pairs = p
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let map = crate::routes::body::pairs_object(pairs, &[], &[], true);
        serde_json::from_value(serde_json::Value::Object(map)).unwrap()
    }

    impl QueueQuery {
        fn parse(p: &[(&str, &str)]) -> Result<QueueQuery, FieldErrors> {
            QueueQuery::from_params(params(p))
        }
    }

    impl LogQuery {
        fn parse(p: &[(&str, &str)]) -> Result<LogQuery, FieldErrors> {
            LogQuery::from_params(params(p))
        }
    }

    fn field_codes(e: FieldErrors) -> Vec<String> {
        let body = ApiError::validation(e).body(crate::i18n::Lang::En);
        body.error
            .fields
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(k, v)| v.into_iter().map(move |c| format!("{k}: {}", c.code)))
            .collect()
    }

    #[test]
    fn the_queue_defaults_to_pending_newest_first_fifty() {
        let q = QueueQuery::parse(&[]).unwrap();
        assert_eq!(q.filter.status, Some(CommentStatus::Pending));
        assert_eq!(q.limit, 50);
        assert_eq!(q.filter.order, QueueOrder::Newest);
        assert!(!q.filter.reported);
        assert_eq!(
            QueueQuery::parse(&[("order", "oldest")])
                .unwrap()
                .filter
                .order,
            QueueOrder::Oldest
        );
        // Most reported first: its cursors carry the report count, and a
        // time cursor is not one of them.
        let ranked = QueueQuery::parse(&[("order", "reports"), ("reported", "true")]).unwrap();
        assert_eq!(ranked.filter.order, QueueOrder::Reports);
        assert!(ranked.filter.reported);
        let at = Cursor {
            created_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            id: 9,
        };
        let r = RankedCursor { reports: 4, at }.encode();
        assert_eq!(
            QueueQuery::parse(&[("order", "reports"), ("cursor", &r)])
                .unwrap()
                .cursor,
            Some(QueueAfter::Ranked(RankedCursor { reports: 4, at }))
        );
        assert_eq!(
            field_codes(
                QueueQuery::parse(&[("order", "reports"), ("cursor", &at.encode())]).unwrap_err()
            ),
            ["cursor: invalid_cursor"]
        );
        assert_eq!(
            field_codes(QueueQuery::parse(&[("reported", "maybe")]).unwrap_err()),
            ["reported: invalid_value"]
        );
        let q = QueueQuery::parse(&[
            ("status", "all"),
            ("ip", "203.0.113.0/24"),
            ("q", "  سلام "),
            ("min_score", "0.5"),
            ("email", ""),
            ("limit", "100"),
        ])
        .unwrap();
        assert_eq!(q.filter.status, None);
        assert_eq!(q.filter.ip, Some("203.0.113.0/24".parse().unwrap()));
        assert_eq!(q.filter.q.as_deref(), Some("سلام"));
        assert_eq!(q.filter.min_score, Some(0.5));
        assert_eq!(q.filter.email, None);
        let single = QueueQuery::parse(&[("ip", "::1")]).unwrap();
        assert_eq!(single.filter.ip, Some("::1/128".parse().unwrap()));
    }
    #[test]
    fn bad_queue_parameters_are_all_named() {
        let e = QueueQuery::parse(&[
            ("status", "deleted"),
            ("ip", "nope"),
            ("min_score", "NaN"),
            ("limit", "0"),
            ("cursor", "!!"),
            ("article_id", "a b"),
            ("order", "random"),
        ])
        .unwrap_err();
        assert_eq!(
            field_codes(e),
            [
                "article_id: invalid_article_id",
                "cursor: invalid_cursor",
                "ip: invalid_value",
                "limit: out_of_range",
                "min_score: invalid_number",
                "order: invalid_value",
                "status: invalid_value",
            ]
        );
    }
    #[test]
    fn log_cursors_round_trip_and_queries_parse() {
        assert_eq!(
            LogCursor::decode(&LogCursor(42).encode()),
            Some(LogCursor(42))
        );
        assert_eq!(LogCursor::decode("bm9wZQ"), None);
        let q =
            LogQuery::parse(&[("comment_id", "7"), ("cursor", &LogCursor(9).encode())]).unwrap();
        assert_eq!(
            q,
            LogQuery {
                filter: LogFilter {
                    comment_id: Some(CommentId(7)),
                    moderator_id: None,
                    action: None,
                    before: Some(LogCursor(9)),
                    sites: None,
                },
                limit: 50
            }
        );
        let q = LogQuery::parse(&[("action", " comment.confirmed ")]).unwrap();
        assert_eq!(q.filter.action.as_deref(), Some("comment.confirmed"));
        let e = LogQuery::parse(&[("action", "a\u{0}b")]).unwrap_err();
        assert_eq!(field_codes(e), ["action: control_characters"]);
        let e = LogQuery::parse(&[("moderator_id", "-1")]).unwrap_err();
        assert_eq!(field_codes(e), ["moderator_id: out_of_range"]);
        let e = LogQuery::parse(&[("moderator_id", "x")]).unwrap_err();
        assert_eq!(field_codes(e), ["moderator_id: invalid_number"]);
    }
}
