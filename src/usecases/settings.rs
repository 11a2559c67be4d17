//! The settings cache. Settings live in Postgres with a version number;
//! each instance keeps the last snapshot (settings plus the spam rules
//! compiled from them, word lists normalized once) and checks the version
//! at most once per `RECHECK` interval, so a submission costs no settings
//! query at all most of the time, and a change made on any instance reaches
//! every other within that interval. The instance that makes a change
//! refreshes at once.

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::settings::SiteSettings;
use crate::domain::ids::Actor;
use crate::domain::{ModerationSettings, SiteId};
use crate::error::ApiError;
use crate::error::{ErrorCode, FieldCode};
use crate::spam::{SpamRules, Thresholds};
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const RECHECK: Duration = Duration::from_secs(1);

/// One consistent view of one site's settings.
#[derive(Debug)]
pub struct Snapshot {
    pub site: SiteId,
    /// The site's display name.
    pub name: String,
    pub version: i64,
    pub settings: ModerationSettings,
    pub rules: SpamRules,
}

impl Snapshot {
    pub fn new(site: SiteId, name: String, version: i64, settings: ModerationSettings) -> Snapshot {
        let rules = compile_rules(&settings);
        Snapshot {
            site,
            name,
            version,
            settings,
            rules,
        }
    }

