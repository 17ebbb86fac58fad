//! Reply templates: the texts operators and agencies start a public note
//! from. Everyone on the staff side reads them; admins write them.

use portal112_core::staff::TemplateInput;
use portal112_core::validate::validate_template;
use portal112_core::{ErrorKind, Field};

use crate::error::AppError;
use crate::store::{AuditAction, AuditEntry, Millis, StaffRecord, Store, TemplateRecord};

/// Adds a template; returns it with its id.
pub async fn add_template(
    store: &dyn Store,
    admin: &StaffRecord,
    input: &TemplateInput,
    at: Millis,
) -> Result<TemplateRecord, AppError> {
    let valid = validate_template(input)?;
    let record = TemplateRecord { id: 0, status: valid.status, title: valid.title, text: valid.text };
    Ok(store.add_template(&record, at, &admin.username).await?)
}

/// Replaces the template `id`; not found if there is none.
pub async fn change_template(
    store: &dyn Store,
    admin: &StaffRecord,
    id: i64,
    input: &TemplateInput,
    at: Millis,
) -> Result<TemplateRecord, AppError> {
    let valid = validate_template(input)?;
    let record = TemplateRecord { id, status: valid.status, title: valid.title, text: valid.text };
    store.update_template(&record, at, &admin.username).await?.ok_or_else(not_found)
}

/// Removes the template `id`; not found if there is none.
pub async fn remove_template(store: &dyn Store, admin: &StaffRecord, id: i64, at: Millis) -> Result<(), AppError> {
    let audit = AuditEntry::new(at, &admin.username, AuditAction::TemplateRemove, id.to_string());
    if store.remove_template(id, audit).await? { Ok(()) } else { Err(not_found()) }
}

fn not_found() -> AppError {
    AppError::field(ErrorKind::NotFound, Field::Other("id".into()))
}
