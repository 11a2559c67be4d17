//! The embedded PostgreSQL cluster: `majlis serve` without `DATABASE_URL`
//! owns one under `MAJLIS_DATA_DIR`, and the test harness starts a
//! throwaway one the same way. It uses the system's `initdb`/`pg_ctl`,
//! listens on a Unix socket only, and runs as the `postgres` account when
//! majlis runs as root (initdb refuses root).

use sqlx::postgres::PgConnectOptions;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin: install PostgreSQL (e.g. `apt-get install postgresql`) or set DATABASE_URL"
    )]
    BinariesNotFound,
    #[error(
        "majlis runs as root and PostgreSQL refuses to: create the `postgres` system account (installing PostgreSQL does), run majlis as another user, or set DATABASE_URL"
    )]
    NoUnprivilegedAccount,
    #[error("{step} failed: {detail}")]
    Command { step: &'static str, detail: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Server settings that keep row values out of the server's log, written
/// into every cluster majlis starts (`majlis serve`'s embedded one and the
/// test and benchmark clusters alike):
/// - `log_error_verbosity = terse` drops an error's DETAIL, HINT, QUERY and
///   CONTEXT: a unique violation's `Key (article_id, lower(author_email),
///   ...)=(..., sara@example.com, ...)` and a check violation's "Failing row
///   contains (...)" are DETAIL lines;
/// - `log_min_error_statement = panic` stops logging the statement text of
///   failed statements (majlis binds every value, but a statement is still
///   not the log's business);
/// - `log_parameter_max_length[_on_error] = 0`: bound parameters are never
///   logged, even if someone turns on statement or duration logging later.
///
/// The first line of an error (`duplicate key value violates unique
/// constraint "comments_no_duplicate"`) stays: it names the constraint,
/// never a value. The README gives the same lines for an external server.
pub const PRIVATE_LOG_SETTINGS: [&str; 4] = [
    "log_error_verbosity = terse",
    "log_min_error_statement = panic",
    "log_parameter_max_length = 0",
    "log_parameter_max_length_on_error = 0",
];

/// What a long-running step has done so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// A line of the tool's own account (`pg_dump: dumping contents of
    /// table "public.comments"`).
    Step(String),
    /// Bytes written (a dump) or read (a restore) so far.
    Bytes(u64),
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub log_file: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<nix::unistd::User>,
}

