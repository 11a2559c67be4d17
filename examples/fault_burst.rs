//! The client of the fault tests (`bench/faults/run.sh`): a burst of
//! submissions (optionally mixed with listings) from a few concurrent
//! clients, recording every answer, so the script can check what each one
//! got while Postgres or majlis is being stopped.
//!
//! `cargo run --release --example fault_burst -- --url http://127.0.0.1:8080 --out burst.tsv`
//!
//! Every submission is a new comment: a realistic body (300 to 2,000
//! characters of Arabic, English or both) ending in a marker unique to the
//! request (`fz<run>w<client>n<seq>`, letters and digits), the same marker in
//! the author's email, and its own client address in `X-Forwarded-For` (so
//! majlis must trust 127.0.0.1 as a proxy). With `--list-percent`, that share
//! of the requests are listings of one of `--articles` articles instead.
//!
//! The output file gets one tab-separated line per submission, and one per
//! listing that did not answer 2xx:
//!
//! `start_ms end_ms method outcome status id marker code retry_after detail`
//!
//! `start_ms`/`end_ms` are Unix times in milliseconds (the script compares
//! them with the times it stopped and started things); `outcome` is `http`
//! (an answer arrived, `status` holds it), `refused` (no connection could be
//! made), `reset` (the connection broke before a whole answer came back) or
//! `timeout`; `id` is the comment's id on a 201 (the marker is also sent
//! as `X-Request-Id`, so majlis's log names it); `code` the error's `code`
//! from the JSON error body (`nojson` when an error answer is not the API's
//! shape); `-` marks an empty field. A summary line goes to stdout.
//!
//! After an answer other than 2xx, or no answer, a client pauses 50 ms
//! before its next request, as a real client would back off, so an
//! unreachable server is not hammered in a tight loop.

// A command-line tool: it reports on stdout.
#![allow(clippy::print_stdout)]

#[path = "../bench/common/bodies.rs"]
mod bodies;

use anyhow::Context;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser)]
struct Args {
    /// majlis's base URL.
    #[arg(long)]
    url: String,
    /// Where the per-request lines go.
    #[arg(long)]
    out: std::path::PathBuf,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds during which clients start new requests (those in flight
    /// then finish or time out); SIGTERM ends the burst sooner.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Per-request timeout, seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Distinguishes this run's markers from other runs' (letters and digits).
    #[arg(long, default_value = "0")]
    run: String,
    /// Articles the requests go to (`fault-1` .. `fault-N`).
    #[arg(long, default_value_t = 20)]
    articles: u32,
    /// Percentage of requests that are listings instead of submissions.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
    list_percent: u32,
    /// One connection per request (`Connection: close`) instead of
    /// keep-alive connections.
    #[arg(long)]
    fresh_connections: bool,
}

/// What one request got.
struct Record {
    start_ms: u128,
    end_ms: u128,
    post: bool,
    outcome: &'static str,
    status: Option<u16>,
    id: Option<i64>,
    marker: Option<String>,
    code: Option<String>,
    retry_after: Option<String>,
    detail: Option<String>,
    micros: u64,
}

impl Record {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn line(&self) -> String {
        fn f<T: std::fmt::Display>(v: Option<T>) -> String {
            v.map_or_else(|| "-".to_owned(), |v| v.to_string())
        }
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            self.start_ms,
            self.end_ms,
            if self.post { "POST" } else { "GET" },
            self.outcome,
            f(self.status),
            f(self.id),
            f(self.marker.as_deref()),
            f(self.code.as_deref()),
            f(self.retry_after.as_deref()),
            f(self.detail.as_deref()),
        )
    }
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// The innermost cause, on one line without tabs (for the `detail` field).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string().replace(['\t', '\n', '\r'], " ")
}

/// How a request without an answer failed.
fn classify(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "refused"
    } else {
        "reset"
    }
}

/// `(id, code)` from an answer's body: the comment's id on a 201, the
/// error's code on an error.
fn read_body(status: u16, body: &str) -> (Option<i64>, Option<String>) {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    if status == 201 {
        return (
            json.and_then(|j| j.get("id").and_then(|v| v.as_i64())),
            None,
        );
    }
    if (200..300).contains(&status) {
        return (None, None);
    }
    let code = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(|e| e.get("code"))
        .and_then(|c| c.as_str())
        .filter(|_| {
            json.as_ref()
                .and_then(|j| j.pointer("/error/message"))
                .is_some_and(|m| m.is_string())
        })
        .map_or_else(|| "nojson".to_owned(), str::to_owned);
    (None, Some(code))
}

struct Client<'a> {
    args: &'a Args,
    http: reqwest::Client,
    no: usize,
    rng: StdRng,
}

