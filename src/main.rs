//! The `majlis` command: `serve` (the default), `migrate`,
//! `moderator create`, `spam-eval`, `spam-retrain`, `export`, `import wordpress|ndjson`,
//! `privacy export|erase`, `backup`, `restore`.

mod commands;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use majlis::config::Config;
use majlis::i18n::{Lang, Msg};
use majlis::startup::{Application, Schema, open_database, open_database_with};
use majlis::telemetry;
use majlis::usecases::accounts::{self, NewModerator};
use secrecy::SecretString;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "majlis",
    version,
    about = "Self-hosted comment moderation backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Every setting, from its environment variable or its flag (given
    /// before the subcommand).
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default). Without DATABASE_URL, runs an embedded
    /// PostgreSQL cluster under MAJLIS_DATA_DIR (./data).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage moderator accounts.
    Moderator {
        #[command(subcommand)]
        action: ModeratorCommand,
    },
    /// Evaluate the spam engine on a labeled corpus (JSON lines with lang,
    /// label, author_name, author_email, author_url, body, and optionally
    /// source): precision, recall and ham false positives per language and
    /// per source, for the rules alone, with the shipped prior, and after a
    /// simulated moderator decided 50, 100, 200, 400 and 800 comments of
    /// the pool (a third of the corpus, or --pool). Needs no database.
    SpamEval {
        /// The corpus file (the judged comments).
        #[arg(default_value = "tests/fixtures/spam_corpus.jsonl")]
        corpus: std::path::PathBuf,
        /// The comments a simulated moderator decides, in a fixed shuffled
        /// order; without it, a third of the corpus (by a hash of the body).
        #[arg(long)]
        pool: Option<std::path::PathBuf>,
        /// Leave the shipped prior out (a learner that starts from nothing).
        #[arg(long, conflicts_with = "prior")]
        no_prior: bool,
        /// Use this prior file instead of the shipped one (as written by
        /// `examples/train_prior.rs`).
        #[arg(long)]
        prior: Option<std::path::PathBuf>,
        /// Also teach every undecided pool comment the site would publish
        /// as ham (measures "published comments teach ham").
        #[arg(long)]
        published_teach_ham: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also score one obfuscated variant of every judged spam item and
        /// one legitimately dressed variant (ZWNJ, RLM/LRM, tatweel,
        /// Eastern digits) of every judged Arabic-script ham item, with the
        /// rules and the prior, on a fresh site and after 400 decisions of
        /// the pool, and print caught and held rates per language.
        #[arg(long)]
        obfuscate: bool,
        /// Score with this `max_links` instead of the default (2), to see
        /// what a site's setting costs.
        #[arg(long)]
        max_links: Option<u32>,
        /// Score with this hold threshold instead of the default, to see
        /// what a site's `hold_threshold` trades.
        #[arg(long)]
        hold_threshold: Option<f64>,
        /// Points per unit of log-odds of the learner's probability
        /// instead of the built-in 4 (a tuning knob; measure on a
        /// development split only).
        #[arg(long)]
        learner_scale: Option<f64>,
        /// What one comment of the prior counts for next to one of the
        /// site's decisions, instead of the built-in 0.3 (a tuning knob;
        /// measure on a development split only).
        #[arg(long)]
        prior_weight: Option<f64>,
        /// How many of a comment's features (the strongest either way) the
        /// learner reads where the prior speaks, instead of the built-in 120
        /// (a tuning knob; measure on a development split only).
        #[arg(long)]
        telling: Option<usize>,
        /// How many of a comment's features the learner reads where the
        /// site's counts speak alone (a script the prior does not know),
        /// instead of the built-in 40 (a tuning knob; measure on a
        /// development split only).
        #[arg(long)]
        alone_telling: Option<usize>,
        /// The learner's probability above which it adds points (and below
        /// one minus which it takes them away) instead of the built-in 0.7
        /// (a tuning knob; measure on a development split only).
        #[arg(long)]
        learner_sure: Option<f64>,
        /// The learner's calibration curve where the prior speaks, as
        /// `SCALE,OFFSET` (raw score to log-odds), instead of the built-in
        /// one: what `examples/learner_lab.rs --fit` prints for a new prior
        /// (a tuning knob; measure on a development split only).
        #[arg(long, value_parser = parse_curve, value_name = "SCALE,OFFSET", allow_hyphen_values = true)]
        curve: Option<(f64, f64)>,
    },
    /// Teach the spam learner again every comment whose current status
    /// (approved or spam) a moderator set or confirmed, as the audit log
    /// records it; comments already trained so are skipped. Run it once
    /// after upgrading from a version that trained text tokens (the
    /// upgrade clears that training).
    SpamRetrain {
        /// Comments per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        batch: i64,
    },
    /// Export comments as CSV or NDJSON, to standard output or a file.
    Export(commands::ExportArgs),
    /// Import comments from a WordPress export file or an NDJSON export.
    Import {
        #[command(subcommand)]
        what: commands::ImportCommand,
    },
    /// Back up the embedded database (no DATABASE_URL) into FILE, in
    /// pg_dump's custom format; a running server may keep serving.
    Backup { file: std::path::PathBuf },
    /// Restore a `majlis backup` FILE into the embedded database, then apply
    /// newer migrations. Stop the server first.
    Restore {
        file: std::path::PathBuf,
        /// Replace an embedded database that holds data.
        #[arg(long)]
        replace: bool,
    },
    /// Privacy requests about one commenter, named by email.
    Privacy {
        #[command(subcommand)]
        action: commands::PrivacyCommand,
    },
}

