//! Cache-friendly public reads. A viral article sends thousands of readers
//! to the same listing at once, so listings and counts are:
//! - validated by a strong `ETag` derived from the articles'
//!   `comment_version` (kept in Postgres, bumped by every comment change),
//!   answering `304` to `If-None-Match`;
//! - served from an in-process cache keyed by article and page. An entry is
//!   used with no database query at all while it is younger than `RECHECK`
//!   and its articles were not invalidated since. Invalidation is local
//!   (this instance changed a comment) or comes from polling Postgres every
//!   `POLL` for articles whose version moved, whichever instance moved it
//!   ([`ChangeFeed`]); an older entry is revalidated with one primary-key
//!   query for the version. So instances agree, because the version lives
//!   in Postgres, and a change the poll has not seen yet costs at most
//!   `RECHECK` of staleness. There is no `NOTIFY`: it serializes every
//!   committing transaction of the cluster, and polling costs one indexed
//!   query per instance and `POLL`, however many comments are written.

use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const RECHECK: Duration = Duration::from_secs(2);
/// How often each instance asks Postgres which articles' versions moved.
pub const POLL: Duration = Duration::from_millis(500);
/// How far back each poll looks again: a transaction that took its version
/// from the sequence before an earlier poll and committed after it is
/// still seen, unless it stayed open longer than this (and then `RECHECK`
/// bounds the staleness).
pub const LOOKBACK: Duration = Duration::from_secs(2);

/// One cached response body and what it was built from.
#[derive(Debug, Clone)]
pub struct CachedRead {
    pub etag: String,
    pub body: Bytes,
    /// `(article_id, comment_version)` pairs the body reflects.
    pub versions: Vec<(String, i64)>,
    pub checked_at: Instant,
}

#[derive(Clone)]
struct BodyWeighter;

impl Weighter<String, Arc<CachedRead>> for BodyWeighter {
    /// What an entry holds in memory, roughly: the body, the key, the ETag
    /// and every article id it was built from (a count of ten articles is a
    /// small body with ten ids), plus the bookkeeping around them. Weighing
    /// only the body let thousands of small count entries hold twice the
    /// configured size.
    fn weight(&self, key: &String, val: &Arc<CachedRead>) -> u64 {
        const STRING: usize = std::mem::size_of::<String>();
        let versions: usize = val
            .versions
            .iter()
            .map(|(article, _)| article.capacity() + STRING + 8)
            .sum();
        let fixed = std::mem::size_of::<CachedRead>() + 2 * STRING + 64;
        (key.capacity() + val.body.len() + val.etag.capacity() + versions + fixed) as u64
    }
}

pub struct PublicCache {
    entries: Option<Cache<String, Arc<CachedRead>, BodyWeighter>>,
    /// When each article was last invalidated.
    dirty: Cache<String, Instant>,
    /// The highest version of each article the change feed has seen.
    seen: Cache<String, i64>,
    /// Everything older than this is stale (after a lost notification channel).
    cleared_at: RwLock<Instant>,
    /// Rebuilds take turns per key (striped): when a new comment makes a
    /// viral article's page stale, the readers arriving together wait for
    /// one rebuild and share it instead of each querying Postgres.
    rebuilds: Box<[tokio::sync::Mutex<()>]>,
}

/// How many rebuild turns there are (keys share them by hash).
const REBUILD_STRIPES: usize = 128;

