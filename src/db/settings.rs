//! The settings row: versioned, so every instance can tell when its cached
//! copy is stale.

use crate::domain::ModerationSettings;
use sqlx::PgConnection;
use sqlx::types::Json;

pub async fn version(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select version from settings where id = 1")
        .fetch_one(conn)
        .await
}

pub async fn load(conn: &mut PgConnection) -> Result<(i64, ModerationSettings), sqlx::Error> {
    let (version, data): (i64, Json<serde_json::Value>) =
        sqlx::query_as("select version, data from settings where id = 1")
            .fetch_one(conn)
            .await?;
    Ok((version, ModerationSettings::from_stored(&data.0)))
}

/// Stores new settings and returns the new version. Locks the row, so two
/// admins' changes are applied one after the other.
pub async fn store(conn: &mut PgConnection, s: &ModerationSettings) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "update settings set data = $1, version = version + 1, updated_at = now() where id = 1 returning version",
    )
    .bind(Json(s.to_stored()))
    .fetch_one(conn)
    .await
}

/// Locks the settings row for a read-modify-write and returns it.
pub async fn load_for_update(
    conn: &mut PgConnection,
) -> Result<(i64, ModerationSettings), sqlx::Error> {
    let (version, data): (i64, Json<serde_json::Value>) =
        sqlx::query_as("select version, data from settings where id = 1 for update")
            .fetch_one(conn)
            .await?;
    Ok((version, ModerationSettings::from_stored(&data.0)))
}
