//! Integration tests over real HTTP against a real PostgreSQL.
// Tests may panic on setup failures: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod auth;
mod caching;
mod data_routes;
mod export;
mod harness;
mod import;
mod listing;
mod moderation;
mod observability;
mod ops;
mod privacy;
mod replica;
mod seed;
mod spam;
mod submit;
mod transport;
