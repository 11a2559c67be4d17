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

/// Keeps the trace exporter running; dropping it sends the spans still
/// buffered (at the end of `main`).
#[must_use = "dropping the guard stops the trace export"]
pub struct TelemetryGuard {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take() {
            // Blocks until the batch is sent (or the exporter's timeout);
            // off the async runtime's threads, which must not block.
            let done = std::thread::spawn(move || provider.shutdown()).join();
            if !matches!(done, Ok(Ok(()))) {
                tracing::warn!("the last spans could not be sent to the collector");
            }
        }
    }
}

/// Installs the global subscriber (`RUST_LOG` overrides the default
/// filter) and, with an OTLP endpoint, the trace export.
pub fn init(format: LogFormat, otlp_endpoint: Option<&url::Url>) -> TelemetryGuard {
    let Some(endpoint) = otlp_endpoint else {
        install(format, "info,sqlx=warn", std::io::stderr, None);
        return no_export();
    };
    match otlp_layer(endpoint) {
        Ok((layer, guard)) => {
            install(format, "info,sqlx=warn", std::io::stderr, Some(layer));
            tracing::info!(endpoint = %endpoint, "sending traces to the OTLP collector");
            guard
        }
        Err(problem) => {
            install(format, "info,sqlx=warn", std::io::stderr, None);
            tracing::warn!("OTEL_EXPORTER_OTLP_ENDPOINT is set, but traces are off: {problem}");
            no_export()
        }
    }
}

fn no_export() -> TelemetryGuard {
    TelemetryGuard {
        #[cfg(feature = "otlp")]
        provider: None,
    }
}

/// Installs the global subscriber writing to `writer` (tests capture logs
/// this way). Does nothing if one is installed already.
pub fn init_with<W>(format: LogFormat, default_filter: &str, writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    install(format, default_filter, writer, None);
}

type Registry = tracing_subscriber::layer::Layered<EnvFilter, tracing_subscriber::Registry>;
type BoxedLayer = Box<dyn tracing_subscriber::Layer<Registry> + Send + Sync>;

fn install<W>(format: LogFormat, default_filter: &str, writer: W, extra: Option<BoxedLayer>)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let fmt: BoxedLayer = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(writer)
            .boxed(),
        LogFormat::Human => tracing_subscriber::fmt::layer().with_writer(writer).boxed(),
    };
    let layers: Vec<BoxedLayer> = std::iter::once(fmt).chain(extra).collect();
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(layers)
        .try_init();
}

/// The OpenTelemetry layer sending spans to `endpoint` in batches (OTLP
/// over HTTP, protobuf), named by `OTEL_SERVICE_NAME` or `majlis`.
#[cfg(feature = "otlp")]
fn otlp_layer(endpoint: &url::Url) -> Result<(BoxedLayer, TelemetryGuard), String> {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig;
    let traces = format!("{}/v1/traces", endpoint.as_str().trim_end_matches('/'));
    // The exporter's HTTP client runs its own runtime: built off this
    // one's threads.
    let built = std::thread::spawn(move || {
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(traces)
            .build()
    })
    .join();
    let exporter = match built {
        Ok(Ok(exporter)) => exporter,
        Ok(Err(e)) => return Err(format!("the OTLP exporter could not be built: {e}")),
        Err(_) => return Err("building the OTLP exporter failed".to_owned()),
    };
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("majlis");
    }
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    let tracer = provider.tracer("majlis");
    let layer: BoxedLayer = Box::new(tracing_opentelemetry::layer().with_tracer(tracer));
    Ok((
        layer,
        TelemetryGuard {
            provider: Some(provider),
        },
    ))
}

#[cfg(not(feature = "otlp"))]
fn otlp_layer(_: &url::Url) -> Result<(BoxedLayer, TelemetryGuard), String> {
    Err("this build has no OTLP export (the `otlp` feature)".to_owned())
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
