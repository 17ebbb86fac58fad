//! The staff side: sign-in, the ticket list, a ticket's full record, phone
//! intake, nearby tickets, moving tickets along the status machine, and
//! their "after" photos.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal112_core::dto::{
    Credentials, DetailsVisibility, Role, StaffSession, StaffTicket, StaffTicketPage, TicketUpdate,
};
use portal112_core::staff::{Channel, LateReport, NearbyTicket, PhoneIntake, Priority, StaffMe};
use portal112_core::validate::PHOTO_MAX_BYTES;
use portal112_core::{ErrorKind, Field, Status, TicketCode};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::{ApiJson, ClientIp, parse_code};
use crate::state::AppState;
use crate::store::{TextSearch, TicketFilter};
use crate::usecases;
use crate::view::{format_time, parse_time, staff_summary, staff_ticket};

/// Longest free-text search, in characters.
const SEARCH_MAX: usize = 200;

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
    let session = usecases::session::sign_in(&state, ip, credentials, state.clock.now()).await?;
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
    usecases::session::sign_out(&state, &staff.account, &staff.token_hash, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account of the bearer token, and when its session ends.
#[utoipa::path(
    get,
    path = "/api/v1/staff/session",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = StaffMe),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn who_am_i(State(state): State<AppState>, staff: Staff) -> Result<Json<StaffMe>, AppError> {
    let expires =
        state.store.session_expires(&staff.token_hash, state.clock.now()).await?.ok_or(ErrorKind::Unauthorized)?;
    Ok(Json(StaffMe {
        username: staff.account.username,
        role: staff.account.role,
        agency: staff.account.agency,
        expires_at: format_time(&state.city, expires),
    }))
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
    /// Only this kecamatan (code, e.g. `71.72.06`).
    district: Option<String>,
    /// Only this channel: `web`, `telepon` or `open311`.
    channel: Option<String>,
    /// Only this priority: `darurat`, `tinggi`, `normal` or `rendah`.
    priority: Option<String>,
    /// A ticket code (dashes and case do not matter), or words that must all
    /// appear in the description (case does not matter).
    q: Option<String>,
    /// `true`: only tickets that still need someone (received, verified,
    /// assigned, in progress, on hold, resolved).
    open: Option<String>,
    /// `true`: only tickets whose stage is past its due time.
    late: Option<String>,
    /// `queue`: most urgent first, then oldest first; newest first otherwise.
    sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Tickets per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

/// Tickets, newest first (or in queue order), filtered and paginated.
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
    let district = q.district.filter(|d| !d.is_empty());
    if let Some(d) = &district
        && state.city.district(d).is_none()
    {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::District));
    }
    let channel = match q.channel.as_deref().filter(|s| !s.is_empty()) {
        Some(c) => Some(Channel::from_name(c).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Channel))?),
        None => None,
    };
    let priority = match q.priority.as_deref().filter(|s| !s.is_empty()) {
        Some(p) => {
            Some(Priority::from_name(p).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Priority))?)
        }
        None => None,
    };
    let text = match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) if t.chars().count() > SEARCH_MAX => {
            return Err(AppError::field(ErrorKind::TooLong { max: SEARCH_MAX }, Field::Search));
        }
        Some(t) => Some(text_search(t)),
        None => None,
    };
    let open = match q.open.as_deref() {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => return Err(AppError::field(ErrorKind::InvalidValue, Field::Open)),
    };
    let queue_order = match q.sort.as_deref() {
        None | Some("" | "newest") => false,
        Some("queue") => true,
        Some(_) => return Err(AppError::field(ErrorKind::InvalidValue, Field::Sort)),
    };
    let late = match q.late.as_deref() {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => return Err(AppError::field(ErrorKind::InvalidValue, Field::Late)),
    };
    let now = state.clock.now();
    let filter = TicketFilter {
        late_first_at: queue_order.then_some(now),
        late_at: late.then_some(now),
        status,
        agency,
        category,
        since,
        district,
        channel,
        priority,
        text,
        queue_order,
        statuses: open.then(|| usecases::tickets::NEEDS_SOMEONE.to_vec()),
        offset: u64::from(page - 1) * u64::from(page_size),
        limit: u64::from(page_size),
        ..TicketFilter::default()
    };
    let (tickets, total) = state.store.list_tickets(&filter).await?;
    Ok(Json(StaffTicketPage {
        tickets: tickets.iter().map(|t| staff_summary(&state.city, t, now)).collect(),
        page,
        page_size,
        total,
    }))
}

