//! Open by default: the public map, "someone already reported this" with
//! its "me too", and the statistics.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portal112_core::geo::LatLng;
use portal112_core::open::{MapAnswer, NearbyReport, Stats, Supported};
use portal112_core::{ErrorKind, Field, Status};
use serde::Deserialize;

use crate::error::AppError;
use crate::extract::{ClientIp, parse_code};
use crate::state::AppState;
use crate::usecases::public::{self, MAP_LIMIT_DEFAULT, MAP_LIMIT_MAX, MapRequest};

/// The map's visible area and filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MapQuery {
    /// `south,west,north,east` in degrees, e.g. `1.39,125.02,1.60,125.31`.
    bbox: Option<String>,
    /// Only this category.
    category: Option<String>,
    /// Only this agency.
    agency: Option<String>,
    /// Only this status.
    status: Option<String>,
    /// Only this kecamatan (code, e.g. `71.72.06`).
    district: Option<String>,
    /// Tickets shown one by one at most, 1 to 500 (default 200); more are clustered.
    limit: Option<String>,
}

/// Tickets in the visible area of the public map, for everyone.
///
/// Confidential categories never appear; sensitive ones only at the centre
/// of their kelurahan (named by `village`). A summary of the description is given once
/// staff verified the report. Where more tickets match than `limit`, those
/// close together come as clusters with a count.
#[utoipa::path(
    get,
    path = "/api/v1/map",
    tag = "public",
    params(MapQuery),
    responses(
        (status = 200, description = "Tickets and clusters in the area", body = MapAnswer),
        (status = 400, description = "The query cannot be read", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "`bbox` missing or not south,west,north,east (`bbox_invalid`), an unknown category, agency, status or kecamatan, or `limit` out of range", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn map(
    State(state): State<AppState>,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) =
        query.map_err(|_| AppError::field(ErrorKind::InvalidJson { detail: "query".into() }, Field::Query))?;
    let area = parse_bbox(q.bbox.as_deref().unwrap_or_default())?;
    let category =
        known(q.category, |c| state.city.category(c).is_some(), ErrorKind::UnknownCategory, Field::Category)?;
    let agency = known(q.agency, |a| state.city.agency(a).is_some(), ErrorKind::UnknownAgency, Field::Agency)?;
    let district =
        known(q.district, |d| state.city.district(d).is_some(), ErrorKind::UnknownDistrict, Field::District)?;
    let status = match q.status.filter(|s| !s.is_empty()) {
        Some(s) => Some(Status::from_name(&s).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Status))?),
        None => None,
    };
    let limit = match q.limit.filter(|s| !s.is_empty()) {
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=MAP_LIMIT_MAX).contains(l))
            .ok_or_else(|| AppError::field(out_of_range(1, MAP_LIMIT_MAX.into()), "limit"))?,
        None => MAP_LIMIT_DEFAULT,
    };
    let request = MapRequest { area, category, agency, status, district, limit };
    let answer = public::map(&state, &request, state.clock.now()).await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "public, max-age=5")], Json(answer)).into_response())
}

/// Where a citizen is about to report, and what.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NearbyQuery {
    /// Latitude in degrees.
    lat: Option<String>,
    /// Longitude in degrees.
    lng: Option<String>,
    /// The category about to be reported.
    category: Option<String>,
}

/// Open tickets of the same category close to a point ("someone already
/// reported this"), nearest first, with public fields only.
///
/// Close means within the city file's `open_data.nearby_radius_m` (150 m unless
/// the file says otherwise). A confidential category has none to show.
#[utoipa::path(
    get,
    path = "/api/v1/reports/nearby",
    tag = "public",
    params(NearbyQuery),
    responses(
        (status = 200, description = "Nearby open tickets, at most 10", body = Vec<NearbyReport>),
        (status = 400, description = "The query cannot be read", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "`lat`/`lng` missing, not numbers or outside the city, or an unknown category", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn nearby(
    State(state): State<AppState>,
    query: Result<Query<NearbyQuery>, QueryRejection>,
) -> Result<Json<Vec<NearbyReport>>, AppError> {
    let Query(q) =
        query.map_err(|_| AppError::field(ErrorKind::InvalidJson { detail: "query".into() }, Field::Query))?;
    let category =
        q.category.filter(|c| !c.is_empty()).ok_or_else(|| AppError::field(ErrorKind::Required, Field::Category))?;
    let coordinate = |v: Option<String>, name: &'static str| -> Result<f64, AppError> {
        let v = v.filter(|v| !v.is_empty()).ok_or_else(|| AppError::field(ErrorKind::Required, name))?;
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| AppError::field(ErrorKind::InvalidCoordinates, name))
    };
    let here = LatLng { lat: coordinate(q.lat, "lat")?, lng: coordinate(q.lng, "lng")? };
    if !here.is_valid() {
        return Err(AppError::field(ErrorKind::InvalidCoordinates, Field::Location));
    }
    if !state.city.boundary.contains(here) {
        return Err(AppError::field(
            ErrorKind::LocationOutside { city: state.city.city.name.clone() },
            Field::Location,
        ));
    }
    Ok(Json(public::nearby(&state, here, &category).await?))
}

