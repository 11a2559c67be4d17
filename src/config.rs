//! Configuration from environment variables, each with an embedded default,
//! validated once at start-up. A bad value stops start-up with one line
//! naming the variable.

use crate::domain::settings::normalize_origin;
use crate::i18n::Lang;
use ipnet::IpNet;
use secrecy::SecretString;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Clone)]
pub struct Config {
    /// External database; `None` runs the embedded cluster under `data_dir`.
    pub database_url: Option<SecretString>,
    /// A read replica for public listings and counts (optional).
    pub database_read_url: Option<SecretString>,
    pub addr: SocketAddr,
    pub default_lang: Lang,
    /// Site origins (`https://news.example`), for CORS and form redirects.
    pub allowed_origins: Vec<String>,
    /// Signing secret; `None` means "generate once and keep it in the database".
    pub secret: Option<SecretString>,
    pub log_format: LogFormat,
    pub trusted_proxies: Vec<IpNet>,
    pub data_dir: PathBuf,
    pub max_body_chars: usize,
    pub max_request_bytes: usize,
    pub db_max_connections: u32,
    /// `Cache-Control: max-age` of public listings and counts.
    pub public_max_age: u32,
    /// Memory for the in-process cache of public reads (0 turns it off).
    pub public_cache_mb: u32,
    /// When set, `/metrics` wants `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
    /// Sessions end this many hours after their last use...
    pub session_idle_hours: u32,
    /// ...and this many hours after the login, however busy.
    pub session_max_hours: u32,
    /// Time a client has to send a whole request body once its head has
    /// arrived; later, 408 and the connection is closed.
    pub body_timeout: Duration,
    /// Open connections for the whole process (split among the workers).
    pub max_connections: usize,
    /// Open connections from one direct peer address (an IPv6 /64 counts as
    /// one address); trusted proxies are exempt. 0 turns the bound off.
    pub max_connections_per_client: usize,
    /// Requests in progress from one client address as resolved through
    /// the trusted proxies; more get 429. 0 turns the bound off.
    pub max_requests_per_client: usize,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .field("addr", &self.addr)
            .field("default_lang", &self.default_lang)
            .field("allowed_origins", &self.allowed_origins)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("log_format", &self.log_format)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("data_dir", &self.data_dir)
            .field("max_body_chars", &self.max_body_chars)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("db_max_connections", &self.db_max_connections)
            .field("public_max_age", &self.public_max_age)
            .field("public_cache_mb", &self.public_cache_mb)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("session_idle_hours", &self.session_idle_hours)
            .field("session_max_hours", &self.session_max_hours)
            .field("body_timeout", &self.body_timeout)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("max_requests_per_client", &self.max_requests_per_client)
            .finish()
    }
}

/// A configuration problem, naming the variable.
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

