//! The staff side: sign-in, the ticket list, a ticket's full record,
//! moving tickets along the status machine, and their "after" photos.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal112_core::dto::{Credentials, Role, StaffSession, StaffTicket, StaffTicketPage, TicketUpdate};
use portal112_core::validate::PHOTO_MAX_BYTES;
use portal112_core::{ErrorKind, Field, Status};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::{ApiJson, ClientIp, parse_code};
use crate::state::AppState;
use crate::store::TicketFilter;
use crate::usecases;
use crate::view::{now_millis, parse_time, staff_summary, staff_ticket};

/// Exchanges a username and password for a bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/staff/session",
    tag = "staff",
    request_body = Credentials,
    responses(
        (status = 201, description = "Signed in", body = StaffSession),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "Wrong username or password", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A field is missing or wrong", body = portal112_core::ErrorEnvelope),
        (status = 429, description = "Too many attempts from this client (`rate_limited`), or the account is locked after failed sign-ins (`login_locked`); see Retry-After", body = portal112_core::ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, AppError> {
    let session = usecases::session::sign_in(&state, ip, credentials, now_millis()).await?;
    Ok((StatusCode::CREATED, Json(session)).into_response())
}

/// Ends the session of the token used.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/session",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out; the token no longer works"),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn sign_out(State(state): State<AppState>, staff: Staff) -> Result<StatusCode, AppError> {
    usecases::session::sign_out(&state, &staff.account, &staff.token_hash, now_millis()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the ticket list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this status.
    status: Option<String>,
    /// Only this agency (agency staff: their own, which is also the default).
    agency: Option<String>,
    /// Only this category.
    category: Option<String>,
    /// Only tickets created at or after this RFC 3339 time.
    since: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Tickets per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

/// Tickets, newest first, filtered and paginated.
#[utoipa::path(
    get,
    path = "/api/v1/staff/tickets",
    tag = "staff",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of tickets", body = StaffTicketPage),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Agency staff asking for another agency", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A filter value is not valid", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn list_tickets(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<StaffTicketPage>, AppError> {
    let Query(q) = query.map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Query))?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Status::from_name(s).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Status))?),
        None => None,
    };
    let mut agency = q.agency.filter(|a| !a.is_empty());
    if let Some(a) = &agency
        && state.city.agency(a).is_none()
    {
        return Err(AppError::field(ErrorKind::UnknownAgency, Field::Agency));
    }
    if staff.account.role == Role::Agency {
        match &agency {
            Some(a) if !staff.may_handle(a) => return Err(ErrorKind::Forbidden.into()),
            _ => agency.clone_from(&staff.account.agency),
        }
    }
    let category = q.category.filter(|c| !c.is_empty());
    if let Some(c) = &category
        && state.city.category(c).is_none()
    {
        return Err(AppError::field(ErrorKind::UnknownCategory, Field::Category));
    }
    let since = match q.since.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_time(s).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Since))?),
        None => None,
    };
    let page = q.page.unwrap_or(1);
    let page_size = q.page_size.unwrap_or(50);
    if page == 0 || page > 1_000_000 {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::Page));
    }
    if !(1..=200).contains(&page_size) {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::PageSize));
    }
    let filter = TicketFilter {
        status,
        agency,
        category,
        since,
        offset: u64::from(page - 1) * u64::from(page_size),
        limit: u64::from(page_size),
        ..TicketFilter::default()
    };
    let (tickets, total) = state.store.list_tickets(&filter).await?;
    Ok(Json(StaffTicketPage {
        tickets: tickets.iter().map(|t| staff_summary(&state.city, t)).collect(),
        page,
        page_size,
        total,
    }))
}

