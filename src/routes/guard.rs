//! Guards at the HTTP edge against clients that hold the server's resources
//! instead of using them:
//!
//! - a deadline for the whole request body (`MAJLIS_BODY_TIMEOUT_SECS`),
//!   answered 408 `request_timeout` and the connection closed;
//! - a bound on open connections per direct peer, checked when the
//!   connection is accepted (`MAJLIS_MAX_CONNECTIONS_PER_CLIENT`): over it,
//!   the socket is shut down before a byte is read. Trusted proxies are
//!   exempt: many clients share their address;
//! - a bound on requests in progress per client address as resolved through
//!   the trusted proxies (`MAJLIS_MAX_REQUESTS_PER_CLIENT`): over it, 429
//!   `too_many_concurrent_requests` and the connection closed, before the
//!   body is read;
//! - `Cache-Control: no-store` on every answer of a route that needs a
//!   token, and on login's (it carries one).
//!
//! An IPv6 client is counted by its /64 (one subscriber's prefix). The
//! counts are per process, as the connections they count are.

use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::routes::PROTECTED_ROUTES;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::Stream;
use ipnet::IpNet;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

/// Login answers hold a token: private like the protected routes.
const LOGIN_ROUTE: &str = "/api/v1/auth/login";

/// How many things each client holds, refusing past `limit` (0: no bound).
pub struct Counter {
    limit: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl Counter {
    pub fn new(limit: usize) -> Arc<Counter> {
        Arc::new(Counter {
            limit,
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `key`, or `None` when it holds `limit` already. The slot
    /// is given back when dropped.
    pub fn try_acquire(self: &Arc<Self>, key: IpAddr) -> Option<Slot> {
        if self.limit == 0 {
            return Some(Slot(None));
        }
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let held = counts.entry(key).or_insert(0);
        if *held >= self.limit {
            return None;
        }
        *held += 1;
        Some(Slot(Some((Arc::clone(self), key))))
    }

    /// Slots `key` holds now.
    pub fn held(&self, key: IpAddr) -> usize {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(&key).copied().unwrap_or(0)
    }

    fn release(&self, key: IpAddr) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = counts.get_mut(&key) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                counts.remove(&key);
            }
        }
    }
}

/// One connection or request counted against a client.
pub struct Slot(Option<(Arc<Counter>, IpAddr)>);

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((counter, key)) = self.0.take() {
            counter.release(key);
        }
    }
}

/// The guards' shared state, one per process (every worker sees it).
pub struct EdgeGuards {
    pub body_timeout: Duration,
    pub connections: Arc<Counter>,
    pub requests: Arc<Counter>,
    trusted_proxies: Arc<[IpNet]>,
}

impl EdgeGuards {
    pub fn new(config: &Config) -> EdgeGuards {
        EdgeGuards {
            body_timeout: config.body_timeout,
            connections: Counter::new(config.max_connections_per_client),
            requests: Counter::new(config.max_requests_per_client),
            trusted_proxies: config.trusted_proxies.clone().into(),
        }
    }

    fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|n| n.contains(&ip))
    }

    /// For `HttpServer::on_connect`: counts the connection against its
    /// peer's address, or shuts it down when that address holds too many.
    /// The slot lives in the connection's data, so it is given back when
    /// the connection ends.
    pub fn on_connect(
        self: &Arc<Self>,
    ) -> impl Fn(&dyn Any, &mut Extensions) + Send + Sync + 'static + use<> {
        let guards = Arc::clone(self);
        move |io, ext| {
            let Some(stream) = io.downcast_ref::<actix_web::rt::net::TcpStream>() else {
                return;
            };
            let Ok(peer) = stream.peer_addr() else {
                return;
            };
            if guards.is_trusted_proxy(peer.ip().to_canonical()) {
                return;
            }
            match guards
                .connections
                .try_acquire(crate::client_ip::counted_as(peer.ip()))
            {
                Some(slot) => {
                    ext.insert(ConnectionSlot(slot));
                }
                None => {
                    record_refused("connections_per_client");
                    // Nothing is read from it: the dispatcher sees the end
                    // of the stream and drops the connection at once.
                    let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Both);
                }
            }
        }
    }
}

