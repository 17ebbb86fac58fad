//! Request extractors that turn every malformed input into an [`ApiError`]
//! naming the field, instead of axum's plain-text rejections.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use portal112_core::{ApiError, ErrorKind, Field};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::state::AppState;

/// Largest JSON body accepted outside of uploads.
pub const JSON_BODY_MAX: usize = 1024 * 1024;

/// A JSON body, decoded with errors that name the offending field.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ErrorKind::UnsupportedMediaType.into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

/// Maps a failure to read the body (usually the size limit) to an API error.
#[must_use]
pub fn body_error(e: BytesRejection) -> AppError {
    match e {
        BytesRejection::FailedToBufferBody(inner) if is_length_limit(&inner) => {
            ErrorKind::BodyTooLarge { max_mb: JSON_BODY_MAX / (1024 * 1024) }.into()
        }
        _ => ErrorKind::InvalidJson { detail: "body".into() }.into(),
    }
}

/// Reads a whole body of at most `max` bytes.
pub async fn read_body(body: axum::body::Body, max: usize) -> Result<Bytes, AppError> {
    axum::body::to_bytes(body, max).await.map_err(|e| {
        if is_length_limit(&e) {
            ErrorKind::BodyTooLarge { max_mb: max.div_ceil(1024 * 1024) }.into()
        } else {
            ErrorKind::InvalidJson { detail: "body".into() }.into()
        }
    })
}

fn is_length_limit(e: &dyn std::error::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        if err.to_string().contains("length limit exceeded") {
            return true;
        }
        source = err.source();
    }
    false
}

/// Decodes JSON, mapping serde's complaint onto the field it concerns.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // Serde reads a struct from an array too; such a body has no fields to name.
        let top_is_array = matches!(e.path().iter().next(), Some(serde_path_to_error::Segment::Seq { .. }));
        let inner = e.into_inner();
        let message = inner.to_string();
        let field = |name: &str| if path == "." { name.to_owned() } else { format!("{path}.{name}") };
        if top_is_array {
            ErrorKind::InvalidJson { detail: "unexpected JSON shape".into() }.into()
        } else if let Some(name) = between(&message, "missing field `", "`") {
            AppError::field(ErrorKind::Required, field(name))
        } else if let Some(name) = between(&message, "unknown field `", "`") {
            // The path already ends at the unknown key itself.
            AppError::field(ErrorKind::InvalidValue, if path == "." { name.to_owned() } else { path.clone() })
        } else if (inner.is_data() || message.starts_with("number out of range")) && path != "." {
            // A number too large for a float (`1e999`) is valid JSON but no valid value.
            AppError::field(ErrorKind::InvalidValue, path)
        } else {
            let detail = match inner.classify() {
                serde_json::error::Category::Eof => "incomplete JSON",
                serde_json::error::Category::Syntax => "invalid JSON syntax",
                _ => "unexpected JSON shape",
            };
            ErrorKind::InvalidJson { detail: detail.into() }.into()
        }
    })
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// The client's address for rate limiting: the socket peer, or, behind a
/// trusted reverse proxy, the last address it added to `X-Forwarded-For`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.settings.trust_proxy
            && let Some(ip) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Ok(ClientIp(ip));
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(ClientIp(peer))
    }
}

/// The ticket code in a path, parsed with the typo check.
pub fn parse_code(raw: &str) -> Result<portal112_core::TicketCode, AppError> {
    portal112_core::TicketCode::parse(raw)
        .map_err(|e| AppError::Api(ApiError::field(portal112_core::validate::code_error_kind(e), Field::Code)))
}
