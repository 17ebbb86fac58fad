//! The city configuration, health, and the API's own description.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal112_core::dto::PublicConfig;

use crate::state::AppState;

/// Everything the report form needs: city, map, boundary, districts and
/// villages, agencies, categories, emergency number and limits.
#[utoipa::path(
    get,
    path = "/api/v1/config",
    tag = "config",
    responses((status = 200, description = "The city's public configuration", body = PublicConfig))
)]
pub async fn config(State(state): State<AppState>, request: Request) -> Response {
    state.config_json.respond(request.headers(), "application/json", "public, max-age=300")
}

/// The same configuration as `GET /api/v1/config`, for the citizens' app:
/// the city, then the limits, in postcard's binary form (fields by position,
/// see `PublicConfig::to_postcard`). Clients other than the app read the JSON.
#[utoipa::path(
    get,
    path = "/api/v1/config.postcard",
    tag = "config",
    responses((status = 200, description = "The city's public configuration, postcard-encoded (city, then limits)",
        content_type = "application/x-postcard", body = Vec<u8>))
)]
pub async fn config_postcard(State(state): State<AppState>, request: Request) -> Response {
    state.config_postcard.respond(request.headers(), "application/x-postcard", "public, max-age=300")
}

/// Liveness and database reachability, for load balancers and monitoring.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses(
        (status = 200, description = "Serving, and the database answers", body = serde_json::Value, example = json!({"status": "ok"})),
        (status = 503, description = "The database does not answer", body = serde_json::Value),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "database unavailable"})))
                .into_response()
        }
    }
}

/// This document: every route of the API, made from the same list as the router.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = serde_json::Value))
)]
pub async fn openapi() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| crate::openapi::document().to_pretty_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], doc.clone()).into_response()
}
