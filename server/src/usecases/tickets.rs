//! Staff move a ticket along: a new status, another agency, notes.

use portal112_core::TicketCode;
use portal112_core::city::CityConfig;
use portal112_core::dto::{Role, TicketUpdate};
use portal112_core::validate::validate_update;

use crate::error::AppError;
use crate::store::{Changed, Millis, StaffRecord, Store, TicketChange};

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
