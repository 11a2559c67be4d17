//! Placeholder until the spam engine lands: the form-token outcome type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormTokenCheck {
    Missing,
    Invalid,
    Expired,
    Valid { age_seconds: f64 },
}

/// Placeholder: hex SHA-256 of the trimmed, lowercased body.
pub fn fingerprint(body: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(body.trim().to_lowercase().as_bytes()))
}
