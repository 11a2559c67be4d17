//! Slow-body attack against a release server: thousands of connections that
//! send a request head and part of a body, then stall (re-opened as the
//! server closes them), first from one address, then spread over many.
//! Reports whether a fresh client is still served during each phase, what
//! became of the attack's connections, and the server's resident memory:
//! idle, peak, and a minute after the attack ends.
//!
//! Run: `cargo bench --bench attack` (add `--no-default-features` to measure
//! the server on the system allocator). It starts the `majlis` binary of the
//! same build on its own PostgreSQL cluster (or `DATABASE_URL`'s server,
//! creating a database `majlis_bench_attack`). Knobs: `BENCH_CONNECTIONS`
//! (default 3000), `BENCH_SOURCES` (addresses of the spread phase, default
//! 100), `BENCH_ATTACK_SECS` (per phase, default 20), `BENCH_COOLDOWN_SECS`
//! (default 60), `BENCH_BODY_BYTES` (sent of each 30 KB body, default
//! 29000); `MAJLIS_*` variables pass through to the server.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use majlis::pg::Cluster;
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const DECLARED_BODY: usize = 30_000;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Open file descriptors of the server (sockets included).
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The database URL the server is given, and the cluster kept alive.
async fn database() -> (String, Option<Cluster>) {
    let (admin, url_base, cluster) = match std::env::var("DATABASE_URL") {
        Ok(url) => (
            PgConnectOptions::from_str(&url).expect("DATABASE_URL"),
            Some(url),
            None,
        ),
        Err(_) => {
            let dir =
                std::env::temp_dir().join(format!("majlis-bench-attack-{}", std::process::id()));
            let c = Cluster::new(&dir).expect("PostgreSQL binaries");
            c.start(&["fsync = off", "synchronous_commit = off"])
                .await
                .expect("start cluster");
            c.stop_when_process_exits(&dir).expect("cluster watchdog");
            (c.connect_options("postgres"), None, Some(c))
        }
    };
    let mut conn = sqlx::PgConnection::connect_with(&admin)
        .await
        .expect("connect");
    sqlx::raw_sql("drop database if exists majlis_bench_attack with (force)")
        .execute(&mut conn)
        .await
        .expect("drop");
    sqlx::raw_sql("create database majlis_bench_attack")
        .execute(&mut conn)
        .await
        .expect("create");
    let url = match (url_base, &cluster) {
        (Some(u), _) => {
            let mut parsed = url::Url::parse(&u).expect("DATABASE_URL");
            parsed.set_path("/majlis_bench_attack");
            parsed.to_string()
        }
        (None, Some(c)) => format!(
            "postgres://postgres@localhost/majlis_bench_attack?host={}",
            c.socket_dir.display()
        ),
        (None, None) => unreachable!(),
    };
    (url, cluster)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// What became of the attack's connections.
#[derive(Default)]
struct Outcomes {
    opened: AtomicU64,
    answered_408: AtomicU64,
    answered_other: AtomicU64,
    closed_unanswered: AtomicU64,
    connect_failed: AtomicU64,
}

impl Outcomes {
    fn print(&self) {
        println!(
            "  attack connections: {} opened, {} answered 408, {} answered otherwise, {} closed unanswered, {} failed to connect",
            self.opened.load(Ordering::Relaxed),
            self.answered_408.load(Ordering::Relaxed),
            self.answered_other.load(Ordering::Relaxed),
            self.closed_unanswered.load(Ordering::Relaxed),
            self.connect_failed.load(Ordering::Relaxed),
        );
    }
}

/// One attacker slot: a stalled upload from `source`, opened again each
/// time the server lets go of it, until `stop`.
async fn stall(
    server: SocketAddr,
    source: IpAddr,
    body_bytes: usize,
    stop: Arc<AtomicBool>,
    out: Arc<Outcomes>,
) {
    let head = format!(
        "POST /api/v1/comments HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {DECLARED_BODY}\r\n\r\n"
    );
    let body = vec![b' '; body_bytes.min(DECLARED_BODY - 1)];
    while !stop.load(Ordering::Relaxed) {
        let conn = async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(source, 0))?;
            socket.connect(server).await
        };
        let mut conn = match tokio::time::timeout(Duration::from_secs(5), conn).await {
            Ok(Ok(c)) => c,
            _ => {
                out.connect_failed.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        out.opened.fetch_add(1, Ordering::Relaxed);
        if conn.write_all(head.as_bytes()).await.is_ok() {
            let _ = conn.write_all(&body).await;
        }
        let mut buf = [0u8; 512];
        let mut got = Vec::new();
        loop {
            tokio::select! {
                r = conn.read(&mut buf) => match r {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                },
                _ = tokio::time::sleep(Duration::from_millis(250)) => {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                }
            }
        }
        if got.is_empty() {
            out.closed_unanswered.fetch_add(1, Ordering::Relaxed);
            // Refused at once: do not spin.
            tokio::time::sleep(Duration::from_millis(100)).await;
        } else if got.starts_with(b"HTTP/1.1 408") {
            out.answered_408.fetch_add(1, Ordering::Relaxed);
        } else {
            out.answered_other.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A fresh client (its own address) reads a public listing every 500 ms.
async fn probe(base: String, stop: Arc<AtomicBool>) -> (u64, u64, Duration) {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 250)))
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let (mut ok, mut failed, mut worst) = (0, 0, Duration::ZERO);
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        match client
            .get(format!("{base}/api/v1/articles/bench/comments"))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => ok += 1,
            _ => failed += 1,
        }
        worst = worst.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    (ok, failed, worst)
}