fn err(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            database_read_url: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            default_lang: Lang::Ar,
            allowed_origins: Vec::new(),
            secret: None,
            log_format: LogFormat::Human,
            trusted_proxies: Vec::new(),
            data_dir: PathBuf::from("./data"),
            max_body_chars: crate::domain::comment::DEFAULT_MAX_BODY,
            max_request_bytes: 64 * 1024,
            db_max_connections: 20,
            public_max_age: 10,
            public_cache_mb: 32,
            metrics_token: None,
            session_idle_hours: 12,
            session_max_hours: 7 * 24,
            body_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_client: 64,
            max_requests_per_client: 32,
        }
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + fmt::Display>(
    variable: &'static str,
    raw: &str,
    min: T,
    max: T,
) -> Result<T, ConfigError> {
    let v: T = raw
        .trim()
        .parse()
        .map_err(|_| err(variable, format!("{raw:?} is not a whole number")))?;
    if v < min || v > max {
        return Err(err(variable, format!("must be between {min} and {max}")));
    }
    Ok(v)
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(|k| std::env::var(k).ok())
    }

    /// Builds a configuration from a variable lookup (pure; tests pass a map).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());

        if let Some(v) = var("DATABASE_URL") {
            if !(v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                return Err(err(
                    "DATABASE_URL",
                    "must start with postgres:// or postgresql://",
                ));
            }
            c.database_url = Some(SecretString::from(v));
        }
        if let Some(v) = var("DATABASE_READ_URL") {
            if !(v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                return Err(err(
                    "DATABASE_READ_URL",
                    "must start with postgres:// or postgresql://",
                ));
            }
            if c.database_url.is_none() {
                return Err(err(
                    "DATABASE_READ_URL",
                    "needs DATABASE_URL (the primary) as well",
                ));
            }
            c.database_read_url = Some(SecretString::from(v));
        }
        if let Some(v) = var("MAJLIS_ADDR") {
            c.addr = v.trim().parse().map_err(|_| {
                err(
                    "MAJLIS_ADDR",
                    format!("{v:?} is not an address like 127.0.0.1:8080"),
                )
            })?;
        }
        if let Some(v) = var("MAJLIS_DEFAULT_LANG") {
            c.default_lang = match v.trim() {
                "ar" => Lang::Ar,
                "en" => Lang::En,
                other => {
                    return Err(err(
                        "MAJLIS_DEFAULT_LANG",
                        format!("{other:?} is not one of ar, en"),
                    ));
                }
            };
        }
        if let Some(v) = var("MAJLIS_ALLOWED_ORIGINS") {
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let o = normalize_origin(item).ok_or_else(|| {
                    err(
                        "MAJLIS_ALLOWED_ORIGINS",
                        format!("{item:?} is not an origin like https://news.example"),
                    )
                })?;
                if !c.allowed_origins.contains(&o) {
                    c.allowed_origins.push(o);
                }
            }
        }
        if let Some(v) = var("MAJLIS_SECRET") {
            if v.chars().count() < 32 {
                return Err(err("MAJLIS_SECRET", "must be at least 32 characters long"));
            }
            c.secret = Some(SecretString::from(v));
        }
        if let Some(v) = var("MAJLIS_LOG_FORMAT") {
            c.log_format = match v.trim() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                other => {
                    return Err(err(
                        "MAJLIS_LOG_FORMAT",
                        format!("{other:?} is not one of human, json"),
                    ));
                }
            };
        }
        if let Some(v) = var("MAJLIS_TRUSTED_PROXIES") {
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let net = item
                    .parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        err(
                            "MAJLIS_TRUSTED_PROXIES",
                            format!("{item:?} is not an IP address or CIDR range"),
                        )
                    })?;
                c.trusted_proxies.push(net);
            }
        }
        if let Some(v) = var("MAJLIS_DATA_DIR") {
            c.data_dir = PathBuf::from(v.trim());
        }
        if let Some(v) = var("MAJLIS_MAX_BODY_CHARS") {
            c.max_body_chars = parse_number("MAJLIS_MAX_BODY_CHARS", &v, 1, 100_000)?;
        }
        if let Some(v) = var("MAJLIS_MAX_REQUEST_BYTES") {
            c.max_request_bytes =
                parse_number("MAJLIS_MAX_REQUEST_BYTES", &v, 1024, 16 * 1024 * 1024)?;
        }
        if let Some(v) = var("MAJLIS_DB_MAX_CONNECTIONS") {
            c.db_max_connections = parse_number("MAJLIS_DB_MAX_CONNECTIONS", &v, 1, 1000)?;
        }
        if let Some(v) = var("MAJLIS_PUBLIC_MAX_AGE") {
            c.public_max_age = parse_number("MAJLIS_PUBLIC_MAX_AGE", &v, 0, 86_400)?;
        }
        if let Some(v) = var("MAJLIS_PUBLIC_CACHE_MB") {
            c.public_cache_mb = parse_number("MAJLIS_PUBLIC_CACHE_MB", &v, 0, 65_536)?;
        }
        if let Some(v) = var("MAJLIS_METRICS_TOKEN") {
            if v.chars().count() < 16 {
                return Err(err(
                    "MAJLIS_METRICS_TOKEN",
                    "must be at least 16 characters long",
                ));
            }
            c.metrics_token = Some(SecretString::from(v));
        }
        if let Some(v) = var("MAJLIS_SESSION_IDLE_HOURS") {
            c.session_idle_hours = parse_number("MAJLIS_SESSION_IDLE_HOURS", &v, 1, 8760)?;
        }
        if let Some(v) = var("MAJLIS_SESSION_MAX_HOURS") {
            c.session_max_hours = parse_number("MAJLIS_SESSION_MAX_HOURS", &v, 1, 8760)?;
        }
        if c.session_max_hours < c.session_idle_hours {
            return Err(err(
                "MAJLIS_SESSION_MAX_HOURS",
                format!(
                    "must be at least MAJLIS_SESSION_IDLE_HOURS ({})",
                    c.session_idle_hours
                ),
            ));
        }
        if let Some(v) = var("MAJLIS_BODY_TIMEOUT_SECS") {
            c.body_timeout =
                Duration::from_secs(parse_number("MAJLIS_BODY_TIMEOUT_SECS", &v, 1, 3600)?);
        }
        if let Some(v) = var("MAJLIS_MAX_CONNECTIONS") {
            c.max_connections = parse_number("MAJLIS_MAX_CONNECTIONS", &v, 16, 1_000_000)?;
        }
        if let Some(v) = var("MAJLIS_MAX_CONNECTIONS_PER_CLIENT") {
            c.max_connections_per_client =
                parse_number("MAJLIS_MAX_CONNECTIONS_PER_CLIENT", &v, 0, 1_000_000)?;
        }
        if let Some(v) = var("MAJLIS_MAX_REQUESTS_PER_CLIENT") {
            c.max_requests_per_client =
                parse_number("MAJLIS_MAX_REQUESTS_PER_CLIENT", &v, 0, 1_000_000)?;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_vars(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_variables() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.default_lang, Lang::Ar);
        assert!(c.database_url.is_none());
        assert_eq!(c.max_body_chars, 5000);
        assert_eq!(c.max_request_bytes, 65536);
        assert_eq!((c.session_idle_hours, c.session_max_hours), (12, 168));
        let c = cfg(&[
            ("MAJLIS_SESSION_IDLE_HOURS", "2"),
            ("MAJLIS_SESSION_MAX_HOURS", "48"),
        ])
        .unwrap();
        assert_eq!((c.session_idle_hours, c.session_max_hours), (2, 48));
        assert_eq!(c.body_timeout, Duration::from_secs(10));
        assert!(c.max_connections_per_client > 0 && c.max_requests_per_client > 0);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (k, v) in [
            ("MAJLIS_ADDR", "nope"),
            ("MAJLIS_DEFAULT_LANG", "fr"),
            ("MAJLIS_ALLOWED_ORIGINS", "ftp://x"),
            ("MAJLIS_SECRET", "short"),
            ("MAJLIS_LOG_FORMAT", "xml"),
            ("MAJLIS_TRUSTED_PROXIES", "10.0.0.0/99"),
            ("MAJLIS_MAX_BODY_CHARS", "0"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_READ_URL", "postgres://replica/db"),
            ("MAJLIS_PUBLIC_MAX_AGE", "-1"),
            ("MAJLIS_METRICS_TOKEN", "short"),
            ("MAJLIS_SESSION_IDLE_HOURS", "0"),
            ("MAJLIS_SESSION_MAX_HOURS", "2"),
            ("MAJLIS_BODY_TIMEOUT_SECS", "0"),
            ("MAJLIS_MAX_CONNECTIONS", "many"),
            ("MAJLIS_MAX_CONNECTIONS_PER_CLIENT", "-1"),
            ("MAJLIS_MAX_REQUESTS_PER_CLIENT", "1.5"),
        ] {
            let e = cfg(&[(k, v)]).unwrap_err();
            assert_eq!(e.variable, k);
            assert!(
                e.to_string()
                    .starts_with(&format!("configuration error: {k}: "))
            );
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn origins_and_proxies_are_normalized() {
        let c = cfg(&[
            (
                "MAJLIS_ALLOWED_ORIGINS",
                "https://News.Example/, http://localhost:3000",
            ),
            ("MAJLIS_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
        ])
        .unwrap();
        assert_eq!(
            c.allowed_origins,
            vec!["https://news.example", "http://localhost:3000"]
        );
        assert_eq!(c.trusted_proxies.len(), 2);
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = cfg(&[
            ("DATABASE_URL", "postgres://u:hunter2@db/majlis"),
            ("MAJLIS_SECRET", "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"),
        ])
        .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2") && !d.contains("s3cr3t"));
    }
}
