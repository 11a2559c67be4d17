//! What the spam engine needs to know from the database, looked up once per
//! submission, and the classifier's token counts.

use crate::training::{Counts, TrainingDelta};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::net::IpAddr;

/// The author's record and the text's history, in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SubmissionFacts {
    pub approved_by_email: i64,
    pub spam_by_email: i64,
    pub rejected_by_email: i64,
    pub spam_by_ip: i64,
    /// The same text by the same author on the same article exists.
    pub duplicate: bool,
    /// Other authors who posted the same text anywhere in the last day.
    pub same_text_other_authors_24h: i64,
}

pub async fn submission_facts(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<IpAddr>,
    article_id: &str,
    fingerprint: &str,
) -> Result<SubmissionFacts, sqlx::Error> {
    sqlx::query_as(
        "select
            count(*) filter (where lower(author_email) = lower($1) and status = 'approved') as approved_by_email,
            count(*) filter (where lower(author_email) = lower($1) and status = 'spam') as spam_by_email,
            count(*) filter (where lower(author_email) = lower($1) and status = 'rejected') as rejected_by_email,
            count(*) filter (where ip = $2 and status = 'spam') as spam_by_ip,
            coalesce(bool_or(article_id = $3 and lower(author_email) = lower($1) and body_fingerprint = $4), false)
                as duplicate,
            count(distinct lower(author_email)) filter (
                where body_fingerprint = $4 and lower(author_email) <> lower($1)
                  and created_at > now() - interval '1 day') as same_text_other_authors_24h
         from comments
         where lower(author_email) = lower($1) or ip = $2 or body_fingerprint = $4",
    )
    .bind(email)
    .bind(ip)
    .bind(article_id)
    .bind(fingerprint)
    .fetch_one(conn)
    .await
}

/// The classifier's view of some tokens: class totals plus the counts of
/// those tokens that were ever seen.
#[derive(Debug, Clone, Default)]
pub struct TokenCounts {
    pub nspam: u32,
    pub nham: u32,
    pub counts: HashMap<String, (u32, u32)>,
}

fn to_u32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

pub async fn token_counts(
    conn: &mut PgConnection,
    tokens: &[String],
) -> Result<TokenCounts, sqlx::Error> {
    let (nspam, nham): (i32, i32) =
        sqlx::query_as("select nspam, nham from spam_corpus where id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<(String, i32, i32)> = if tokens.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as("select token, spam, ham from spam_tokens where token = any($1)")
            .bind(tokens)
            .fetch_all(&mut *conn)
            .await?
    };
    Ok(TokenCounts {
        nspam: to_u32(nspam),
        nham: to_u32(nham),
        counts: rows
            .into_iter()
            .map(|(t, s, h)| (t, (to_u32(s), to_u32(h))))
            .collect(),
    })
}

/// Applies a transaction's net training change, taking row locks in one
/// fixed order: the token rows in the delta's (sorted) order, created if
/// new, then the corpus shards in shard order. Every training locks these
/// rows here and only here, after everything else it locks, so concurrent
/// trainings cannot deadlock (the whole order is in `crate::training`).
/// Counts never go below zero.
pub async fn apply_delta(
    conn: &mut PgConnection,
    delta: &TrainingDelta,
) -> Result<(), sqlx::Error> {
    let (tokens, counts): (Vec<&str>, Vec<Counts>) = delta.tokens().unzip();
    if !tokens.is_empty() {
        // One ordered pass that creates or locks every row (the no-op
        // update takes the lock); the arithmetic then needs no order.
        sqlx::query(
            "insert into spam_tokens as t (token)
             select tok from unnest($1::text[]) with ordinality as d(tok, n) order by n
             on conflict (token) do update set spam = t.spam",
        )
        .bind(&tokens)
        .execute(&mut *conn)
        .await?;
        let (spam, ham): (Vec<i32>, Vec<i32>) = counts.iter().map(|c| (c.spam, c.ham)).unzip();
        sqlx::query(
            "update spam_tokens as t
             set spam = greatest(t.spam + d.ds, 0), ham = greatest(t.ham + d.dh, 0)
             from unnest($1::text[], $2::int[], $3::int[]) as d(tok, ds, dh)
             where t.token = d.tok",
        )
        .bind(&tokens)
        .bind(&spam)
        .bind(&ham)
        .execute(&mut *conn)
        .await?;
    }
    let (shards, counts): (Vec<i16>, Vec<Counts>) = delta.shards().unzip();
    if !shards.is_empty() {
        sqlx::query(
            "select shard from spam_corpus_shards where shard = any($1) order by shard for update",
        )
        .bind(&shards)
        .execute(&mut *conn)
        .await?;
        let (spam, ham): (Vec<i32>, Vec<i32>) = counts.iter().map(|c| (c.spam, c.ham)).unzip();
        sqlx::query(
            "update spam_corpus_shards as s
             set nspam = greatest(s.nspam + d.ds, 0), nham = greatest(s.nham + d.dh, 0)
             from unnest($1::smallint[], $2::int[], $3::int[]) as d(shard, ds, dh)
             where s.shard = d.shard",
        )
        .bind(&shards)
        .bind(&spam)
        .bind(&ham)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What a comment was trained as, and with which tokens.
pub async fn training_of(
    conn: &mut PgConnection,
    comment_id: i64,
) -> Result<Option<(bool, Vec<String>)>, sqlx::Error> {
    let row: Option<(String, Vec<String>)> = sqlx::query_as(
        "select trained_as, tokens from spam_training where comment_id = $1 for update",
    )
    .bind(comment_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(class, tokens)| (class == "spam", tokens)))
}

pub async fn set_training(
    conn: &mut PgConnection,
    comment_id: i64,
    class: Option<(bool, &[String])>,
) -> Result<(), sqlx::Error> {
    match class {
        Some((is_spam, tokens)) => {
            sqlx::query(
                "insert into spam_training (comment_id, trained_as, tokens) values ($1, $2, $3)
                 on conflict (comment_id) do update set trained_as = excluded.trained_as, tokens = excluded.tokens",
            )
            .bind(comment_id)
            .bind(if is_spam { "spam" } else { "ham" })
            .bind(tokens)
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query("delete from spam_training where comment_id = $1")
                .bind(comment_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