    fn from_stored(s: SiteSettings) -> Snapshot {
        Snapshot::new(s.site, s.name, s.version, s.settings)
    }

    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            hold: self.settings.hold_threshold,
            spam: self.settings.spam_threshold,
        }
    }

    pub fn trust_rules(&self) -> crate::spam::TrustRules {
        crate::spam::TrustRules {
            trust_after_approved: self.settings.trust_after_approved,
            distrust_share: self.settings.distrust_share,
            distrust_window_days: self.settings.distrust_window_days,
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

/// Every site's snapshot, by site id.
pub type Sites = BTreeMap<SiteId, Arc<Snapshot>>;

struct Cached {
    sites: Arc<Sites>,
    checked_at: Instant,
}

/// Every site's settings as this instance last saw them. Sites are few (a
/// publication's editions): one check reads every site's version.
pub struct SettingsCache {
    inner: RwLock<Cached>,
}

impl SettingsCache {
    /// Loads every site's settings.
    pub async fn load(pool: &PgPool) -> Result<SettingsCache, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let sites = db::settings::load_all(&mut conn).await?;
        Ok(SettingsCache {
            inner: RwLock::new(Cached {
                sites: Arc::new(
                    sites
                        .into_iter()
                        .map(|s| (s.site.clone(), Arc::new(Snapshot::from_stored(s))))
                        .collect(),
                ),
                checked_at: Instant::now(),
            }),
        })
    }

    fn cached(&self) -> (Arc<Sites>, bool) {
        match self.inner.read() {
            Ok(c) => (c.sites.clone(), c.checked_at.elapsed() < RECHECK),
            Err(poisoned) => {
                let c = poisoned.into_inner();
                (c.sites.clone(), false)
            }
        }
    }

    /// Puts `fresh` snapshots in, never going back to an older version of
    /// a site (a slower reader's answer arriving late).
    fn put(&self, fresh: impl IntoIterator<Item = Arc<Snapshot>>, checked: bool) -> Arc<Sites> {
        let mut fresh = fresh.into_iter().peekable();
        let mut guard = match self.inner.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if fresh.peek().is_none() {
            // Only checked: nothing to copy.
            if checked {
                guard.checked_at = Instant::now();
            }
            return guard.sites.clone();
        }
        let mut sites: Sites = (*guard.sites).clone();
        for snap in fresh {
            match sites.get(&snap.site) {
                Some(old) if old.version > snap.version => {}
                _ => {
                    sites.insert(snap.site.clone(), snap);
                }
            }
        }
        guard.sites = Arc::new(sites);
        if checked {
            guard.checked_at = Instant::now();
        }
        guard.sites.clone()
    }

    /// Every site: from memory while fresh, else after a version check
    /// (and a reload when a site changed or appeared).
    pub async fn all(&self, pool: &PgPool) -> Result<Arc<Sites>, sqlx::Error> {
        let (sites, fresh) = self.cached();
        if fresh {
            return Ok(sites);
        }
        let mut conn = pool.acquire().await?;
        let versions = db::settings::versions(&mut conn).await?;
        let same = versions.len() == sites.len()
            && versions.iter().all(|(id, v)| {
                sites
                    .get(&SiteId::from_stored(id.clone()))
                    .is_some_and(|s| s.version >= *v)
            });
        if same {
            return Ok(self.put([], true));
        }
        let loaded = db::settings::load_all(&mut conn).await?;
        Ok(self.put(
            loaded
                .into_iter()
                .map(|s| Arc::new(Snapshot::from_stored(s))),
            true,
        ))
    }

    /// One site's current snapshot; `site_not_found` when there is no
    /// such site.
    pub async fn current(&self, pool: &PgPool, site: &SiteId) -> Result<Arc<Snapshot>, ApiError> {
        self.all(pool)
            .await?
            .get(site)
            .cloned()
            .ok_or(ApiError::new(ErrorCode::SiteNotFound))
    }

    /// After this instance stored a site's new settings.
    pub fn replace(&self, snap: Snapshot) -> Arc<Snapshot> {
        let snap = Arc::new(snap);
        self.put([snap.clone()], false);
        snap
    }

    /// The sites as last seen (no I/O; used by CORS and to tell a
    /// request's site by its origin).
    pub fn seen(&self) -> Arc<Sites> {
        self.cached().0
    }

    /// Origins of every site, from the latest snapshots seen (no I/O).
    pub fn allowed_origins(&self) -> Vec<String> {
        self.seen()
            .values()
            .flat_map(|s| s.settings.allowed_origins.iter().cloned())
            .collect()
    }

    /// The site whose settings list `origin` (normalized), from the latest
    /// snapshots seen (no I/O).
    pub fn site_for_origin(&self, origin: &str) -> Option<SiteId> {
        let sites = self.seen();
        crate::domain::site::site_for_origin(
            origin,
            sites
                .iter()
                .map(|(id, s)| (id, s.settings.allowed_origins.as_slice())),
        )
        .cloned()
    }
}

/// Settings about the accounts, which every site shares: read from and
/// changed on the default site only.
pub const INSTANCE_WIDE: &[&str] = &["mask_personal_data"];

/// Applies an admin's change to any subset of one site's settings
/// (`patch`, a JSON object): validated against the current settings (every
/// problem named; an origin another site lists is `origin_taken`), stored
/// while every site's row is locked (so two sites cannot take one origin
/// at the same moment), audited with the names of the changed fields.
/// Returns the new snapshot; the caller puts it in its cache.
pub async fn change(
    pool: &PgPool,
    actor: Actor,
    site: &SiteId,
    patch: &serde_json::Value,
    default_site_origins: &[String],
) -> Result<Snapshot, ApiError> {
    if site.as_str() != SiteId::DEFAULT
        && let Some(field) = INSTANCE_WIDE.iter().find(|f| patch.get(**f).is_some())
    {
        return Err(ApiError::field(field, FieldCode::InstanceWide));
    }
    let mut tx = pool.begin().await?;
    db::settings::lock_all(&mut tx).await?;
    let current = db::settings::load_for_update(&mut tx, site)
        .await?
        .ok_or(ApiError::new(ErrorCode::SiteNotFound))?;
    let next = current
        .settings
        .patched(patch)
        .map_err(ApiError::validation)?;
    if next.allowed_origins != current.settings.allowed_origins {
        let mut taken = db::settings::origins_of_other_sites(&mut tx, site).await?;
        // `MAJLIS_ALLOWED_ORIGINS` names the default site's.
        if site.as_str() != SiteId::DEFAULT {
            taken.extend_from_slice(default_site_origins);
        }
        if next.allowed_origins.iter().any(|o| taken.contains(o)) {
            return Err(ApiError::field("allowed_origins", FieldCode::OriginTaken));
        }
    }
    let changed: Vec<String> = patch
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let version = db::settings::store(&mut tx, site, &next).await?;
    db::audit::insert(
        &mut tx,
        &NewAuditEvent::by_moderator(
            actor,
            "settings.changed",
            serde_json::json!({ "site": site.as_str(), "fields": changed, "version": version }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Snapshot::new(site.clone(), current.name, version, next))
}

/// Creates a site. Its settings start as a copy of the default site's,
/// without the allowed origins (an origin names one site); audited.
pub async fn create_site(
    pool: &PgPool,
    actor: Actor,
    site: &SiteId,
    name: &str,
) -> Result<Snapshot, ApiError> {
    let mut tx = pool.begin().await?;
    db::settings::lock_all(&mut tx).await?;
    let template = db::settings::load_for_update(&mut tx, &SiteId::default_site())
        .await?
        .map(|s| s.settings)
        .unwrap_or_default();
    let settings = ModerationSettings {
        allowed_origins: Vec::new(),
        ..template
    };
    if !db::settings::create_site(&mut tx, site, name, &settings).await? {
        return Err(ApiError::new(ErrorCode::SiteExists));
    }
    db::audit::insert(
        &mut tx,
        &NewAuditEvent::by_moderator(
            actor,
            "site.created",
            serde_json::json!({ "site": site.as_str(), "name": name }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Snapshot::new(site.clone(), name.to_owned(), 1, settings))
}

/// Renames a site; audited. Returns the site as stored.
pub async fn rename_site(
    pool: &PgPool,
    actor: Actor,
    site: &SiteId,
    name: &str,
) -> Result<Snapshot, ApiError> {
    let mut tx = pool.begin().await?;
    let renamed = db::settings::rename_site(&mut tx, site, name)
        .await?
        .ok_or(ApiError::new(ErrorCode::SiteNotFound))?;
    db::audit::insert(
        &mut tx,
        &NewAuditEvent::by_moderator(
            actor,
            "site.renamed",
            serde_json::json!({ "site": site.as_str(), "name": name }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Snapshot::from_stored(renamed))
}
