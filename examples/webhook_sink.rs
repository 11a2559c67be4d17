//! The load benchmark's webhook receiver (`bench/load/run.sh` with
//! `BENCH_OUTBOX=1`): answers every request with 204 and counts the
//! POSTs; prints the count when stopped (SIGTERM or Ctrl-C).
//!
//! `cargo run --release --example webhook_sink -- PORT`
//!
//! A receiver in production runs on another machine; on the benchmark's it
//! shares the cores with majlis and PostgreSQL, so it is kept cheap (one
//! worker thread, keep-alive, no body parsing): the run reports its CPU
//! beside majlis's.

// A benchmark tool: it reports on stdout and stops on a bad argument.
#![allow(clippy::print_stdout, clippy::expect_used)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, http::Method, web};
use std::sync::atomic::{AtomicU64, Ordering};

static RECEIVED: AtomicU64 = AtomicU64::new(0);

async fn receive(req: HttpRequest, _body: web::Bytes) -> HttpResponse {
    if req.method() == Method::POST {
        RECEIVED.fetch_add(1, Ordering::Relaxed);
    }
    HttpResponse::NoContent().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: webhook_sink PORT");
    HttpServer::new(|| {
        App::new()
            .app_data(web::PayloadConfig::new(1 << 20))
            .default_service(web::to(receive))
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await?;
    println!("{}", RECEIVED.load(Ordering::Relaxed));
    Ok(())
}
