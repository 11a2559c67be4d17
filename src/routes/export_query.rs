//! The export's query string (`GET /api/v1/export/comments`, and the
//! `key=value` arguments of `majlis export`): its shape, what the OpenAPI
//! document says of it, and its parsing into an [`ExportRequest`] with
//! every problem reported as a field error (422).

use crate::domain::{ArticleId, CommentStatus};
use crate::error::{FieldCode, FieldErrors};
use crate::export::{ExportFilter, ExportFormat, ExportRequest, parse_time_bound};
use chrono::{DateTime, Utc};

pub(crate) fn parse_bool(raw: &str) -> Option<bool> {
    let raw = raw.trim().to_ascii_lowercase();
    BOOL_NAMES
        .iter()
        .find(|(name, _)| *name == raw)
        .map(|(_, b)| *b)
}

super::body::query_params! {
    /// `GET /api/v1/export/comments` (and `majlis export`): the query as
    /// sent. Over HTTP an empty value is refused where the schema needs
    /// one (the command line drops empty options); unknown keys are
    /// ignored; the last of repeated keys wins.
    pub struct ExportParams {
        /// `csv` (default) or `ndjson` (`jsonl` is the same).
        format: Option<String> = format_schema();
        /// Only comments with this status.
        status: Option<String> = status_schema();
        /// Only this site's comments (default: every site the account may
        /// see).
        site: Option<String> = super::body::schema::site();
        /// Only this article's comments.
        article_id: Option<String> = super::body::schema::article_id_filter();
        /// RFC 3339 time or a date (its midnight UTC), years 1-9999.
        since: Option<String> = time_schema();
        /// RFC 3339 time or a date (the end of that day), years 1-9999.
        until: Option<String> = time_schema();
        /// CSV only: a UTF-8 byte order mark (default true).
        bom: Option<String> = bool_schema();
    }
}

fn status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(CommentStatus::ALL.iter().map(|s| s.as_str())))
        .build()
}

pub(crate) fn time_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .max_length(Some(40))
        .build()
}

/// A boolean query parameter: one of its accepted spellings.
pub(crate) fn bool_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(BOOL_NAMES.iter().map(|(name, _)| *name)))
        .build()
}

/// Accepted spellings of a boolean.
const BOOL_NAMES: &[(&str, bool)] = &[
    ("true", true),
    ("false", false),
    ("1", true),
    ("0", false),
    ("yes", true),
    ("no", false),
    ("on", true),
    ("off", false),
];

fn format_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ExportFormat::NAMES.iter().copied()))
        .build()
}

/// A time bound in years 1-9999 (the end of 9999 for an exclusive
/// `until`), so the database always holds it; else `InvalidValue`.
pub(crate) fn time_bound(raw: &str, is_until: bool) -> Result<DateTime<Utc>, FieldCode> {
    use crate::domain::cursor::{MAX_MICROS, MIN_MICROS};
    let max = if is_until { MAX_MICROS + 1 } else { MAX_MICROS };
    parse_time_bound(raw, is_until)
        .filter(|t| (MIN_MICROS..=max).contains(&t.timestamp_micros()))
        .ok_or(FieldCode::InvalidValue)
}

impl ExportRequest {
    /// The format defaults to CSV and the BOM to on (spreadsheet programs
    /// need it to read Arabic).
    pub fn from_params(p: ExportParams) -> Result<ExportRequest, FieldErrors> {
        let mut f = FieldErrors::default();
        let format = p
            .format
            .and_then(|v| {
                f.take(
                    "format",
                    ExportFormat::parse(&v).ok_or(FieldCode::InvalidValue),
                )
            })
            .unwrap_or_default();
        let site = super::site::named_site(p.site.as_deref()).unwrap_or_else(|e| {
            f.extend_new(e);
            None
        });
        let filter = ExportFilter {
            site: site.map(|s| s.as_str().to_owned()),
            sites: None,
            status: p.status.and_then(|v| {
                f.take(
                    "status",
                    v.trim()
                        .parse::<CommentStatus>()
                        .map_err(|()| FieldCode::InvalidValue),
                )
            }),
            article_id: p.article_id.and_then(|v| {
                f.take("article_id", ArticleId::parse(&v))
                    .map(|a| a.as_str().to_owned())
            }),
            since: p.since.and_then(|v| f.take("since", time_bound(&v, false))),
            until: p.until.and_then(|v| f.take("until", time_bound(&v, true))),
        };
        let bom = p
            .bom
            .and_then(|v| f.take("bom", parse_bool(&v).ok_or(FieldCode::InvalidValue)))
            .unwrap_or(true);
        if let (Some(since), Some(until)) = (filter.since, filter.until)
            && since >= until
        {
            f.add("until", FieldCode::InvalidValue);
        }
        if f.is_empty() {
            Ok(ExportRequest {
                format,
                filter,
                bom,
            })
        } else {
            Err(f)
        }
    }

