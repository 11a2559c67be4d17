//! Streaming export of comments as CSV or NDJSON (STYLE.md C8).
//!
//! [`stream`] reads keyset batches (`id > last order by id limit n`), each
//! on a pooled connection taken for that one query and released before the
//! batch is handed on, so a slow reader never holds a connection, memory
//! stays at one batch whatever the row count, and a dropped stream runs no
//! further query. The HTTP handler and the `majlis export` command share it:
//!
//! ```text
//! let req = ExportRequest::from_query_pairs(&pairs).map_err(ApiError::validation)?;
//! let today = Utc::now().date_naive();
//! Ok(HttpResponse::Ok()
//!     .content_type(req.format.content_type())
//!     .insert_header((CONTENT_DISPOSITION, content_disposition(req.format, today)))
//!     .streaming(stream(pool, req.filter, ExportOptions::from(&req))))
//! ```

mod render;
mod request;

pub use crate::db::export::ExportFilter;
pub use render::{BOM, ExportRecord, FIELDS, micros, neutralize};
pub use request::{
    ExportFormat, ExportParams, ExportRequest, content_disposition, filename, parse_time_bound,
};

use crate::db;
use bytes::Bytes;
use futures_util::Stream;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub const DEFAULT_BATCH_SIZE: u32 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("reading comments failed")]
    Database(#[from] sqlx::Error),
    #[error("writing CSV failed")]
    Csv(#[from] csv::Error),
    #[error("writing JSON failed")]
    Json(#[from] serde_json::Error),
}

/// Counters a caller can watch while the stream runs (progress bars,
/// tests): batch queries started and rows rendered so far.
#[derive(Debug, Clone, Default)]
pub struct ExportProgress {
    inner: Arc<(AtomicU64, AtomicU64)>,
}

impl ExportProgress {
    pub fn batches(&self) -> u64 {
        self.inner.0.load(Ordering::Relaxed)
    }

    pub fn rows(&self) -> u64 {
        self.inner.1.load(Ordering::Relaxed)
    }
}

/// How to render: the format, a BOM before CSV, the batch size, and
/// optionally counters to update.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub bom: bool,
    pub batch_size: u32,
    pub progress: Option<ExportProgress>,
}

impl ExportOptions {
    pub fn new(format: ExportFormat) -> Self {
        ExportOptions {
            format,
            bom: false,
            batch_size: DEFAULT_BATCH_SIZE,
            progress: None,
        }
    }
}

impl From<&ExportRequest> for ExportOptions {
    fn from(r: &ExportRequest) -> Self {
        ExportOptions {
            bom: r.bom,
            ..ExportOptions::new(r.format)
        }
    }
}

struct State {
    pool: PgPool,
    filter: ExportFilter,
    options: ExportOptions,
    after: i64,
    started: bool,
    done: bool,
}

/// One chunk: the next batch rendered (with the BOM and header first).
async fn next_chunk(mut st: State) -> Result<Option<(Bytes, State)>, ExportError> {
    if st.done {
        return Ok(None);
    }
    let limit = i64::from(st.options.batch_size.max(1));
    if let Some(p) = &st.options.progress {
        p.inner.0.fetch_add(1, Ordering::Relaxed);
    }
    let rows = {
        let mut conn = st.pool.acquire().await?;
        db::export::fetch_batch(&mut conn, &st.filter, st.after, limit).await?
        // The connection goes back to the pool here, before the chunk is
        // handed to a possibly slow consumer.
    };
    st.done = i64::try_from(rows.len()).unwrap_or(i64::MAX) < limit;
    if rows.is_empty() && (st.started || st.options.format == ExportFormat::Ndjson) {
        return Ok(None);
    }
    if let Some(last) = rows.last() {
        st.after = last.id;
    }
    let n = rows.len() as u64;
    let mut out = Vec::with_capacity(rows.len() * 512 + 512);
    match st.options.format {
        ExportFormat::Csv => {
            if !st.started {
                if st.options.bom {
                    out.extend_from_slice(BOM);
                }
                render::csv_header(&mut out)?;
            }
            render::csv_rows(&mut out, &rows)?;
        }
        ExportFormat::Ndjson => render::ndjson_rows(&mut out, rows)?,
    }
    st.started = true;
    if let Some(p) = &st.options.progress {
        p.inner.1.fetch_add(n, Ordering::Relaxed);
    }
    Ok(Some((Bytes::from(out), st)))
}

/// The export as a stream of byte chunks, one per batch. Nothing runs
/// until the stream is polled; a database error ends it with that error.
/// A CSV always has its header (an empty NDJSON export is empty).
pub fn stream(
    pool: PgPool,
    filter: ExportFilter,
    options: ExportOptions,
) -> impl Stream<Item = Result<Bytes, ExportError>> + Send + 'static {
    let st = State {
        pool,
        filter,
        options,
        after: 0,
        started: false,
        done: false,
    };
    futures_util::stream::try_unfold(st, next_chunk)
}

/// How many comments `filter` matches (for a progress bar's length).
pub async fn count(pool: &PgPool, filter: &ExportFilter) -> Result<u64, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let n = db::export::count(&mut conn, filter).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}
