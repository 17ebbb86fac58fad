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

/// Liveness and database reachability, for load balancers and monitoring.
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

/// The OpenAPI 3 document of `/api/v1`.
pub async fn openapi() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| crate::openapi::document().to_pretty_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], doc.clone()).into_response()
}
