//! Staff accounts and Open311 API keys: who may use the staff side, and how
//! they are added and changed — from the command line and by admins in the
//! console, by the same rules.

use portal112_core::city::CityConfig;
use portal112_core::dto::Role;
use portal112_core::staff::AccountChange;
use portal112_core::{ApiError, ErrorKind, Field};

use crate::auth::{hash_password, random_token, secret_hash};
use crate::error::AppError;
use crate::store::{AuditAction, AuditEntry, Millis, NewStaff, StaffRecord, StaffUpdate, Store};

/// The shortest password an account may have.
pub const PASSWORD_MIN: usize = 10;

/// Longest API key label.
const LABEL_MAX: usize = 64;

/// An account as asked for, before any check.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
    /// The agency of an agency account; no other role has one.
    pub agency: Option<String>,
}

/// The rules of an account, independent of the database: a username of 3-64
/// letters, digits, `.`, `_` or `-`; an agency exactly for the agency role
/// (supervisors, like operators and admins, work for the whole city), and one
/// the city has; a password of at least [`PASSWORD_MIN`] characters.
pub fn check_account(account: &NewAccount, city: &CityConfig) -> Result<(), ApiError> {
    let username = account.username.trim();
    let username_ok = (3..=64).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !username_ok {
        return Err(ApiError::field(ErrorKind::UsernameInvalid, Field::Username));
    }
    check_role(account.role, account.agency.as_deref(), city)?;
    check_password(&account.password)
}

/// An agency exactly for the agency role, and one the city has.
fn check_role(role: Role, agency: Option<&str>, city: &CityConfig) -> Result<(), ApiError> {
    match (role, agency) {
        (Role::Agency, None) => Err(ApiError::field(ErrorKind::Required, Field::Agency)),
        (Role::Agency, Some(a)) if city.agency(a).is_none() => {
            Err(ApiError::field(ErrorKind::UnknownAgency, Field::Agency))
        }
        (Role::Operator | Role::Supervisor | Role::Admin, Some(_)) => {
            Err(ApiError::field(ErrorKind::InvalidValue, Field::Agency))
        }
        _ => Ok(()),
    }
}

/// A password of at least [`PASSWORD_MIN`] characters (not bytes).
fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < PASSWORD_MIN {
        return Err(ApiError::field(ErrorKind::PasswordTooShort { min: PASSWORD_MIN }, Field::Password));
    }
    Ok(())
}

/// argon2 takes tens of milliseconds of CPU: kept off the async workers.
async fn hash_off_thread(password: String) -> Result<String, AppError> {
    Ok(tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| anyhow::anyhow!("password hashing: {e}"))??)
}

/// Adds an account, or resets the password, role and agency of the account
/// with that username; `actor` (a username, or `cli`) is audited with it.
pub async fn add_staff(
    store: &dyn Store,
    city: &CityConfig,
    account: NewAccount,
    actor: &str,
    at: Millis,
) -> Result<i64, AppError> {
    check_account(&account, city)?;
    let username = account.username.trim().to_owned();
    let password_hash = hash_off_thread(account.password).await?;
    let target = format!("{username} ({})", account.role.as_str());
    let staff = NewStaff { username, password_hash, role: account.role, agency: account.agency };
    Ok(store.add_staff(&staff, AuditEntry::new(at, actor, AuditAction::StaffAdd, target)).await?)
}

/// Adds a new account for an admin in the console; unlike [`add_staff`], a
/// username that exists is refused (`username_taken`), never reset.
pub async fn create_account(
    store: &dyn Store,
    city: &CityConfig,
    account: NewAccount,
    actor: &str,
    at: Millis,
) -> Result<StaffRecord, AppError> {
    check_account(&account, city)?;
    let username = account.username.trim().to_owned();
    let password_hash = hash_off_thread(account.password).await?;
    let target = format!("{username} ({})", account.role.as_str());
    let staff = NewStaff { username, password_hash, role: account.role, agency: account.agency };
    Ok(store.create_staff(&staff, AuditEntry::new(at, actor, AuditAction::StaffAdd, target)).await?)
}