impl Client<'_> {
    async fn one(&mut self, seq: u64) -> Record {
        let article = format!("fault-{}", self.rng.random_range(1..=self.args.articles));
        let ip = format!(
            "10.{}.{}.{}",
            self.rng.random_range(0..=255u8),
            self.rng.random_range(0..=255u8),
            self.rng.random_range(1..=254u8)
        );
        let post = self.rng.random_range(0..100) >= self.args.list_percent;
        let mut marker = None;
        let req = if post {
            let m = format!("fz{}w{}n{}", self.args.run, self.no, seq);
            let mut body = bodies::realistic_body(self.no as u64 * 1_000_000_000 + seq);
            let _ = write!(body, " {m}");
            let payload = serde_json::json!({
                "article_id": article,
                "author_name": format!("Reader {m}"),
                "author_email": format!("fault-{m}@example.org"),
                "body": body,
            });
            let req = self
                .http
                .post(format!("{}/api/v1/comments", self.args.url))
                // majlis logs it: the script can tell whether a request
                // that got no answer had begun
                .header("X-Request-Id", &m)
                .json(&payload);
            marker = Some(m);
            req
        } else {
            self.http.get(format!(
                "{}/api/v1/articles/{article}/comments",
                self.args.url
            ))
        };
        let mut req = req
            .header("X-Forwarded-For", ip)
            .header("Accept-Language", "en");
        if self.args.fresh_connections {
            req = req.header("Connection", "close");
        }
        let start_ms = unix_ms();
        let t0 = Instant::now();
        let mut rec = Record {
            start_ms,
            end_ms: 0,
            post,
            outcome: "http",
            status: None,
            id: None,
            marker,
            code: None,
            retry_after: None,
            detail: None,
            micros: 0,
        };
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                rec.retry_after = resp
                    .headers()
                    .get("Retry-After")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                match resp.text().await {
                    Ok(body) => {
                        rec.status = Some(status);
                        (rec.id, rec.code) = read_body(status, &body);
                    }
                    Err(e) => {
                        // The head arrived, the body did not: a cut answer.
                        rec.outcome = classify(&e);
                        rec.status = Some(status);
                        rec.detail = Some(root_cause(&e));
                    }
                }
            }
            Err(e) => {
                rec.outcome = classify(&e);
                rec.detail = Some(root_cause(&e));
            }
        }
        rec.end_ms = unix_ms();
        rec.micros = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
        rec
    }

    async fn run(mut self, until: Instant, stop: &AtomicBool) -> Vec<Record> {
        let mut out = Vec::new();
        let mut seq = 0u64;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            seq += 1;
            let rec = self.one(seq).await;
            let ok = rec.ok() && rec.outcome == "http";
            out.push(rec);
            if !ok {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        out
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.run.chars().all(|c| c.is_ascii_alphanumeric()),
        "--run takes letters and digits only"
    );
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .connect_timeout(Duration::from_secs(5));
    if args.fresh_connections {
        builder = builder.pool_max_idle_per_host(0);
    }
    let http = builder.build().context("building the HTTP client")?;
    let until = Instant::now() + Duration::from_secs(args.seconds);
    // SIGTERM: no new requests; those in flight finish, the file is written.
    let stop = Arc::new(AtomicBool::new(false));
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let on_term = stop.clone();
    tokio::spawn(async move {
        term.recv().await;
        on_term.store(true, Ordering::Relaxed);
    });
    let seed = unix_ms() as u64;
    let results = {
        let args = &args;
        let clients = (0..args.clients).map(|no| {
            Client {
                args,
                http: http.clone(),
                no,
                rng: StdRng::seed_from_u64(seed ^ (no as u64).wrapping_mul(0x9e37_79b9)),
            }
            .run(until, &stop)
        });
        futures_util::future::join_all(clients).await
    };

    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&args.out)
            .with_context(|| format!("cannot write {}", args.out.display()))?,
    );
    file.write_all(
        b"start_ms\tend_ms\tmethod\toutcome\tstatus\tid\tmarker\tcode\tretry_after\tdetail\n",
    )?;
    let (mut posts, mut gets) = (Vec::new(), Vec::new());
    let mut by_outcome = std::collections::BTreeMap::<String, u64>::new();
    for rec in results.iter().flatten() {
        if rec.post || !rec.ok() {
            file.write_all(rec.line().as_bytes())?;
        }
        let key = match (rec.outcome, rec.status) {
            ("http", Some(s)) => format!("{} {s}", if rec.post { "POST" } else { "GET" }),
            (o, _) => format!("{} {o}", if rec.post { "POST" } else { "GET" }),
        };
        *by_outcome.entry(key).or_default() += 1;
        if rec.outcome == "http" && rec.ok() {
            if rec.post {
                posts.push(rec.micros);
            } else {
                gets.push(rec.micros);
            }
        }
    }
    file.flush()?;
    posts.sort_unstable();
    gets.sort_unstable();
    let summary = serde_json::json!({
        "requests": results.iter().map(Vec::len).sum::<usize>(),
        "answers": by_outcome,
        "post_ok_p50_ms": percentile(&posts, 0.50),
        "post_ok_p99_ms": percentile(&posts, 0.99),
        "get_ok_p50_ms": percentile(&gets, 0.50),
        "get_ok_p99_ms": percentile(&gets, 0.99),
    });
    println!("SUMMARY {summary}");
    Ok(())
}
