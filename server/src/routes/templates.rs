//! Reply templates: read by all staff, written by admins.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portal112_core::dto::Role;
use portal112_core::staff::{ReplyTemplate, TemplateInput};
use portal112_core::{ErrorKind, Field};

use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::usecases::templates;
use crate::view::reply_template;

/// A template id in a path; anything else is no template.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::field(ErrorKind::NotFound, Field::Other("id".into())))
}

/// Every reply template, by status then title.
#[utoipa::path(
    get,
    path = "/api/v1/staff/templates",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every template", body = Vec<ReplyTemplate>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn list_templates(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<Vec<ReplyTemplate>>, AppError> {
    Ok(Json(state.store.templates().await?.iter().map(reply_template).collect()))
}

/// Adds a template (admins).
#[utoipa::path(
    post,
    path = "/api/v1/staff/templates",
    tag = "staff",
    security(("bearer" = [])),
    request_body = TemplateInput,
    responses(
        (status = 201, description = "Added", body = ReplyTemplate),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Status, title or text breaks a rule; `field` names it", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn add_template(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Response, AppError> {
    staff.require(&[Role::Admin])?;
    let added = templates::add_template(state.store.as_ref(), &staff.account, &input, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(reply_template(&added))).into_response())
}

/// Replaces a template (admins).
#[utoipa::path(
    put,
    path = "/api/v1/staff/templates/{id}",
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Template id")),
    request_body = TemplateInput,
    responses(
        (status = 200, description = "The template as it now is", body = ReplyTemplate),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No template has this id", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Status, title or text breaks a rule; `field` names it", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn change_template(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Json<ReplyTemplate>, AppError> {
    staff.require(&[Role::Admin])?;
    let id = parse_id(&id)?;
    let changed =
        templates::change_template(state.store.as_ref(), &staff.account, id, &input, state.clock.now()).await?;
    Ok(Json(reply_template(&changed)))
}

/// Removes a template (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/staff/templates/{id}",
    tag = "staff",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Template id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No template has this id", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn remove_template(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    staff.require(&[Role::Admin])?;
    let id = parse_id(&id)?;
    templates::remove_template(state.store.as_ref(), &staff.account, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
