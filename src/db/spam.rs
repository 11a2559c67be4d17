//! The learner's store (a submission reads it with the rest of its context,
//! in `db::submissions`): per-feature counts
//! (`spam_features`, one row per hashed bucket in its script's range, so at
//! most 3 * 2^20 rows: `spam::learner::key_in`), the
//! class totals (`spam_corpus_shards`) and what each comment was trained as
//! (`spam_training`).

use crate::spam::features::Feature;
use crate::spam::learner::Script;
use crate::spam::lessons::TrainingDelta;
use crate::spam::mirror;
use sqlx::PgConnection;

/// A bucket as the database stores it (`integer`, 0..2^20).
fn to_db(f: Feature) -> Option<i32> {
    i32::try_from(f).ok()
}

/// Features as stored (`integer[]`) back to buckets; anything negative
/// (which the column's users never write) is dropped.
pub fn features_from_db(stored: &[i32]) -> Vec<Feature> {
    stored
        .iter()
        .filter_map(|b| u32::try_from(*b).ok())
        .collect()
}

pub(crate) fn features_to_db(features: &[Feature]) -> Vec<i32> {
    features.iter().filter_map(|f| to_db(*f)).collect()
}

/// What the site's own learner holds: comments trained per class (all
/// scripts, then each script's: Arabic, Latin, other) and the rows of the
/// feature store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SiteTraining {
    pub spam: i64,
    pub ham: i64,
    pub features: i64,
    pub arabic_spam: i64,
    pub arabic_ham: i64,
    pub latin_spam: i64,
    pub latin_ham: i64,
    pub other_spam: i64,
    pub other_ham: i64,
}

impl SiteTraining {
    /// Comments trained as spam and as ham in `script`.
    pub fn in_script(&self, script: crate::spam::learner::Script) -> (i64, i64) {
        use crate::spam::learner::Script;
        match script {
            Script::Arabic => (self.arabic_spam, self.arabic_ham),
            Script::Latin => (self.latin_spam, self.latin_ham),
            Script::Other => (self.other_spam, self.other_ham),
        }
    }
}

pub async fn site_training(conn: &mut PgConnection) -> Result<SiteTraining, sqlx::Error> {
    sqlx::query_as(
        "select coalesce(sum(nspam), 0)::bigint as spam,
                coalesce(sum(nham), 0)::bigint as ham,
                (select count(*) from spam_features) as features,
                coalesce(sum(nspam) filter (where script = 0), 0)::bigint as arabic_spam,
                coalesce(sum(nham) filter (where script = 0), 0)::bigint as arabic_ham,
                coalesce(sum(nspam) filter (where script = 1), 0)::bigint as latin_spam,
                coalesce(sum(nham) filter (where script = 1), 0)::bigint as latin_ham,
                coalesce(sum(nspam) filter (where script = 2), 0)::bigint as other_spam,
                coalesce(sum(nham) filter (where script = 2), 0)::bigint as other_ham
         from spam_corpus_shards",
    )
    .fetch_one(conn)
    .await
}

/// Forgets everything the site taught, in the caller's transaction: the
/// training table is locked first (so trainings under way finish and new
/// ones wait, each of them having locked it before the feature store: no
/// cycle), then the store and the shard totals are emptied. Returns the
/// training it dropped.
pub async fn reset(conn: &mut PgConnection) -> Result<SiteTraining, sqlx::Error> {
    sqlx::query("lock table spam_training in exclusive mode")
        .execute(&mut *conn)
        .await?;
    let before = site_training(&mut *conn).await?;
    sqlx::query("delete from spam_training")
        .execute(&mut *conn)
        .await?;
    sqlx::query("truncate spam_features")
        .execute(&mut *conn)
        .await?;
    // The instances' copies (`spam::mirror`) see no rows go: a new
    // generation makes each reload.
    sqlx::query("update spam_learner set generation = generation + 1")
        .execute(&mut *conn)
        .await?;
    sqlx::query("update spam_corpus_shards set nspam = 0, nham = 0, fspam = 0, fham = 0")
        .execute(&mut *conn)
        .await?;
    Ok(before)
}

