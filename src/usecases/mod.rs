//! The use cases: what the product does, one module each. They decide and
//! do I/O (through `db`), in transactions they own; the HTTP routes and the
//! `majlis` commands call them. They may use the pure layers (`domain`,
//! `spam`, `render`, ...) and storage (`db`), never the routes.

pub mod accounts;
pub mod appeals;
pub mod articles;
pub mod edits;
pub mod mail;
pub mod moderation;
pub mod privacy;
pub mod reports;
pub mod retention;
pub mod sanctions;
pub mod settings;
pub mod submission;
pub mod training;
pub mod views;
pub mod webhooks;
