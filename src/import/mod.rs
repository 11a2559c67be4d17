//! Imports from the command line: WordPress export files (WXR) and
//! majlis's own NDJSON exports (restore). Each file is one transaction.

pub mod ndjson;
pub mod wordpress;
pub mod wp_html;
pub mod wxr;

pub use ndjson::{NdjsonSummary, import_ndjson};
pub use wordpress::{WordPressOptions, WordPressSummary, import_wordpress};
pub use wxr::WxrError;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The XML is malformed or truncated, or not a WordPress export.
    #[error(transparent)]
    Xml(#[from] WxrError),
    /// A record cannot be imported.
    #[error("line {line}: {message}")]
    Invalid { line: u64, message: String },
    #[error("database error")]
    Database(#[from] sqlx::Error),
}
