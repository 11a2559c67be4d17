//! Session tokens: 256 random bits, given to the client as base64url and
//! stored only as their SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub const TOKEN_BYTES: usize = 32;

/// A fresh token for the client.
pub fn generate() -> SecretString {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token.
pub fn digest(token: &SecretString) -> Vec<u8> {
    Sha256::digest(token.expose_secret().as_bytes()).to_vec()
}

/// Whether a presented token has the shape of one of ours (cheap check
/// before any database work).
pub fn is_well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_base64url_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(is_well_formed(a.expose_secret()));
        assert_eq!(URL_SAFE_NO_PAD.decode(a.expose_secret()).unwrap().len(), 32);
        assert_eq!(digest(&a).len(), 32);
        assert_eq!(digest(&a), digest(&SecretString::from(a.expose_secret())));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"+".repeat(43)));
    }
}
