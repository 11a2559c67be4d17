//! How timestamps are written: API answers with milliseconds, exports with
//! the microseconds Postgres keeps (so a restore is exact). Both RFC 3339
//! in UTC with a `Z`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// `2026-11-24T09:30:00.123Z`, for `#[serde(serialize_with)]`.
pub fn millis<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// [`millis`] of an optional time (`null` when unset).
pub fn opt_millis<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => millis(t, s),
        None => s.serialize_none(),
    }
}

/// `2026-11-24T09:30:00.123456Z`.
pub fn micros_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// [`micros_text`], for `#[serde(serialize_with)]`.
pub fn micros<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&micros_text(t))
}

/// [`micros`] of an optional time (`null` when unset).
pub fn opt_micros<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => micros(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn answers_keep_milliseconds_and_exports_microseconds() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap()
            + chrono::Duration::microseconds(123_456);
        let json = |v: serde_json::Result<serde_json::Value>| v.unwrap();
        assert_eq!(
            json(millis(&t, serde_json::value::Serializer)),
            "2026-11-24T09:30:00.123Z"
        );
        assert_eq!(
            json(micros(&t, serde_json::value::Serializer)),
            "2026-11-24T09:30:00.123456Z"
        );
    }
}
