//! The data commands of `majlis`: `export`, `import wordpress|ndjson`,
//! `privacy export|erase` and `spam-retrain`. Each opens the database like `serve` does and,
//! when it had to start the embedded cluster itself, stops it afterwards
//! (a cluster a running server uses is left alone).

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use futures_util::StreamExt;
use majlis::config::Config;
use majlis::domain::SiteId;
use majlis::export::{self, ExportOptions, ExportProgress, ExportRequest};
use majlis::i18n::Lang;
use majlis::import::{self, WordPressOptions};
use majlis::startup::{Database, open_database};
use majlis::usecases::privacy::{self, SubjectEmail};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ExportArgs {
    /// csv or ndjson
    #[arg(long, default_value = "csv")]
    format: String,
    /// pending, approved, spam or rejected
    #[arg(long)]
    status: Option<String>,
    /// Only this site's comments.
    #[arg(long)]
    site: Option<String>,
    /// Only this article's comments.
    #[arg(long = "article")]
    article: Option<String>,
    /// From this time (RFC 3339, or a date: its midnight UTC), inclusive.
    #[arg(long)]
    since: Option<String>,
    /// Up to this time (RFC 3339, exclusive; or a date: to its end).
    #[arg(long)]
    until: Option<String>,
    /// Start a CSV with a UTF-8 byte order mark (for spreadsheet programs).
    #[arg(long)]
    bom: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a WordPress export file (WXR): posts become articles, with
    /// their comments, statuses and threads. Importing the same file again
    /// adds nothing twice.
    Wordpress {
        file: PathBuf,
        /// Import pingbacks and trackbacks too.
        #[arg(long)]
        include_pings: bool,
        /// The site the posts belong to (it must exist; see
        /// `POST /api/v1/admin/sites`), so that two editions' post ids do
        /// not collide.
        #[arg(long, default_value = "default", value_parser = parse_site)]
        site: SiteId,
    },
    /// Restore an NDJSON export made by `majlis export --format ndjson`
    /// (ids, statuses, threads and timestamps kept).
    Ndjson { file: PathBuf },
}

