//! An exact copy, in each instance's memory, of the learner's feature store
//! (`spam_features`), so that a submission reads its ~1,000 feature counts
//! from memory instead of probing an index ~1,000 times (that lookup was
//! 63-71% of a submission's database time: `bench/PROFILE.md`).
//!
//! Exact, not a cache with a lifetime: every submission's one read
//! statement (`db::submissions::context`) also returns the rows written by
//! transactions that the copy's snapshot did not see, and the snapshot of
//! that statement. Applying them makes the copy equal to the store as that
//! statement saw it, so two instances score one comment alike, and a
//! moderator's decision teaches every instance's next submission, as when
//! the counts were read from the table.
//!
//! How it stays exact:
//! - each row carries the id of the transaction that wrote it last
//!   (`written`, an `xid8`) and a revision (`rev`) that every write moves
//!   up by one under the row's lock;
//! - the copy remembers the Postgres snapshot it reflects (`pg_snapshot`,
//!   as text); a read asks for the rows whose writer that snapshot did not
//!   see, and returns its own snapshot, which the copy then reflects;
//! - reads of one instance finish in any order: a row is replaced only by
//!   a later revision, so an older read never undoes a newer one (and any
//!   snapshot a read returns is a valid one to remember);
//! - emptying the store (a reset of the learner) moves a generation
//!   number; a read that sees another generation reloads the whole copy.
//!
//! The copy holds one slot per bucket of each script's range
//! (`learner::KEYS`, 3 × 2^20 slots of 8 bytes for the counts and 4 for the
//! revision: 36 MiB, allocated zeroed, so memory is touched only where rows
//! exist; a verdict reads only the counts). Pure:
//! the queries are in `db::spam` and `db::submissions`.

use std::sync::RwLock;

use super::features::Feature;
use super::learner::{self, Judgement, KEYS, Params, Prior, Script, SiteCounts, Totals};

/// One row of `spam_features` as the copy receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub bucket: Feature,
    pub spam: u32,
    pub ham: u32,
    /// The row's revision (the column, modulo 2^32; see [`newer`]).
    pub rev: u32,
}

/// Whether revision `incoming` is later than `stored` (revisions start at
/// 1, so a stored 0 is an empty slot; compared modulo 2^32, which holds
/// while two reads of one row are fewer than 2^31 writes apart).
pub fn newer(incoming: u32, stored: u32) -> bool {
    stored == 0 || (incoming.wrapping_sub(stored) as i32) > 0
}

/// The counts of every bucket, by bucket.
pub struct Table {
    /// `[spam, ham]` per bucket: what a verdict reads, one 8-byte load.
    counts: Vec<[u32; 2]>,
    /// The revision each slot holds (0: never written).
    revs: Vec<u32>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            counts: vec![[0; 2]; KEYS as usize],
            revs: vec![0; KEYS as usize],
        }
    }
}

impl Table {
    /// Takes a row unless the slot holds a later revision of it.
    pub fn apply(&mut self, row: Row) {
        if let (Some(counts), Some(rev)) = (
            self.counts.get_mut(row.bucket as usize),
            self.revs.get_mut(row.bucket as usize),
        ) && newer(row.rev, *rev)
        {
            *counts = [row.spam, row.ham];
            *rev = row.rev;
        }
    }

    /// `(spam, ham)` of one bucket; (0, 0) for one never written.
    pub fn counts(&self, bucket: Feature) -> (u32, u32) {
        self.counts
            .get(bucket as usize)
            .map_or((0, 0), |s| (s[0], s[1]))
    }
}

/// The copy as the learner reads it, in place: the class totals the
/// submission's read returned, and the table's counts (none before the
/// copy is loaded).
struct View<'a> {
    totals: &'a [Totals; 3],
    table: Option<&'a Table>,
}

impl SiteCounts for View<'_> {
    fn totals(&self, script: Script) -> Totals {
        self.totals[script as usize]
    }

    fn counts(&self, f: Feature) -> (u32, u32) {
        self.table.map_or((0, 0), |t| t.counts(f))
    }
}

/// Where the copy stands: the store's generation and the snapshot the copy
/// reflects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub generation: i64,
    pub snapshot: String,
}

