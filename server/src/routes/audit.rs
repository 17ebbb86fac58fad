//! The audit log, for supervisors and admins.

use axum::Json;
use axum::extract::{Query, State};
use portal112_core::dto::Role;
use portal112_core::staff::AuditPage;
use portal112_core::{ErrorKind, Field};
use serde::Deserialize;

use crate::auth::Staff;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{AuditAction, AuditFilter};
use crate::view::{audit_line, parse_time};

/// Filters of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only what this username (or `cli`) did.
    actor: Option<String>,
    /// Only this action (`login`, `ticket_event`, `staff_disable`, ...).
    action: Option<String>,
    /// Only targets starting with this (a ticket code finds its every step).
    target: Option<String>,
    /// Only entries at or after this RFC 3339 time.
    since: Option<String>,
    /// Only entries at or before this RFC 3339 time.
    until: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Entries per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u32>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn time(s: Option<String>, field: Field) -> Result<Option<i64>, AppError> {
    match non_empty(s) {
        Some(s) => Ok(Some(parse_time(&s).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, field))?)),
        None => Ok(None),
    }
}

/// The audit log, newest first, filtered and paginated.
#[utoipa::path(
    get,
    path = "/api/v1/staff/audit",
    tag = "staff",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the audit log", body = AuditPage),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
        (status = 403, description = "Neither supervisor nor admin", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A filter value is not valid", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn audit_log(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, AppError> {
    staff.require(&[Role::Supervisor, Role::Admin])?;
    let Query(q) = query.map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Query))?;
    let action = match non_empty(q.action) {
        Some(a) => {
            Some(AuditAction::from_name(&a).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Action))?)
        }
        None => None,
    };
    let since = time(q.since, Field::Since)?;
    let until = time(q.until, Field::Until)?;
    let page = q.page.unwrap_or(1);
    let page_size = q.page_size.unwrap_or(50);
    if page == 0 || page > 1_000_000 {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::Page));
    }
    if !(1..=200).contains(&page_size) {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::PageSize));
    }
    let filter = AuditFilter {
        actor: non_empty(q.actor),
        action,
        target: non_empty(q.target),
        since,
        until,
        offset: u64::from(page - 1) * u64::from(page_size),
        limit: u64::from(page_size),
    };
    let (entries, total) = state.store.audit_page(&filter).await?;
    Ok(Json(AuditPage {
        entries: entries.iter().map(|e| audit_line(&state.city, e)).collect(),
        page,
        page_size,
        total,
    }))
}