#[derive(Subcommand)]
pub enum PrivacyCommand {
    /// Print everything stored about the commenter with this email (JSON).
    /// The email is read from MAJLIS_PRIVACY_EMAIL, else from the first
    /// line of standard input, so it stays out of the shell history.
    Export {
        /// Deprecated: an email here lands in the shell history and the
        /// process list. Omit it (or give `-`) to read it as above.
        email: Option<String>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Anonymize the commenter with this email (their comments' text and
    /// threads stay), untrain the spam classifier, and audit the erasure.
    /// The email is read from MAJLIS_PRIVACY_EMAIL, else from the first
    /// line of standard input, so it stays out of the shell history.
    Erase {
        /// Deprecated: an email here lands in the shell history and the
        /// process list. Omit it (or give `-`) to read it as above.
        email: Option<String>,
        /// Language of the "Anonymous" name: ar or en (default:
        /// MAJLIS_DEFAULT_LANG).
        #[arg(long)]
        lang: Option<String>,
    },
}

/// The database, and whether this command started the embedded cluster.
struct Opened {
    db: Database,
    stop_cluster: bool,
}

async fn open(config: &Config) -> anyhow::Result<Opened> {
    let was_running = match &config.database_url {
        Some(_) => true,
        None => match majlis::pg::Cluster::new(&config.data_dir) {
            Ok(c) => c.is_running().await,
            Err(_) => false,
        },
    };
    let db = open_database(config).await?;
    Ok(Opened {
        db,
        stop_cluster: !was_running,
    })
}

async fn close(o: Opened) -> anyhow::Result<()> {
    o.db.pool.close().await;
    if o.stop_cluster
        && let Some(cluster) = &o.db.cluster
    {
        cluster.stop("fast").await?;
    }
    Ok(())
}

/// Runs `work` on the opened database and closes it, whatever the outcome.
async fn with_db<T>(
    config: &Config,
    work: impl AsyncFnOnce(&Database) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let opened = open(config).await?;
    let result = work(&opened.db).await;
    close(opened).await?;
    result
}

/// Standard output, or a file written under a temporary name and renamed
/// into place only when complete.
struct Output {
    target: Option<(PathBuf, PathBuf)>,
    w: Box<dyn Write>,
}

impl Output {
    fn create(path: Option<&Path>) -> anyhow::Result<Output> {
        match path {
            None => Ok(Output {
                target: None,
                w: Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            }),
            Some(p) => {
                let mut tmp = p.as_os_str().to_owned();
                tmp.push(".partial");
                let tmp = PathBuf::from(tmp);
                let f = std::fs::File::create(&tmp)
                    .with_context(|| format!("cannot create {}", tmp.display()))?;
                Ok(Output {
                    target: Some((tmp, p.to_owned())),
                    w: Box::new(std::io::BufWriter::new(f)),
                })
            }
        }
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.w.flush().context("cannot write the output")?;
        drop(self.w);
        if let Some((tmp, path)) = self.target.take() {
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot rename into {}", path.display()))?;
        }
        Ok(())
    }

    fn abandon(self) {
        drop(self.w);
        if let Some((tmp, _)) = &self.target {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The command-line options as query pairs, so the CLI and HTTP share one
/// parser (and one set of error codes).
fn export_request(a: &ExportArgs) -> anyhow::Result<ExportRequest> {
    let mut pairs = vec![("format", a.format.clone()), ("bom", a.bom.to_string())];
    for (k, v) in [
        ("status", &a.status),
        ("site", &a.site),
        ("article_id", &a.article),
        ("since", &a.since),
        ("until", &a.until),
    ] {
        if let Some(v) = v {
            pairs.push((k, v.clone()));
        }
    }
    ExportRequest::from_query_pairs(&pairs).map_err(|fields| {
        let flag = |f: &str| if f == "article_id" { "article" } else { f }.to_owned();
        let problems: Vec<String> = ["format", "status", "site", "article_id", "since", "until"]
            .iter()
            .filter_map(|f| {
                fields.get(f).map(|codes| {
                    let codes: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
                    format!("--{}: {}", flag(f), codes.join(", "))
                })
            })
            .collect();
        anyhow!("invalid options: {}", problems.join("; "))
    })
}

pub async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let req = export_request(&args)?;
    with_db(config, async move |db| {
        let progress = ExportProgress::default();
        let bar = if std::io::stderr().is_terminal() {
            let total = export::count(&db.pool, &req.filter).await?;
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} comments ({per_sec}, {eta} left)",
            ) {
                bar.set_style(style);
            }
            Some(bar)
        } else {
            None
        };
        let options = ExportOptions {
            progress: Some(progress.clone()),
            ..ExportOptions::from(&req)
        };
        let mut out = Output::create(args.output.as_deref())?;
        let started = {
            let mut conn = db.pool.acquire().await?;
            let event = export::started_event(None, req.format, &req.filter, options.personal_data);
            majlis::db::audit::insert(&mut conn, &event).await?
        };
        let mut stream = std::pin::pin!(export::stream(db.pool.clone(), req.filter, options));
        while let Some(chunk) = stream.next().await {
            let written = chunk
                .context("export failed")
                .and_then(|c| out.w.write_all(&c).context("cannot write the output"));
            if let Err(e) = written {
                out.abandon();
                let event = export::finished_event(None, started, progress.rows(), false);
                let mut conn = db.pool.acquire().await?;
                majlis::db::audit::insert(&mut conn, &event).await?;
                return Err(e);
            }
            if let Some(bar) = &bar {
                bar.set_position(progress.rows());
            }
        }
        out.finish()?;
        if let Some(bar) = bar {
            bar.finish();
        }
        let event = export::finished_event(None, started, progress.rows(), true);
        let mut conn = db.pool.acquire().await?;
        majlis::db::audit::insert(&mut conn, &event).await?;
        tracing::info!(rows = progress.rows(), "export finished");
        Ok(())
    })
    .await
}

fn parse_site(raw: &str) -> Result<SiteId, String> {
    SiteId::parse(raw)
        .map_err(|_| "a site id is 1-32 lowercase letters, digits or inner hyphens".to_owned())
}

fn open_input(path: &Path) -> anyhow::Result<BufReader<std::fs::File>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(BufReader::with_capacity(256 * 1024, f))
}

fn print_line(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").context("cannot write to standard output")
}

pub async fn import(config: &Config, cmd: ImportCommand) -> anyhow::Result<()> {
    let lang = config.default_lang;
    let max_body_chars = config.max_body_chars;
    with_db(config, async move |db| {
        let mut conn = db.pool.acquire().await?;
        match cmd {
            ImportCommand::Wordpress {
                file,
                include_pings,
                site,
            } => {
                let input = open_input(&file)?;
                let summary = import::import_wordpress(
                    &mut conn,
                    input,
                    WordPressOptions {
                        site,
                        include_pings,
                        lang,
                        max_body_chars,
                    },
                )
                .await
                .with_context(|| format!("{}: nothing imported", file.display()))?;
                print_line(&summary.to_string())
            }
            ImportCommand::Ndjson { file } => {
                let input = open_input(&file)?;
                let summary = import::import_ndjson(&mut conn, input)
                    .await
                    .with_context(|| format!("{}: nothing imported", file.display()))?;
                print_line(&summary.to_string())
            }
        }
    })
    .await
}

fn subject(raw: &str) -> anyhow::Result<SubjectEmail> {
    SubjectEmail::parse(raw).map_err(|c| anyhow!("invalid email: {}", c.as_str()))
}

/// The email a privacy command is about: the (deprecated) argument, else
/// `MAJLIS_PRIVACY_EMAIL`, else the first line of standard input.
fn subject_email(arg: Option<String>) -> anyhow::Result<SubjectEmail> {
    if let Some(raw) = arg.filter(|a| a != "-") {
        tracing::warn!(
            "an email given as an argument stays in the shell history: \
             prefer MAJLIS_PRIVACY_EMAIL or standard input"
        );
        return subject(&raw);
    }
    if let Ok(raw) = std::env::var("MAJLIS_PRIVACY_EMAIL")
        && !raw.trim().is_empty()
    {
        return subject(&raw);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "Email: ");
        let _ = err.flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the email from standard input")?;
    if line.trim().is_empty() {
        anyhow::bail!("no email: set MAJLIS_PRIVACY_EMAIL or give it on standard input");
    }
    subject(&line)
}

pub async fn privacy(config: &Config, cmd: PrivacyCommand) -> anyhow::Result<()> {
    let default_lang = config.default_lang;
    // The email is read before the database is opened: a bad one costs
    // nothing, and a prompt does not wait with a cluster started.
    let email = match &cmd {
        PrivacyCommand::Export { email, .. } | PrivacyCommand::Erase { email, .. } => {
            subject_email(email.clone())?
        }
    };
    with_db(config, async move |db| {
        let mut conn = db.pool.acquire().await?;
        match cmd {
            PrivacyCommand::Export { output, .. } => {
                let person = privacy::export_person(&mut conn, &email).await?;
                let mut out = Output::create(output.as_deref())?;
                serde_json::to_writer_pretty(&mut out.w, &person)?;
                writeln!(out.w)?;
                out.finish()
            }
            PrivacyCommand::Erase { lang, .. } => {
                let lang = match lang {
                    None => default_lang,
                    Some(l) => Lang::parse(&l).ok_or_else(|| anyhow!("--lang: use ar or en"))?,
                };
                let report = match privacy::erase_person(&mut conn, &email, None, lang).await {
                    Ok(report) => report,
                    Err(e) if e.code == majlis::error::ErrorCode::LegalHold => {
                        return Err(anyhow!(
                            "a legal hold covers this person or their comments: an admin lifts \
                             it first (DELETE /api/v1/admin/legal-holds/{{id}})"
                        ));
                    }
                    Err(e) => {
                        e.log_cause();
                        return Err(anyhow!("erasing failed: {}", e.code.as_str()));
                    }
                };
                print_line(&serde_json::to_string_pretty(&report)?)
            }
        }
    })
    .await
}

/// `majlis spam-retrain`: prints how many comments it taught.
pub async fn spam_retrain(config: &Config, batch: i64) -> anyhow::Result<()> {
    with_db(config, async move |db| {
        let report = majlis::usecases::training::retrain_decided(&db.pool, batch)
            .await
            .context("retraining the spam learner failed")?;
        print_line(&format!(
            "taught the spam learner {} comments ({} batches)",
            report.taught, report.batches
        ))
    })
    .await
}

/// The embedded cluster, for `backup` and `restore` (an external
/// database has its own backups: README, "Backups").
fn embedded_cluster(config: &Config, command: &str) -> anyhow::Result<majlis::pg::Cluster> {
    if config.database_url.is_some() {
        anyhow::bail!(
            "`majlis {command}` works on the embedded database (without DATABASE_URL); for an \
             external PostgreSQL use its own backups: see the README, \"Backups\""
        );
    }
    Ok(majlis::pg::Cluster::new(&config.data_dir)?)
}

/// Shows a tool's progress on standard error: its steps at a terminal
/// (or in the log otherwise) and the bytes moved.
fn show_progress(verb: &'static str) -> impl FnMut(majlis::pg::Progress) {
    let terminal = std::io::stderr().is_terminal();
    let mut last_mib = u64::MAX;
    move |p| match p {
        majlis::pg::Progress::Step(line) => {
            let line = line
                .trim_start_matches("pg_dump: ")
                .trim_start_matches("pg_restore: ");
            tracing::info!("{verb}: {line}");
        }
        majlis::pg::Progress::Bytes(n) => {
            let mib = n / (1024 * 1024);
            if mib != last_mib {
                last_mib = mib;
                let text = format!("{verb}: {:.1} MiB", n as f64 / (1024.0 * 1024.0));
                if terminal {
                    #[allow(clippy::print_stderr)]
                    {
                        eprint!("\r{text}   ");
                    }
                } else {
                    tracing::info!("{text}");
                }
            }
        }
    }
}

/// `majlis backup FILE`: a custom-format dump of the embedded database,
/// written under a temporary name (readable by its owner only) and renamed
/// into place when complete. A running server may keep serving.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let cluster = embedded_cluster(config, "backup")?;
    if !cluster.is_initialized() {
        anyhow::bail!(
            "there is no embedded database under {} to back up",
            config.data_dir.display()
        );
    }
    let started = cluster.start(&[]).await?;
    let result = async {
        let mut tmp = file.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let mut out = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .await
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let dumped = cluster
            .dump(
                majlis::startup::EMBEDDED_DB_NAME,
                &mut out,
                show_progress("backup"),
            )
            .await;
        let bytes = match dumped {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
        out.sync_all().await?;
        std::fs::rename(&tmp, file)
            .with_context(|| format!("cannot rename into {}", file.display()))?;
        tracing::info!(bytes, file = %file.display(), "backup written");
        anyhow::Ok(())
    }
    .await;
    if started {
        cluster.stop("fast").await?;
    }
    result
}

/// `majlis restore FILE [--replace]`: the embedded database becomes the
/// backup's, then migrates forward (a backup of an older release) as
/// `MAJLIS_MIGRATE` says. Refused while a server runs on the cluster, and
/// over a database holding data unless `replace`.
pub async fn restore(config: &Config, file: &Path, replace: bool) -> anyhow::Result<()> {
    use sqlx::Connection;
    let cluster = embedded_cluster(config, "restore")?;
    let mut input = tokio::fs::File::open(file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    if cluster.is_initialized() && cluster.is_running().await {
        anyhow::bail!(
            "the embedded PostgreSQL under {} is running: stop `majlis serve` (and any other \
             majlis command) first",
            config.data_dir.display()
        );
    }
    cluster.start(&[]).await?;
    let result = async {
        let name = majlis::startup::EMBEDDED_DB_NAME;
        let mut admin =
            sqlx::PgConnection::connect_with(&cluster.connect_options("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
                .bind(name)
                .fetch_one(&mut admin)
                .await?;
        if exists && !replace {
            let mut db = sqlx::PgConnection::connect_with(&cluster.connect_options(name)).await?;
            let tables: i64 =
                sqlx::query_scalar("select count(*) from pg_tables where schemaname = 'public'")
                    .fetch_one(&mut db)
                    .await?;
            db.close().await.ok();
            if tables > 0 {
                anyhow::bail!(
                    "the embedded database under {} holds data: restoring would replace it. \
                     Back it up (`majlis backup`) and run `majlis restore --replace {}`",
                    config.data_dir.display(),
                    file.display()
                );
            }
        }
        for sql in [
            format!("drop database if exists \"{name}\" with (force)"),
            format!("create database \"{name}\""),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await?;
        }
        admin.close().await.ok();
        let bytes = cluster
            .restore(name, &mut input, show_progress("restore"))
            .await?;
        tracing::info!(bytes, "backup restored");
        // The backup's schema may be an older release's.
        let db = open_database(config).await?;
        let counts: (i64, i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from comments), (select count(*) from moderators),
                    (select count(*) from audit_events), (select count(*) from articles)",
        )
        .fetch_one(&db.pool)
        .await?;
        db.pool.close().await;
        tracing::info!(
            comments = counts.0,
            moderators = counts.1,
            audit_events = counts.2,
            articles = counts.3,
            "the restored database is ready"
        );
        anyhow::Ok(())
    }
    .await;
    cluster.stop("fast").await?;
    result
}
