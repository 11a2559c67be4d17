//! Configuration: one `clap` definition read from environment variables
//! (or the matching command-line flags), each with an embedded default.
//! `majlis --help` lists every variable with its default; a bad value
//! stops start-up with clap's message naming the variable. Checks that
//! span two variables are in [`Config::check`].
//!
//! An empty variable counts as unset (compose files write `X: ${X:-}`).

use crate::domain::settings::normalize_origin;
use crate::i18n::Lang;
use clap::builder::RangedU64ValueParser;
use clap::{Args, CommandFactory, FromArgMatches, Parser};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// Who applies the schema's migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MigrateMode {
    /// Each instance applies the pending ones as it starts.
    Auto,
    /// The deploy runs `majlis migrate` once; an instance refuses to start
    /// on a schema older than it needs.
    Off,
}

/// Every setting of a majlis process. The flag of each is the variable's
/// name without `MAJLIS_`, lowercased, with `-` for `_` (`--data-dir`).
#[derive(Clone, Args)]
pub struct Config {
    /// `postgres://user:pass@host:5432/db` of an existing database; unset
    /// runs the embedded cluster under the data directory.
    #[arg(long, env = "DATABASE_URL", value_name = "DATABASE_URL",
          value_parser = secret, hide_env_values = true)]
    pub database_url: Option<SecretString>,
    /// A streaming replica for public listings and counts (needs
    /// DATABASE_URL, the primary).
    #[arg(long, env = "DATABASE_READ_URL", value_name = "DATABASE_READ_URL",
          value_parser = secret, hide_env_values = true)]
    pub database_read_url: Option<SecretString>,
    /// Address and port to listen on.
    #[arg(
        long,
        env = "MAJLIS_ADDR",
        value_name = "MAJLIS_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub addr: SocketAddr,
    /// Language of messages when Accept-Language names neither ar nor en.
    #[arg(long, env = "MAJLIS_DEFAULT_LANG", value_name = "MAJLIS_DEFAULT_LANG",
          default_value = "ar", value_parser = lang)]
    pub default_lang: Lang,
    /// Comma-separated site origins (https://news.example), for CORS and
    /// form redirects.
    #[arg(long, env = "MAJLIS_ALLOWED_ORIGINS", value_name = "MAJLIS_ALLOWED_ORIGINS",
          default_value = "", hide_default_value = true, value_parser = origins)]
    pub allowed_origins: ::std::vec::Vec<String>,
    /// Signing secret, 32 characters or more; unset: generated once and kept
    /// in the database.
    #[arg(long, env = "MAJLIS_SECRET", value_name = "MAJLIS_SECRET",
          value_parser = secret, hide_env_values = true)]
    pub secret: Option<SecretString>,
    /// human, or json (one object per line).
    #[arg(
        long,
        env = "MAJLIS_LOG_FORMAT",
        value_name = "MAJLIS_LOG_FORMAT",
        default_value = "human"
    )]
    pub log_format: LogFormat,
    /// Comma-separated IPs or CIDR ranges of reverse proxies whose
    /// X-Forwarded-For is believed.
    #[arg(long, env = "MAJLIS_TRUSTED_PROXIES", value_name = "MAJLIS_TRUSTED_PROXIES",
          default_value = "", hide_default_value = true, value_parser = networks)]
    pub trusted_proxies: ::std::vec::Vec<IpNet>,
    /// auto: each instance applies pending migrations as it starts; off:
    /// the deploy runs `majlis migrate` once, and instances refuse to start
    /// on an older schema.
    #[arg(
        long,
        env = "MAJLIS_MIGRATE",
        value_name = "MAJLIS_MIGRATE",
        default_value = "auto"
    )]
    pub migrate: MigrateMode,
    /// Where the embedded cluster lives.
    #[arg(
        long,
        env = "MAJLIS_DATA_DIR",
        value_name = "MAJLIS_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,
    /// Longest comment, in characters.
    #[arg(long, env = "MAJLIS_MAX_BODY_CHARS", value_name = "MAJLIS_MAX_BODY_CHARS",
          default_value_t = crate::domain::comment::DEFAULT_MAX_BODY,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub max_body_chars: usize,
    /// Largest request body in bytes; larger ones get 413.
    #[arg(long, env = "MAJLIS_MAX_REQUEST_BYTES", value_name = "MAJLIS_MAX_REQUEST_BYTES",
          default_value_t = 64 * 1024,
          value_parser = RangedU64ValueParser::<usize>::new().range(1024..=16 * 1024 * 1024))]
    pub max_request_bytes: usize,
    /// Database connections for requests, split among the HTTP workers.
    #[arg(long, env = "MAJLIS_DB_MAX_CONNECTIONS", value_name = "MAJLIS_DB_MAX_CONNECTIONS",
          default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: u32,
    /// `Cache-Control: max-age` of public listings and counts, in seconds.
    #[arg(long, env = "MAJLIS_PUBLIC_MAX_AGE", value_name = "MAJLIS_PUBLIC_MAX_AGE",
          default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=86_400))]
    pub public_max_age: u32,
    /// Memory for the in-process cache of public reads (0 turns it off).
    #[arg(long, env = "MAJLIS_PUBLIC_CACHE_MB", value_name = "MAJLIS_PUBLIC_CACHE_MB",
          default_value_t = 32, value_parser = clap::value_parser!(u32).range(0..=65_536))]
    pub public_cache_mb: u32,
    /// When set (16 characters or more), /metrics wants
    /// `Authorization: Bearer <token>`.
    #[arg(long, env = "MAJLIS_METRICS_TOKEN", value_name = "MAJLIS_METRICS_TOKEN",
          value_parser = secret, hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// Sessions end this many hours after their last use...
    #[arg(long, env = "MAJLIS_SESSION_IDLE_HOURS", value_name = "MAJLIS_SESSION_IDLE_HOURS",
          default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub session_idle_hours: u32,
    /// ...and this many hours after the login, however busy.
    #[arg(long, env = "MAJLIS_SESSION_MAX_HOURS", value_name = "MAJLIS_SESSION_MAX_HOURS",
          default_value_t = 7 * 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub session_max_hours: u32,
    /// Seconds a client has to send a whole request body once its head has
    /// arrived; later, 408 and the connection is closed.
    #[arg(long = "body-timeout-secs", env = "MAJLIS_BODY_TIMEOUT_SECS",
          value_name = "MAJLIS_BODY_TIMEOUT_SECS", default_value = "10", value_parser = seconds)]
    pub body_timeout: Duration,
    /// Open connections for the whole process (split among the workers).
    #[arg(long, env = "MAJLIS_MAX_CONNECTIONS", value_name = "MAJLIS_MAX_CONNECTIONS",
          default_value_t = 4096,
          value_parser = RangedU64ValueParser::<usize>::new().range(16..=1_000_000))]
    pub max_connections: usize,
    /// Open connections from one direct peer address (an IPv6 /64 counts as
    /// one address); trusted proxies are exempt. 0 turns the bound off.
    #[arg(long, env = "MAJLIS_MAX_CONNECTIONS_PER_CLIENT",
          value_name = "MAJLIS_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 64,
          value_parser = RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    pub max_connections_per_client: usize,
    /// Requests in progress from one client address as resolved through
    /// the trusted proxies; more get 429. 0 turns the bound off.
    #[arg(long, env = "MAJLIS_MAX_REQUESTS_PER_CLIENT",
          value_name = "MAJLIS_MAX_REQUESTS_PER_CLIENT", default_value_t = 32,
          value_parser = RangedU64ValueParser::<usize>::new().range(0..=1_000_000))]
    pub max_requests_per_client: usize,
    /// An OpenTelemetry collector speaking OTLP over HTTP
    /// (http://127.0.0.1:4318): request and database spans are sent to
    /// <endpoint>/v1/traces. Unset: no traces leave the process.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", value_name = "OTEL_EXPORTER_OTLP_ENDPOINT",
          value_parser = otlp_endpoint)]
    pub otlp_endpoint: Option<url::Url>,
    /// The address readers reach majlis at (https://comments.news.example):
    /// the page fragment's form posts there, so it works included in
    /// another site's page. Unset: paths relative to majlis itself.
    #[arg(long, env = "MAJLIS_PUBLIC_URL", value_name = "MAJLIS_PUBLIC_URL",
          value_parser = public_url)]
    pub public_url: Option<url::Url>,
    /// Serve the embedding demo page at /embed/demo.
    #[arg(long, env = "MAJLIS_EMBED_DEMO", value_name = "MAJLIS_EMBED_DEMO",
          default_value = "on", value_parser = on_off)]
    pub embed_demo: bool,
    /// Let webhooks reach private, loopback and link-local addresses (a
    /// receiver on the same host or network). Off: such URLs are refused
    /// when a webhook is saved and such addresses when one is delivered.
    #[arg(long, env = "MAJLIS_WEBHOOK_ALLOW_PRIVATE", value_name = "MAJLIS_WEBHOOK_ALLOW_PRIVATE",
          default_value = "off", value_parser = on_off)]
    pub webhooks_allow_private: bool,
    /// The SMTP server mail goes through: `smtps://user:pass@host` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or
    /// `smtp://host:port` (plain, a relay on the same network). Unset: no
    /// mail (needs MAJLIS_MAIL_FROM and MAJLIS_PUBLIC_URL).
    #[arg(long, env = "MAJLIS_SMTP_URL", value_name = "MAJLIS_SMTP_URL",
          value_parser = secret, hide_env_values = true)]
    pub smtp_url: Option<SecretString>,
    /// The sender of every mail: `Comments <comments@news.example>`.
    #[arg(long, env = "MAJLIS_MAIL_FROM", value_name = "MAJLIS_MAIL_FROM")]
    pub mail_from: Option<String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &Option<SecretString>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("Config")
            .field("database_url", &redacted(&self.database_url))
            .field("database_read_url", &redacted(&self.database_read_url))
            .field("addr", &self.addr)
            .field("default_lang", &self.default_lang)
            .field("allowed_origins", &self.allowed_origins)
            .field("secret", &redacted(&self.secret))
            .field("log_format", &self.log_format)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("migrate", &self.migrate)
            .field("data_dir", &self.data_dir)
            .field("max_body_chars", &self.max_body_chars)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("db_max_connections", &self.db_max_connections)
            .field("public_max_age", &self.public_max_age)
            .field("public_cache_mb", &self.public_cache_mb)
            .field("metrics_token", &redacted(&self.metrics_token))
            .field("session_idle_hours", &self.session_idle_hours)
            .field("session_max_hours", &self.session_max_hours)
            .field("body_timeout", &self.body_timeout)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("max_requests_per_client", &self.max_requests_per_client)
            .field(
                "otlp_endpoint",
                &self.otlp_endpoint.as_ref().map(url::Url::as_str),
            )
            .field(
                "public_url",
                &self.public_url.as_ref().map(url::Url::as_str),
            )
            .field("embed_demo", &self.embed_demo)
            .field("webhooks_allow_private", &self.webhooks_allow_private)
            .field("smtp_url", &redacted(&self.smtp_url))
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