/// Runs one attack phase and returns the peak RSS seen during it.
async fn phase(
    name: &str,
    server: SocketAddr,
    pid: u32,
    sources: &[IpAddr],
    connections: u64,
    seconds: u64,
    body_bytes: usize,
) -> u64 {
    println!(
        "{name}: {connections} stalled uploads from {} address(es), {seconds} s",
        sources.len()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let out = Arc::new(Outcomes::default());
    let mut tasks = Vec::new();
    for i in 0..connections {
        let source = sources[(i as usize) % sources.len()];
        tasks.push(tokio::spawn(stall(
            server,
            source,
            body_bytes,
            stop.clone(),
            out.clone(),
        )));
    }
    let prober = tokio::spawn(probe(format!("http://{server}"), stop.clone()));
    let started = Instant::now();
    let (mut peak, mut peak_fds) = (0, 0);
    while started.elapsed() < Duration::from_secs(seconds) {
        peak = peak.max(rss_kib(pid));
        peak_fds = peak_fds.max(open_fds(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
    }
    let (ok, failed, worst) = prober.await.unwrap_or_default();
    out.print();
    println!(
        "  fresh client during the attack: {ok} served, {failed} failed, slowest {:.0} ms",
        worst.as_secs_f64() * 1000.0
    );
    println!(
        "  peak RSS {:.1} MiB, peak open descriptors {peak_fds}",
        mib(peak)
    );
    peak
}

#[tokio::main]
async fn main() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
    let connections = env_or("BENCH_CONNECTIONS", 3000);
    let source_count = env_or("BENCH_SOURCES", 100).clamp(1, 250);
    let seconds = env_or("BENCH_ATTACK_SECS", 20);
    let cooldown = env_or("BENCH_COOLDOWN_SECS", 60);
    let body_bytes = usize::try_from(env_or("BENCH_BODY_BYTES", 29_000)).unwrap_or(29_000);

    let (url, _cluster) = database().await;
    let port = free_port();
    let server: SocketAddr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("MAJLIS_ADDR", server.to_string())
        .env("MAJLIS_SECRET", "bench-secret-bench-secret-bench-secret")
        .env("MAJLIS_LOG_FORMAT", "json")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .expect("start the majlis binary");
    let pid = child.id().expect("server pid");
    let client = reqwest::Client::new();
    let ready = async {
        loop {
            if let Ok(r) = client.get(format!("http://{server}/readyz")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), ready)
        .await
        .expect("server ready");
    // Warm up the paths a real request takes.
    for _ in 0..50 {
        let _ = client
            .get(format!("http://{server}/api/v1/articles/bench/comments"))
            .send()
            .await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(pid);
    println!(
        "server: {} (jemalloc: {}), idle RSS {:.1} MiB, {} open descriptors",
        env!("CARGO_BIN_EXE_majlis"),
        cfg!(feature = "jemalloc"),
        mib(idle),
        open_fds(pid)
    );

    let one = [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))];
    let peak_one = phase(
        "one attacker address",
        server,
        pid,
        &one,
        connections,
        seconds,
        body_bytes,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    let many: Vec<IpAddr> = (0..source_count)
        .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 2, u8::try_from(i + 1).unwrap_or(250))))
        .collect();
    let peak_many = phase(
        "spread over many addresses",
        server,
        pid,
        &many,
        connections,
        seconds,
        body_bytes,
    )
    .await;
    // A reader keeps coming during the cool-down, as on a real site.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn(probe(format!("http://{server}"), stop.clone()));
    let after_end = Instant::now();
    let mut after = 0;
    let mut marks = vec![1, 5, 15, 30, 60, 120, 300];
    marks.retain(|m| *m < cooldown);
    marks.push(cooldown);
    for mark in marks {
        let wait = Duration::from_secs(mark).saturating_sub(after_end.elapsed());
        tokio::time::sleep(wait).await;
        after = rss_kib(pid);
        println!(
            "  {mark:>3} s after the attack: RSS {:.1} MiB, {} open descriptors",
            mib(after),
            open_fds(pid)
        );
    }
    stop.store(true, Ordering::Relaxed);
    let (ok, failed, _) = reader.await.unwrap_or_default();
    println!("  reader during the cool-down: {ok} served, {failed} failed");
    let peak = peak_one.max(peak_many);
    println!(
        "RSS: idle {:.1} MiB, peak {:.1} MiB, {cooldown} s after the attack {:.1} MiB ({:.2}x idle)",
        mib(idle),
        mib(peak),
        mib(after),
        after as f64 / idle.max(1) as f64
    );
    let resp = client
        .get(format!("http://{server}/readyz"))
        .send()
        .await
        .map(|r| r.status().as_u16());
    println!("readyz after the attack: {resp:?}");
    let _ = child.start_kill();
    let _ = child.wait().await;
}
