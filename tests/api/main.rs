//! Integration tests over real HTTP against a real PostgreSQL.
// Tests may panic on setup failures: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod articles;
mod auth;
mod backups;
mod caching;
mod constraints;
mod dashboard;
mod data_routes;
mod decisions;
mod edits;
mod embed;
mod export;
mod harness;
mod import;
mod listing;
mod masking;
mod moderation;
mod observability;
mod ops;
mod poolers;
mod privacy;
mod replica;
mod reports;
mod retention;
mod sanctions;
mod seed;
mod shapes;
mod sites;
mod spam;
mod submit;
mod training;
mod transport;
mod trust;
mod upgrades;