/// A problem that spans two variables, naming the one to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "configuration error: {}: {}",
            self.variable, self.problem
        )
    }
}

impl std::error::Error for ConfigError {}

/// Only the configuration, as a command of its own (tests, `Default`).
#[derive(Parser)]
#[command(name = "majlis")]
struct Only {
    #[command(flatten)]
    config: Config,
}

impl Default for Config {
    /// The embedded defaults, whatever the environment holds.
    fn default() -> Self {
        let cmd = Only::command().mut_args(|a| a.env(None));
        cmd.try_get_matches_from(["majlis"])
            .and_then(|m| Only::from_arg_matches(&m))
            .map(|o| o.config)
            // The defaults are constants of this file; `defaults_parse`
            // proves they parse.
            .unwrap_or_else(|e| unreachable!("the embedded defaults do not parse: {e}"))
    }
}

impl Config {
    /// The checks of secrets (whose values no message may repeat) and
    /// between variables, after each has parsed on its own.
    pub fn check(self) -> Result<Config, ConfigError> {
        let fail = |variable, problem: &str| {
            Err(ConfigError {
                variable,
                problem: problem.to_owned(),
            })
        };
        for (variable, url) in [
            ("DATABASE_URL", &self.database_url),
            ("DATABASE_READ_URL", &self.database_read_url),
        ] {
            if let Some(url) = url
                && !["postgres://", "postgresql://"]
                    .iter()
                    .any(|p| url.expose_secret().starts_with(p))
            {
                return fail(variable, "must start with postgres:// or postgresql://");
            }
        }
        for (variable, value, min) in [
            ("MAJLIS_SECRET", &self.secret, 32),
            ("MAJLIS_METRICS_TOKEN", &self.metrics_token, 16),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.expose_secret().chars().count() < min)
            {
                return fail(variable, &format!("must be at least {min} characters long"));
            }
        }
        if self.database_read_url.is_some() && self.database_url.is_none() {
            return Err(ConfigError {
                variable: "DATABASE_READ_URL",
                problem: "needs DATABASE_URL (the primary) as well".into(),
            });
        }
        if let Some(url) = &self.smtp_url
            && !["smtp://", "smtps://"]
                .iter()
                .any(|p| url.expose_secret().starts_with(p))
        {
            return fail("MAJLIS_SMTP_URL", "must start with smtp:// or smtps://");
        }
        if self.smtp_url.is_some() {
            let from = self.mail_from.as_deref().unwrap_or_default();
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return fail(
                    "MAJLIS_MAIL_FROM",
                    "must be a sender such as `Comments <comments@news.example>` when MAJLIS_SMTP_URL is set",
                );
            }
            if self.public_url.is_none() {
                return fail(
                    "MAJLIS_PUBLIC_URL",
                    "is needed with MAJLIS_SMTP_URL: mails link to the dashboard, the article and an unsubscribe page",
                );
            }
        }
        if self.session_max_hours < self.session_idle_hours {
            return Err(ConfigError {
                variable: "MAJLIS_SESSION_MAX_HOURS",
                problem: format!(
                    "must be at least MAJLIS_SESSION_IDLE_HOURS ({})",
                    self.session_idle_hours
                ),
            });
        }
        Ok(self)
    }
}

