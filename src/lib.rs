//! majlis: a self-hosted comment moderation backend.
//!
//! Layers, from the edge inwards (README, "Layout"); calls go inwards and
//! no source file imports one that imports it back (`tests/layout.rs`):
//!
//! - HTTP edge: `routes` (handlers, request shapes, middleware), `auth`
//!   (passwords, sessions, the login throttle, the account extractors),
//!   `state` (what handlers reach), `startup` (wiring the server).
//! - Use cases: `usecases` (submission, moderation, articles, accounts,
//!   privacy, training, settings, retention), `export` and `import`: they
//!   decide and do I/O.
//! - Pure decisions: `domain` (validated values, the API's codes and input
//!   limits, personal-data masking), `spam`, `render`, `client_ip`,
//!   `form_token`, `i18n`: no web framework, database driver or async
//!   runtime, nothing from the layers above.
//! - Storage: `db`, all SQL.
//! - Infrastructure: `config`, `error` (codes to HTTP answers), `pg` (the
//!   embedded cluster), `telemetry`, `metrics`, `public_cache`.
//!
//! The use cases and storage never import the HTTP edge.

pub mod auth;
pub mod client_ip;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod form_token;
pub mod i18n;
pub mod import;
pub mod metrics;
pub mod pg;
pub mod public_cache;
pub mod render;
pub mod routes;
pub mod spam;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod usecases;
