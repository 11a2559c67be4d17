//! Opaque keyset cursors: the sort key of the last row of a page, encoded
//! as URL-safe base64 so clients treat it as a token. Decoding checks the
//! values against the range the database holds, so a forged cursor is a
//! field error and never a query Postgres rejects.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}:{}",
            self.created_at.timestamp_micros(),
            self.id
        ))
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let raw = URL_SAFE_NO_PAD.decode(s.trim()).ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        let (micros, id) = text.split_once(':')?;
        let micros: i64 = micros.parse().ok()?;
        let id: i64 = id.parse().ok()?;
        if !(MIN_MICROS..=MAX_MICROS).contains(&micros) || id < 1 {
            return None;
        }
        Some(Cursor {
            created_at: DateTime::from_timestamp_micros(micros)?,
            id,
        })
    }
}

/// The audit log's cursor: the id of the last event shown, made opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor(pub i64);

impl LogCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("log:{}", self.0))
    }

    pub fn decode(s: &str) -> Option<LogCursor> {
        let raw = URL_SAFE_NO_PAD.decode(s.trim()).ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        text.strip_prefix("log:")?
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(LogCursor)
    }
}

/// The articles list's cursor: the last article's creation time, site and
/// id (newest first). Decoding checks each part as the database would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleCursor {
    pub created_at: DateTime<Utc>,
    pub site: String,
    pub id: String,
}

impl ArticleCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "art:{}:{}:{}",
            self.created_at.timestamp_micros(),
            self.site,
            self.id
        ))
    }

    pub fn decode(s: &str) -> Option<ArticleCursor> {
        let raw = URL_SAFE_NO_PAD.decode(s.trim()).ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        let rest = text.strip_prefix("art:")?;
        let (micros, rest) = rest.split_once(':')?;
        // Site ids have no `:`; article ids may.
        let (site, id) = rest.split_once(':')?;
        let micros: i64 = micros.parse().ok()?;
        if !(MIN_MICROS..=MAX_MICROS).contains(&micros) {
            return None;
        }
        let site = crate::domain::SiteId::parse(site).ok()?;
        let id = crate::domain::ArticleId::parse(id).ok()?;
        if id.as_str() != rest.split_once(':').map_or("", |(_, id)| id) {
            return None;
        }
        Some(ArticleCursor {
            created_at: DateTime::from_timestamp_micros(micros)?,
            site: site.as_str().to_owned(),
            id: id.as_str().to_owned(),
        })
    }
}

/// The reported queue's cursor (reports from the most networks first):
/// the last comment's count of distinct reporting networks, then its time
/// and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankedCursor {
    pub reports: i32,
    pub at: Cursor,
}

impl RankedCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("rep:{}:{}", self.reports, self.at.encode()))
    }

    pub fn decode(s: &str) -> Option<RankedCursor> {
        let raw = URL_SAFE_NO_PAD.decode(s.trim()).ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        let (reports, at) = text.strip_prefix("rep:")?.split_once(':')?;
        let reports: i32 = reports.parse().ok().filter(|n| *n >= 0)?;
        Some(RankedCursor {
            reports,
            at: Cursor::decode(at)?,
        })
    }
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: well inside
/// Postgres' `timestamptz` (4713 BC to 294276 AD), and every time a row
/// can have.
pub const MIN_MICROS: i64 = -62_135_596_800_000_000;
pub const MAX_MICROS: i64 = 253_402_300_799_999_999;

/// Whether a time is one the database holds and a row may carry.
pub fn in_storable_range(t: DateTime<Utc>) -> bool {
    (MIN_MICROS..=MAX_MICROS).contains(&t.timestamp_micros())
}

/// Cuts a page fetched with one row more than `limit` (keyset paging):
/// the page's last row when there is a next page, to build its cursor.
pub fn page_end<T>(rows: &mut Vec<T>, limit: i64) -> Option<&T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ranked_cursor_round_trips_and_is_not_a_time_cursor() {
        let at = Cursor {
            created_at: DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap(),
            id: 42,
        };
        let c = RankedCursor { reports: 7, at };
        assert_eq!(RankedCursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode(&c.encode()), None);
        assert_eq!(RankedCursor::decode(&at.encode()), None);
        assert_eq!(
            RankedCursor::decode(&URL_SAFE_NO_PAD.encode(format!("rep:-1:{}", at.encode()))),
            None
        );
    }

    #[test]
    fn a_page_fetched_with_one_more_row_says_where_the_next_begins() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(page_end(&mut rows, 2), Some(&2));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert_eq!(page_end(&mut rows, 2), None);
        assert_eq!(rows, [1, 2]);
        assert_eq!(page_end(&mut Vec::<i32>::new(), 50), None);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = Cursor {
            created_at: DateTime::from_timestamp_micros(1_732_000_000_123_456).unwrap(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("!!"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("x:1")), None);
        assert_eq!(Cursor::decode(""), None);
    }

    #[test]
    fn article_cursors_round_trip_and_forgeries_are_refused() {
        let c = ArticleCursor {
            created_at: DateTime::from_timestamp_micros(1_732_000_000_123_456).unwrap(),
            site: "en".to_owned(),
            id: "2024/11:strikes".to_owned(),
        };
        assert_eq!(ArticleCursor::decode(&c.encode()), Some(c));
        let forged = |text: &str| ArticleCursor::decode(&URL_SAFE_NO_PAD.encode(text));
        assert_eq!(forged("art:1:EN:a"), None, "not a site id");
        assert_eq!(forged("art:1:en:a b"), None, "not an article id");
        assert_eq!(forged("art:1:en: a"), None, "an id that is not as stored");
        assert_eq!(forged("art:x:en:a"), None);
        assert_eq!(forged(&format!("art:{}:en:a", MAX_MICROS + 1)), None);
        assert_eq!(forged("1:en:a"), None);
        assert!(forged("art:1:default:a").is_some());
    }

    #[test]
    fn cursors_outside_the_storable_range_are_refused() {
        // The forged cursor of issue 10: a time 200,000 years ago.
        assert_eq!(Cursor::decode("LTYzMDcyMDAwMDAwMDAwMDAwMDA6MQ"), None);
        let at = |micros: i64, id: i64| URL_SAFE_NO_PAD.encode(format!("{micros}:{id}"));
        assert!(Cursor::decode(&at(MIN_MICROS, 1)).is_some());
        assert!(Cursor::decode(&at(MAX_MICROS, 1)).is_some());
        assert_eq!(Cursor::decode(&at(MIN_MICROS - 1, 1)), None);
        assert_eq!(Cursor::decode(&at(MAX_MICROS + 1, 1)), None);
        assert_eq!(Cursor::decode(&at(0, 0)), None);
        assert_eq!(Cursor::decode(&at(0, -5)), None);
        assert_eq!(
            DateTime::from_timestamp_micros(MIN_MICROS).map(|t| t.to_rfc3339()),
            Some("0001-01-01T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            DateTime::from_timestamp_micros(MAX_MICROS).map(|t| t.to_rfc3339()),
            Some("9999-12-31T23:59:59.999999+00:00".to_owned())
        );
    }
}
