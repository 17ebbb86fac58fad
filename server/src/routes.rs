//! The one route table of the server.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod meta;
pub mod open311;
pub mod open_data;
pub mod public;
pub mod reports;
pub mod staff;
pub mod standby;
pub mod stream;
pub mod templates;
pub mod tickets;
pub mod videos;
pub mod webhooks;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::any;
use portal112_core::ErrorKind;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt as _;
use utoipa_axum::routes;

use crate::drain::drain_unread_body;
use crate::error::{AppError, api_error_response, localize};
use crate::extract::JSON_BODY_MAX;
use crate::openapi;
use crate::state::AppState;

/// Every operation of the portal's APIs — native, staff, Open311 and health —
/// with its documentation. The router and the OpenAPI document are both made
/// from this one list (utoipa-axum's `routes!` takes a handler's path and
/// methods from its `#[utoipa::path]`), so no route exists undocumented.
pub fn api_routes() -> OpenApiRouter<AppState> {
    // Uploads from phones on one bar of signal take long; everything else must not.
    let uploads = OpenApiRouter::new()
        .routes(
            routes!(reports::create_report)
                .layer::<_, Infallible>(DefaultBodyLimit::max(reports::REPORT_BODY_MAX))
                .layer::<_, Infallible>(timeout(Duration::from_mins(5))),
        )
        .routes(
            routes!(staff::add_after_photo)
                .layer::<_, Infallible>(DefaultBodyLimit::max(staff::AFTER_PHOTO_BODY_MAX))
                .layer::<_, Infallible>(timeout(Duration::from_mins(5))),
        )
        .routes(
            routes!(videos::add_video)
                .layer::<_, Infallible>(DefaultBodyLimit::max(videos::VIDEO_MAX_BYTES + 8 * 1024 * 1024))
                .layer::<_, Infallible>(timeout(Duration::from_mins(30))),
        );
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(meta::config))
        .routes(routes!(meta::config_postcard))
        .routes(routes!(meta::openapi))
        .routes(routes!(meta::healthz))
        .routes(routes!(tickets::get_ticket))
        .routes(routes!(tickets::ticket_events))
        .routes(routes!(tickets::get_photo))
        .routes(routes!(videos::list_videos))
        .routes(routes!(public::map))
        .routes(routes!(public::nearby))
        .routes(routes!(public::support))
        .routes(routes!(public::stats))
        .routes(routes!(open_data::reports_csv))
        .routes(routes!(open_data::reports_geojson))
        .routes(routes!(open_data::datapackage))
        .routes(routes!(staff::sign_in, staff::sign_out, staff::who_am_i))
        .routes(routes!(staff::list_tickets, staff::create_ticket))
        .routes(routes!(staff::get_ticket))
        .routes(routes!(staff::add_event))
        .routes(routes!(staff::set_details))
        .routes(routes!(staff::nearby))
        .routes(routes!(staff::late_tickets))
        .routes(routes!(standby::roster, standby::set_slot))
        .routes(routes!(standby::on_duty))
        .routes(routes!(videos::remove_video))
        .routes(routes!(accounts::list_accounts, accounts::create_account))
        .routes(routes!(accounts::change_account))
        .routes(routes!(accounts::agency_staff))
        .routes(routes!(templates::list_templates, templates::add_template))
        .routes(routes!(templates::change_template, templates::remove_template))
        .routes(routes!(audit::audit_log))
        .routes(routes!(webhooks::list_webhooks, webhooks::add_webhook))
        .routes(routes!(webhooks::remove_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(webhooks::resend_delivery))
        .routes(routes!(open311::top_level))
        .routes(routes!(open311::service_definition))
        .routes(routes!(open311::get_request))
        .routes(routes!(open311::get_token))
        .layer(timeout(Duration::from_secs(30)))
        .merge(uploads)
        .routes(routes!(stream::staff_stream))
}

/// The whole portal: the API routes, the media files and the browser app.
pub fn router(state: AppState) -> Router {
    let csp = std::sync::Arc::new(app::Csp::new(state.settings.dist_dir.clone(), &state.city.map.tile_url));
    let (api, _) = api_routes().split_for_parts();
    let media = ServeDir::new(&state.settings.media_dir);

    api
        // Unknown API paths answer in the API's envelope, not with the app.
        .route("/api/v1/{*rest}", any(|| async { AppError::from(ErrorKind::NotFound) }))
        .nest_service("/media", media)
        .fallback(app::serve_app)
        .method_not_allowed_fallback(|| async { AppError::from(ErrorKind::MethodNotAllowed) })
        .layer(middleware::from_fn(localize))
        .layer(middleware::from_fn(drain_unread_body))
        .layer(DefaultBodyLimit::max(JSON_BODY_MAX))
        .layer(middleware::from_fn(move |req, next| security_headers(csp.clone(), req, next)))
        // Compressed per request, so a middle setting: brotli 11 (the default)
        // takes far longer than the rest of a request. What is read often is
        // compressed once at the strongest setting instead (`encoding`, dist/).
        .layer(CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(4)))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            api_error_response(portal112_core::ApiError::new(ErrorKind::Internal))
        }))
        .with_state(state)
}

/// Ends a request that has not been answered in time (slow or stuck clients).
fn timeout(after: Duration) -> TimeoutLayer {
    TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, after)
}

/// Headers every answer carries; HTML pages also get the strict CSP.
async fn security_headers(csp: std::sync::Arc<app::Csp>, request: Request, next: Next) -> Response {
    // The service worker runs under its own script's policy: it must be able
    // to fetch the portal's files to keep them for offline use.
    let is_worker = request.uri().path() == "/sw.js";
    let app_page = app::AppPage::of_path(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Origin only, cross-site: YouTube's player needs it, nobody needs the path.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("geolocation=(self), camera=(self), microphone=(), payment=(), usb=()"),
    );
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    // A 304 updates the headers the browser stored with the page: giving it the
    // restrictive policy of non-HTML answers would replace the page's own and
    // block every script and style of the app on a revalidated reload.
    if status == axum::http::StatusCode::NOT_MODIFIED {
        return response;
    }
    let is_html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let page_policy = if is_html { Some(csp.policy(app_page)) } else { None };
    let other = if is_worker {
        "default-src 'self'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    let policy = page_policy.as_deref().unwrap_or(other);
    if let Ok(v) = HeaderValue::from_str(policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}