/// "Me too": counts the phone as one more citizen with this open ticket's
/// problem — once per `Idempotency-Key`, however often it is sent.
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{code}/supporters",
    tag = "public",
    params(
        ("code" = String, Path, description = "Ticket code"),
        ("Idempotency-Key" = String, Header, description = "8-128 characters [A-Za-z0-9_-], the same for every call from one phone"),
        ("Accept-Language" = Option<String>, Header, description = "`en` for English messages; Indonesian otherwise"),
    ),
    responses(
        (status = 200, description = "This phone had already joined; the count", body = Supported),
        (status = 201, description = "Counted; the new count", body = Supported),
        (status = 400, description = "Not a ticket code, a typo in it, or an unusable Idempotency-Key", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No public ticket has this code", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "The ticket is no longer open (`ticket_not_open`)", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "The Idempotency-Key header is missing", body = portal112_core::ErrorEnvelope),
        (status = 429, description = "Too many calls from this client; see Retry-After", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn support(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    state.support_limiter.check(ip).await??;
    let code = parse_code(&code)?;
    let key = match headers.get("idempotency-key") {
        Some(v) => v.to_str().map_err(|_| AppError::field(ErrorKind::IdempotencyKeyInvalid, Field::IdempotencyKey))?,
        None => return Err(AppError::field(ErrorKind::Required, Field::IdempotencyKey)),
    };
    let done = public::support(&state, &code, key, state.clock.now()).await?;
    let status = if done.added { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(done)).into_response())
}

/// How the city answers reports, per agency and per category: received,
/// open and resolved; the median time to the first response and to
/// resolution; open tickets by age; the share forwarded and answered within
/// the service level; and a trend by ISO week.
///
/// The first response is staff's first step after the report (escalations
/// by the service itself are not one). `service_level` counts the tickets
/// the agency has answered (resolved or closed, or still open with only the
/// resolution left) and, of them, those whose four stages before the answer
/// (verify and forward by the call centre, acknowledge and answer by the
/// agency) each ended within its due time, none escalated as late; time on
/// hold does not count. It is absent when the city keeps no service levels.
///
/// Confidential tickets count in the numbers and nothing else. The figures
/// are kept a few seconds.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "public",
    responses((status = 200, description = "The figures", body = Stats))
)]
pub async fn stats(State(state): State<AppState>, request: Request) -> Result<Response, AppError> {
    let view = public::stats(&state, state.clock.now()).await?;
    Ok(view.respond(request.headers(), "application/json", "public, max-age=5"))
}

/// South, west, north, east, each a number of degrees, south below north
/// and west below east.
fn parse_bbox(s: &str) -> Result<(f64, f64, f64, f64), AppError> {
    let bad = || AppError::field(ErrorKind::BboxInvalid, "bbox");
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let [south, west, north, east] = parts[..] else { return Err(bad()) };
    let lat_ok = |x: f64| (-90.0..=90.0).contains(&x);
    let lng_ok = |x: f64| (-180.0..=180.0).contains(&x);
    if !(lat_ok(south) && lat_ok(north) && lng_ok(west) && lng_ok(east) && south < north && west < east) {
        return Err(bad());
    }
    Ok((south, west, north, east))
}

/// A filter value the city file must know; empty means no filter.
fn known(
    value: Option<String>,
    exists: impl Fn(&str) -> bool,
    kind: ErrorKind,
    field: Field,
) -> Result<Option<String>, AppError> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) if exists(&v) => Ok(Some(v)),
        Some(_) => Err(AppError::field(kind, field)),
        None => Ok(None),
    }
}

fn out_of_range(min: i64, max: i64) -> ErrorKind {
    ErrorKind::OutOfRange { min, max }
}

#[cfg(test)]
mod tests {
    use super::parse_bbox;

    #[test]
    fn bbox_is_four_ordered_numbers() {
        assert_eq!(parse_bbox("1.39,125.02,1.60,125.31").ok(), Some((1.39, 125.02, 1.60, 125.31)));
        for bad in ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "1.6,125.02,1.39,125.31", "NaN,1,2,3", "1,2,91,3", "1,inf,2,3"]
        {
            assert!(parse_bbox(bad).is_err(), "{bad}");
        }
    }
}