/// Applies a transaction's net training change, taking row locks in one
/// fixed order: the feature rows in the delta's (ascending) order, created
/// if new, then the corpus shards in (shard, script) order. Every training locks
/// these rows here and only here, after everything else it locks, so
/// concurrent trainings cannot deadlock (the whole order is in
/// `crate::usecases::training`). Counts never go below zero.
pub async fn apply_delta(
    conn: &mut PgConnection,
    delta: &TrainingDelta,
) -> Result<(), sqlx::Error> {
    let mut buckets = Vec::new();
    let (mut spam, mut ham) = (Vec::new(), Vec::new());
    for (f, c) in delta.buckets() {
        if let Some(b) = to_db(f) {
            buckets.push(b);
            spam.push(c.spam);
            ham.push(c.ham);
        }
    }
    if !buckets.is_empty() {
        // One ordered pass that creates, locks and updates every row: a
        // new row starts from the delta (never below zero), an existing
        // one adds its bucket's delta (the arrays are sorted by bucket and
        // hold each once, so `array_position` finds it).
        sqlx::query(
            "insert into spam_features as t (bucket, spam, ham)
             select b, greatest(ds, 0), greatest(dh, 0)
             from unnest($1::int[], $2::int[], $3::int[]) with ordinality as d(b, ds, dh, n)
             order by n
             on conflict (bucket) do update
             set spam = greatest(t.spam + ($2::int[])[array_position($1::int[], t.bucket)], 0),
                 ham = greatest(t.ham + ($3::int[])[array_position($1::int[], t.bucket)], 0),
                 written = pg_current_xact_id(),
                 rev = t.rev + 1",
        )
        .bind(&buckets)
        .bind(&spam)
        .bind(&ham)
        .execute(&mut *conn)
        .await?;
    }
    let (mut shards, mut scripts) = (Vec::new(), Vec::new());
    let (mut ds, mut dh, mut fs, mut fh) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((shard, script), c) in delta.shards() {
        shards.push(shard);
        scripts.push(script.id());
        ds.push(c.docs.spam);
        dh.push(c.docs.ham);
        fs.push(c.spam_features);
        fh.push(c.ham_features);
    }
    if shards.len() > 1 {
        // Several shards (an erasure, a retraining batch): locked in order
        // first. One shard (a single decision) needs no order.
        sqlx::query(
            "select s.shard from spam_corpus_shards s
             join unnest($1::smallint[], $2::smallint[]) as d(shard, script)
               on s.shard = d.shard and s.script = d.script
             order by s.shard, s.script for update of s",
        )
        .bind(&shards)
        .bind(&scripts)
        .execute(&mut *conn)
        .await?;
    }
    if !shards.is_empty() {
        sqlx::query(
            "update spam_corpus_shards as s
             set nspam = greatest(s.nspam + d.ds, 0), nham = greatest(s.nham + d.dh, 0),
                 fspam = greatest(s.fspam + d.fs, 0), fham = greatest(s.fham + d.fh, 0)
             from unnest($1::smallint[], $6::smallint[], $2::int[], $3::int[], $4::bigint[],
                         $5::bigint[]) as d(shard, script, ds, dh, fs, fh)
             where s.shard = d.shard and s.script = d.script",
        )
        .bind(&shards)
        .bind(&ds)
        .bind(&dh)
        .bind(&fs)
        .bind(&fh)
        .bind(&scripts)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What one comment was trained as: spam (`true`) or ham, its features,
/// and the script whose totals it counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trained {
    pub comment_id: i64,
    pub is_spam: bool,
    pub features: Vec<Feature>,
    pub script: Script,
}

#[derive(sqlx::FromRow)]
struct TrainedRow {
    comment_id: i64,
    trained_as: String,
    features: Vec<i32>,
    script: i16,
}

impl From<TrainedRow> for Trained {
    fn from(r: TrainedRow) -> Trained {
        Trained {
            comment_id: r.comment_id,
            is_spam: r.trained_as == "spam",
            features: features_from_db(&r.features),
            script: script_from_db(r.script),
        }
    }
}

/// A stored script number (the column's check allows only known ones).
pub fn script_from_db(id: i16) -> Script {
    Script::from_id(id).unwrap_or(Script::Other)
}

/// What these comments were trained as, locked in comment order (step 3
/// of the lock order).
pub async fn training_of(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<Vec<Trained>, sqlx::Error> {
    let rows: Vec<TrainedRow> = sqlx::query_as(
        "select comment_id, trained_as, features, script from spam_training
         where comment_id = any($1) order by comment_id for update",
    )
    .bind(comment_ids)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Trained::from).collect())
}

