//! Moderator accounts: roles and what each may do, validated account fields
//! and the password policy. Pure: no I/O.

use super::codes::FieldCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;
use validator::ValidateEmail;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Far above any passphrase; bounds the work a login can ask for.
pub const MAX_PASSWORD_CHARS: usize = 1000;
pub const MAX_DISPLAY_NAME: usize = 100;
pub const MAX_MODERATOR_EMAIL: usize = 254;

/// What a moderator account may do. `Admin` may do everything a
/// `Moderator` may (queue, decisions, log, export) plus accounts, settings,
/// articles and privacy requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Whether an account with this role may use a route that needs `required`.
    pub fn may_act_as(self, required: Role) -> bool {
        match required {
            Role::Moderator => true,
            Role::Admin => self == Role::Admin,
        }
    }

    pub fn parse(raw: &str) -> Result<Role, FieldCode> {
        raw.trim().parse().map_err(|()| FieldCode::InvalidValue)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "moderator" => Ok(Role::Moderator),
            _ => Err(()),
        }
    }
}

/// A moderator's login email, lowercased (accounts are unique
/// case-insensitively). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ModeratorEmail(String);

impl ModeratorEmail {
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        let s: String = raw.trim().nfc().collect::<String>().to_lowercase();
        if s.is_empty() {
            return Err(FieldCode::Required);
        }
        if s.chars().count() > MAX_MODERATOR_EMAIL {
            return Err(FieldCode::TooLong {
                max: MAX_MODERATOR_EMAIL,
            });
        }
        if s.chars().any(char::is_control) || !s.validate_email() {
            return Err(FieldCode::InvalidEmail);
        }
        Ok(ModeratorEmail(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(self.0.as_str(), |(l, _)| l)
    }
}

impl fmt::Debug for ModeratorEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModeratorEmail(<redacted>)")
    }
}

/// The name other moderators see in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, FieldCode> {
        // The raw value: a control character is refused, not trimmed away
        // (a lone line feed is refused for it, not read as empty).
        if raw.chars().any(char::is_control) {
            return Err(FieldCode::ControlCharacters);
        }
        let s: String = raw.trim().nfc().collect();
        if !crate::domain::text::has_visible(&s) {
            return Err(FieldCode::Required);
        }
        if s.chars().count() > MAX_DISPLAY_NAME {
            return Err(FieldCode::TooLong {
                max: MAX_DISPLAY_NAME,
            });
        }
        Ok(DisplayName(s))
    }

    /// The default: the email's local part.
    pub fn from_email(email: &ModeratorEmail) -> Self {
        DisplayName(email.local_part().chars().take(MAX_DISPLAY_NAME).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The password policy for new passwords: at least 12 characters, at most
/// 1000, and not containing the email or its local part (when that has 3
/// characters or more), compared case-insensitively.
pub fn check_new_password(password: &str, email: &ModeratorEmail) -> Result<(), FieldCode> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(FieldCode::TooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(FieldCode::TooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    let lowered = password.to_lowercase();
    let local = email.local_part();
    if lowered.contains(email.as_str()) || (local.chars().count() >= 3 && lowered.contains(local)) {
        return Err(FieldCode::PasswordContainsEmail);
    }
    Ok(())
}

/// What an account change would leave behind. An admin cannot disable or
/// demote the last active admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    pub role: Role,
    pub disabled: bool,
}

impl AccountState {
    pub fn is_active_admin(self) -> bool {
        self.role == Role::Admin && !self.disabled
    }
}

/// Whether changing `before` into `after` still leaves an active admin,
/// given how many active admins there are now.
pub fn keeps_an_admin(before: AccountState, after: AccountState, active_admins: i64) -> bool {
    let remaining =
        active_admins - i64::from(before.is_active_admin()) + i64::from(after.is_active_admin());
    remaining >= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> ModeratorEmail {
        ModeratorEmail::parse(s).unwrap()
    }

    #[test]
    fn admins_may_do_everything_moderators_only_moderation() {
        assert!(Role::Admin.may_act_as(Role::Admin));
        assert!(Role::Admin.may_act_as(Role::Moderator));
        assert!(Role::Moderator.may_act_as(Role::Moderator));
        assert!(!Role::Moderator.may_act_as(Role::Admin));
        assert_eq!(Role::parse(" admin "), Ok(Role::Admin));
        assert_eq!(Role::parse("root"), Err(FieldCode::InvalidValue));
    }

    #[test]
    fn emails_are_lowercased_and_hidden_from_debug() {
        let e = email("  Editor@News.Example ");
        assert_eq!(e.as_str(), "editor@news.example");
        assert_eq!(e.local_part(), "editor");
        assert!(!format!("{e:?}").contains("editor"));
        assert_eq!(ModeratorEmail::parse(""), Err(FieldCode::Required));
        assert_eq!(ModeratorEmail::parse("x"), Err(FieldCode::InvalidEmail));
    }

    #[test]
    fn weak_passwords_are_refused() {
        let e = email("editor@news.example");
        assert_eq!(
            check_new_password("short", &e),
            Err(FieldCode::TooShort { min: 12 })
        );
        assert_eq!(
            check_new_password("my-EDITOR-password", &e),
            Err(FieldCode::PasswordContainsEmail)
        );
        assert_eq!(
            check_new_password("xx editor@news.example", &e),
            Err(FieldCode::PasswordContainsEmail)
        );
        assert_eq!(
            check_new_password(&"a".repeat(1001), &e),
            Err(FieldCode::TooLong { max: 1000 })
        );
        assert!(check_new_password("correct horse battery", &e).is_ok());
        // Twelve Arabic letters are twelve characters, not 24 bytes.
        assert!(check_new_password(&"كلمة".repeat(3), &e).is_ok());
        // A one-letter local part does not forbid that letter.
        assert!(check_new_password("a long enough phrase", &email("a@x.example")).is_ok());
    }

    #[test]
    fn the_last_active_admin_cannot_be_demoted_or_disabled() {
        let admin = AccountState {
            role: Role::Admin,
            disabled: false,
        };
        let demoted = AccountState {
            role: Role::Moderator,
            disabled: false,
        };
        let disabled = AccountState {
            role: Role::Admin,
            disabled: true,
        };
        assert!(!keeps_an_admin(admin, demoted, 1));
        assert!(!keeps_an_admin(admin, disabled, 1));
        assert!(keeps_an_admin(admin, demoted, 2));
        assert!(keeps_an_admin(admin, admin, 1));
        assert!(keeps_an_admin(demoted, admin, 0));
        assert!(keeps_an_admin(demoted, demoted, 1));
    }
}