/// What one read statement returned about the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub generation: i64,
    /// The statement's snapshot.
    pub snapshot: String,
    /// Rows written by transactions the asked-from snapshot did not see.
    pub rows: Vec<Row>,
}

/// The outcome of [`Mirror::catch_up`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// The copy now reflects the read (or something later).
    Current,
    /// The copy is empty or of another generation: load it whole.
    Reload,
}

/// A whole copy as loaded.
pub struct Loaded {
    pub position: Position,
    pub table: Table,
}

/// The copy an instance keeps, shared by its workers.
#[derive(Default)]
pub struct Mirror {
    inner: RwLock<Option<Loaded>>,
}

impl Mirror {
    /// Where to ask for changes from; `None` until loaded.
    pub fn position(&self) -> Option<Position> {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|l| l.position.clone())
    }

    /// Applies a read's changes. A read of an older generation than the
    /// copy changes nothing (the copy is already later than it).
    pub fn catch_up(&self, changes: &Changes) -> CatchUp {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let Some(loaded) = guard.as_mut() else {
            return CatchUp::Reload;
        };
        if changes.generation > loaded.position.generation {
            return CatchUp::Reload;
        }
        if changes.generation == loaded.position.generation {
            for row in &changes.rows {
                loaded.table.apply(*row);
            }
            // Every read's snapshot is a valid one to remember (see the
            // module's notes); a later one asks for fewer rows next time.
            if snapshot_xmax(&changes.snapshot) >= snapshot_xmax(&loaded.position.snapshot) {
                loaded.position.snapshot.clone_from(&changes.snapshot);
            }
        }
        CatchUp::Current
    }

    /// Installs a whole copy, unless the one held is of a later generation.
    pub fn install(&self, new: Loaded) {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if guard
            .as_ref()
            .is_none_or(|l| l.position.generation <= new.position.generation)
        {
            *guard = Some(new);
        }
    }

    /// The generation of the copy held, if any.
    pub fn generation(&self) -> Option<i64> {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|l| l.position.generation)
    }

    /// The learner's judgement of a comment in `script` with `features`,
    /// with the site's class `totals` (from the submission's read) and the
    /// copy's counts, read where they are (no map is built per comment).
    pub fn judge(
        &self,
        features: &[Feature],
        script: Script,
        totals: &[Totals; 3],
        prior: Option<&Prior>,
        params: &Params,
    ) -> Option<Judgement> {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let view = View {
            totals,
            table: guard.as_ref().map(|l| &l.table),
        };
        learner::judge(features, script, &view, prior, params)
    }

    /// `(spam, ham)` of one bucket in the copy ((0, 0) before it is loaded).
    pub fn counts(&self, bucket: Feature) -> (u32, u32) {
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map_or((0, 0), |l| l.table.counts(bucket))
    }
}

