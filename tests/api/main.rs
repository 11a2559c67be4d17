//! Integration tests over real HTTP against a real PostgreSQL.
// Tests may panic on setup failures: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod auth;
mod harness;
mod listing;
mod moderation;
mod ops;
mod submit;
