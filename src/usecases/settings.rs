//! The settings cache. Settings live in Postgres with a version number;
//! each instance keeps the last snapshot (settings plus the spam rules
//! compiled from them, word lists normalized once) and checks the version
//! at most once per `RECHECK` interval, so a submission costs no settings
//! query at all most of the time, and a change made on any instance reaches
//! every other within that interval. The instance that makes a change
//! refreshes at once.

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::domain::ModerationSettings;
use crate::domain::ids::Actor;
use crate::error::ApiError;
use crate::spam::{SpamRules, Thresholds};
use sqlx::PgPool;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const RECHECK: Duration = Duration::from_secs(1);

/// One consistent view of the settings.
#[derive(Debug)]
pub struct Snapshot {
    pub version: i64,
    pub settings: ModerationSettings,
    pub rules: SpamRules,
}

impl Snapshot {
    pub fn new(version: i64, settings: ModerationSettings) -> Snapshot {
        let rules = compile_rules(&settings);
        Snapshot {
            version,
            settings,
            rules,
        }
    }

    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            hold: self.settings.hold_threshold,
            spam: self.settings.spam_threshold,
        }
    }
}

/// The engine's rules for these settings (pure).
pub fn compile_rules(s: &ModerationSettings) -> SpamRules {
    SpamRules {
        max_links: s.max_links,
        languages: s.languages.clone(),
        min_form_seconds: f64::from(s.min_form_seconds),
        no_token_score: s.no_token_score,
        check_disposable: s.check_disposable_email,
        ..SpamRules::new(&s.held_words, &s.blocked_words, &s.blocked_domains)
    }
}

struct Cached {
    snapshot: Arc<Snapshot>,
    checked_at: Instant,
}

pub struct SettingsCache {
    inner: RwLock<Cached>,
}

impl SettingsCache {
    /// Loads the current settings.
    pub async fn load(pool: &PgPool) -> Result<SettingsCache, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let (version, settings) = db::settings::load(&mut conn).await?;
        Ok(SettingsCache {
            inner: RwLock::new(Cached {
                snapshot: Arc::new(Snapshot::new(version, settings)),
                checked_at: Instant::now(),
            }),
        })
    }

    fn cached(&self) -> (Arc<Snapshot>, bool) {
        match self.inner.read() {
            Ok(c) => (c.snapshot.clone(), c.checked_at.elapsed() < RECHECK),
            Err(poisoned) => {
                let c = poisoned.into_inner();
                (c.snapshot.clone(), false)
            }
        }
    }

    fn put(&self, snapshot: Arc<Snapshot>) {
        let mut guard = match self.inner.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Never go back to an older version.
        if snapshot.version >= guard.snapshot.version {
            guard.snapshot = snapshot;
        }
        guard.checked_at = Instant::now();
    }

    /// The current snapshot: from memory while fresh, else after a version check.
    pub async fn current(&self, pool: &PgPool) -> Result<Arc<Snapshot>, sqlx::Error> {
        let (snap, fresh) = self.cached();
        if fresh {
            return Ok(snap);
        }
        let mut conn = pool.acquire().await?;
        let version = db::settings::version(&mut conn).await?;
        if version == snap.version {
            self.put(snap.clone());
            return Ok(snap);
        }
        let (version, settings) = db::settings::load(&mut conn).await?;
        let fresh = Arc::new(Snapshot::new(version, settings));
        self.put(fresh.clone());
        Ok(fresh)
    }

    /// After this instance stored new settings.
    pub fn replace(&self, version: i64, settings: ModerationSettings) -> Arc<Snapshot> {
        let snap = Arc::new(Snapshot::new(version, settings));
        self.put(snap.clone());
        snap
    }

    /// Origins from the latest snapshot seen (no I/O; used by CORS).
    pub fn allowed_origins(&self) -> Vec<String> {
        self.cached().0.settings.allowed_origins.clone()
    }
}

/// Applies an admin's change to any subset of the settings (`patch`, a
/// JSON object): validated against the current settings (every problem
/// named), stored under the row lock, audited with the names of the
/// changed fields. Returns the new version and settings; the caller puts
/// them in its cache.
pub async fn change(
    pool: &PgPool,
    actor: Actor,
    patch: &serde_json::Value,
) -> Result<(i64, ModerationSettings), ApiError> {
    let mut tx = pool.begin().await?;
    let (_, current) = db::settings::load_for_update(&mut tx).await?;
    let next = current.patched(patch).map_err(ApiError::validation)?;
    let changed: Vec<String> = patch
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let version = db::settings::store(&mut tx, &next).await?;
    db::audit::insert(
        &mut tx,
        &NewAuditEvent::by_moderator(
            actor,
            "settings.changed",
            serde_json::json!({ "fields": changed, "version": version }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((version, next))
}
