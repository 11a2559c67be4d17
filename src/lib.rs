//! majlis: a self-hosted comment moderation backend.
//!
//! Layout: pure decisions live in `domain`, `render`, `client_ip`,
//! `form_token` and `spam`; I/O lives in `db` (SQL), `routes` (HTTP),
//! `pg` (the embedded PostgreSQL cluster) and `startup`.

pub mod accounts;
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
pub mod moderation;
pub mod pg;
pub mod privacy;
pub mod public_cache;
pub mod render;
pub mod routes;
pub mod settings;
pub mod spam;
pub mod startup;
pub mod state;
pub mod submission;
pub mod telemetry;
pub mod training;