/// An admin's change to the account `username`: a new role (and agency) by
/// the rules of [`check_account`], a password reset by the password rule,
/// disabling or enabling. Admins never disable themselves nor take away their
/// own admin role (someone must be left to undo it). A reset or disabling
/// ends every session of the account. Each kind of change has its audit
/// entry, written with the change; a change that changes nothing writes nothing.
pub async fn change_account(
    store: &dyn Store,
    city: &CityConfig,
    admin: &StaffRecord,
    username: &str,
    change: &AccountChange,
    at: Millis,
) -> Result<StaffRecord, AppError> {
    let current = store
        .staff_by_username(username)
        .await?
        .ok_or_else(|| AppError::field(ErrorKind::NotFound, Field::Username))?;
    let role = change.role.unwrap_or(current.role);
    let agency = match role {
        Role::Agency => change.agency.clone().filter(|a| !a.is_empty()).or_else(|| current.agency.clone()),
        Role::Operator | Role::Supervisor | Role::Admin => None,
    };
    check_role(role, agency.as_deref(), city)?;
    if let Some(password) = &change.password {
        check_password(password)?;
    }
    if current.id == admin.id {
        if change.disabled == Some(true) {
            return Err(AppError::field(ErrorKind::OwnAccount, Field::Disabled));
        }
        if role != Role::Admin {
            return Err(AppError::field(ErrorKind::OwnAccount, Field::Role));
        }
    }
    let disabled_at = match (change.disabled, current.disabled_at) {
        (Some(true), None) => Some(Some(at)),
        (Some(false), Some(_)) => Some(None),
        _ => None,
    };
    let mut audit = Vec::new();
    if (role, &agency) != (current.role, &current.agency) {
        let to = agency.as_deref().map_or_else(|| role.as_str().to_owned(), |a| format!("{} {a}", role.as_str()));
        audit.push(AuditEntry::new(at, &admin.username, AuditAction::StaffChange, format!("{username} -> {to}")));
    }
    if change.password.is_some() {
        audit.push(AuditEntry::new(at, &admin.username, AuditAction::StaffPasswordReset, username));
    }
    match disabled_at {
        Some(Some(_)) => audit.push(AuditEntry::new(at, &admin.username, AuditAction::StaffDisable, username)),
        Some(None) => audit.push(AuditEntry::new(at, &admin.username, AuditAction::StaffEnable, username)),
        None => {}
    }
    if audit.is_empty() {
        return Ok(current);
    }
    let password_hash = match &change.password {
        Some(p) => Some(hash_off_thread(p.clone()).await?),
        None => None,
    };
    let update = StaffUpdate { role, agency, password_hash, disabled_at, at };
    store
        .update_staff(username, &update, audit)
        .await?
        .ok_or_else(|| AppError::field(ErrorKind::NotFound, Field::Username))
}

/// Usernames of the enabled accounts of `agency`, for assigning its tickets
/// and its standby roster. An unknown agency, or another agency than an
/// agency account's own, is not found.
pub async fn agency_staff(
    store: &dyn Store,
    city: &CityConfig,
    staff: &StaffRecord,
    agency: &str,
) -> Result<Vec<String>, AppError> {
    let own = staff.role != Role::Agency || staff.agency.as_deref() == Some(agency);
    if city.agency(agency).is_none() || !own {
        return Err(AppError::field(ErrorKind::NotFound, Field::Agency));
    }
    Ok(store.agency_staff(agency).await?)
}