/// `majlis_refused_total{reason}`: connections and requests the guards
/// turned away.
fn record_refused(reason: &'static str) {
    metrics::counter!("majlis_refused_total", "reason" => reason).increment(1);
}

/// Held in a connection's data for as long as the connection is open.
struct ConnectionSlot(#[allow(dead_code)] Slot);

/// Sets the listener's bounds: `max_connections` split among the workers.
pub fn connections_per_worker(max_connections: usize, workers: usize) -> usize {
    max_connections.div_ceil(workers.max(1)).max(1)
}

/// Raises the soft limit on open files to what `connections` need (plus
/// the database pool and some slack), as far as the hard limit allows;
/// says so when that is not enough, since running out of descriptors stops
/// the server from accepting anyone.
pub fn ensure_file_limit(connections: usize, db_connections: u32) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let needed = u64::try_from(connections)
        .unwrap_or(u64::MAX)
        .saturating_add(u64::from(db_connections) * 2)
        .saturating_add(256);
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= needed {
        return;
    }
    let target = needed.min(hard);
    if target > soft && setrlimit(Resource::RLIMIT_NOFILE, target, hard).is_ok() && target >= needed
    {
        return;
    }
    tracing::warn!(
        open_files_limit = target.max(soft),
        needed,
        "the open-files limit is below MAJLIS_MAX_CONNECTIONS plus the database pool; lower MAJLIS_MAX_CONNECTIONS or raise the limit (ulimit -n)"
    );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyState {
    Reading,
    Done,
    TimedOut,
}

/// The request body, ending in an error once the deadline has passed.
/// The body itself is shared with `body_deadline`, which can keep it alive
/// until the answer is sent (see `UnreadBody`).
struct DeadlinePayload {
    inner: Rc<RefCell<Payload>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    state: Rc<Cell<BodyState>>,
}

/// The request's body and how far it was read, in the request's
/// extensions for `close_after_unread_body`.
#[derive(Clone)]
struct RequestBody {
    payload: Rc<RefCell<Payload>>,
    state: Rc<Cell<BodyState>>,
}

/// An answer's body that keeps the unread request body alive until the
/// answer is sent: actix-http then closes the connection after it. Were the
/// request body dropped first, actix-http would drain a chunked one for as
/// long as the client keeps sending.
struct WithUnreadBody {
    body: BoxBody,
    _unread: Rc<RefCell<Payload>>,
}

impl MessageBody for WithUnreadBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

impl Stream for DeadlinePayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.state.get() != BodyState::Reading {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.state.set(BodyState::TimedOut);
            return Poll::Ready(Some(Err(body_timed_out())));
        }
        let polled = {
            let mut inner = self.inner.borrow_mut();
            Pin::new(&mut *inner).poll_next(cx)
        };
        if let Poll::Ready(None) = polled {
            self.state.set(BodyState::Done);
        }
        polled
    }
}

fn body_timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "request body deadline passed",
    ))
}

fn error_response(code: ErrorCode) -> HttpResponse {
    let mut res = HttpResponse::from_error(ApiError::new(code));
    res.head_mut().set_connection_type(ConnectionType::Close);
    res
}