/// Finds the directory holding `initdb`, `pg_ctl` and `postgres`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if let Ok(real) = std::fs::canonicalize(&initdb)
                && let Some(parent) = real.parent()
                && complete(parent)
            {
                return Some(parent.to_path_buf());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            complete(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

impl Cluster {
    /// A cluster rooted at `base` (`base/pg` holds the data, `base/run` the
    /// socket). Nothing is started yet.
    pub fn new(base: &Path) -> Result<Cluster, PgError> {
        let bin_dir = find_bin_dir().ok_or(PgError::BinariesNotFound)?;
        std::fs::create_dir_all(base)?;
        let base = std::fs::canonicalize(base)?;
        let run_as = if nix::unistd::geteuid().is_root() {
            Some(
                nix::unistd::User::from_name("postgres")
                    .ok()
                    .flatten()
                    .ok_or(PgError::NoUnprivilegedAccount)?,
            )
        } else {
            None
        };
        Ok(Cluster {
            data_dir: base.join("pg"),
            socket_dir: base.join("run"),
            log_file: base.join("postgres.log"),
            bin_dir,
            run_as,
        })
    }

    fn command(&self, program: &str) -> Command {
        let bin = self.bin_dir.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(&user.name).arg("--").arg(bin);
                c
            }
            None => Command::new(bin),
        };
        cmd.stdin(Stdio::null()).kill_on_drop(false);
        cmd
    }

    async fn run(&self, step: &'static str, mut cmd: Command) -> Result<(), PgError> {
        let out = cmd.output().await.map_err(|e| PgError::Command {
            step,
            detail: e.to_string(),
        })?;
        if out.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if let Ok(log) = std::fs::read_to_string(&self.log_file) {
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            if !tail.is_empty() {
                detail.push_str(" | server log: ");
                detail.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join(" / "));
            }
        }
        Err(PgError::Command { step, detail })
    }

    fn hand_over(&self, path: &Path) -> Result<(), PgError> {
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))?;
        }
        Ok(())
    }

    pub fn is_initialized(&self) -> bool {
        self.data_dir.join("PG_VERSION").is_file()
    }

    /// Whether a server is running on this data directory.
    pub async fn is_running(&self) -> bool {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("status").arg("-D").arg(&self.data_dir);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        matches!(cmd.status().await, Ok(s) if s.success())
    }

    /// Creates the cluster if needed and starts it unless already running.
    /// `settings` are extra `postgresql.conf` lines (e.g. `fsync = off` for
    /// tests), after [`PRIVATE_LOG_SETTINGS`] (which they could override).
    /// Returns `true` when this call started the server.
    pub async fn start(&self, settings: &[&str]) -> Result<bool, PgError> {
        if let Some(base) = self.data_dir.parent() {
            self.hand_over(base)?;
        }
        std::fs::create_dir_all(&self.socket_dir)?;
        self.hand_over(&self.socket_dir)?;
        if !self.is_initialized() {
            std::fs::create_dir_all(&self.data_dir)?;
            self.hand_over(&self.data_dir)?;
            let mut cmd = self.command("initdb");
            cmd.arg("-D").arg(&self.data_dir).args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ]);
            self.run("initdb", cmd).await?;
            let conf = self.data_dir.join("postgresql.conf");
            let mut text = std::fs::read_to_string(&conf)?;
            text.push_str("\ninclude_if_exists = 'majlis.conf'\n");
            std::fs::write(&conf, text)?;
        }
        if self.is_running().await {
            return Ok(false);
        }
        // Rewritten on every start, so a moved data directory still works.
        let mut local = format!(
            "listen_addresses = ''\nunix_socket_directories = '{}'\nunix_socket_permissions = 0700\n",
            self.socket_dir.display().to_string().replace('\'', "''")
        );
        for s in PRIVATE_LOG_SETTINGS.iter().chain(settings) {
            local.push_str(s);
            local.push('\n');
        }
        std::fs::write(self.data_dir.join("majlis.conf"), local)?;
        if !self.log_file.exists() {
            std::fs::write(&self.log_file, "")?;
        }
        self.hand_over(&self.log_file)?;
        let mut cmd = self.command("pg_ctl");
        cmd.arg("start")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&self.log_file)
            .args(["-w", "-t", "60"]);
        cmd.stdout(Stdio::null());
        self.run("pg_ctl start", cmd).await?;
        Ok(true)
    }

    /// Stops the server (`fast` finishes cleanly; `immediate` for throwaways).
    pub async fn stop(&self, mode: &str) -> Result<(), PgError> {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("stop")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", mode, "-w", "-t", "60"]);
        cmd.stdout(Stdio::null());
        self.run("pg_ctl stop", cmd).await
    }

    /// Starts a watchdog that stops this cluster (and removes `remove_dir`)
    /// once the current process has exited, however it exits: for throwaway
    /// clusters of tests and benchmarks, whose statics are never dropped.
    pub fn stop_when_process_exits(&self, remove_dir: &Path) -> std::io::Result<()> {
        let quote =
            |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"));
        let stop: Vec<String> = self.stop_command_line().iter().map(|a| quote(a)).collect();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            stop = stop.join(" "),
            dir = quote(remove_dir.as_os_str()),
        );
        // The watchdog outlives this process on purpose, so it is never waited for.
        #[allow(clippy::zombie_processes)]
        std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(())
    }

    /// The shell line that stops this cluster, for a watchdog process.
    pub fn stop_command_line(&self) -> Vec<OsString> {
        let mut v: Vec<OsString> = Vec::new();
        if let Some(user) = &self.run_as {
            v.extend([
                "runuser".into(),
                "-u".into(),
                user.name.clone().into(),
                "--".into(),
            ]);
        }
        v.push(self.bin_dir.join("pg_ctl").into_os_string());
        v.extend([
            "stop".into(),
            "-D".into(),
            self.data_dir.clone().into_os_string(),
        ]);
        v.extend(["-m".into(), "immediate".into()]);
        v
    }

    /// Makes this (not yet initialized) cluster a streaming replica of
    /// `primary` with `pg_basebackup -R`; `start` then runs it as a hot standby.
    pub async fn clone_as_replica_of(&self, primary: &Cluster) -> Result<(), PgError> {
        if let Some(base) = self.data_dir.parent() {
            self.hand_over(base)?;
        }
        let mut cmd = self.command("pg_basebackup");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-h")
            .arg(&primary.socket_dir)
            .args(["-U", "postgres", "-R", "-X", "stream", "-c", "fast"]);
        self.run("pg_basebackup", cmd).await
    }

    /// Dumps `database` in pg_dump's custom format into `out` (with this
    /// cluster's own `pg_dump`, so the versions match). The dump is one
    /// consistent snapshot; a server may keep running meanwhile. `progress`
    /// hears pg_dump's account of each step and the bytes written so far.
    pub async fn dump(
        &self,
        database: &str,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
        progress: impl FnMut(Progress),
    ) -> Result<u64, PgError> {
        let mut cmd = self.command("pg_dump");
        cmd.arg("-h")
            .arg(&self.socket_dir)
            .args(["-U", "postgres", "--format=custom", "--verbose", "--dbname"])
            .arg(database);
        self.stream(
            "pg_dump",
            cmd,
            None::<&mut tokio::io::Empty>,
            Some(out),
            progress,
        )
        .await
    }

    /// Restores a custom-format dump read from `input` into `database`
    /// (which must exist and be empty), in one transaction: on any error
    /// nothing is restored.
    pub async fn restore(
        &self,
        database: &str,
        input: &mut (impl tokio::io::AsyncRead + Unpin),
        progress: impl FnMut(Progress),
    ) -> Result<u64, PgError> {
        let mut cmd = self.command("pg_restore");
        cmd.arg("-h")
            .arg(&self.socket_dir)
            .args([
                "-U",
                "postgres",
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--verbose",
                "--dbname",
            ])
            .arg(database);
        self.stream(
            "pg_restore",
            cmd,
            Some(input),
            None::<&mut tokio::io::Sink>,
            progress,
        )
        .await
    }

    /// Runs `cmd` with `input` copied to its standard input and its
    /// standard output copied to `output`, reporting its standard error
    /// lines as they come and the bytes moved every half second.
    async fn stream<R, W>(
        &self,
        step: &'static str,
        mut cmd: Command,
        input: Option<&mut R>,
        output: Option<&mut W>,
        mut progress: impl FnMut(Progress),
    ) -> Result<u64, PgError>
    where
        R: tokio::io::AsyncRead + Unpin,
        W: tokio::io::AsyncWrite + Unpin,
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
        let failed = |detail: String| PgError::Command { step, detail };
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| failed(e.to_string()))?;
        let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(failed("no pipes to the child".into()));
        };
        let stdin = child.stdin.take();
        let moved = AtomicU64::new(0);
        let feed = async {
            if let (Some(r), Some(mut w)) = (input, stdin) {
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = r
                        .read(&mut buf)
                        .await
                        .map_err(|e| failed(format!("reading the input: {e}")))?;
                    if n == 0 {
                        break;
                    }
                    w.write_all(&buf[..n])
                        .await
                        .map_err(|e| failed(format!("writing to {step}: {e}")))?;
                    moved.fetch_add(n as u64, Ordering::Relaxed);
                }
                w.shutdown().await.ok();
            }
            Ok::<(), PgError>(())
        };
        let drain = async {
            let mut buf = vec![0u8; 256 * 1024];
            let mut output = output;
            loop {
                let n = stdout
                    .read(&mut buf)
                    .await
                    .map_err(|e| failed(format!("reading from {step}: {e}")))?;
                if n == 0 {
                    break;
                }
                if let Some(w) = output.as_mut() {
                    w.write_all(&buf[..n])
                        .await
                        .map_err(|e| failed(format!("writing the output: {e}")))?;
                    moved.fetch_add(n as u64, Ordering::Relaxed);
                }
            }
            if let Some(w) = output.as_mut() {
                w.flush()
                    .await
                    .map_err(|e| failed(format!("writing the output: {e}")))?;
            }
            Ok::<(), PgError>(())
        };
        let mut last_lines: Vec<String> = Vec::new();
        let report = async {
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
            loop {
                tokio::select! {
                    line = lines.next_line() => match line {
                        Ok(Some(l)) => {
                            progress(Progress::Step(l.clone()));
                            last_lines.push(l);
                            if last_lines.len() > 5 {
                                last_lines.remove(0);
                            }
                        }
                        _ => break,
                    },
                    _ = tick.tick() => progress(Progress::Bytes(moved.load(Ordering::Relaxed))),
                }
            }
            Ok::<(), PgError>(())
        };
        let copied = tokio::try_join!(feed, drain, report);
        let status = child.wait().await.map_err(|e| failed(e.to_string()))?;
        let total = moved.load(Ordering::Relaxed);
        if !status.success() {
            return Err(failed(last_lines.join(" / ")));
        }
        copied?;
        progress(Progress::Bytes(total));
        Ok(total)
    }

    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username("postgres")
            .database(database)
    }

    /// Creates `name` unless it exists.
    pub async fn ensure_database(&self, name: &str) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect_with(&self.connect_options("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            let sql = format!("create database \"{}\"", name.replace('"', "\"\""));
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        Ok(())
    }
}
