//! Staff move a ticket along: a new status, another agency, notes; and add
//! the photos that show it handled.

use portal112_core::city::CityConfig;
use portal112_core::dto::{Role, TicketUpdate};
use portal112_core::validate::{MAX_PHOTOS, validate_update};
use portal112_core::{ApiError, ErrorKind, Field, TicketCode};

use crate::auth::random_id;
use crate::error::AppError;
use crate::photos;
use crate::state::AppState;
use crate::store::{
    AuditAction, AuditEntry, Changed, Millis, NewPhoto, StaffRecord, Store, TicketChange, TicketRecord,
};

/// "After" photos a ticket may have, as many as a report's.
pub const MAX_AFTER_PHOTOS: usize = MAX_PHOTOS;

/// Applies `update` by `staff` to the ticket `code` at `at`: the update's
/// shape is checked here, everything that depends on the ticket (the status
/// machine, the agency's own tickets, "nothing to change") inside the store's
/// transaction by core's rules, and the history entry, the ticket's new state
/// and the audit entry are committed together.
pub async fn change_ticket(
    store: &dyn Store,
    city: &CityConfig,
    staff: &StaffRecord,
    code: &TicketCode,
    update: &TicketUpdate,
    at: Millis,
) -> Result<Changed, AppError> {
    let update = validate_update(update, city)?;
    let only_agency = (staff.role == Role::Agency).then(|| staff.agency.clone().unwrap_or_default());
    let change = TicketChange { update, actor: staff.username.clone(), only_agency, at };
    Ok(store.change_ticket(code, change).await?)
}

/// Adds an "after" photo by `staff` to the ticket `code`: cleaned like a
/// citizen's (checked by content, re-encoded without metadata), stored with
/// its audit entry in one transaction. Agency staff add to their agency's
/// tickets only; another agency's ticket is not found, as it is in their list.
pub async fn add_after_photo(
    state: &AppState,
    staff: &StaffRecord,
    code: &TicketCode,
    raw: Vec<u8>,
    at: Millis,
) -> Result<TicketRecord, AppError> {
    let only_agency = (staff.role == Role::Agency).then(|| staff.agency.clone().unwrap_or_default());
    // Refuse early what the transaction would refuse, before the costly cleaning.
    let ticket = state.store.ticket(code).await?;
    let Some(ticket) = ticket.filter(|t| only_agency.as_ref().is_none_or(|own| *own == t.agency)) else {
        return Err(ErrorKind::TicketNotFound.into());
    };
    if ticket.after_photo_ids.len() >= MAX_AFTER_PHOTOS {
        return Err(AppError::field(ErrorKind::TooManyAfterPhotos { max: MAX_AFTER_PHOTOS }, Field::Photo(None)));
    }
    let photo = {
        let _slot = state.photo_slots.acquire().await.map_err(|e| anyhow::anyhow!("photo slots closed: {e}"))?;
        tokio::task::spawn_blocking(move || photos::clean(&raw))
            .await
            .map_err(|e| anyhow::anyhow!("photo task: {e}"))?
            .map_err(|kind| AppError::Api(ApiError::field(kind, Field::Photo(None))))?
    };
    let photo =
        NewPhoto { id: random_id(), mime: photo.mime, width: photo.width, height: photo.height, bytes: photo.bytes };
    let target = format!("{}/{}", code.compact(), photo.id);
    let audit = AuditEntry::new(at, &staff.username, AuditAction::TicketPhotoAdd, target);
    Ok(state.store.add_after_photo(code, &photo, only_agency.as_deref(), MAX_AFTER_PHOTOS, audit).await?)
}