/// Creates an Open311 API key for `label` and returns it; only its hash is
/// kept, so this is the one time anyone sees it.
pub async fn create_api_key(store: &dyn Store, label: &str, actor: &str, at: Millis) -> Result<String, AppError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(AppError::field(ErrorKind::Required, Field::Label));
    }
    if label.chars().count() > LABEL_MAX {
        return Err(AppError::field(ErrorKind::TooLong { max: LABEL_MAX }, Field::Label));
    }
    let key = random_token();
    store.add_api_key(&secret_hash(&key), label, AuditEntry::new(at, actor, AuditAction::ApiKeyCreate, label)).await?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::auth::verify_password;

    fn city() -> CityConfig {
        crate::config::parse_city(Path::new("bitung.toml"), include_str!("../../../config/bitung.toml")).unwrap()
    }

    fn account(username: &str, role: Role, agency: Option<&str>, password: &str) -> NewAccount {
        NewAccount { username: username.into(), password: password.into(), role, agency: agency.map(Into::into) }
    }

    fn refusal(a: &NewAccount) -> (ErrorKind, Option<Field>) {
        let e = check_account(a, &city()).unwrap_err();
        (e.kind, e.field)
    }

    #[test]
    fn usernames_are_short_plain_names() {
        let ok = account("operator.malam-1", Role::Operator, None, "rahasia-112-bitung");
        assert!(check_account(&ok, &city()).is_ok());
        for bad in ["ab", "nama dengan spasi", "ñame", "x'; DROP TABLE staff", &"a".repeat(65)] {
            let a = account(bad, Role::Operator, None, "rahasia-112-bitung");
            assert_eq!(refusal(&a), (ErrorKind::UsernameInvalid, Some(Field::Username)), "{bad}");
        }
    }

    #[test]
    fn an_agency_exactly_for_agency_accounts() {
        let ok = account("petugas.dlh", Role::Agency, Some("dlh"), "rahasia-112-bitung");
        assert!(check_account(&ok, &city()).is_ok());
        let none = account("petugas.dlh", Role::Agency, None, "rahasia-112-bitung");
        assert_eq!(refusal(&none), (ErrorKind::Required, Some(Field::Agency)));
        let unknown = account("petugas.x", Role::Agency, Some("dinas-x"), "rahasia-112-bitung");
        assert_eq!(refusal(&unknown), (ErrorKind::UnknownAgency, Some(Field::Agency)));
        let operator = account("operator1", Role::Operator, Some("dlh"), "rahasia-112-bitung");
        assert_eq!(refusal(&operator), (ErrorKind::InvalidValue, Some(Field::Agency)));
        let supervisor = account("supervisor1", Role::Supervisor, Some("dlh"), "rahasia-112-bitung");
        assert_eq!(refusal(&supervisor), (ErrorKind::InvalidValue, Some(Field::Agency)));
        assert!(check_account(&account("supervisor1", Role::Supervisor, None, "rahasia-112-bitung"), &city()).is_ok());
    }

    #[test]
    fn passwords_have_ten_characters_at_least() {
        let short = account("admin", Role::Admin, None, "123456789");
        assert_eq!(refusal(&short), (ErrorKind::PasswordTooShort { min: 10 }, Some(Field::Password)));
        // Characters, not bytes: ten letters of any script are enough.
        assert!(check_account(&account("admin", Role::Admin, None, "éééééééééé"), &city()).is_ok());
    }

    #[tokio::test]
    async fn an_account_is_saved_hashed_with_its_audit_entry() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = crate::store::open(&url).await.unwrap();
        let city = city();
        let a = account(" petugas.dlh ", Role::Agency, Some("dlh"), "rahasia-112-bitung");
        add_staff(store.as_ref(), &city, a, "cli", 1_000).await.unwrap();
        let saved = store.staff_by_username("petugas.dlh").await.unwrap().expect("saved under the trimmed name");
        assert_eq!((saved.role, saved.agency.as_deref()), (Role::Agency, Some("dlh")));
        assert!(
            saved.password_hash.starts_with("$argon2id$")
                && verify_password("rahasia-112-bitung", &saved.password_hash)
        );
        let audit = store.audit_entries(10).await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!((audit[0].action, audit[0].target.as_str()), (AuditAction::StaffAdd, "petugas.dlh (agency)"));

        // A refused account writes nothing at all.
        let bad = account("x", Role::Admin, None, "rahasia-112-bitung");
        assert!(add_staff(store.as_ref(), &city, bad, "cli", 2_000).await.is_err());
        assert_eq!(store.audit_entries(10).await.unwrap().len(), 1);

        let key = create_api_key(store.as_ref(), " dasbor-provinsi ", "cli", 3_000).await.unwrap();
        assert_eq!(key.len(), 64);
        assert_eq!(store.api_key(&secret_hash(&key)).await.unwrap().as_deref(), Some("dasbor-provinsi"));
        assert_eq!(store.audit_entries(1).await.unwrap()[0].action, AuditAction::ApiKeyCreate);
    }
}
