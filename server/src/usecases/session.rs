//! Staff sign in and out.

use std::net::IpAddr;

use portal112_core::ErrorKind;
use portal112_core::dto::{Credentials, StaffSession};

use crate::auth::{dummy_hash, random_token, secret_hash, verify_password};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{AuditAction, AuditEntry, Millis, StaffRecord};
use crate::view::format_time;

/// Usernames are at most this long; whatever else was typed is cut short
/// before it is kept anywhere (the audit trail of failed sign-ins).
const USERNAME_MAX: usize = 64;

/// Exchanges a username and password for a session: rate-limited per client
/// address, locked per account after failed attempts, refused for a disabled
/// account (once the password is right), every outcome audited.
/// The session and its `login` entry are written in one transaction.
pub async fn sign_in(
    state: &AppState,
    client: IpAddr,
    credentials: Credentials,
    at: Millis,
) -> Result<StaffSession, AppError> {
    state.login_limiter.check(client).await??;
    let username: String = credentials.username.trim().chars().take(USERNAME_MAX).collect();
    if let Err(locked) = state.login_backoff.check(&username).await? {
        state.store.audit(AuditEntry::new(at, &username, AuditAction::LoginRefused, "account locked")).await?;
        return Err(locked.into());
    }
    let account = state.store.staff_by_username(&username).await?;
    let hash = account.as_ref().map_or(dummy_hash(), |a| a.password_hash.as_str()).to_owned();
    let password = credentials.password;
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let valid = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("password check: {e}"))?;
    let Some(account) = account.filter(|_| valid) else {
        state.store.audit(AuditEntry::new(at, &username, AuditAction::LoginFailed, "")).await?;
        if let Some(lock) = state.login_backoff.failed(&username).await? {
            let target = format!("{} ms", lock.as_millis());
            state.store.audit(AuditEntry::new(at, &username, AuditAction::LoginLocked, target)).await?;
            tracing::warn!(lock_s = lock.as_secs_f64(), "staff account locked after failed sign-ins");
        }
        return Err(ErrorKind::BadCredentials.into());
    };
    if account.disabled_at.is_some() {
        // The password was right, so saying why is no help to a guesser.
        state
            .store
            .audit(AuditEntry::new(at, &account.username, AuditAction::LoginRefused, "account disabled"))
            .await?;
        return Err(ErrorKind::AccountDisabled.into());
    }
    state.login_backoff.succeeded(&username).await?;
    let token = random_token();
    let expires_at = at + i64::try_from(state.settings.session_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let entry = AuditEntry::new(at, &account.username, AuditAction::Login, "");
    state.store.create_session(&secret_hash(&token), account.id, expires_at, entry).await?;
    Ok(StaffSession {
        token,
        expires_at: format_time(&state.city, expires_at),
        username: account.username,
        role: account.role,
        agency: account.agency,
    })
}

/// Ends the session whose token hashes to `token_hash`, with its `logout` entry.
pub async fn sign_out(state: &AppState, account: &StaffRecord, token_hash: &str, at: Millis) -> Result<(), AppError> {
    let entry = AuditEntry::new(at, &account.username, AuditAction::Logout, "");
    state.store.revoke_session(token_hash, entry).await?;
    Ok(())
}