/// The `xmax` of a snapshot in Postgres's text form `xmin:xmax:xip,...`
/// (0 when unreadable): later snapshots have a greater or equal one.
fn snapshot_xmax(snapshot: &str) -> u64 {
    snapshot
        .split(':')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bucket: Feature, spam: u32, ham: u32, rev: u32) -> Row {
        Row {
            bucket,
            spam,
            ham,
            rev,
        }
    }

    fn loaded(generation: i64, snapshot: &str) -> Loaded {
        Loaded {
            position: Position {
                generation,
                snapshot: snapshot.into(),
            },
            table: Table::default(),
        }
    }

    #[test]
    fn a_later_revision_replaces_and_an_earlier_one_does_not() {
        let mut t = Table::default();
        t.apply(row(7, 1, 0, 1));
        assert_eq!(t.counts(7), (1, 0));
        t.apply(row(7, 3, 2, 3));
        t.apply(row(7, 2, 1, 2)); // a slower read of an older state
        assert_eq!(t.counts(7), (3, 2));
        assert_eq!(t.counts(8), (0, 0));
        // Out of range buckets are ignored, never a panic.
        t.apply(row(KEYS, 1, 1, 1));
        assert_eq!(t.counts(KEYS), (0, 0));
    }

    #[test]
    fn revisions_compare_across_the_wrap() {
        assert!(newer(1, 0));
        assert!(newer(2, 1));
        assert!(!newer(1, 1));
        assert!(!newer(1, 2));
        assert!(newer(0, u32::MAX));
        assert!(newer(5, u32::MAX - 5));
        assert!(!newer(u32::MAX, 3));
    }

    #[test]
    fn a_bucket_holds_its_last_counts_and_an_unwritten_one_none() {
        let mut t = Table::default();
        t.apply(row(1, 2, 0, 1));
        t.apply(row(2, 0, 0, 1));
        t.apply(row(3, 0, 5, 1));
        t.apply(row(3, 1, 5, 2));
        assert_eq!(t.counts(1), (2, 0));
        assert_eq!(t.counts(2), (0, 0));
        assert_eq!(t.counts(3), (1, 5));
        assert_eq!(t.counts(4), (0, 0));
    }

    #[test]
    fn judging_through_the_copy_equals_judging_the_same_evidence() {
        use crate::spam::features::features;
        let lessons = [
            ("subscribe to my channel and win free followers now", true),
            ("the minister said the talks would resume next week", false),
        ];
        let mut e = learner::Evidence::default();
        for _ in 0..30 {
            for (body, spam) in lessons {
                e.learn(&features(body, "", "", None), Script::of(body), spam, 1);
            }
        }
        let m = Mirror::default();
        let mut l = loaded(0, "1:1:");
        for (bucket, (spam, ham)) in &e.counts {
            l.table.apply(row(*bucket, *spam, *ham, 1));
        }
        m.install(l);
        let params = Params::default();
        for body in [
            "win free followers, subscribe now",
            "talks resume next week",
        ] {
            let f = features(body, "", "", None);
            let s = Script::of(body);
            let direct = learner::judge(&f, s, &e, Prior::shipped(), &params);
            let copy = m.judge(&f, s, &e.totals, Prior::shipped(), &params);
            assert!(direct.is_some());
            assert_eq!(direct, copy, "{body}");
        }
        // Before the copy is loaded, the site's counts are all unseen.
        let empty = Mirror::default();
        let f = features("win free followers", "", "", None);
        let unseen = learner::judge(
            &f,
            Script::Latin,
            &learner::Evidence {
                totals: e.totals,
                ..Default::default()
            },
            None,
            &params,
        );
        assert_eq!(
            empty.judge(&f, Script::Latin, &e.totals, None, &params),
            unseen
        );
    }

    #[test]
    fn an_empty_mirror_asks_for_a_load_and_a_loaded_one_catches_up() {
        let m = Mirror::default();
        assert_eq!(m.position(), None);
        let changes = Changes {
            generation: 0,
            snapshot: "10:12:".into(),
            rows: vec![row(4, 1, 0, 1)],
        };
        assert_eq!(m.catch_up(&changes), CatchUp::Reload);
        m.install(loaded(0, "9:9:"));
        assert_eq!(m.catch_up(&changes), CatchUp::Current);
        assert_eq!(m.counts(4), (1, 0));
        assert_eq!(m.counts(5), (0, 0));
        assert_eq!(m.position().map(|p| p.snapshot), Some("10:12:".into()));
        // An older snapshot (a slower read) does not move the position back.
        let older = Changes {
            generation: 0,
            snapshot: "9:10:".into(),
            rows: vec![],
        };
        assert_eq!(m.catch_up(&older), CatchUp::Current);
        assert_eq!(m.position().map(|p| p.snapshot), Some("10:12:".into()));
    }

    #[test]
    fn a_new_generation_reloads_and_an_old_one_is_ignored() {
        let m = Mirror::default();
        m.install(loaded(3, "5:5:"));
        let newer_gen = Changes {
            generation: 4,
            snapshot: "6:6:".into(),
            rows: vec![row(1, 9, 9, 1)],
        };
        assert_eq!(m.catch_up(&newer_gen), CatchUp::Reload);
        let older_gen = Changes {
            generation: 2,
            snapshot: "6:6:".into(),
            rows: vec![row(1, 9, 9, 1)],
        };
        assert_eq!(m.catch_up(&older_gen), CatchUp::Current);
        assert_eq!(
            m.counts(1),
            (0, 0),
            "rows of another generation are not applied"
        );
        // A load of an older generation never replaces a newer copy.
        m.install(loaded(2, "7:7:"));
        assert_eq!(m.generation(), Some(3));
        m.install(loaded(4, "7:7:"));
        assert_eq!(m.generation(), Some(4));
    }
}
