//! How failures become HTTP answers.
//!
//! Policy (see also `portal112_core::error`):
//! - Anything the client caused is an [`ApiError`] from `core`: a 4xx in the one
//!   envelope, its message in the language the client prefers.
//! - Database and other internal failures are logged here with their cause and
//!   answered with a generic 500; nothing about them reaches the client.
//! - Handlers return `Result<_, AppError>`; they never build error bodies.
//! - The language is chosen after the handler ran, by [`localize`], so handlers
//!   and extractors need not know the request's `Accept-Language`.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portal112_core::{ApiError, ErrorKind, Field, Lang};

use crate::store::StoreError;

/// A handler's failure.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client's fault, explained to them.
    #[error("{}", .0.kind.code())]
    Api(ApiError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else that went wrong on our side.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError::Api(e)
    }
}

impl From<ErrorKind> for AppError {
    fn from(kind: ErrorKind) -> Self {
        AppError::Api(ApiError::new(kind))
    }
}

impl AppError {
    /// A failure of one request field.
    pub fn field(kind: ErrorKind, field: impl Into<Field>) -> Self {
        AppError::Api(ApiError::field(kind, field))
    }

    /// What the client is told.
    fn into_api_error(self) -> ApiError {
        match self {
            AppError::Api(e) | AppError::Store(StoreError::Rejected(e)) => e,
            AppError::Store(e) => {
                tracing::error!(error = %e, "storage failure");
                ApiError::new(ErrorKind::Internal)
            }
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal failure");
                ApiError::new(ErrorKind::Internal)
            }
        }
    }
}

/// Marks a response as carrying an [`ApiError`] whose message [`localize`]
/// renders in the client's language.
#[derive(Debug, Clone)]
pub struct Localizable(pub ApiError);

/// Renders an API error in the default language and tags it for [`localize`].
#[must_use]
pub fn api_error_response(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(e.envelope(Lang::Id))).into_response();
    if let ErrorKind::RateLimited { retry_after_s } | ErrorKind::LoginLocked { retry_after_s } = e.kind {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(Localizable(e));
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        api_error_response(self.into_api_error())
    }
}

/// The language a request prefers, from `Accept-Language`.
#[must_use]
pub fn request_lang(headers: &axum::http::HeaderMap) -> Lang {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map_or(Lang::Id, Lang::from_accept_language)
}

/// Middleware: re-renders tagged error bodies in the client's language.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers());
    let mut response = next.run(request).await;
    if let Some(Localizable(e)) = response.extensions_mut().remove::<Localizable>() {
        if lang != Lang::Id {
            let (mut parts, _) = response.into_parts();
            let body = Json(e.envelope(lang)).into_response().into_body();
            parts.headers.remove(header::CONTENT_LENGTH);
            response = Response::from_parts(parts, body);
        }
        response.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    }
    response
}
