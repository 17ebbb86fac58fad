//! Staff work tickets: move them along (status, agency, priority, assignee,
//! notes), take 112 calls in as tickets, find tickets near another, and add
//! the photos that show a ticket handled.

use std::sync::Arc;

use portal112_core::city::CityConfig;
use portal112_core::dto::{Contact, DetailsVisibility, NewReport, Role, TicketUpdate};
use portal112_core::geo::LatLng;
use portal112_core::staff::{Channel, NearbyTicket, PhoneIntake};
use portal112_core::validate::{MAX_PHOTOS, validate_report, validate_update};
use portal112_core::{ApiError, ErrorKind, Field, Status, TicketCode};

use crate::auth::random_id;
use crate::error::AppError;
use crate::photos;
use crate::service_level::ServiceClock;
use crate::state::AppState;
use crate::store::{
    AuditAction, AuditEntry, Changed, DetailsChange, Millis, NewPhoto, StaffRecord, Store, TicketChange, TicketRecord,
};
use crate::usecases::report::{Outcome, Submission, submit};
use crate::view::{format_time, on_duty};

/// "After" photos a ticket may have, as many as a report's.
pub const MAX_AFTER_PHOTOS: usize = MAX_PHOTOS;
/// Statuses of tickets that still need someone.
pub const NEEDS_SOMEONE: [Status; 6] =
    [Status::Received, Status::Verified, Status::Assigned, Status::InProgress, Status::OnHold, Status::Resolved];

/// How far a "nearby" ticket may be.
pub const NEARBY_RADIUS_M: f64 = 200.0;

/// At most this many nearby tickets.
pub const NEARBY_MAX: usize = 20;

/// Applies `update` by `staff` to the ticket `code` at `at`: the update's
/// shape is checked here, everything that depends on the ticket (the
/// revision, the status machine, the agency's own tickets, the assignee,
/// "nothing to change") inside the store's transaction by core's rules, and
/// the history entry, the ticket's new state, the audit entry and the
/// messages to the agencies' webhook endpoints are committed together.
pub async fn change_ticket(
    store: &dyn Store,
    city: &Arc<CityConfig>,
    staff: &StaffRecord,
    code: &TicketCode,
    update: &TicketUpdate,
    at: Millis,
    service: &Arc<ServiceClock>,
) -> Result<Changed, AppError> {
    let update = validate_update(update, city)?;
    let only_agency = (staff.role == Role::Agency).then(|| staff.agency.clone().unwrap_or_default());
    let change = TicketChange {
        update,
        actor: staff.username.clone(),
        only_agency,
        at,
        on_duty: on_duty(city, at),
        service: Arc::clone(service),
        city: city.clone(),
    };
    Ok(store.change_ticket(code, change).await?)
}

/// Hides the details of the ticket `code` from the public (or shows them
/// again) for `staff`, made on the revision they saw. The call centre
/// decides what the public reads (operators, supervisors, admins), as it
/// decides when a report is verified; agency staff may not.
pub async fn set_details_hidden(
    store: &dyn Store,
    staff: &StaffRecord,
    code: &TicketCode,
    request: DetailsVisibility,
    at: Millis,
) -> Result<TicketRecord, AppError> {
    if !matches!(staff.role, Role::Operator | Role::Supervisor | Role::Admin) {
        return Err(ErrorKind::Forbidden.into());
    }
    if request.revision < 0 {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::Revision));
    }
    let change =
        DetailsChange { hidden: request.hidden, revision: request.revision, actor: staff.username.clone(), at };
    Ok(store.set_details_hidden(code, change).await?)
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

/// A ticket `staff` may see, or `ticket_not_found` (also for another
/// agency's, so agency staff cannot learn which codes exist).
pub async fn visible_ticket(
    store: &dyn Store,
    staff: &StaffRecord,
    code: &TicketCode,
) -> Result<TicketRecord, AppError> {
    let ticket = store.ticket(code).await?.ok_or(ErrorKind::TicketNotFound)?;
    if staff.role == Role::Agency && staff.agency.as_deref() != Some(ticket.agency.as_str()) {
        return Err(ErrorKind::TicketNotFound.into());
    }
    Ok(ticket)
}

/// Records a 112 call as a ticket (channel `telepon`), by the operator
/// `staff`, with its audit entry in the ticket's transaction. The caller's
/// name and phone are the reporter's contact and are checked as such.
pub async fn phone_intake(
    state: &AppState,
    staff: &StaffRecord,
    intake: PhoneIntake,
    idempotency_key: Option<String>,
) -> Result<Outcome, AppError> {
    if !matches!(staff.role, Role::Operator | Role::Supervisor | Role::Admin) {
        return Err(ErrorKind::Forbidden.into());
    }
    let contact = Contact { name: intake.caller_name, phone: intake.caller_phone, email: None };
    let report = NewReport {
        category: intake.category,
        description: intake.description,
        location: intake.location,
        district: intake.district,
        village: intake.village,
        address: intake.address,
        anonymous: false,
        contact: Some(contact),
    };
    // The same rules as a citizen's report, told in the intake form's words.
    if let Err(mut errors) = validate_report(&report, &state.city) {
        let mut e = errors.remove(0);
        e.field = e.field.map(|f| match f {
            Field::ContactName => Field::CallerName,
            Field::ContactPhone => Field::CallerPhone,
            other => other,
        });
        return Err(AppError::Api(e));
    }
    submit(
        state,
        Submission {
            report,
            photos: Vec::new(),
            idempotency_key,
            source: Channel::Telepon.as_str().to_owned(),
            open311_token: None,
            channel: Channel::Telepon,
            priority: intake.priority,
            staff_actor: Some((staff.username.clone(), AuditAction::PhoneIntake)),
        },
    )
    .await
}

/// Open tickets of the same category within [`NEARBY_RADIUS_M`] of the
/// ticket `code`, nearest first (none when it has no point on the map).
pub async fn nearby(
    store: &dyn Store,
    city: &CityConfig,
    staff: &StaffRecord,
    code: &TicketCode,
) -> Result<Vec<NearbyTicket>, AppError> {
    let ticket = visible_ticket(store, staff, code).await?;
    let (Some(lat), Some(lng)) = (ticket.lat, ticket.lng) else { return Ok(Vec::new()) };
    let here = LatLng { lat, lng };
    // A box a little larger than the circle; the exact distance decides.
    let dlat = NEARBY_RADIUS_M / 111_000.0;
    let dlng = dlat / lat.to_radians().cos().abs().max(0.01);
    let rows = store
        .tickets_in_box(code, &ticket.category, &NEEDS_SOMEONE, (lat - dlat, lat + dlat), (lng - dlng, lng + dlng))
        .await?;
    let mut found: Vec<(f64, NearbyTicket)> = Vec::new();
    for r in rows {
        let distance_m = here.distance_m(LatLng { lat: r.lat, lng: r.lng });
        if distance_m > NEARBY_RADIUS_M {
            continue;
        }
        let Ok(code) = TicketCode::parse(&r.code) else { continue };
        // Agency staff see only their agency's tickets, nearby ones included.
        if staff.role == Role::Agency && staff.agency.as_deref() != Some(r.agency.as_str()) {
            continue;
        }
        found.push((
            distance_m,
            NearbyTicket {
                code,
                status: r.status,
                created_at: format_time(city, r.created_at),
                distance_m: (distance_m * 10.0).round() / 10.0,
                summary: r.description.chars().take(140).collect(),
            },
        ));
    }
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.code.to_string().cmp(&b.1.code.to_string())));
    Ok(found.into_iter().take(NEARBY_MAX).map(|(_, t)| t).collect())
}
