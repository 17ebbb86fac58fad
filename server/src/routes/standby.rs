//! The standby roster of the agencies.

use axum::Json;
use axum::extract::{Query, State};
use portal112_core::staff::{StandbyNow, StandbySlot};
use portal112_core::{ErrorKind, Field};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::usecases;

/// Which days of the roster.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// The first day, `YYYY-MM-DD` (default: today in WITA).
    from: Option<String>,
    /// How many days, 1 to 31 (default 7).
    #[param(minimum = 1, maximum = 31)]
    days: Option<String>,
}

/// Every shift of the days asked for, per agency (agency staff: their own),
/// with its officers (empty when nobody is named).
#[utoipa::path(
    get,
    path = "/api/v1/staff/standby",
    tag = "staff",
    security(("bearer" = [])),
    params(RosterQuery),
    responses(
        (status = 200, description = "The roster, by date, agency and shift", body = Vec<StandbySlot>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "`from` is not a date, or `days` not 1 to 31", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn roster(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<RosterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<StandbySlot>>, AppError> {
    let Query(q) = query.map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Query))?;
    let days = match q.days.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Some(d.parse::<u32>().map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Days))?),
        None => None,
    };
    let from = q.from.as_deref().filter(|f| !f.is_empty());
    Ok(Json(
        usecases::standby::roster(state.store.as_ref(), &state.city, &staff.account, from, days, state.clock.now())
            .await?,
    ))
}

/// Names the officers of one shift of one agency, replacing whoever was named.
#[utoipa::path(
    put,
    path = "/api/v1/staff/standby",
    tag = "staff",
    security(("bearer" = [])),
    request_body = StandbySlot,
    responses(
        (status = 200, description = "The shift as now stored", body = StandbySlot),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Operators, and agency staff of another agency", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Unknown agency, a date that is not `YYYY-MM-DD`, or an officer who is not staff of that agency (`unknown_staff` on `officers`)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn set_slot(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(slot): ApiJson<StandbySlot>,
) -> Result<Json<StandbySlot>, AppError> {
    Ok(Json(
        usecases::standby::set_slot(state.store.as_ref(), &state.city, &staff.account, slot, state.clock.now()).await?,
    ))
}

/// Who is on standby right now, for every agency of the city.
#[utoipa::path(
    get,
    path = "/api/v1/staff/standby/now",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The running shift of each agency and its officers", body = Vec<StandbyNow>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn on_duty(State(state): State<AppState>, _staff: Staff) -> Result<Json<Vec<StandbyNow>>, AppError> {
    Ok(Json(usecases::standby::now(state.store.as_ref(), &state.city, state.clock.now()).await?))
}
