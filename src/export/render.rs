//! Rendering comments as export bytes: the record (`CommentRow`, whose
//! fields are the CSV columns and NDJSON keys), CSV cells defused against
//! formula injection, and batch renderers.

pub use crate::db::comments::CommentRow;
pub use crate::domain::timestamps::micros_text as micros;
use std::borrow::Cow;

/// A UTF-8 byte order mark: spreadsheet programs need it to read a CSV
/// file as UTF-8 (and so show Arabic).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The columns, in order; also the NDJSON keys.
pub const FIELDS: [&str; 23] = [
    "id",
    "site",
    "article_id",
    "parent_id",
    "author_name",
    "author_email",
    "author_url",
    "avatar",
    "body",
    "body_html",
    "status",
    "spam_score",
    "spam_reasons",
    "ip",
    "user_agent",
    "referrer",
    "version",
    "created_at",
    "updated_at",
    "decision_category",
    "decision_reason",
    "appealed_at",
    "appeal_note",
];

/// One exported comment: the stored record itself.
pub type ExportRecord = CommentRow;

/// Defuses a text cell against formula injection (OWASP "CSV injection"):
/// a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// prefixed with `'`, so spreadsheet programs show it as text instead of
/// evaluating it. Numbers the export itself writes are never passed here.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn text(cell: &str) -> Cow<'_, str> {
    neutralize(cell)
}

fn opt_text(cell: Option<&str>) -> Cow<'_, str> {
    cell.map_or(Cow::Borrowed(""), neutralize)
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .has_headers(false)
        .from_writer(out)
}

/// The header row.
pub fn csv_header(out: &mut Vec<u8>) -> Result<(), csv::Error> {
    let mut w = csv_writer(out);
    w.write_record(FIELDS)?;
    w.flush()?;
    Ok(())
}

/// Appends one CSV row per comment.
pub fn csv_rows(out: &mut Vec<u8>, rows: &[CommentRow]) -> Result<(), csv::Error> {
    let mut w = csv_writer(out);
    for r in rows {
        let reasons = r.spam_reasons.to_string();
        let ip = r.ip.map(|ip| ip.to_string());
        w.write_record(
            [
                Cow::Owned(r.id.to_string()),
                text(&r.site),
                text(&r.article_id),
                Cow::Owned(r.parent_id.map(|p| p.to_string()).unwrap_or_default()),
                text(&r.author_name),
                text(&r.author_email),
                opt_text(r.author_url.as_deref()),
                opt_text(r.avatar.as_deref()),
                text(&r.body),
                text(&r.body_html),
                Cow::Borrowed(r.status.as_str()),
                Cow::Owned(r.spam_score.to_string()),
                text(&reasons),
                opt_text(ip.as_deref()),
                opt_text(r.user_agent.as_deref()),
                opt_text(r.referrer.as_deref()),
                Cow::Owned(r.version.to_string()),
                Cow::Owned(micros(&r.created_at)),
                Cow::Owned(micros(&r.updated_at)),
                opt_text(r.decision_category.as_deref()),
                opt_text(r.decision_reason.as_deref()),
                Cow::Owned(r.appealed_at.as_ref().map(micros).unwrap_or_default()),
                opt_text(r.appeal_note.as_deref()),
            ]
            .iter()
            .map(|c| c.as_bytes()),
        )?;
    }
    w.flush()?;
    Ok(())
}

/// Appends one JSON object and a `\n` per comment.
pub fn ndjson_rows(out: &mut Vec<u8>, rows: &[CommentRow]) -> Result<(), serde_json::Error> {
    for r in rows {
        serde_json::to_writer(&mut *out, &r)?;
        out.push(b'\n');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CommentStatus;
    use chrono::{TimeZone, Utc};

    fn row(name: &str, body: &str) -> CommentRow {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap()
            + chrono::Duration::microseconds(123_456);
        CommentRow {
            id: 7,
            site: "default".into(),
            article_id: "2024/11/strikes".into(),
            parent_id: Some(3),
            author_name: name.into(),
            author_email: "sara@example.com".into(),
            author_url: None,
            avatar: Some("ab".into()),
            body: body.into(),
            body_html: format!("<p dir=\"auto\">{body}</p>"),
            status: CommentStatus::Approved,
            spam_score: -1.5,
            spam_reasons: serde_json::json!([{"rule": "x"}]),
            ip: Some("192.0.2.1".parse().unwrap()),
            user_agent: Some("Mozilla/5.0".into()),
            referrer: None,
            version: 2,
            created_at: t,
            updated_at: t,
            decision_category: Some("abuse".into()),
            decision_reason: Some("=insults".into()),
            appealed_at: None,
            appeal_note: None,
        }
    }

    #[test]
    fn formula_cells_are_prefixed_with_an_apostrophe() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralize(bad), format!("'{bad}"));
        }
        for fine in ["hello", "", "سلام", "1-2", "a=b", " =x"] {
            assert_eq!(neutralize(fine), fine);
        }
    }

    #[test]
    fn csv_rows_end_in_crlf_quote_as_rfc4180_and_keep_numbers() {
        let mut out = Vec::new();
        csv_header(&mut out).unwrap();
        csv_rows(
            &mut out,
            &[row("=HYPERLINK(\"x\")", "سطر أول\nو\"اقتباس\", ثم")],
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        let mut lines = s.split("\r\n");
        assert_eq!(lines.next().unwrap(), FIELDS.join(","));
        let rest: String = lines.collect::<Vec<_>>().join("\r\n");
        assert!(rest.starts_with(
            "7,default,2024/11/strikes,3,\"'=HYPERLINK(\"\"x\"\")\",sara@example.com,"
        ));
        // The newline inside the body stays inside a quoted cell.
        assert!(rest.contains("\"سطر أول\nو\"\"اقتباس\"\", ثم\""));
        // A negative score is a number, not a formula.
        assert!(rest.contains(",approved,-1.5,"));
        assert!(rest.contains("2026-11-24T09:30:00.123456Z"));
        // The decision's category and text (defused like any text).
        assert!(rest.contains(",abuse,'=insults,,"), "{rest}");
        assert!(s.ends_with("\r\n"));
    }

    #[test]
    fn ndjson_is_one_object_per_line_with_the_private_fields() {
        let mut out = Vec::new();
        ndjson_rows(&mut out, &[row("سارة", "شكرا"), row("b", "c")]).unwrap();
        let s = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = FIELDS.to_vec();
        expected.sort_unstable();
        let mut got = keys.clone();
        got.sort_unstable();
        assert_eq!(got, expected);
        assert_eq!(v["author_name"], "سارة");
        assert_eq!(v["ip"], "192.0.2.1");
        assert_eq!(v["status"], "approved");
        let back: ExportRecord = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(back, row("سارة", "شكرا"));
    }
}