impl PublicCache {
    /// A cache of about `megabytes` of response bodies (0: no caching,
    /// ETags and 304s still work).
    pub fn new(megabytes: u32) -> PublicCache {
        let bytes = u64::from(megabytes) * 1024 * 1024;
        PublicCache {
            entries: (megabytes > 0).then(|| {
                Cache::with_weighter((bytes / 4096).max(16) as usize, bytes, BodyWeighter)
            }),
            dirty: Cache::new(100_000),
            seen: Cache::new(100_000),
            cleared_at: RwLock::new(Instant::now()),
            rebuilds: (0..REBUILD_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    /// Waits for the turn to rebuild `key`: check [`PublicCache::fresh`]
    /// again once it is yours, another reader may just have rebuilt it.
    pub async fn rebuild_turn(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::BuildHasher;
        let stripe = foldhash::fast::FixedState::with_seed(0).hash_one(key) as usize
            % self.rebuilds.len().max(1);
        match self.rebuilds.get(stripe) {
            Some(m) => m.lock().await,
            // Unreachable (the stripes are never empty); any lock will do.
            None => self.rebuilds[0].lock().await,
        }
    }

    fn cleared_at(&self) -> Instant {
        match self.cleared_at.read() {
            Ok(t) => *t,
            Err(p) => *p.into_inner(),
        }
    }

    /// Whether `entry` may be served without asking the database.
    pub fn is_fresh(&self, entry: &CachedRead) -> bool {
        entry.checked_at.elapsed() < RECHECK
            && entry.checked_at > self.cleared_at()
            && entry.versions.iter().all(|(article, version)| {
                self.dirty
                    .get(article)
                    .is_none_or(|at| at < entry.checked_at)
                    && self.seen.get(article).is_none_or(|seen| seen <= *version)
            })
    }

    /// The entry for `key` if it may be served as is.
    pub fn fresh(&self, key: &str) -> Option<Arc<CachedRead>> {
        let e = self.entries.as_ref()?.get(key)?;
        self.is_fresh(&e).then_some(e)
    }

    /// The entry for `key`, fresh or not.
    pub fn any(&self, key: &str) -> Option<Arc<CachedRead>> {
        self.entries.as_ref()?.get(key)
    }

    pub fn put(&self, key: String, entry: CachedRead) -> Arc<CachedRead> {
        let entry = Arc::new(entry);
        if let Some(c) = &self.entries {
            c.insert(key, entry.clone());
        }
        entry
    }

    /// A comment of `article_id` changed.
    pub fn invalidate(&self, article_id: &str) {
        self.dirty.insert(article_id.to_owned(), Instant::now());
    }

    /// The change feed saw `article` at `version`: entries built from an
    /// older version are stale, entries built from it or a newer one stay
    /// fresh (a poll that reads the same change again costs nothing).
    pub fn saw(&self, article: &str, version: i64) {
        if self.seen.get(article).is_none_or(|v| v < version) {
            self.seen.insert(article.to_owned(), version);
        }
    }

    /// Forget everything (the change feed missed changes).
    pub fn invalidate_all(&self) {
        let mut t = match self.cleared_at.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *t = Instant::now();
    }
}

/// Where the next poll for moved versions starts: the highest version seen
/// `LOOKBACK` ago or earlier, so that a change whose transaction took its
/// version before a poll and committed after it is still read. Versions
/// come from one sequence; a poll asks for everything above the mark.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    /// (when, highest version seen by then), oldest first.
    marks: std::collections::VecDeque<(Instant, i64)>,
}

impl ChangeFeed {
    /// A feed that starts at `version` (the highest when the instance
    /// started: what came before is in no cache yet).
    pub fn starting_at(version: i64, now: Instant) -> ChangeFeed {
        ChangeFeed {
            marks: std::collections::VecDeque::from([(now, version)]),
        }
    }

    /// The version the next poll asks for changes above.
    pub fn since(&self, now: Instant) -> i64 {
        // The newest mark at least LOOKBACK old, else the oldest one.
        self.marks
            .iter()
            .rev()
            .find(|(at, _)| now.duration_since(*at) >= LOOKBACK)
            .or_else(|| self.marks.front())
            .map_or(0, |(_, v)| *v)
    }

    /// A poll at `now` saw versions up to `highest`.
    pub fn advance(&mut self, now: Instant, highest: i64) {
        let top = self
            .marks
            .back()
            .map_or(highest, |(_, v)| (*v).max(highest));
        self.marks.push_back((now, top));
        // Keep one mark older than LOOKBACK (the next `since`), drop the rest.
        while self.marks.len() > 1
            && self
                .marks
                .get(1)
                .is_some_and(|(at, _)| now.duration_since(*at) >= LOOKBACK)
        {
            self.marks.pop_front();
        }
    }
}

/// A strong validator for a response built from `versions` for `page_key`.
pub fn etag(page_key: &str, versions: &[(String, i64)]) -> String {
    let mut h = Sha256::new();
    h.update(page_key.as_bytes());
    for (article, version) in versions {
        h.update([0]);
        h.update(article.as_bytes());
        h.update(version.to_be_bytes());
    }
    let digest = h.finalize();
    match versions {
        [(_, v)] => format!("\"{v}-{}\"", hex::encode(&digest[..8])),
        _ => format!("\"{}\"", hex::encode(&digest[..12])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(versions: Vec<(String, i64)>) -> CachedRead {
        CachedRead {
            etag: etag("k", &versions),
            body: Bytes::from_static(b"{}"),
            versions,
            checked_at: Instant::now(),
        }
    }

    #[test]
    fn etags_follow_versions_and_pages() {
        let a = etag("list a1 50", &[("a1".into(), 3)]);
        assert!(a.starts_with("\"3-"));
        assert_ne!(a, etag("list a1 50", &[("a1".into(), 4)]));
        assert_ne!(a, etag("list a1 20", &[("a1".into(), 3)]));
        assert_eq!(a, etag("list a1 50", &[("a1".into(), 3)]));
    }

    #[test]
    fn invalidation_makes_entries_stale_for_their_articles_only() {
        let c = PublicCache::new(1);
        c.put("p1".into(), entry(vec![("a1".into(), 1)]));
        c.put("p2".into(), entry(vec![("a2".into(), 1)]));
        assert!(c.fresh("p1").is_some());
        std::thread::sleep(Duration::from_millis(2));
        c.invalidate("a1");
        assert!(c.fresh("p1").is_none());
        assert!(c.any("p1").is_some(), "kept for revalidation");
        assert!(c.fresh("p2").is_some());
        c.invalidate_all();
        assert!(c.fresh("p2").is_none());
    }

    #[test]
    fn a_polled_version_makes_older_entries_stale_and_leaves_newer_ones() {
        let c = PublicCache::new(1);
        c.put("p1".into(), entry(vec![("a1".into(), 5)]));
        c.put("p2".into(), entry(vec![("a2".into(), 7)]));
        c.saw("a1", 6);
        assert!(c.fresh("p1").is_none(), "built from 5, 6 exists");
        c.saw("a2", 7);
        c.saw("a2", 3);
        assert!(c.fresh("p2").is_some(), "built from the version seen");
        c.put("p1".into(), entry(vec![("a1".into(), 6)]));
        assert!(c.fresh("p1").is_some(), "rebuilt from 6");
    }

    #[test]
    fn the_feed_looks_back_over_late_commits() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut f = ChangeFeed::starting_at(100, t0);
        assert_eq!(f.since(at(0)), 100);
        f.advance(at(500), 120);
        f.advance(at(1000), 130);
        // Less than LOOKBACK since the start: still from the start.
        assert_eq!(f.since(at(1500)), 100);
        f.advance(at(1500), 130);
        f.advance(at(2000), 125); // a poll that saw only late commits
        assert_eq!(f.since(at(2000)), 100);
        f.advance(at(2500), 140);
        // Now the mark of t=500 is LOOKBACK old: a version taken before the
        // poll at 1000 and committed after it is still above 120.
        assert_eq!(f.since(at(2500)), 120);
        assert_eq!(f.since(at(3000)), 130);
        assert!(f.marks.len() <= 7, "old marks are dropped: {:?}", f.marks);
    }

    #[tokio::test]
    async fn rebuilds_of_one_key_take_turns_and_others_do_not_wait() {
        let c = PublicCache::new(1);
        let turn = c.rebuild_turn("list a1 50").await;
        let same = tokio::time::timeout(Duration::from_millis(50), c.rebuild_turn("list a1 50"));
        assert!(same.await.is_err(), "a second rebuild of the key waits");
        // Some other key is on another stripe and goes ahead.
        let mut others = 0;
        for i in 0..8 {
            let key = format!("list a{i}x 50");
            let t = tokio::time::timeout(Duration::from_millis(50), c.rebuild_turn(&key));
            others += usize::from(t.await.is_ok());
        }
        assert!(others >= 7, "other keys went ahead: {others} of 8");
        drop(turn);
        let again = tokio::time::timeout(Duration::from_millis(50), c.rebuild_turn("list a1 50"));
        assert!(
            again.await.is_ok(),
            "the turn is free once the rebuild is done"
        );
    }

    #[test]
    fn an_entry_weighs_its_article_ids_too() {
        let w = |articles: usize| {
            let versions = (0..articles)
                .map(|i| (format!("news/2026/12/a-long-article-slug-{i}"), 1))
                .collect();
            BodyWeighter.weight(&"counts".to_owned(), &Arc::new(entry(versions)))
        };
        // Ten ids of 36 characters weigh at least their bytes more than one.
        assert!(w(10) >= w(1) + 9 * 36, "{} vs {}", w(10), w(1));
    }

    #[test]
    fn a_disabled_cache_stores_nothing() {
        let c = PublicCache::new(0);
        c.put("p1".into(), entry(vec![("a1".into(), 1)]));
        assert!(c.any("p1").is_none());
    }
}
