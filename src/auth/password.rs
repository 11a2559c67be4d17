//! Password hashing: Argon2id with OWASP's recommended parameters
//! (m = 19 MiB, t = 2, p = 1), stored as PHC strings. Hashing takes tens of
//! milliseconds on purpose, so callers run it on a blocking thread
//! (`crate::telemetry::spawn_blocking_in_span`).

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;

/// OWASP Password Storage Cheat Sheet, Argon2id first option.
pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher(m: u32, t: u32, p: u32) -> Result<Argon2<'static>, HashError> {
    let params = Params::new(m, t, p, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes with the current parameters, a fresh random salt, as a PHC string.
pub fn hash(password: &SecretString) -> Result<String, HashError> {
    hash_with(password, M_COST_KIB, T_COST, P_COST)
}

/// Hashes with explicit parameters (tests use weaker ones to exercise
/// re-hashing on login).
pub fn hash_with(password: &SecretString, m: u32, t: u32, p: u32) -> Result<String, HashError> {
    hasher(m, t, p)?
        .hash_password(password.expose_secret().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored
/// hash never matches.
pub fn verify(password: &SecretString, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash was made with a weaker algorithm or parameters
/// than the current ones, so it should be replaced after a good login.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(p) => p.m_cost() < M_COST_KIB || p.t_cost() < T_COST || p.p_cost() < P_COST,
        Err(_) => true,
    }
}

/// A hash of no one's password, made once with the current parameters:
/// unknown emails are verified against it so that they take as long as
/// known ones.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash(&SecretString::from("majlis-dummy-password-for-timing")).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn hashes_are_argon2id_phc_strings_that_verify() {
        let h = hash(&secret("correct horse battery")).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&secret("correct horse battery"), &h));
        assert!(!verify(&secret("correct horse batterY"), &h));
        assert!(!verify(&secret("x"), "not a phc string"));
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn weaker_or_foreign_hashes_need_a_rehash() {
        let weak = hash_with(&secret("correct horse battery"), 8192, 1, 1).unwrap();
        assert!(verify(&secret("correct horse battery"), &weak));
        assert!(needs_rehash(&weak));
        assert!(needs_rehash("$2b$12$abcdefghijklmnopqrstuv"));
        let stronger = hash_with(&secret("p"), M_COST_KIB * 2, 3, 1).unwrap();
        assert!(!needs_rehash(&stronger));
    }

    #[test]
    fn the_dummy_hash_is_a_real_current_hash() {
        assert!(!needs_rehash(dummy_hash()));
        assert!(!verify(&secret(""), dummy_hash()));
    }
}
