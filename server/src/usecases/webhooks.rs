//! Agencies' systems hear of their tickets by signed webhooks: admins add an
//! endpoint (and get its signing secret, once), list and remove endpoints,
//! see how deliveries went and send a failed one again. The messages
//! themselves are written by the ticket changes they announce (see
//! [`crate::webhooks`]).

use portal112_core::city::CityConfig;
use portal112_core::staff::DeliveryState;
use portal112_core::{ErrorKind, Field};

use crate::error::AppError;
use crate::store::{AuditAction, AuditEntry, DeliveryRecord, Millis, Store, WebhookEndpointRecord};
use crate::webhooks::new_secret;

/// Longest endpoint URL.
pub const URL_MAX: usize = 2000;

/// Most deliveries listed at once.
pub const DELIVERIES_MAX: u32 = 500;

fn url_error() -> AppError {
    AppError::field(ErrorKind::InvalidValue, Field::Other("url".into()))
}

/// An endpoint URL as it will be stored: `http` or `https`, with a host,
/// without user name or password (a secret in the URL would be listed).
pub fn check_url(raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::field(ErrorKind::Required, Field::Other("url".into())));
    }
    if raw.chars().count() > URL_MAX {
        return Err(AppError::field(ErrorKind::TooLong { max: URL_MAX }, Field::Other("url".into())));
    }
    let url = reqwest::Url::parse(raw).map_err(|_| url_error())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(url_error());
    }
    Ok(url.to_string())
}

/// Adds an endpoint for `agency` (a code of the city file) at `url`, with
/// its audit entry; returns it and its new signing secret (`whsec_...`),
/// which is not shown again.
pub async fn add_webhook(
    store: &dyn Store,
    city: &CityConfig,
    actor: &str,
    agency: &str,
    url: &str,
    at: Millis,
) -> Result<(WebhookEndpointRecord, String), AppError> {
    let agency = agency.trim();
    if agency.is_empty() {
        return Err(AppError::field(ErrorKind::Required, Field::Agency));
    }
    if city.agency(agency).is_none() {
        return Err(AppError::field(ErrorKind::UnknownAgency, Field::Agency));
    }
    let url = check_url(url)?;
    let secret = new_secret();
    let added = store.add_webhook(agency, &url, &secret, at, actor).await?;
    Ok((added, secret))
}

/// Removes the endpoint `id`, with its audit entry; its pending deliveries
/// fail. Not found when there is no such active endpoint.
pub async fn remove_webhook(
    store: &dyn Store,
    actor: &str,
    id: i64,
    at: Millis,
) -> Result<WebhookEndpointRecord, AppError> {
    let audit = AuditEntry::new(at, actor, AuditAction::WebhookRemove, id.to_string());
    store
        .remove_webhook(id, audit)
        .await?
        .ok_or_else(|| AppError::field(ErrorKind::NotFound, Field::Other("id".into())))
}

/// The newest deliveries (at most [`DELIVERIES_MAX`]), optionally of one state.
pub async fn deliveries(
    store: &dyn Store,
    state: Option<DeliveryState>,
    limit: u32,
) -> Result<Vec<DeliveryRecord>, AppError> {
    Ok(store.deliveries(state, limit.clamp(1, DELIVERIES_MAX)).await?)
}

/// Sends a delivered or failed delivery again (the same message, the same
/// `webhook-id`), due at once, with its audit entry.
pub async fn resend(store: &dyn Store, actor: &str, id: &str, at: Millis) -> Result<DeliveryRecord, AppError> {
    let audit = AuditEntry::new(at, actor, AuditAction::WebhookResend, id);
    Ok(store.resend_delivery(id, audit).await?)
}