/// `cmd` with every variable that is set but empty treated as unset.
pub fn ignore_empty_variables(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| {
        let empty = a
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| v.to_string_lossy().trim().is_empty());
        if empty { a.env(None) } else { a }
    })
}

/// A secret is checked in [`Config::check`], whose messages never repeat
/// a value (clap's quote the value they refuse).
fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw.trim().to_owned()))
}

fn lang(raw: &str) -> Result<Lang, String> {
    match raw.trim() {
        "ar" => Ok(Lang::Ar),
        "en" => Ok(Lang::En),
        _ => Err("is not one of ar, en".into()),
    }
}

fn seconds(raw: &str) -> Result<Duration, String> {
    match raw.trim().parse::<u64>() {
        Ok(s @ 1..=3600) => Ok(Duration::from_secs(s)),
        _ => Err("must be a whole number of seconds from 1 to 3600".into()),
    }
}

/// Where readers reach majlis: an http(s) origin, perhaps with a path
/// prefix, without credentials, query or fragment; kept without its
/// trailing `/`.
fn public_url(raw: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(raw.trim())
        .map_err(|_| "is not a URL like https://comments.news.example".to_owned())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("must be an http:// or https:// URL".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not hold a user name or password".into());
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not hold a query or fragment".into());
    }
    Ok(u)
}

