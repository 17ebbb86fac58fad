//! `/open-data/`: every non-confidential ticket as CSV and GeoJSON, and the
//! Frictionless data package describing both under the city's licence.
//! Anyone may read them from any site (CORS open).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::open_data;
use crate::state::AppState;
use crate::usecases::public::public_rows;

/// The CSV table of every public ticket.
#[utoipa::path(
    get,
    path = "/open-data/reports.csv",
    tag = "open-data",
    responses((status = 200, description = "RFC 4180 CSV with a header line; the columns are described in `datapackage.json`", content_type = "text/csv", body = String))
)]
pub async fn reports_csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = public_rows(&state).await?;
    let body = open_data::csv(&state.city, &rows)?;
    Ok(open(body, "text/csv; charset=utf-8", "reports.csv"))
}

/// The same tickets as GeoJSON points.
#[utoipa::path(
    get,
    path = "/open-data/reports.geojson",
    tag = "open-data",
    responses((status = 200, description = "A GeoJSON FeatureCollection (RFC 7946); a ticket without a public place has no geometry", content_type = "application/geo+json", body = Object))
)]
pub async fn reports_geojson(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = public_rows(&state).await?;
    let body = open_data::geojson(&state.city, &rows)?;
    Ok(open(body, "application/geo+json", "reports.geojson"))
}

/// The Frictionless data package: both files, their fields and types, and the licence.
#[utoipa::path(
    get,
    path = "/open-data/datapackage.json",
    tag = "open-data",
    responses((status = 200, description = "A Frictionless Data Package descriptor", body = Object))
)]
pub async fn datapackage(State(state): State<AppState>) -> Response {
    let mut response = Json(open_data::datapackage(&state.city)).into_response();
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

fn open(body: Vec<u8>, content_type: &'static str, file: &'static str) -> Response {
    let disposition = format!("inline; filename=\"{file}\"");
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
