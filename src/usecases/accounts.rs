//! Moderator accounts: creating one (from the command line or by an admin)
//! and changing one, with the password policy and the last-admin rule.

use crate::auth::password;
use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::moderators::{InsertModerator, ModeratorChanges, ModeratorRow};
use crate::domain::ids::{Actor, ModeratorId};
use crate::domain::moderator::{AccountState, check_new_password, keeps_an_admin};
use crate::domain::{DisplayName, ModeratorEmail, Role, SiteId};
use crate::error::{ApiError, ErrorCode, FieldCode, FieldErrors};
use crate::telemetry::spawn_blocking_in_span;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::PgPool;

/// A validated new account.
pub struct NewModerator {
    pub email: ModeratorEmail,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: SecretString,
}

impl NewModerator {
    /// Checks every field, reporting all problems at once. The display name
    /// defaults to the email's local part, the role to `moderator`.
    pub fn parse(
        email: Option<&str>,
        password: Option<SecretString>,
        role: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<NewModerator, FieldErrors> {
        let mut f = FieldErrors::default();
        let email = f.take("email", ModeratorEmail::parse(email.unwrap_or("")));
        let role = match role {
            None => Some(Role::Moderator),
            Some(r) => f.take("role", Role::parse(r)),
        };
        // A name that shows nothing (`DisplayName::parse` finds it
        // missing: empty, blank, no control character) reads as absent, as
        // a form's untouched field sends it.
        let display_name = match (display_name.map(DisplayName::parse), &email) {
            (None | Some(Err(FieldCode::Required)), Some(e)) => Some(DisplayName::from_email(e)),
            (None | Some(Err(FieldCode::Required)), None) => None,
            (Some(parsed), _) => f.take("display_name", parsed),
        };
        let password = match (password, &email) {
            (None, _) => {
                f.add("password", crate::error::FieldCode::Required);
                None
            }
            (Some(p), Some(e)) => f
                .take("password", check_new_password(p.expose_secret(), e))
                .map(|()| p),
            (Some(p), None) => Some(p),
        };
        match (email, display_name, role, password) {
            (Some(email), Some(display_name), Some(role), Some(password)) if f.is_empty() => {
                Ok(NewModerator {
                    email,
                    display_name,
                    role,
                    password,
                })
            }
            _ => Err(f),
        }
    }
}

async fn hash_in_background(password: SecretString) -> Result<String, ApiError> {
    spawn_blocking_in_span(move || password::hash(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Creates an account; `by` is the admin, or `None` from the command line.
#[tracing::instrument(skip_all, fields(by = ?by, role = %new.role, moderator_id))]
pub async fn create(
    pool: &PgPool,
    by: Option<Actor>,
    new: NewModerator,
) -> Result<ModeratorRow, ApiError> {
    let hash = hash_in_background(new.password).await?;
    let mut tx = pool.begin().await?;
    let row = db::moderators::insert(
        &mut tx,
        &InsertModerator {
            email: new.email.as_str(),
            display_name: new.display_name.as_str(),
            role: new.role,
            password_hash: &hash,
        },
    )
    .await?;
    let event = NewAuditEvent::moderator_created(by, ModeratorId(row.id), new.role);
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    tracing::Span::current().record("moderator_id", row.id);
    Ok(row)
}

/// What an admin asked to change on an account (validated but the
/// password, which is checked against the account's email).
#[derive(Default)]
pub struct AccountPatch {
    /// `Some(None)`: every site again; `Some(Some(ids))`: only those.
    pub sites: Option<Option<Vec<SiteId>>>,
    pub role: Option<Role>,
    pub display_name: Option<DisplayName>,
    pub disabled: Option<bool>,
    pub password: Option<SecretString>,
}

/// Applies `patch` to account `id` for admin `admin_id`. Disabling an
/// account ends all its sessions; changing its password ends them but the
/// admin's own current one (`keep_session`). The last active admin cannot be
/// disabled or demoted: active admin rows are locked while deciding, so
/// two concurrent demotions cannot both pass.
#[tracing::instrument(skip_all, fields(admin_id, target_id = account.0))]
pub async fn update(
    pool: &PgPool,
    actor: Actor,
    keep_session: &[u8],
    account: ModeratorId,
    patch: AccountPatch,
) -> Result<ModeratorRow, ApiError> {
    let (admin_id, id) = (actor.0, account.0);
    tracing::Span::current().record("admin_id", admin_id);
    let new_hash = match patch.password {
        Some(pw) => {
            let mut conn = pool.acquire().await?;
            let target = db::moderators::fetch(&mut conn, id, db::Lock::None)
                .await?
                .ok_or(ApiError::new(ErrorCode::ModeratorNotFound))?;
            drop(conn);
            let email =
                ModeratorEmail::parse(&target.email).map_err(|c| ApiError::field("password", c))?;
            check_new_password(pw.expose_secret(), &email)
                .map_err(|c| ApiError::field("password", c))?;
            Some(hash_in_background(pw).await?)
        }
        None => None,
    };
    let mut tx = pool.begin().await?;
    let sites: Option<Option<Vec<String>>> = patch.sites.as_ref().map(|s| {
        s.as_ref()
            .map(|v| v.iter().map(|x| x.as_str().to_owned()).collect())
    });
    if let Some(Some(wanted)) = &sites
        && !db::settings::sites_exist(&mut tx, wanted).await?
    {
        return Err(ApiError::field("sites", FieldCode::InvalidSite));
    }
    let active_admins = db::moderators::lock_active_admins(&mut tx).await?;
    let before = db::moderators::fetch(&mut tx, id, db::Lock::Row)
        .await?
        .ok_or(ApiError::new(ErrorCode::ModeratorNotFound))?;
    let was = AccountState {
        role: before.role.0,
        disabled: before.disabled,
    };
    let will = AccountState {
        role: patch.role.unwrap_or(was.role),
        disabled: patch.disabled.unwrap_or(was.disabled),
    };
    if !keeps_an_admin(was, will, active_admins) {
        return Err(ErrorCode::LastAdmin.into());
    }
    let row = db::moderators::update(
        &mut tx,
        id,
        &ModeratorChanges {
            sites: sites.as_ref().map(|s| s.as_deref()),
            role: patch.role,
            display_name: patch.display_name.as_ref().map(DisplayName::as_str),
            disabled: patch.disabled,
            password_hash: new_hash.as_deref(),
        },
    )
    .await?;
    if will.disabled {
        db::sessions::delete_for_moderator(&mut tx, id).await?;
    } else if new_hash.is_some() {
        db::sessions::delete_for_moderator_except(&mut tx, id, keep_session).await?;
    }
    let mut changes = serde_json::Map::new();
    if was.role != will.role {
        changes.insert("role".into(), json!({"from": was.role, "to": will.role}));
    }
    if was.disabled != will.disabled {
        changes.insert("disabled".into(), json!(will.disabled));
    }
    if let Some(s) = &sites
        && *s != before.sites
    {
        changes.insert("sites".into(), json!({"from": before.sites, "to": s}));
    }
    if patch
        .display_name
        .is_some_and(|d| d.as_str() != before.display_name)
    {
        changes.insert("display_name_changed".into(), json!(true));
    }
    if new_hash.is_some() {
        changes.insert("password_changed".into(), json!(true));
    }
    if !changes.is_empty() {
        let e = NewAuditEvent::moderator_updated(actor, account, changes.into());
        db::audit::insert(&mut tx, &e).await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Ends a session (a bearer client's logout or the dashboard's sign-out),
/// audited as `auth.logout`.
pub async fn end_session(pool: &PgPool, actor: Actor, token_hash: &[u8]) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    db::sessions::delete(&mut tx, token_hash).await?;
    db::audit::insert(&mut tx, &NewAuditEvent::logout(actor)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_accounts_default_their_role_and_name_and_check_the_password() {
        let m = NewModerator::parse(
            Some("Editor@News.Example"),
            Some(SecretString::from("correct horse battery")),
            None,
            None,
        )
        .ok()
        .unwrap();
        assert_eq!(m.role, Role::Moderator);
        assert_eq!(m.display_name.as_str(), "editor");
        let f = NewModerator::parse(
            Some("editor@news.example"),
            Some(SecretString::from("editor-2024-xx")),
            Some("root"),
            None,
        )
        .err()
        .unwrap();
        assert_eq!(
            f.get("password"),
            Some(&[crate::error::FieldCode::PasswordContainsEmail][..])
        );
        assert!(f.get("role").is_some());
        let f = NewModerator::parse(None, None, None, None).err().unwrap();
        assert!(f.get("email").is_some() && f.get("password").is_some());
    }

    #[test]
    fn a_blank_display_name_is_the_default_and_a_control_character_is_refused() {
        let parse = |name: &str| {
            NewModerator::parse(
                Some("editor@news.example"),
                Some(SecretString::from("correct horse battery")),
                None,
                Some(name),
            )
        };
        for blank in ["", "   ", "\u{2028}", "\u{200B}"] {
            let m = parse(blank).ok().unwrap();
            assert_eq!(m.display_name.as_str(), "editor", "{blank:?}");
        }
        assert_eq!(parse(" Mona ").ok().unwrap().display_name.as_str(), "Mona");
        // White space that is also a control character is refused, not
        // read as blank (the documented pattern forbids it).
        for control in ["\n", "\t", "\u{85}", "Mona\u{7}"] {
            let f = parse(control).err().unwrap();
            assert_eq!(
                f.get("display_name"),
                Some(&[crate::error::FieldCode::ControlCharacters][..]),
                "{control:?}"
            );
        }
    }
}