/// Gives the request body a deadline counted from the arrival of the head.
/// When it passes, whatever the handler answered becomes 408; a body left
/// unread closes the connection (it cannot carry another request).
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(timeout) = req
        .app_data::<web::Data<EdgeGuards>>()
        .map(|g| g.body_timeout)
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let state = Rc::new(Cell::new(BodyState::Reading));
    match req.take_payload() {
        Payload::None => state.set(BodyState::Done),
        inner => {
            let inner = Rc::new(RefCell::new(inner));
            req.set_payload(Payload::Stream {
                payload: Box::pin(DeadlinePayload {
                    inner: Rc::clone(&inner),
                    deadline: Box::pin(tokio::time::sleep(timeout)),
                    state: Rc::clone(&state),
                }),
            });
            req.extensions_mut().insert(RequestBody {
                payload: inner,
                state: Rc::clone(&state),
            });
        }
    };
    let mut res = next.call(req).await?.map_into_boxed_body();
    if state.get() == BodyState::TimedOut {
        record_refused("body_timeout");
        res = res.into_response(error_response(ErrorCode::RequestTimeout));
    }
    Ok(res)
}

/// The outermost layer: when the request body was not read to its end (the
/// handler did not need it, or its deadline passed), the connection closes
/// after the answer instead of waiting for the rest of the body.
pub async fn close_after_unread_body(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let unread = res
        .request()
        .extensions()
        .get::<RequestBody>()
        .filter(|b| b.state.get() != BodyState::Done)
        .cloned();
    let Some(unread) = unread else {
        return Ok(res);
    };
    let mut res = res.map_body(|head, body| {
        head.set_connection_type(ConnectionType::Close);
        BoxBody::new(WithUnreadBody {
            body,
            _unread: unread.payload,
        })
    });
    res.response_mut()
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    Ok(res)
}

/// The outermost layer: gives the request head its own copy of each header
/// value. actix-http parses header values as slices of the connection's
/// read buffer, and actix-web keeps the heads of up to 128 finished
/// requests per worker for reuse without clearing them, so each kept head
/// would pin its connection's whole read buffer (up to 32 KiB, with the
/// start of the body in it) long after the connection closed: after a burst
/// of uploads, megabytes that never went back to the system.
pub async fn own_request_headers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let headers = req.headers_mut();
    let mut owned = header::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers.iter() {
        // A copy, not a slice of the buffer; a value the parser let through
        // is valid here too (the clone is only a fallback).
        let copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        owned.append(name.clone(), copy);
    }
    *headers = owned;
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Bounds the requests in progress per client address, resolved through the
/// trusted proxies (so a load balancer's own address is never the one
/// limited). The excess is answered at once, before its body is read.
pub async fn limit_in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let guards = req.app_data::<web::Data<EdgeGuards>>().cloned();
    let ip = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| crate::routes::request::client_ip(req.request(), s));
    let slot = match (guards, ip) {
        (Some(g), Some(ip)) => match g.requests.try_acquire(crate::client_ip::counted_as(ip)) {
            Some(slot) => Some(slot),
            None => {
                record_refused("requests_per_client");
                let mut err = ApiError::new(ErrorCode::TooManyConcurrentRequests);
                err.retry_after = Some(1);
                let mut res = HttpResponse::from_error(err);
                res.head_mut().set_connection_type(ConnectionType::Close);
                return Ok(req.into_response(res));
            }
        },
        _ => None,
    };
    let res = next.call(req).await?.map_into_boxed_body();
    drop(slot);
    Ok(res)
}

/// Whether answers on this route pattern are private to the token holder.
pub fn is_private_route(pattern: &str) -> bool {
    pattern == LOGIN_ROUTE || PROTECTED_ROUTES.iter().any(|(_, p, _)| *p == pattern)
}