/// Records what a comment is trained as now (`None`: nothing).
pub async fn set_training(
    conn: &mut PgConnection,
    comment_id: i64,
    class: Option<(bool, &[Feature], Script)>,
) -> Result<(), sqlx::Error> {
    match class {
        Some((is_spam, features, script)) => {
            sqlx::query(
                "insert into spam_training (comment_id, trained_as, features, script)
                 values ($1, $2, $3, $4)
                 on conflict (comment_id) do update
                 set trained_as = excluded.trained_as, features = excluded.features,
                     script = excluded.script",
            )
            .bind(comment_id)
            .bind(if is_spam { "spam" } else { "ham" })
            .bind(features_to_db(features))
            .bind(script.id())
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

/// The text a comment's features are computed from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrainingText {
    pub id: i64,
    pub status: String,
    pub body: String,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
}

/// These comments' status and text (the caller has locked them).
pub async fn training_texts(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<Vec<TrainingText>, sqlx::Error> {
    sqlx::query_as(
        "select id, status, body, author_name, author_email, author_url
         from comments where id = any($1) order by id",
    )
    .bind(comment_ids)
    .fetch_all(conn)
    .await
}

/// Locks these comments in id order (step 1 of the lock order; `no key`,
/// so replies can still be inserted) and returns their status and text.
pub async fn lock_training_texts(
    conn: &mut PgConnection,
    comment_ids: &[i64],
) -> Result<Vec<TrainingText>, sqlx::Error> {
    sqlx::query_as(
        "select id, status, body, author_name, author_email, author_url
         from comments where id = any($1) order by id for no key update",
    )
    .bind(comment_ids)
    .fetch_all(conn)
    .await
}

/// `majlis spam-retrain`: the next `limit` comments after `after` (by id)
/// whose current status teaches (`approved` or `spam`), was set or
/// confirmed by a moderator (the last audit event that gave the comment a
/// status is a moderator's, to the status it has now), and is not already
/// what the comment is trained as.
pub async fn retrain_candidates(
    conn: &mut PgConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "select c.id from comments c
         where c.id > $1 and c.status in ('approved', 'spam')
           and exists (
               select 1 from (
                   select e.actor, e.new_status from audit_events e
                   where e.comment_id = c.id
                     and e.action in ('comment.submitted', 'comment.status_changed', 'comment.confirmed')
                   order by e.id desc limit 1
               ) last
               where last.actor = 'moderator' and last.new_status = c.status)
           and not exists (
               select 1 from spam_training t
               where t.comment_id = c.id
                 and t.trained_as = case c.status when 'spam' then 'spam' else 'ham' end)
         order by c.id limit $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Reads the whole feature store for an instance's copy
/// ([`crate::spam::mirror`]): the generation, the snapshot and every row,
/// all as of one snapshot (a read-only repeatable-read transaction).
pub async fn load_mirror(conn: &mut PgConnection) -> Result<mirror::Loaded, sqlx::Error> {
    use futures_util::TryStreamExt;
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let (generation, snapshot): (i64, String) =
        sqlx::query_as("select (select generation from spam_learner), pg_current_snapshot()::text")
            .fetch_one(&mut *tx)
            .await?;
    let mut table = mirror::Table::default();
    {
        let mut rows = sqlx::query_as::<_, (i32, i32, i32, i64)>(
            "select bucket, spam, ham, rev from spam_features",
        )
        .fetch(&mut *tx);
        while let Some((bucket, spam, ham, rev)) = rows.try_next().await? {
            if let Some(row) = mirror_row(bucket, spam, ham, rev) {
                table.apply(row);
            }
        }
    }
    tx.commit().await?;
    Ok(mirror::Loaded {
        position: mirror::Position {
            generation,
            snapshot,
        },
        table,
    })
}

/// A stored row as the copy keeps it (`None` for a bucket out of range,
/// which the column's check never lets in).
pub(crate) fn mirror_row(bucket: i32, spam: i32, ham: i32, rev: i64) -> Option<mirror::Row> {
    Some(mirror::Row {
        bucket: u32::try_from(bucket).ok()?,
        spam: u32::try_from(spam).unwrap_or(0),
        ham: u32::try_from(ham).unwrap_or(0),
        // Modulo 2^32: revisions are compared on the wrap.
        rev: rev as u32,
    })
}
