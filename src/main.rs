//! The `majlis` command: `serve` (the default), `migrate`, `export`,
//! `import wordpress|ndjson`, `privacy export|erase`.

mod commands;

use clap::{Parser, Subcommand};
use majlis::config::Config;
use majlis::startup::{Application, open_database};
use majlis::telemetry;
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
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default). Without DATABASE_URL, runs an embedded
    /// PostgreSQL cluster under MAJLIS_DATA_DIR (./data).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Evaluate the spam engine on a labeled corpus (JSON lines with
    /// lang, label, author_name, author_email, author_url, body): precision,
    /// recall and ham false positives per language, before and after
    /// training the classifier on half of it. Needs no database.
    SpamEval {
        /// The corpus file.
        #[arg(default_value = "tests/fixtures/spam_corpus.jsonl")]
        corpus: std::path::PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export comments as CSV or NDJSON, to standard output or a file.
    Export(commands::ExportArgs),
    /// Import comments from a WordPress export file or an NDJSON export.
    Import {
        #[command(subcommand)]
        what: commands::ImportCommand,
    },
    /// Privacy requests about one commenter, named by email.
    Privacy {
        #[command(subcommand)]
        action: commands::PrivacyCommand,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            // One line naming the variable, before any logging exists.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{e}");
            }
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::SpamEval { corpus, json } => spam_eval(&corpus, json),
        Command::Export(args) => commands::export(&config, args).await,
        Command::Import { what } => commands::import(&config, what).await,
        Command::Privacy { action } => commands::privacy(&config, action).await,
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
    let app = Application::build(config, db.pool.clone()).await?;
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
    let db = open_database(&config).await?;
    tracing::info!("migrations applied");
    db.pool.close().await;
    if let Some(cluster) = &db.cluster {
        cluster.stop("fast").await?;
    }
    Ok(())
}

fn spam_eval(path: &std::path::Path, json: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    use majlis::spam::{LabeledComment, SpamRules, Thresholds, evaluate};
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut items = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let item: LabeledComment = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a labeled comment", path.display(), i + 1))?;
        items.push(item);
    }
    let report = evaluate(&items, &SpamRules::default(), &Thresholds::default());
    let out = if json {
        serde_json::to_string_pretty(&report)?
    } else {
        report.to_string()
    };
    // The report is the command's output.
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
    Ok(())
}