/// `Cache-Control: no-store` on every answer of a private route, whatever
/// its handler set: nothing there may sit in a shared or browser cache.
pub async fn no_store_private(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let private = req.match_pattern().is_some_and(|p| is_private_route(&p));
    let mut res = next.call(req).await?.map_into_boxed_body();
    if private {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// actix-cors answers a refused preflight with 400 and plain text; this
/// turns it into the API's error shape: 403 `origin_not_allowed` for an
/// origin that is not the site's, 403 `cors_request_not_allowed` for a
/// method or headers browsers may not use. No CORS headers are added, so
/// the browser still blocks the request.
pub async fn shape_cors_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let code = res
        .response()
        .error()
        .and_then(|e| e.as_error::<actix_cors::CorsError>())
        .map(|e| match e {
            actix_cors::CorsError::OriginNotAllowed | actix_cors::CorsError::MissingOrigin => {
                ErrorCode::OriginNotAllowed
            }
            _ => ErrorCode::CorsRequestNotAllowed,
        });
    Ok(match code {
        Some(code) => res.into_response(HttpResponse::from_error(ApiError::new(code))),
        None => res,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(
            crate::client_ip::counted_as(a),
            crate::client_ip::counted_as(b)
        );
        assert_ne!(
            crate::client_ip::counted_as(a),
            crate::client_ip::counted_as(c)
        );
        let mapped: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        assert_eq!(
            crate::client_ip::counted_as(mapped),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_counter_refuses_past_its_limit_and_slots_come_back_when_dropped() {
        let counter = Counter::new(2);
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        let other: IpAddr = "203.0.113.2".parse().unwrap();
        let one = counter.try_acquire(ip).unwrap();
        let two = counter.try_acquire(ip).unwrap();
        assert!(counter.try_acquire(ip).is_none());
        assert!(counter.try_acquire(other).is_some());
        drop(one);
        assert_eq!(counter.held(ip), 1);
        let _three = counter.try_acquire(ip).unwrap();
        drop(two);
        drop(_three);
        assert_eq!(counter.held(ip), 0);
        assert!(
            counter.counts.lock().unwrap().is_empty(),
            "no key left behind"
        );
    }

    /// actix-http parses header values as slices of the connection's read
    /// buffer; after `own_request_headers` none of them points into it, so
    /// a request head kept in actix-web's pool does not keep the buffer.
    #[actix_web::test]
    async fn header_values_are_copied_out_of_the_buffer_they_were_parsed_from() {
        use actix_web::http::header::HeaderName;
        use actix_web::test::{TestRequest, call_service, init_service, read_body};
        let wire = Bytes::from_static(b"first second caf\xc3\xa9");
        let buffer = wire.as_ptr_range();
        let slice =
            |from: usize, to: usize| HeaderValue::from_maybe_shared(wire.slice(from..to)).unwrap();
        let tag = HeaderName::from_static("x-tag");
        let app = init_service(
            actix_web::App::new()
                .wrap(actix_web::middleware::from_fn(own_request_headers))
                .default_service(web::to(move |req: actix_web::HttpRequest| {
                    let inside = req
                        .headers()
                        .iter()
                        .filter(|(_, v)| buffer.contains(&v.as_bytes().as_ptr()))
                        .count();
                    let tags: Vec<String> = req
                        .headers()
                        .get_all("x-tag")
                        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                        .collect();
                    async move { HttpResponse::Ok().body(format!("{inside} {}", tags.join("|"))) }
                })),
        )
        .await;
        let req = TestRequest::default()
            .append_header((tag.clone(), slice(0, 5)))
            .append_header((tag, slice(6, 12)))
            .append_header((header::USER_AGENT, slice(13, 18)))
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status(), 200);
        assert_eq!(read_body(res).await, "0 first|second");
    }

    #[test]
    fn a_zero_limit_is_no_bound() {
        let counter = Counter::new(0);
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        let slots: Vec<_> = (0..1000).filter_map(|_| counter.try_acquire(ip)).collect();
        assert_eq!(slots.len(), 1000);
    }

    #[test]
    fn connections_are_split_among_workers() {
        assert_eq!(connections_per_worker(4096, 2), 2048);
        assert_eq!(connections_per_worker(5, 2), 3);
        assert_eq!(connections_per_worker(16, 0), 16);
    }

    #[test]
    fn login_and_every_protected_route_are_private() {
        assert!(is_private_route("/api/v1/auth/login"));
        for (_, p, _) in PROTECTED_ROUTES {
            assert!(is_private_route(p));
        }
        assert!(!is_private_route("/api/v1/comment-counts"));
    }
}