/// What a search text means: a ticket code when it reads as one (dashes,
/// spaces and case aside), or words the description must all contain.
fn text_search(text: &str) -> TextSearch {
    let compact: String = text.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let code = (compact.len() == 9).then(|| TicketCode::parse(&compact).ok()).flatten();
    TextSearch {
        code: code.map(|c| c.compact().to_owned()),
        words: text.split_whitespace().take(10).map(str::to_lowercase).collect(),
    }
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
        (status = 404, description = "No ticket has this code, or (for agency staff) another agency's", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn get_ticket(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<StaffTicket>, AppError> {
    let code = parse_code(&code)?;
    let ticket = usecases::tickets::visible_ticket(state.store.as_ref(), &staff.account, &code).await?;
    Ok(Json(staff_ticket(&state.city, &state.service, &ticket, staff.account.role.sees_contact(), state.clock.now())))
}

/// Records a 112 call as a ticket (channel `telepon`); operators, supervisors and admins.
#[utoipa::path(
    post,
    path = "/api/v1/staff/tickets",
    tag = "staff",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "8-128 characters [A-Za-z0-9_-]; sending the same call again with the same key returns the same ticket")),
    request_body = PhoneIntake,
    responses(
        (status = 201, description = "Stored; the full record", body = StaffTicket),
        (status = 400, description = "Malformed body or Idempotency-Key", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Agency staff do not take calls", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "The Idempotency-Key was used for a different call", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A field breaks a rule; `field` names it (`caller_name`, `caller_phone`, ...)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn create_ticket(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    ApiJson(intake): ApiJson<PhoneIntake>,
) -> Result<Response, AppError> {
    staff.require(&[Role::Operator, Role::Supervisor, Role::Admin])?;
    let idempotency_key = match headers.get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| AppError::field(ErrorKind::IdempotencyKeyInvalid, Field::IdempotencyKey))?
                .to_owned(),
        ),
        None => None,
    };
    let outcome = usecases::tickets::phone_intake(&state, &staff.account, intake, idempotency_key).await?;
    let body = staff_ticket(&state.city, &state.service, &outcome.ticket, true, state.clock.now());
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/staff/tickets/{}", outcome.ticket.code)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    if outcome.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Open tickets of the same category within 200 m, nearest first (at most
/// 20): candidates when marking a duplicate.
#[utoipa::path(
    get,
    path = "/api/v1/staff/tickets/{code}/nearby",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Ticket code")),
    responses(
        (status = 200, description = "Nearby open tickets; empty when the ticket has no point on the map", body = Vec<NearbyTicket>),
        (status = 400, description = "Not a ticket code, or probably a typo", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code, or (for agency staff) another agency's", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn nearby(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<Vec<NearbyTicket>>, AppError> {
    let code = parse_code(&code)?;
    Ok(Json(usecases::tickets::nearby(state.store.as_ref(), &state.city, &staff.account, &code).await?))
}

/// Moves a ticket along: a new status, another agency, priority, assignee,
/// notes — any of them — made on the `revision` the client saw.
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
        (status = 403, description = "Agency staff handing the ticket to another agency or changing its priority", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code, or (for agency staff) another agency's", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "The ticket changed since `revision` (`revision_conflict`, with the current `revision`), or the status machine forbids this move (`allowed` lists the moves it permits)", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A field breaks a rule (`revision` missing, reason missing when rejecting or putting on hold, unknown agency, unknown assignee, ...)", body = portal112_core::ErrorEnvelope),
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
        state.clock.now(),
        &state.service,
    )
    .await?;
    let body = staff_ticket(
        &state.city,
        &state.service,
        &changed.ticket,
        staff.account.role.sees_contact(),
        state.clock.now(),
    );
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Hides the ticket's details from the public, or shows them again: the
/// description, the landmark and the reporter's photos leave the tracking
/// page, the public map, "someone already reported this", the open data
/// files and Open311, where only the category, status, agency, times and
/// place remain. Staff keep seeing everything. Call-centre staff only
/// (operators, supervisors, admins); asking for the state the ticket is
/// already in changes nothing.
#[utoipa::path(
    put,
    path = "/api/v1/staff/tickets/{code}/details",
    tag = "staff",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Ticket code")),
    request_body = DetailsVisibility,
    responses(
        (status = 200, description = "The updated record (`details_hidden`)", body = StaffTicket),
        (status = 400, description = "Malformed body or code", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Agency staff: only the call centre decides what the public reads", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "The ticket changed since `revision` (`revision_conflict`, with the current `revision`)", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "`revision` or `hidden` missing or not valid", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn set_details(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    ApiJson(request): ApiJson<DetailsVisibility>,
) -> Result<Json<StaffTicket>, AppError> {
    let code = parse_code(&code)?;
    let ticket =
        usecases::tickets::set_details_hidden(state.store.as_ref(), &staff.account, &code, request, state.clock.now())
            .await?;
    Ok(Json(staff_ticket(&state.city, &state.service, &ticket, staff.account.role.sees_contact(), state.clock.now())))
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
    let ticket = usecases::tickets::add_after_photo(&state, &staff.account, &code, photo, state.clock.now()).await?;
    let body = staff_ticket(&state.city, &state.service, &ticket, staff.account.role.sees_contact(), state.clock.now());
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

/// Tickets past their stage's due time, by agency and stage: the whole city
/// for the call centre, an agency's own for its staff.
#[utoipa::path(
    get,
    path = "/api/v1/staff/late",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Late tickets by agency and stage, most overdue first", body = LateReport),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn late_tickets(State(state): State<AppState>, staff: Staff) -> Result<Json<LateReport>, AppError> {
    Ok(Json(usecases::service_levels::late_report(&state, &staff.account, state.clock.now()).await?))
}
