//! The bounds of the API's inputs: page sizes, list lengths and text
//! lengths of queries and bodies. The use cases enforce them and the
//! OpenAPI document states them, from here.

/// Page size of the moderation queue when none is asked for, and its largest.
pub const QUEUE_DEFAULT_PAGE: i64 = 50;
pub const QUEUE_MAX_PAGE: i64 = 100;
/// Longest `q` search of the queue.
pub const MAX_QUERY_CHARS: usize = 200;
/// Longest reason of a decision.
pub const MAX_REASON_CHARS: usize = 500;
/// Most comments one bulk decision names.
pub const MAX_BULK_IDS: usize = 500;
/// Largest page of the audit log (its default is the queue's).
pub const LOG_MAX_PAGE: i64 = 200;
/// Longest `action` filter of the log (actions are short names).
pub const MAX_ACTION_CHARS: usize = 64;
/// Longest `email` filter (an address cannot be longer).
pub const MAX_EMAIL_FILTER: usize = super::comment::MAX_EMAIL;
/// Most articles one comment-counts request names.
pub const MAX_COUNT_IDS: usize = 100;
/// Page size of a public listing when none is asked for, and its largest.
pub const PUBLIC_DEFAULT_PAGE: i64 = 50;
pub const PUBLIC_MAX_PAGE: i64 = 100;
/// Longest article title a submission or an admin may give.
pub const MAX_ARTICLE_TITLE: usize = 300;

/// How many of an author's (or an address's) latest comments the
/// submission path reads to judge their record: a bounded index range,
/// not a scan of years. Settings that count approvals stop there.
pub const AUTHOR_HISTORY: u32 = 500;
