//! Instance secrets generated once and shared through the database, so that
//! every instance behind a load balancer signs and checks alike.

use rand::RngCore;
use sqlx::PgConnection;

/// Returns the secret called `name`, creating a random 32-byte one if absent.
pub async fn get_or_create(conn: &mut PgConnection, name: &str) -> Result<Vec<u8>, sqlx::Error> {
    let mut fresh = vec![0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    sqlx::query(
        "insert into instance_secrets (name, value) values ($1, $2) on conflict (name) do nothing",
    )
    .bind(name)
    .bind(&fresh)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("select value from instance_secrets where name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
}
