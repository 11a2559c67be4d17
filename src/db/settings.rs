//! Each site's settings: a column of its row in `sites`, versioned, so
//! every instance can tell when its cached copy is stale.

use crate::domain::{ModerationSettings, SiteId};
use sqlx::PgConnection;
use sqlx::types::Json;

/// One site's settings as stored.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub site: SiteId,
    pub name: String,
    pub version: i64,
    pub settings: ModerationSettings,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    settings_version: i64,
    settings: Json<serde_json::Value>,
}

impl From<Row> for SiteSettings {
    fn from(r: Row) -> Self {
        SiteSettings {
            site: SiteId::from_stored(r.id),
            name: r.name,
            version: r.settings_version,
            settings: ModerationSettings::from_stored(&r.settings.0),
        }
    }
}

/// Locks every site's row until the transaction ends: changes that must
/// see every site (an origin names one site) happen one at a time.
pub async fn lock_all(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("select id from sites order by id for update")
        .execute(conn)
        .await?;
    Ok(())
}

/// Every site's settings version, by site id (one small read: sites are few).
pub async fn versions(conn: &mut PgConnection) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("select id, settings_version from sites order by id")
        .fetch_all(conn)
        .await
}

/// Every site with its settings, by id.
pub async fn load_all(conn: &mut PgConnection) -> Result<Vec<SiteSettings>, sqlx::Error> {
    let rows: Vec<Row> =
        sqlx::query_as("select id, name, settings_version, settings from sites order by id")
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(SiteSettings::from).collect())
}

/// Locks one site's row for a read-modify-write and returns its settings
/// (`None`: no such site).
pub async fn load_for_update(
    conn: &mut PgConnection,
    site: &SiteId,
) -> Result<Option<SiteSettings>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(
        "select id, name, settings_version, settings from sites where id = $1 for update",
    )
    .bind(site.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(SiteSettings::from))
}

/// Stores a site's new settings and returns the new version.
pub async fn store(
    conn: &mut PgConnection,
    site: &SiteId,
    s: &ModerationSettings,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "update sites set settings = $2, settings_version = settings_version + 1
         where id = $1 returning settings_version",
    )
    .bind(site.as_str())
    .bind(Json(s.to_stored()))
    .fetch_one(conn)
    .await
}

/// The origins every site other than `except` lists (an origin names one
/// site).
pub async fn origins_of_other_sites(
    conn: &mut PgConnection,
    except: &SiteId,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<Json<serde_json::Value>> =
        sqlx::query_scalar("select settings from sites where id <> $1")
            .bind(except.as_str())
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .flat_map(|s| ModerationSettings::from_stored(&s.0).allowed_origins)
        .collect())
}

/// Creates a site whose settings start as `settings`; `false` when the id
/// is taken.
pub async fn create_site(
    conn: &mut PgConnection,
    site: &SiteId,
    name: &str,
    settings: &ModerationSettings,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "insert into sites (id, name, settings) values ($1, $2, $3) on conflict (id) do nothing",
    )
    .bind(site.as_str())
    .bind(name)
    .bind(Json(settings.to_stored()))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Renames a site (moving its version, so every instance reloads it);
/// `None` when there is no such site.
pub async fn rename_site(
    conn: &mut PgConnection,
    site: &SiteId,
    name: &str,
) -> Result<Option<SiteSettings>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(
        "update sites set name = $2, settings_version = settings_version + 1 where id = $1
         returning id, name, settings_version, settings",
    )
    .bind(site.as_str())
    .bind(name)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(SiteSettings::from))
}

/// Whether the site exists.
pub async fn site_exists(conn: &mut PgConnection, site: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from sites where id = $1)")
        .bind(site)
        .fetch_one(conn)
        .await
}

/// Whether every one of `sites` exists.
pub async fn sites_exist(conn: &mut PgConnection, sites: &[String]) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select not exists (select 1 from unnest($1::text[]) as s(id)
                            where not exists (select 1 from sites x where x.id = s.id))",
    )
    .bind(sites)
    .fetch_one(conn)
    .await
}
