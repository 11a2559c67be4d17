//! Moderator accounts.

use crate::domain::Role;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModeratorRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: RoleColumn,
    pub disabled: bool,
    /// The sites the account is limited to; `None`: every site.
    pub sites: Option<Vec<String>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `role` read from its checked text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleColumn(pub Role);

impl TryFrom<String> for RoleColumn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
            .map(RoleColumn)
            .map_err(|()| format!("unknown role {s:?}"))
    }
}

/// An account with its password hash, for logins only. `Debug` hides the hash.
#[derive(Clone, sqlx::FromRow)]
pub struct Credentials {
    #[sqlx(flatten)]
    pub moderator: ModeratorRow,
    pub password_hash: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("moderator_id", &self.moderator.id)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, email, display_name, role, disabled, sites, created_at, updated_at";

/// The unique index matched when an email is taken.
pub const EMAIL_KEY: &str = "moderators_email_key";

pub struct InsertModerator<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

pub async fn insert(
    conn: &mut PgConnection,
    m: &InsertModerator<'_>,
) -> Result<ModeratorRow, sqlx::Error> {
    let sql = format!(
        "insert into moderators (email, display_name, role, password_hash)
         values ($1, $2, $3, $4) returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(m.email)
        .bind(m.display_name)
        .bind(m.role.as_str())
        .bind(m.password_hash)
        .fetch_one(conn)
        .await
}

pub async fn fetch_credentials(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    let sql =
        format!("select {COLUMNS}, password_hash from moderators where lower(email) = lower($1)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(conn)
        .await
}

/// The account; with [`super::Lock::Row`], locked for the rest of the
/// transaction.
pub async fn fetch(
    conn: &mut PgConnection,
    id: i64,
    lock: super::Lock,
) -> Result<Option<ModeratorRow>, sqlx::Error> {
    let sql = match lock {
        super::Lock::None => format!("select {COLUMNS} from moderators where id = $1"),
        super::Lock::Row => format!("select {COLUMNS} from moderators where id = $1 for update"),
    };
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<ModeratorRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from moderators order by id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
}

/// Counts active admins, locking their rows so that two concurrent
/// demotions cannot both see "another admin is left".
pub async fn lock_active_admins(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "select id from moderators where role = 'admin' and not disabled order by id for update",
    )
    .fetch_all(conn)
    .await?;
    Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
}

/// What an admin may change on an account; `None` keeps the value.
#[derive(Default)]
pub struct ModeratorChanges<'a> {
    /// `Some(None)`: every site again.
    pub sites: Option<Option<&'a [String]>>,
    pub role: Option<Role>,
    pub display_name: Option<&'a str>,
    pub disabled: Option<bool>,
    pub password_hash: Option<&'a str>,
}

pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    c: &ModeratorChanges<'_>,
) -> Result<ModeratorRow, sqlx::Error> {
    let sql = format!(
        "update moderators set
            role = coalesce($2, role),
            display_name = coalesce($3, display_name),
            disabled = coalesce($4, disabled),
            password_hash = coalesce($5, password_hash),
            sites = case when $6 then $7 else sites end
         where id = $1 returning {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(c.role.map(Role::as_str))
        .bind(c.display_name)
        .bind(c.disabled)
        .bind(c.password_hash)
        .bind(c.sites.is_some())
        .bind(c.sites.flatten())
        .fetch_one(conn)
        .await
}

/// Replaces a hash after a good login, unless it changed meanwhile.
pub async fn replace_hash(
    conn: &mut PgConnection,
    id: i64,
    old_hash: &str,
    new_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("update moderators set password_hash = $3 where id = $1 and password_hash = $2")
        .bind(id)
        .bind(old_hash)
        .bind(new_hash)
        .execute(conn)
        .await
        .map(|_| ())
}
