//! Restoring an NDJSON export: ids, statuses, threads and timestamps are
//! kept, articles are created as needed, and the id sequence is moved past
//! the largest id. Rows whose id already exists are skipped, so running it
//! twice adds nothing twice. One transaction per file.

use super::ImportError;
use crate::db;
use crate::db::import::RestoreBatch;
use crate::domain::{ArticleId, SiteId};
use crate::export::ExportRecord;
use crate::spam;
use serde::Serialize;
use sqlx::{Acquire, PgConnection};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

const BATCH: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NdjsonSummary {
    /// Records read from the file.
    pub records: u64,
    pub comments_imported: u64,
    /// Records whose id (or the same text by the same author on the same
    /// article) was already stored.
    pub skipped_existing: u64,
    pub articles_created: u64,
    /// Replies whose parent is in neither the file nor the database;
    /// restored as top-level.
    pub orphans: u64,
}

impl std::fmt::Display for NdjsonSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "records: {}, comments imported: {}, already present: {}, articles created: {}, \
             orphan replies made top-level: {}",
            self.records,
            self.comments_imported,
            self.skipped_existing,
            self.articles_created,
            self.orphans
        )
    }
}

/// Parses one line of an export; `None` for a blank line.
pub fn parse_line(line: &str, line_no: u64) -> Result<Option<ExportRecord>, ImportError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let invalid = |message: String| ImportError::Invalid {
        line: line_no,
        message,
    };
    let r: ExportRecord =
        serde_json::from_str(line).map_err(|e| invalid(format!("not an exported comment: {e}")))?;
    if r.id <= 0 {
        return Err(invalid(format!("id {} is not positive", r.id)));
    }
    if ArticleId::parse(&r.article_id).is_err() {
        return Err(invalid("article_id is not a usable article id".to_owned()));
    }
    if SiteId::parse(&r.site).is_err() {
        return Err(invalid("site is not a usable site id".to_owned()));
    }
    Ok(Some(r))
}

fn push(b: &mut RestoreBatch, r: ExportRecord) {
    b.body_fingerprint.push(spam::fingerprint(&r.body));
    b.id.push(r.id);
    b.site.push(r.site);
    b.article_id.push(r.article_id);
    b.parent_id.push(r.parent_id);
    b.author_name.push(r.author_name);
    b.author_email.push(r.author_email);
    b.author_url.push(r.author_url);
    b.avatar.push(r.avatar);
    b.body.push(r.body);
    b.body_html.push(r.body_html);
    b.status.push(r.status.as_str().to_owned());
    b.spam_score.push(r.spam_score);
    b.spam_reasons.push(r.spam_reasons.to_string());
    b.ip.push(r.ip.map(|ip| ip.to_string()));
    b.user_agent.push(r.user_agent);
    b.referrer.push(r.referrer);
    b.version.push(r.version);
    b.created_at.push(r.created_at);
    b.updated_at.push(r.updated_at);
}

