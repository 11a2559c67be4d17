//! The website's comment form API (no authentication).

pub mod appeals;
pub mod comments;
pub mod edits;
pub mod form_token;
pub mod reports;
pub mod submit_request;
