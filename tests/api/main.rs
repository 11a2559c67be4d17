//! Integration tests over real HTTP against a real PostgreSQL.
// Tests may panic on setup failures: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod auth;
mod caching;
mod harness;
mod listing;
mod moderation;
mod observability;
mod ops;
mod replica;
mod spam;
mod submit;