    /// The same from query pairs (the command line's `key=value`
    /// arguments), decoded as the HTTP query is.
    pub fn from_query_pairs<K, V>(pairs: &[(K, V)]) -> Result<ExportRequest, FieldErrors>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let pairs = pairs
            .iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect();
        let map = super::body::pairs_object(pairs, &[], &[], true);
        let params = serde_json::from_value(serde_json::Value::Object(map)).map_err(|_| {
            let mut f = FieldErrors::default();
            f.add("query", FieldCode::InvalidValue);
            f
        })?;
        ExportRequest::from_params(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn parse(pairs: &[(&str, &str)]) -> Result<ExportRequest, FieldErrors> {
        ExportRequest::from_query_pairs(pairs)
    }

    #[test]
    fn no_parameters_mean_everything_as_csv_with_a_bom() {
        let r = parse(&[]).unwrap();
        assert_eq!(r.format, ExportFormat::Csv);
        assert!(r.bom);
        assert_eq!(r.filter, ExportFilter::default());
    }

    #[test]
    fn every_parameter_is_parsed() {
        let r = parse(&[
            ("format", "ndjson"),
            ("status", "spam"),
            ("article_id", "2024/11/strikes"),
            ("since", "2026-11-01"),
            ("until", "2026-11-30T12:00:00+02:00"),
            ("bom", "false"),
        ])
        .unwrap();
        assert_eq!(r.format, ExportFormat::Ndjson);
        assert!(!r.bom);
        assert_eq!(r.filter.status, Some(CommentStatus::Spam));
        assert_eq!(r.filter.article_id.as_deref(), Some("2024/11/strikes"));
        assert_eq!(
            r.filter.since,
            Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap())
        );
        assert_eq!(
            r.filter.until,
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap())
        );
    }

    #[test]
    fn empty_values_count_as_absent() {
        let r = parse(&[("status", ""), ("article_id", " "), ("since", "")]).unwrap();
        assert_eq!(r.filter, ExportFilter::default());
    }

    #[test]
    fn a_plain_until_date_includes_that_whole_day() {
        let r = parse(&[("until", "2026-11-24")]).unwrap();
        assert_eq!(
            r.filter.until,
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap())
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let f = parse(&[
            ("format", "xlsx"),
            ("status", "deleted"),
            ("article_id", "no spaces allowed"),
            ("since", "yesterday"),
            ("until", "2026-13-01"),
            ("bom", "maybe"),
        ])
        .unwrap_err();
        assert_eq!(f.get("format"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(f.get("status"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(
            f.get("article_id"),
            Some(&[FieldCode::InvalidArticleId][..])
        );
        assert_eq!(f.get("since"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(f.get("until"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(f.get("bom"), Some(&[FieldCode::InvalidValue][..]));
    }

    #[test]
    fn since_must_come_before_until() {
        let f = parse(&[("since", "2026-11-24"), ("until", "2026-11-01")]).unwrap_err();
        assert_eq!(f.get("until"), Some(&[FieldCode::InvalidValue][..]));
        assert!(f.get("since").is_none());
    }

    #[test]
    fn times_postgres_cannot_hold_are_refused_before_streaming() {
        let f = parse(&[
            ("since", "0000-01-01"),
            ("until", "9999-12-31T23:59:59-23:59"),
        ])
        .unwrap_err();
        assert_eq!(f.get("since"), Some(&[FieldCode::InvalidValue][..]));
        assert_eq!(f.get("until"), Some(&[FieldCode::InvalidValue][..]));
        assert!(parse(&[("until", "9999-12-31")]).is_ok());
        assert!(parse(&[("since", "0001-01-01"), ("until", "9999-12-30")]).is_ok());
        // A signed year parses as a date, 5001 BC: before Postgres' first.
        assert!(parse_time_bound("-5000-01-01", false).is_some());
        let f = parse(&[("since", "-5000-01-01")]).unwrap_err();
        assert_eq!(f.get("since"), Some(&[FieldCode::InvalidValue][..]));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        assert!(parse(&[("_", "1712345"), ("format", "CSV")]).is_ok());
    }
}
