//! The example alert rules (`ops/prometheus/alerts.yml`) and Grafana
//! dashboard (`ops/grafana/majlis.json`) name only metrics majlis exports,
//! and the dashboard is JSON Grafana can import.

// A test may stop on an unreadable file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `majlis_*` and `http_request*` names in `text`, without the histogram
/// suffixes.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if starts_word && (rest.starts_with("majlis_") || rest.starts_with("http_request")) {
            let len = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..len];
            let name = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            out.insert(name.to_owned());
            i += len;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// Every metric name the source registers (`counter!("...")`, ...).
fn exported() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("src/metrics.rs")).unwrap()
        + &std::fs::read_to_string(root().join("src/routes/guard.rs")).unwrap();
    let mut out = BTreeSet::new();
    for macro_name in ["counter!(", "gauge!(", "histogram!("] {
        for part in text.split(macro_name).skip(1) {
            let part = part.trim_start();
            if let Some(rest) = part.strip_prefix('"') {
                out.insert(rest.split('"').next().unwrap().to_owned());
            }
        }
    }
    out
}

#[test]
fn alerts_and_dashboard_name_only_exported_metrics() {
    let exported = exported();
    assert!(
        exported.contains("majlis_oldest_pending_age_seconds"),
        "{exported:?}"
    );
    let alerts = std::fs::read_to_string(root().join("ops/prometheus/alerts.yml")).unwrap();
    let dashboard = std::fs::read_to_string(root().join("ops/grafana/majlis.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let panels = json["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8);
    for p in panels {
        assert!(p["title"].is_string() && p["targets"].as_array().is_some_and(|t| !t.is_empty()));
    }
    for (file, text) in [("alerts.yml", &alerts), ("majlis.json", &dashboard)] {
        let named = metric_names(text);
        assert!(!named.is_empty(), "{file} names no metric");
        let unknown: Vec<&String> = named.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{file} names metrics majlis does not export: {unknown:?}"
        );
    }
    // The checker sees a metric that does not exist.
    assert!(metric_names("rate(majlis_made_up_total[5m])").contains("majlis_made_up_total"));
    assert!(!exported.contains("majlis_made_up_total"));
}
