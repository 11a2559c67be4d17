//! Logging: the subscriber (human or JSON), and one log line per request
//! with its id, method, route pattern (never the raw path), status and
//! latency. Client addresses, user agents, emails and tokens are never
//! logged.

use crate::config::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(format: LogFormat) {
    init_with(format, "info,sqlx=warn", std::io::stderr);
}

/// Installs the global subscriber writing to `writer` (tests capture logs
/// this way). Does nothing if one is installed already.
pub fn init_with<W>(format: LogFormat, default_filter: &str, writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

/// A client's request id is kept only when short and plain.
fn usable_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (1..=64).contains(&s.len()).then_some(())?;
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        .then(|| s.to_owned())
}

pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(usable_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let quiet = route == "/healthz" || route == "/readyz" || route == "/metrics";
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = %route,
    );
    let started = Instant::now();
    if !quiet {
        // Off by default; with RUST_LOG=majlis::telemetry=debug, a request
        // that began and never finished (cut by a crash or a forced stop)
        // shows as a start without its end (bench/faults/run.sh reads it).
        tracing::debug!(parent: &span, "request started");
    }
    let result = next.call(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            crate::metrics::record_request(&method, &route, status, latency_ms / 1000.0);
            if quiet {
                tracing::debug!(status, latency_ms, "request");
            } else {
                tracing::info!(status, latency_ms, "request");
            }
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut().insert(REQUEST_ID, v);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(
                status = e.as_response_error().status_code().as_u16(),
                latency_ms,
                "request"
            );
            Err(e)
        }
    }
}

/// Runs CPU-heavy work (password hashing) on Tokio's blocking pool, inside
/// the caller's span so its log lines keep the request id.
pub async fn spawn_blocking_in_span<F, R>(f: F) -> Result<R, tokio::task::JoinError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await
}
