//! Staff accounts, bearer sessions and Open311 API keys.
//!
//! Passwords are stored as argon2id hashes. Session tokens and API keys are
//! random 256-bit secrets shown once; only their SHA-256 is stored, so a copy
//! of the database does not let anyone in.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use portal112_core::ErrorKind;
use portal112_core::dto::Role;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::StaffRecord;

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source works");
}

/// A random secret as 64 hex characters.
#[must_use]
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    random_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A random identifier for photos and videos (128 bits, URL-safe).
#[must_use]
pub fn random_id() -> String {
    let mut bytes = [0_u8; 16];
    random_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a secret, as stored.
#[must_use]
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0_u8; 16];
    random_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string())
}

/// Checks a password against a stored hash.
#[must_use]
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the username is unknown, so that a wrong
/// username takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// The signed-in staff member of a request (`Authorization: Bearer <token>`).
#[derive(Debug, Clone)]
pub struct Staff {
    pub account: StaffRecord,
    pub token_hash: String,
}

impl Staff {
    /// Whether this staff member may see and change tickets of `agency`.
    #[must_use]
    pub fn may_handle(&self, agency: &str) -> bool {
        match self.account.role {
            Role::Operator | Role::Supervisor | Role::Admin => true,
            Role::Agency => self.account.agency.as_deref() == Some(agency),
        }
    }

    /// Refuses unless the role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.account.role) { Ok(()) } else { Err(ErrorKind::Forbidden.into()) }
    }
}

/// The bearer token of a request, if it has one.
#[must_use]
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ErrorKind::Unauthorized)?;
        let token_hash = secret_hash(token);
        let account = state.store.session(&token_hash, state.clock.now()).await?.ok_or(ErrorKind::Unauthorized)?;
        Ok(Staff { account, token_hash })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_use_argon2id() {
        let hash = hash_password("rahasia-112").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("rahasia-112", &hash));
        assert!(!verify_password("rahasia-113", &hash));
        assert!(!verify_password("rahasia-112", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_ne!(secret_hash(&a), a);
        assert_eq!(secret_hash(&a), secret_hash(&a));
    }
}
