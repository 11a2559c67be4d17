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
pub use request::{ExportFormat, ExportRequest, content_disposition, filename, parse_time_bound};

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::comments::CommentRow;
use crate::domain::personal_data::{self, PersonalData};
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
    /// `Masked`: emails masked (`l***@example.com`), IP addresses and user
    /// agents left empty (the `ip` column holds addresses only).
    pub personal_data: PersonalData,
}

impl ExportOptions {
    pub fn new(format: ExportFormat) -> Self {
        ExportOptions {
            format,
            bom: false,
            batch_size: DEFAULT_BATCH_SIZE,
            progress: None,
            personal_data: PersonalData::Full,
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

/// A row as a masked viewer may export it.
fn mask_row(r: &mut CommentRow) {
    r.author_email = personal_data::mask_email(&r.author_email);
    r.ip = None;
    r.user_agent = None;
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
    let mut rows = {
        let mut conn = st.pool.acquire().await?;
        db::export::fetch_batch(&mut conn, &st.filter, st.after, limit).await?
        // The connection goes back to the pool here, before the chunk is
        // handed to a possibly slow consumer.
    };
    if st.options.personal_data.is_masked() {
        rows.iter_mut().for_each(mask_row);
    }
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
        ExportFormat::Ndjson => render::ndjson_rows(&mut out, &rows)?,
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

/// Calls `done(rows, complete)` once, when the stream is dropped (read to
/// its end, failed, or abandoned by a client that went away): `rows` is
/// what was rendered, `complete` whether the stream ended without error.
/// The export's audit uses it to record the row count, known only then.
pub fn when_finished<S>(
    inner: S,
    progress: ExportProgress,
    done: impl FnOnce(u64, bool) + Send + 'static,
) -> impl Stream<Item = Result<Bytes, ExportError>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, ExportError>> + Send + 'static,
{
    use futures_util::StreamExt;

    struct Finish<F: FnOnce(u64, bool)> {
        progress: ExportProgress,
        ended: bool,
        failed: bool,
        done: Option<F>,
    }
    impl<F: FnOnce(u64, bool)> Finish<F> {
        /// The stream ran to its end; `done` runs as this is dropped.
        fn end(mut self) {
            self.ended = true;
        }
    }
    impl<F: FnOnce(u64, bool)> Drop for Finish<F> {
        fn drop(&mut self) {
            if let Some(done) = self.done.take() {
                done(self.progress.rows(), self.ended && !self.failed);
            }
        }
    }

    let finish = Finish {
        progress,
        ended: false,
        failed: false,
        done: Some(done),
    };
    futures_util::stream::unfold(
        (Box::pin(inner), finish),
        |(mut inner, mut finish)| async move {
            match inner.next().await {
                Some(item) => {
                    finish.failed |= item.is_err();
                    Some((item, (inner, finish)))
                }
                None => {
                    finish.end();
                    None
                }
            }
        },
    )
}

/// Which comments an export held, as its audit events record them.
fn filter_details(filter: &ExportFilter) -> serde_json::Value {
    serde_json::json!({
        "status": filter.status.map(crate::domain::CommentStatus::as_str),
        "site": filter.site,
        "sites": filter.sites,
        "article_id": filter.article_id,
        "since": filter.since.as_ref().map(micros),
        "until": filter.until.as_ref().map(micros),
    })
}

fn export_event(
    moderator_id: Option<i64>,
    action: &'static str,
    details: serde_json::Value,
) -> NewAuditEvent {
    NewAuditEvent {
        actor: if moderator_id.is_some() {
            "moderator"
        } else {
            "system"
        },
        moderator_id,
        action,
        comment_id: None,
        old_status: None,
        new_status: None,
        reason: moderator_id.is_none().then(|| "command line".to_owned()),
        category: None,
        details,
    }
}

/// `export.started`: who (`None`: the command line), the format, the
/// filters and whether personal data was masked. Written before the first
/// row is read, so no export runs unrecorded.
pub fn started_event(
    moderator_id: Option<i64>,
    format: ExportFormat,
    filter: &ExportFilter,
    personal_data: PersonalData,
) -> NewAuditEvent {
    export_event(
        moderator_id,
        "export.started",
        serde_json::json!({
            "format": format.extension(),
            "filters": filter_details(filter),
            "personal_data": personal_data.as_str(),
        }),
    )
}

/// `export.finished`: the rows sent and whether the export ran to its end
/// (`false`: the client went away or reading failed), with the id of its
/// `export.started` event.
pub fn finished_event(
    moderator_id: Option<i64>,
    started_event_id: i64,
    rows: u64,
    complete: bool,
) -> NewAuditEvent {
    export_event(
        moderator_id,
        "export.finished",
        serde_json::json!({
            "started_event_id": started_event_id,
            "rows": rows,
            "complete": complete,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::sync::Mutex;

    type Seen = Arc<Mutex<Vec<(u64, bool)>>>;

    fn chunks(progress: &ExportProgress, n: u64, fail: bool) -> Vec<Result<Bytes, ExportError>> {
        progress.inner.1.fetch_add(n, Ordering::Relaxed);
        let mut v: Vec<Result<Bytes, ExportError>> = (0..n).map(|_| Ok(Bytes::from("x"))).collect();
        if fail {
            v.push(Err(ExportError::Database(sqlx::Error::PoolClosed)));
        }
        v
    }

    fn watched(n: u64, fail: bool, seen: &Seen) -> impl Stream<Item = Result<Bytes, ExportError>> {
        let progress = ExportProgress::default();
        let items = chunks(&progress, n, fail);
        let seen = seen.clone();
        when_finished(
            futures_util::stream::iter(items),
            progress,
            move |rows, done| {
                seen.lock().unwrap().push((rows, done));
            },
        )
    }

    #[tokio::test]
    async fn the_end_of_an_export_is_reported_once_with_its_rows() {
        let seen = Seen::default();
        let all: Vec<_> = watched(3, false, &seen).collect().await;
        assert_eq!(all.len(), 3);
        assert_eq!(*seen.lock().unwrap(), [(3, true)]);

        // A client that goes away: the stream is dropped unfinished.
        let seen = Seen::default();
        let mut s = Box::pin(watched(3, false, &seen));
        assert!(s.next().await.is_some());
        assert!(seen.lock().unwrap().is_empty());
        drop(s);
        assert_eq!(*seen.lock().unwrap(), [(3, false)]);

        // A failed read is not a complete export.
        let seen = Seen::default();
        let _: Vec<_> = watched(2, true, &seen).collect().await;
        assert_eq!(*seen.lock().unwrap(), [(2, false)]);
    }
}
