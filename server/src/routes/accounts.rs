//! Staff accounts for admins in the console, and the staff of an agency for
//! anyone assigning its tickets or planning its standby.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portal112_core::dto::Role;
use portal112_core::staff::{AccountChange, NewAccount, StaffAccount};

use crate::auth::Staff;
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::usecases::staff as accounts;
use crate::view::staff_account;

/// Every staff account, by username (admins).
#[utoipa::path(
    get,
    path = "/api/v1/staff/accounts",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every account", body = Vec<StaffAccount>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn list_accounts(State(state): State<AppState>, staff: Staff) -> Result<Json<Vec<StaffAccount>>, AppError> {
    staff.require(&[Role::Admin])?;
    let all = state.store.staff_accounts().await?;
    Ok(Json(all.iter().map(|a| staff_account(&state.city, a)).collect()))
}

/// Adds an account (admins); a username that exists is refused.
#[utoipa::path(
    post,
    path = "/api/v1/staff/accounts",
    tag = "staff",
    security(("bearer" = [])),
    request_body = NewAccount,
    responses(
        (status = 201, description = "Added", body = StaffAccount),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "Another account has this username (`username_taken`)", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Username, password, role or agency breaks a rule; `field` names it", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn create_account(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(account): ApiJson<NewAccount>,
) -> Result<Response, AppError> {
    staff.require(&[Role::Admin])?;
    let account = accounts::NewAccount {
        username: account.username,
        password: account.password,
        role: account.role,
        agency: account.agency.filter(|a| !a.is_empty()),
    };
    let added = accounts::create_account(
        state.store.as_ref(),
        &state.city,
        account,
        &staff.account.username,
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(staff_account(&state.city, &added))).into_response())
}

/// Changes an account (admins): role and agency, a password reset, disabling
/// or enabling. A reset or disabling ends the account's sessions at once.
#[utoipa::path(
    patch,
    path = "/api/v1/staff/accounts/{username}",
    tag = "staff",
    security(("bearer" = [])),
    params(("username" = String, Path, description = "The account's username")),
    request_body = AccountChange,
    responses(
        (status = 200, description = "The account as it now is", body = StaffAccount),
        (status = 400, description = "Malformed body", body = portal112_core::ErrorEnvelope),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Not an admin", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No account has this username", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "An admin disabling themselves or giving up their own admin role (`own_account`)", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "Password, role or agency breaks a rule; `field` names it", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn change_account(
    State(state): State<AppState>,
    staff: Staff,
    Path(username): Path<String>,
    ApiJson(change): ApiJson<AccountChange>,
) -> Result<Json<StaffAccount>, AppError> {
    staff.require(&[Role::Admin])?;
    let changed = accounts::change_account(
        state.store.as_ref(),
        &state.city,
        &staff.account,
        &username,
        &change,
        state.clock.now(),
    )
    .await?;
    Ok(Json(staff_account(&state.city, &changed)))
}

/// Usernames of an agency's enabled accounts, for assigning its tickets and
/// its standby roster. Agency staff ask for their own agency only.
#[utoipa::path(
    get,
    path = "/api/v1/staff/agencies/{agency}/staff",
    tag = "staff",
    security(("bearer" = [])),
    params(("agency" = String, Path, description = "Agency code")),
    responses(
        (status = 200, description = "Usernames, sorted", body = Vec<String>),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No such agency (or, for agency staff, not their own)", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn agency_staff(
    State(state): State<AppState>,
    staff: Staff,
    Path(agency): Path<String>,
) -> Result<Json<Vec<String>>, AppError> {
    Ok(Json(accounts::agency_staff(state.store.as_ref(), &state.city, &staff.account, &agency).await?))
}