/// A ticket's full record; the reporter's contact for operators and admins.
#[utoipa::path(
    get,
    path = "/api/v1/staff/tickets/{code}",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Ticket code")),
    responses(
        (status = 200, description = "The full record", body = StaffTicket),
        (status = 400, description = "Not a ticket code, or probably a typo", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Another agency's ticket", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn get_ticket(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<StaffTicket>, AppError> {
    let code = parse_code(&code)?;
    let ticket = state.store.ticket(&code).await?.ok_or(ErrorKind::TicketNotFound)?;
    if !staff.may_handle(&ticket.agency) {
        return Err(ErrorKind::Forbidden.into());
    }
    Ok(Json(staff_ticket(&state.city, &ticket, staff.account.role.sees_contact())))
}

/// Moves a ticket along: a new status, another agency, notes — any of them.
#[utoipa::path(
    post,
    path = "/api/v1/staff/tickets/{code}/events",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Ticket code")),
    request_body = TicketUpdate,
    responses(
        (status = 201, description = "Recorded; the updated record", body = StaffTicket),
        (status = 400, description = "Malformed body or code", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Another agency's ticket, or agency staff reassigning", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "The status machine forbids this move; `allowed` lists the moves it permits", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A field breaks a rule (reason missing when rejecting, unknown agency, ...)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn add_event(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(update): ApiJson<TicketUpdate>,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    let changed = usecases::tickets::change_ticket(
        state.store.as_ref(),
        &state.city,
        &staff.account,
        &code,
        &update,
        now_millis(),
    )
    .await?;
    let body = staff_ticket(&state.city, &changed.ticket, staff.account.role.sees_contact());
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Largest request of an "after" photo upload: one full-size photo and the
/// multipart framing.
pub const AFTER_PHOTO_BODY_MAX: usize = PHOTO_MAX_BYTES + 1024 * 1024;

/// The multipart form of an "after" photo, for the OpenAPI document.
#[derive(Debug, utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the multipart body for OpenAPI only")]
pub struct AfterPhotoUpload {
    /// One JPEG, PNG or WebP photo, at most 5 MB.
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

/// Adds a photo showing the ticket handled ("after"); at most 3 per ticket.
/// Cleaned like citizens' photos; shown publicly unless the category is
/// confidential.
#[utoipa::path(
    post,
    path = "/api/v1/staff/tickets/{code}/photos",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Ticket code")),
    request_body(content = AfterPhotoUpload, content_type = "multipart/form-data",
        description = "One `photo` part: JPEG, PNG or WebP, at most 5 MB."),
    responses(
        (status = 201, description = "Added; the updated record", body = StaffTicket),
        (status = 400, description = "Malformed code or multipart body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code (or, for agency staff, another agency's)", body = portal112_core::ErrorEnvelope),
        (status = 413, description = "Photo or body too large, or more than one photo", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not multipart, or a file that is not a photo", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "No photo, an unreadable photo, or the ticket has 3 already (`too_many_after_photos`)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn add_after_photo(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA);
    if !is_multipart {
        return Err(ErrorKind::UnsupportedMediaType.into());
    }
    let multipart =
        Multipart::from_request(request, &state).await.map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?;
    let photo = read_one_photo(multipart).await?;
    let ticket = usecases::tickets::add_after_photo(&state, &staff.account, &code, photo, now_millis()).await?;
    let body = staff_ticket(&state.city, &ticket, staff.account.role.sees_contact());
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Reads the one `photo` part, refusing a second one and stopping at the
/// size limit; other parts are read past.
async fn read_one_photo(mut multipart: Multipart) -> Result<Vec<u8>, AppError> {
    let mut photo: Option<Vec<u8>> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("photo") {
            while field.chunk().await.map_err(multipart_error)?.is_some() {}
            continue;
        }
        if photo.is_some() {
            return Err(AppError::field(ErrorKind::TooManyPhotos { max: 1 }, Field::Photo(None)));
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if data.len() + chunk.len() > PHOTO_MAX_BYTES {
                return Err(AppError::field(
                    ErrorKind::PhotoTooLarge { max_mb: PHOTO_MAX_BYTES / (1024 * 1024) },
                    Field::Photo(None),
                ));
            }
            data.extend_from_slice(&chunk);
        }
        if crate::photos::sniff(&data).is_none() {
            return Err(AppError::field(ErrorKind::PhotoUnsupported, Field::Photo(None)));
        }
        photo = Some(data);
    }
    photo.ok_or_else(|| AppError::field(ErrorKind::Required, Field::Photo(None)))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ErrorKind::BodyTooLarge { max_mb: AFTER_PHOTO_BODY_MAX.div_ceil(1024 * 1024) }.into()
    } else {
        ErrorKind::InvalidMultipart.into()
    }
}
