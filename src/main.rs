//! The `majlis` command: `serve` (the default), `migrate`.

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