#[derive(Subcommand)]
enum ModeratorCommand {
    /// Create an account. The password is read from MAJLIS_PASSWORD, else
    /// typed at the terminal without echo, else from the first line of
    /// standard input (never from an argument).
    Create {
        #[arg(long)]
        email: String,
        /// admin or moderator
        #[arg(long, default_value = "moderator")]
        role: String,
        /// Shown in the audit log (default: the email's local part).
        #[arg(long)]
        display_name: Option<String>,
    },
}

/// One line on standard error for the person at the terminal.
fn say(line: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{line}");
    }
}

/// jemalloc with a background purge thread (configured at build time in
/// `.cargo/config.toml`) gives the memory of a burst (thousands of stalled
/// uploads) back to the system within seconds; glibc's per-thread arenas
/// keep it. `cargo bench --bench attack` measures it.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Help, the version, and a bad value (naming its variable) exit here,
    // before any logging exists.
    let matches = majlis::config::ignore_empty_variables(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let config = match cli.config.check() {
        Ok(c) => c,
        Err(e) => {
            say(&e.to_string());
            return ExitCode::from(2);
        }
    };
    let _telemetry = telemetry::init(config.log_format, config.otlp_endpoint.as_ref());
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::Moderator {
            action:
                ModeratorCommand::Create {
                    email,
                    role,
                    display_name,
                },
        } => {
            let new = match read_password().and_then(|pw| {
                NewModerator::parse(Some(&email), Some(pw), Some(&role), display_name.as_deref())
                    .map_err(|f| first_problem(&f))
            }) {
                Ok(new) => new,
                Err(problem) => {
                    say(&problem);
                    return ExitCode::from(2);
                }
            };
            create_moderator(config, new).await
        }
        Command::SpamEval {
            corpus,
            pool,
            no_prior,
            prior,
            published_teach_ham,
            json,
            obfuscate,
            max_links,
            hold_threshold,
            learner_scale,
            prior_weight,
            telling,
            alone_telling,
            learner_sure,
            curve,
        } => spam_eval(
            &corpus,
            pool.as_deref(),
            SpamEvalOptions {
                no_prior,
                prior_file: prior.as_deref(),
                published_teach_ham,
                json,
                obfuscate,
                max_links,
                hold_threshold,
                learner_scale,
                prior_weight,
                telling,
                alone_telling,
                learner_sure,
                curve,
            },
        ),
        Command::SpamRetrain { batch } => commands::spam_retrain(&config, batch).await,
        Command::Export(args) => commands::export(&config, args).await,
        Command::Import { what } => commands::import(&config, what).await,
        Command::Privacy { action } => commands::privacy(&config, action).await,
        Command::Backup { file } => commands::backup(&config, &file).await,
        Command::Restore { file, replace } => commands::restore(&config, &file, replace).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let addr = config.addr;
    let app =
        Application::build_with_read_pool(config, db.pool.clone(), db.read_pool.clone()).await?;
    tracing::info!(%addr, port = app.port(), "majlis is ready");
    let served = app.run_until_stopped().await;
    db.pool.close().await;
    if let Some(cluster) = &db.cluster {
        tracing::info!("stopping embedded PostgreSQL");
        cluster.stop("fast").await?;
    }
    served?;
    tracing::info!("majlis stopped");
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let db = open_database_with(&config, Schema::Migrate).await?;
    tracing::info!("migrations applied");
    db.pool.close().await;
    if let Some(cluster) = &db.cluster {
        cluster.stop("fast").await?;
    }
    Ok(())
}

