//! Webhook endpoints of the agencies' systems and their deliveries (admins).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portal112_core::dto::Role;
use portal112_core::staff::{DeliveryState, WebhookCreated, WebhookDelivery, WebhookEndpoint, WebhookInput};
use portal112_core::{ErrorKind, Field};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::usecases::webhooks;
use crate::view::{webhook_delivery, webhook_endpoint};

/// An endpoint id in a path; anything else is no endpoint.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::field(ErrorKind::NotFound, Field::Other("id".into())))
}

/// Every endpoint, removed ones too (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/staff/webhooks",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every endpoint, by id", body = Vec<WebhookEndpoint>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<WebhookEndpoint>>, AppError> {
    staff.require(&[Role::Admin])?;
    let endpoints = state.store.webhooks().await?;
    Ok(Json(endpoints.iter().map(|e| webhook_endpoint(&state.city, e)).collect()))
}

/// Adds an endpoint for an agency; the answer holds its signing secret,
/// which is not shown again.
#[utoipa::path(
    post,
    path = "/api/v1/staff/webhooks",
    tag = "staff",
    security(("bearer" = [])),
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Added; the secret is shown this once", body = WebhookCreated),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Unknown agency (`agency`) or not an http(s) URL (`url`)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn add_webhook(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<Response, AppError> {
    staff.require(&[Role::Admin])?;
    let (added, secret) = webhooks::add_webhook(
        state.store.as_ref(),
        &state.city,
        &staff.account.username,
        &input.agency,
        &input.url,
        state.clock.now(),
    )
    .await?;
    let body = WebhookCreated { endpoint: webhook_endpoint(&state.city, &added), secret };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Removes an endpoint: nothing more is sent there, and its pending
/// deliveries fail.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/webhooks/{id}",
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Endpoint id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No active endpoint has this id", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn remove_webhook(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    staff.require(&[Role::Admin])?;
    let id = parse_id(&id)?;
    webhooks::remove_webhook(state.store.as_ref(), &staff.account.username, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the delivery list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only this state: `pending`, `delivered` or `failed`.
    state: Option<String>,
    /// How many, newest first: 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// The newest deliveries and how each went, failed ones included.
#[utoipa::path(
    get,
    path = "/api/v1/staff/webhooks/deliveries",
    tag = "staff",
    security(("bearer" = [])),
    params(DeliveryQuery),
    responses(
        (status = 200, description = "Deliveries, newest first", body = Vec<WebhookDelivery>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A filter value is not valid", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<DeliveryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<WebhookDelivery>>, AppError> {
    staff.require(&[Role::Admin])?;
    let Query(q) = query.map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Query))?;
    let delivery_state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            Some(DeliveryState::from_name(s).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Status))?)
        }
        None => None,
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=webhooks::DELIVERIES_MAX).contains(&limit) {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::Other("limit".into())));
    }
    let rows = webhooks::deliveries(state.store.as_ref(), delivery_state, limit).await?;
    Ok(Json(rows.iter().map(|d| webhook_delivery(&state.city, d)).collect()))
}

/// Sends a failed (or delivered) delivery again: the same message with the
/// same `webhook-id`, due at once, retried as a new one.
#[utoipa::path(
    post,
    path = "/api/v1/staff/webhooks/deliveries/{id}/resend",
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Delivery id (`webhook-id`)")),
    responses(
        (status = 200, description = "Pending again", body = WebhookDelivery),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No such delivery, or its endpoint was removed", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Still pending (`nothing_to_change`)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn resend_delivery(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Json<WebhookDelivery>, AppError> {
    staff.require(&[Role::Admin])?;
    if id.len() > 100 {
        return Err(AppError::field(ErrorKind::NotFound, Field::Other("id".into())));
    }
    let record = webhooks::resend(state.store.as_ref(), &staff.account.username, &id, state.clock.now()).await?;
    state.webhooks_wake.notify_one();
    Ok(Json(webhook_delivery(&state.city, &record)))
}
