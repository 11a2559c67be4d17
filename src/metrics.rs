//! Prometheus metrics (the `metrics` facade with its Prometheus exporter),
//! served at `GET /metrics`:
//! - `http_requests_total{method,route,status}` and
//!   `http_request_duration_seconds{method,route,status}` (route pattern,
//!   never the raw path);
//! - `majlis_submissions_total{status}` and `majlis_spam_rule_hits_total{rule}`
//!   (the learner is the rule `learner`);
//! - `majlis_spam_caught_total{by="rules"|"learner"|"rules_and_learner"}`
//!   (comments the score held: what held them);
//! - `majlis_export_rows_total{format}` (rows streamed by HTTP exports);
//! - `majlis_pending_comments` and `majlis_oldest_pending_age_seconds`
//!   (the moderation queue: its length and how long its oldest comment has
//!   waited, 0 when empty), sampled at scrape;
//! - `majlis_decisions_total{moderator_id,decision}` (per hour:
//!   `increase(...[1h])`);
//! - `majlis_comments_purged_total{status}` (retention);
//! - `majlis_webhook_deliveries_total{result}` (`delivered`, `retry`,
//!   `failed`) and `majlis_webhook_outbox_lag_seconds` (how long the
//!   oldest unsent event or due retry has waited, as the instance whose
//!   worker sends saw it last; 0 on the others: take the largest);
//! - `majlis_mails_total{result}` (`delivered`: the SMTP server took it,
//!   `retry`, `failed`, `skipped`) and `majlis_mail_outbox_lag_seconds`;
//! - `majlis_network_data_cleared_total` (comments whose IP address, user
//!   agent and referrer the retention job cleared);
//! - `majlis_refused_total{reason}` (limits at the HTTP edge);
//! - `majlis_db_pool_connections{state="busy"|"idle"}` and
//!   `majlis_db_errors_total{kind}`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process-wide recorder once; `None` if another recorder was
/// installed first (metrics are then not rendered).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".to_owned()),
                    LATENCY_BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

pub fn record_request(method: &str, route: &str, status: u16, seconds: f64) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(seconds);
}

pub fn record_submission(
    status: &str,
    rules: impl Iterator<Item = String>,
    caught_by: Option<&'static str>,
) {
    metrics::counter!("majlis_submissions_total", "status" => status.to_owned()).increment(1);
    if let Some(by) = caught_by {
        metrics::counter!("majlis_spam_caught_total", "by" => by).increment(1);
    }
    for rule in rules {
        metrics::counter!("majlis_spam_rule_hits_total", "rule" => rule).increment(1);
    }
}

pub fn record_db_error(kind: &'static str) {
    metrics::counter!("majlis_db_errors_total", "kind" => kind).increment(1);
}

/// A moderator's decision (`approved`, `spam`, `rejected`, `pending`, or
/// `edit` for an edit alone), by account id (never a name or email).
pub fn record_decision(by: crate::domain::ids::Actor, decision: &'static str) {
    metrics::counter!(
        "majlis_decisions_total",
        "moderator_id" => by.0.to_string(),
        "decision" => decision
    )
    .increment(1);
}

/// Comments a retention run deleted (each leaving a tombstone).
pub fn record_purged(status: &'static str, n: usize) {
    metrics::counter!("majlis_comments_purged_total", "status" => status).increment(n as u64);
}

pub fn record_webhook_delivery(result: &'static str) {
    metrics::counter!("majlis_webhook_deliveries_total", "result" => result).increment(1);
}

pub fn set_webhook_lag(seconds: f64) {
    metrics::gauge!("majlis_webhook_outbox_lag_seconds").set(seconds);
}

pub fn record_mail(result: &'static str) {
    metrics::counter!("majlis_mails_total", "result" => result).increment(1);
}

pub fn set_mail_lag(seconds: f64) {
    metrics::gauge!("majlis_mail_outbox_lag_seconds").set(seconds);
}

pub fn record_network_data_cleared(n: u64) {
    metrics::counter!("majlis_network_data_cleared_total").increment(n);
}

pub fn set_pool(size: u32, idle: usize) {
    let idle = idle as f64;
    metrics::gauge!("majlis_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("majlis_db_pool_connections", "state" => "busy")
        .set((f64::from(size) - idle).max(0.0));
}

pub fn set_pending(n: i64, oldest_age_seconds: f64) {
    metrics::gauge!("majlis_pending_comments").set(n as f64);
    metrics::gauge!("majlis_oldest_pending_age_seconds").set(oldest_age_seconds);
}

pub fn record_export_rows(format: &'static str, rows: u64) {
    if rows > 0 {
        metrics::counter!("majlis_export_rows_total", "format" => format).increment(rows);
    }
}