/// `MAJLIS_PASSWORD`; else, at a terminal, typed without echo; else the
/// first line of standard input.
fn read_password() -> Result<SecretString, String> {
    if let Ok(pw) = std::env::var("MAJLIS_PASSWORD")
        && !pw.is_empty()
    {
        return Ok(SecretString::from(pw));
    }
    let stdin = std::io::stdin();
    let pw = if stdin.is_terminal() {
        rpassword::prompt_password("Password (not shown): ")
            .map_err(|e| format!("cannot read the password from the terminal: {e}"))?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if pw.is_empty() {
        return Err("no password: set MAJLIS_PASSWORD or pipe it on standard input".to_owned());
    }
    Ok(SecretString::from(pw))
}

/// The first field problem as one line (`password: This is too short...`).
fn first_problem(f: &majlis::error::FieldErrors) -> String {
    for field in ["email", "role", "display_name", "password"] {
        if let Some(code) = f.get(field).and_then(|c| c.first()) {
            return format!("{field}: {}", Lang::En.text(Msg::Field(*code)));
        }
    }
    "the account is not valid".to_owned()
}

async fn create_moderator(config: Config, new: NewModerator) -> anyhow::Result<()> {
    // A server may be running on the embedded cluster: leave it running then.
    let was_running = match &config.database_url {
        None => {
            majlis::pg::Cluster::new(&config.data_dir)?
                .is_running()
                .await
        }
        Some(_) => false,
    };
    let db = open_database(&config).await?;
    let created = accounts::create(&db.pool, None, new).await;
    db.pool.close().await;
    if let Some(cluster) = &db.cluster
        && !was_running
    {
        cluster.stop("fast").await?;
    }
    match created {
        Ok(row) => {
            tracing::info!(moderator_id = row.id, role = %row.role.0, "moderator created");
            Ok(())
        }
        Err(e) if e.code == majlis::error::ErrorCode::EmailTaken => {
            anyhow::bail!("a moderator with this email already exists")
        }
        Err(e) => {
            e.log_cause();
            anyhow::bail!("creating the moderator failed: {}", e.code.as_str())
        }
    }
}

fn read_corpus(path: &std::path::Path) -> anyhow::Result<Vec<majlis::spam::LabeledComment>> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    majlis::spam::eval::parse_corpus(&text).with_context(|| path.display().to_string())
}

/// The switches of `majlis spam-eval`.
struct SpamEvalOptions<'a> {
    no_prior: bool,
    prior_file: Option<&'a std::path::Path>,
    published_teach_ham: bool,
    json: bool,
    obfuscate: bool,
    max_links: Option<u32>,
    hold_threshold: Option<f64>,
    learner_scale: Option<f64>,
    prior_weight: Option<f64>,
    telling: Option<usize>,
    alone_telling: Option<usize>,
    learner_sure: Option<f64>,
    curve: Option<(f64, f64)>,
}

/// `SCALE,OFFSET`, two finite numbers, the scale positive.
fn parse_curve(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| "expected SCALE,OFFSET".to_owned())?;
    let scale: f64 = a.trim().parse().map_err(|e| format!("scale: {e}"))?;
    let offset: f64 = b.trim().parse().map_err(|e| format!("offset: {e}"))?;
    if !(scale.is_finite() && scale > 0.0 && offset.is_finite()) {
        return Err("the scale must be a positive number and the offset a number".to_owned());
    }
    Ok((scale, offset))
}

fn spam_eval(
    path: &std::path::Path,
    pool: Option<&std::path::Path>,
    o: SpamEvalOptions,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use majlis::spam::eval::{EvalOptions, split_pool};
    let items = read_corpus(path)?;
    let (pool, judged) = match pool {
        Some(p) => (read_corpus(p)?, items),
        None => split_pool(&items),
    };
    let mut opts = EvalOptions {
        published_teach_ham: o.published_teach_ham,
        ..EvalOptions::default()
    };
    if let Some(n) = o.max_links {
        opts.rules.max_links = n;
    }
    if let Some(h) = o.hold_threshold {
        opts.thresholds.hold = h;
    }
    if let Some(k) = o.learner_scale {
        opts.rules.learner_points_per_logit = k;
    }
    if let Some(w) = o.prior_weight {
        opts.params.prior_weight = w;
    }
    if let Some(k) = o.telling {
        opts.params.telling = k;
    }
    if let Some(k) = o.alone_telling {
        opts.params.alone_telling = k;
    }
    if let Some(s) = o.learner_sure {
        opts.rules.learner_sure = s;
    }
    if let Some((scale, offset)) = o.curve {
        opts.params.scale = scale;
        opts.params.offset = offset;
    }
    let custom;
    if o.no_prior {
        opts.prior = None;
    } else if let Some(p) = o.prior_file {
        let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
        custom = majlis::spam::learner::Prior::from_bytes(&bytes)
            .with_context(|| format!("{} is not a prior", p.display()))?;
        opts.prior = Some(&custom);
    }
    let report = majlis::spam::evaluate(&pool, &judged, &opts);
    // The obfuscation check scores with the shipped prior unless another
    // prior was given (--no-prior leaves the rules alone).
    let obfuscation = if o.obfuscate {
        majlis::spam::obfuscate::check_stages(&pool, &judged, &opts)
    } else {
        Vec::new()
    };
    let out = if o.json {
        if obfuscation.is_empty() {
            serde_json::to_string_pretty(&report)?
        } else {
            serde_json::to_string_pretty(&serde_json::json!({
                "report": report,
                "obfuscation": obfuscation,
            }))?
        }
    } else {
        let mut text = report.to_string();
        for ob in &obfuscation {
            text.push('\n');
            text.push_str(&ob.to_string());
        }
        text
    };
    // The report is the command's output.
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
    Ok(())
}
