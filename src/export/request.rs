//! What an export asks for (parsed from the query string by
//! `routes::export_query`, for HTTP and the command line alike), and the
//! pure helpers for the response headers.

use super::ExportFilter;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// RFC 4180 with a header row and CRLF line ends.
    #[default]
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl ExportFormat {
    /// Every accepted name.
    pub const NAMES: &'static [&'static str] = &["csv", "ndjson", "jsonl"];

    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "ndjson" | "jsonl" => Some(ExportFormat::Ndjson),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }

    /// The `Content-Type` of a response holding this format.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Ndjson => "application/x-ndjson",
        }
    }
}

/// A parsed export request: what to export and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub format: ExportFormat,
    pub filter: ExportFilter,
    /// A UTF-8 byte order mark before a CSV (ignored for NDJSON).
    pub bom: bool,
}

/// `2026-11-24T10:00:00Z` (any RFC 3339 offset) or a plain date. A plain
/// date means its midnight UTC for `since`, and the end of that day for
/// `until` (so `since=2026-11-01&until=2026-11-30` is all of November).
pub fn parse_time_bound(raw: &str, is_until: bool) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let day = if is_until { day.succ_opt()? } else { day };
    Some(day.and_time(NaiveTime::MIN).and_utc())
}

/// `majlis-comments-2026-11-24.csv`
pub fn filename(format: ExportFormat, date: NaiveDate) -> String {
    format!(
        "majlis-comments-{}.{}",
        date.format("%Y-%m-%d"),
        format.extension()
    )
}

/// The `Content-Disposition` header value for an export made on `date`.
pub fn content_disposition(format: ExportFormat, date: NaiveDate) -> String {
    format!("attachment; filename=\"{}\"", filename(format, date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filename_carries_the_date_and_the_extension() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            filename(ExportFormat::Csv, d),
            "majlis-comments-2026-11-24.csv"
        );
        assert_eq!(
            filename(ExportFormat::Ndjson, d),
            "majlis-comments-2026-11-24.ndjson"
        );
        assert_eq!(
            content_disposition(ExportFormat::Csv, d),
            "attachment; filename=\"majlis-comments-2026-11-24.csv\""
        );
    }
}