/// Replies whose parent is neither in the batch nor stored are inserted
/// without it and remembered, to be linked once the whole file is in.
async fn flush(
    conn: &mut PgConnection,
    batch: &mut RestoreBatch,
    pending: &mut Vec<(i64, i64)>,
    summary: &mut NdjsonSummary,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    // Where each comment of the batch is: a parent must be of the reply's
    // own site and article.
    let in_batch: HashMap<i64, (String, String)> = batch
        .id
        .iter()
        .zip(batch.site.iter().zip(&batch.article_id))
        .map(|(id, (s, a))| (*id, (s.clone(), a.clone())))
        .collect();
    let mut wanted = (Vec::new(), Vec::new(), Vec::new());
    for (i, parent) in batch.parent_id.iter().enumerate() {
        if let Some(p) = parent
            && !in_batch.contains_key(p)
        {
            wanted.0.push(*p);
            wanted.1.push(batch.site[i].clone());
            wanted.2.push(batch.article_id[i].clone());
        }
    }
    let stored: HashSet<i64> = if wanted.0.is_empty() {
        HashSet::new()
    } else {
        db::import::parents_in_place(conn, &wanted.0, &wanted.1, &wanted.2)
            .await?
            .into_iter()
            .collect()
    };
    let mut deferred = Vec::new();
    for (i, parent) in batch.parent_id.iter_mut().enumerate() {
        let Some(p) = *parent else { continue };
        let here = (&batch.site[i], &batch.article_id[i]);
        match in_batch.get(&p) {
            // In this batch, on the same article: inserted together.
            Some((s, a)) if (s, a) == here => {}
            // In this batch on another article: never threaded there.
            Some(_) => {
                summary.orphans += 1;
                *parent = None;
            }
            None if stored.contains(&p) => {}
            // Not there yet: linked once the whole file is in, if it
            // arrives on the same article.
            None => {
                deferred.push((batch.id[i], p));
                *parent = None;
            }
        }
    }
    db::import::ensure_sites(conn, &batch.site).await?;
    summary.articles_created +=
        db::import::ensure_articles(conn, &batch.site, &batch.article_id, &batch.created_at)
            .await?;
    let inserted: HashSet<i64> = db::import::insert_restored(conn, batch)
        .await?
        .into_iter()
        .collect();
    if !inserted.is_empty() {
        let (sites, articles): (Vec<String>, Vec<String>) = batch
            .id
            .iter()
            .zip(batch.site.iter().zip(&batch.article_id))
            .filter(|(id, _)| inserted.contains(id))
            .map(|(_, (s, a))| (s.clone(), a.clone()))
            .unzip();
        db::import::touch_articles(conn, &sites, &articles).await?;
    }
    summary.comments_imported += inserted.len() as u64;
    summary.skipped_existing += (batch.len() - inserted.len()) as u64;
    pending.extend(deferred.into_iter().filter(|(id, _)| inserted.contains(id)));
    *batch = RestoreBatch::default();
    Ok(())
}

/// Restores an NDJSON export read from `input`, in one transaction.
#[tracing::instrument(skip_all, fields(records, comments))]
pub async fn import_ndjson<R: BufRead>(
    conn: &mut PgConnection,
    input: R,
) -> Result<NdjsonSummary, ImportError> {
    let mut tx = conn.begin().await?;
    let mut summary = NdjsonSummary::default();
    let mut batch = RestoreBatch::default();
    let mut pending: Vec<(i64, i64)> = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = line.map_err(|e| ImportError::Invalid {
            line: line_no,
            message: format!("cannot read: {e}"),
        })?;
        let Some(record) = parse_line(line.trim_start_matches('\u{FEFF}'), line_no)? else {
            continue;
        };
        summary.records += 1;
        push(&mut batch, record);
        if batch.len() >= BATCH {
            flush(&mut tx, &mut batch, &mut pending, &mut summary).await?;
        }
    }
    flush(&mut tx, &mut batch, &mut pending, &mut summary).await?;
    if !pending.is_empty() {
        let (ids, parents): (Vec<i64>, Vec<i64>) = pending.iter().copied().unzip();
        let linked = db::import::link_parents(&mut tx, &ids, &parents).await?;
        summary.orphans += pending.len() as u64 - linked;
    }
    db::import::reset_comment_ids(&mut tx).await?;
    let details = serde_json::to_value(&summary).unwrap_or_default();
    db::audit::insert(&mut tx, &db::audit::NewAuditEvent::ndjson_imported(details)).await?;
    tx.commit().await?;
    tracing::Span::current()
        .record("records", summary.records)
        .record("comments", summary.comments_imported);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_skipped_and_bad_ones_name_their_line() {
        assert!(parse_line("  ", 3).unwrap().is_none());
        let e = parse_line("{\"id\": 1}", 7).unwrap_err();
        assert!(e.to_string().starts_with("line 7: "), "{e}");
    }
}