/// `on` or `off` (also `true`/`false`, `1`/`0`).
fn on_off(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err("must be on or off".into()),
    }
}

/// An OTLP/HTTP collector's base URL: plain `http` (a local collector or
/// agent; this build has no TLS client for it), without credentials,
/// query or fragment.
fn otlp_endpoint(raw: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(raw.trim())
        .map_err(|_| "is not a URL like http://127.0.0.1:4318".to_owned())?;
    if u.scheme() != "http" || u.host_str().is_none() {
        return Err("must be an http:// URL of a collector (a local collector or agent)".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("must not hold a user name or password".into());
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err("must not hold a query or fragment".into());
    }
    Ok(u)
}

/// Items of a comma-separated list, blanks skipped.
fn items(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn origins(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for item in items(raw) {
        let o = normalize_origin(item)
            .ok_or_else(|| format!("{item:?} is not an origin like https://news.example"))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

fn networks(raw: &str) -> Result<Vec<IpNet>, String> {
    items(raw)
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses flags (the same parsers as the variables), then the checks.
    fn cfg(args: &[&str]) -> Result<Config, String> {
        let argv = std::iter::once("majlis").chain(args.iter().copied());
        let cmd = Only::command().mut_args(|a| a.env(None));
        let m = cmd.try_get_matches_from(argv).map_err(|e| e.to_string())?;
        let only = Only::from_arg_matches(&m).map_err(|e| e.to_string())?;
        only.config.check().map_err(|e| e.to_string())
    }

    #[test]
    fn a_public_url_is_an_http_origin_and_switches_read_on_or_off() {
        assert!(public_url("https://comments.news.example").is_ok());
        assert!(public_url("http://127.0.0.1:8080/majlis/").is_ok());
        for bad in [
            "ftp://x.example",
            "https://u:p@x.example",
            "https://x.example/?a=1",
            "nope",
        ] {
            assert!(public_url(bad).is_err(), "{bad}");
        }
        assert_eq!(on_off(" OFF "), Ok(false));
        assert_eq!(on_off("on"), Ok(true));
        assert!(on_off("maybe").is_err());
    }

    #[test]
    fn an_otlp_endpoint_is_a_plain_http_collector() {
        assert!(otlp_endpoint("http://127.0.0.1:4318").is_ok());
        assert!(otlp_endpoint(" http://otel-collector:4318/ ").is_ok());
        for bad in [
            "https://collector.example:4318",
            "127.0.0.1:4318",
            "http://user:pw@collector:4318",
            "http://collector:4318/?x=1",
            "",
        ] {
            assert!(otlp_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_parse_and_need_no_variables() {
        let c = Config::default();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.default_lang, Lang::Ar);
        assert!(c.database_url.is_none() && c.secret.is_none());
        assert_eq!(c.max_body_chars, 5000);
        assert_eq!(c.max_request_bytes, 65536);
        assert_eq!(c.db_max_connections, 20);
        assert_eq!((c.session_idle_hours, c.session_max_hours), (12, 168));
        assert_eq!(c.body_timeout, Duration::from_secs(10));
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.migrate, MigrateMode::Auto);
        assert!(c.allowed_origins.is_empty() && c.trusted_proxies.is_empty());
        assert_eq!(
            (c.max_connections_per_client, c.max_requests_per_client),
            (64, 32)
        );
        let c = cfg(&["--session-idle-hours", "2", "--session-max-hours", "48"]).unwrap();
        assert_eq!((c.session_idle_hours, c.session_max_hours), (2, 48));
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (flag, v, variable) in [
            ("--addr", "nope", "MAJLIS_ADDR"),
            ("--default-lang", "fr", "MAJLIS_DEFAULT_LANG"),
            ("--allowed-origins", "ftp://x", "MAJLIS_ALLOWED_ORIGINS"),
            ("--secret", "short", "MAJLIS_SECRET"),
            ("--log-format", "xml", "MAJLIS_LOG_FORMAT"),
            ("--migrate", "sometimes", "MAJLIS_MIGRATE"),
            ("--trusted-proxies", "10.0.0.0/99", "MAJLIS_TRUSTED_PROXIES"),
            ("--max-body-chars", "0", "MAJLIS_MAX_BODY_CHARS"),
            ("--database-url", "mysql://x", "DATABASE_URL"),
            (
                "--database-read-url",
                "postgres://replica/db",
                "DATABASE_READ_URL",
            ),
            ("--public-max-age", "-1", "MAJLIS_PUBLIC_MAX_AGE"),
            ("--metrics-token", "short", "MAJLIS_METRICS_TOKEN"),
            ("--session-idle-hours", "0", "MAJLIS_SESSION_IDLE_HOURS"),
            ("--session-max-hours", "2", "MAJLIS_SESSION_MAX_HOURS"),
            ("--body-timeout-secs", "0", "MAJLIS_BODY_TIMEOUT_SECS"),
            ("--max-connections", "many", "MAJLIS_MAX_CONNECTIONS"),
            (
                "--max-connections-per-client",
                "-1",
                "MAJLIS_MAX_CONNECTIONS_PER_CLIENT",
            ),
            (
                "--max-requests-per-client",
                "1.5",
                "MAJLIS_MAX_REQUESTS_PER_CLIENT",
            ),
        ] {
            let e = cfg(&[&format!("{flag}={v}")]).unwrap_err();
            assert!(e.contains(variable), "{flag}={v}: {e}");
            if ["--secret", "--metrics-token", "--database-url"].contains(&flag) {
                assert!(!e.contains(v), "{e} repeats the secret");
            }
        }
    }

    #[test]
    fn origins_and_proxies_are_normalized() {
        let c = cfg(&[
            "--allowed-origins",
            "https://News.Example/, http://localhost:3000,, https://news.example",
            "--trusted-proxies",
            "10.0.0.0/8, 127.0.0.1",
        ])
        .unwrap();
        assert_eq!(
            c.allowed_origins,
            vec!["https://news.example", "http://localhost:3000"]
        );
        assert_eq!(c.trusted_proxies.len(), 2);
    }

    #[test]
    fn debug_and_help_hide_secrets() {
        let c = cfg(&[
            "--database-url",
            "postgres://u:hunter2@db/majlis",
            "--secret",
            "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t",
        ])
        .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2") && !d.contains("s3cr3t"));
        let help = Only::command().render_long_help().to_string();
        assert!(help.contains("[env: MAJLIS_ADDR=") && help.contains("[default: 127.0.0.1:8080]"));
        for secret in ["DATABASE_URL", "MAJLIS_SECRET", "MAJLIS_METRICS_TOKEN"] {
            assert!(
                help.contains(&format!("[env: {secret}]")),
                "{secret}'s value would show in --help"
            );
        }
    }
}
