//! `POST /api/v1/reports`: a citizen's report, as JSON or with photos as
//! `multipart/form-data`.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal112_core::dto::{CreatedReport, NewReport};
use portal112_core::validate::{MAX_PHOTOS, PHOTO_MAX_BYTES};
use portal112_core::{ErrorKind, Field};

use crate::error::AppError;
use crate::extract::{ClientIp, JSON_BODY_MAX, parse_json, read_body};
use crate::state::AppState;
use crate::usecases::report::{Submission, submit};
use crate::view::{Audience, public_ticket};

/// Largest request: three full-size photos plus the report.
pub const REPORT_BODY_MAX: usize = MAX_PHOTOS * PHOTO_MAX_BYTES + 1024 * 1024;

/// Creates a report and answers with its ticket code.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "8-128 characters [A-Za-z0-9_-]; re-sending the same report with the same key returns the same ticket"),
        ("Accept-Language" = Option<String>, Header, description = "`en` for English messages; Indonesian otherwise"),
    ),
    request_body(
        description = "The report as JSON, or multipart/form-data with a `report` part (JSON) and up to 3 `photo` parts (JPEG, PNG or WebP, at most 5 MB each).",
        content(
            (NewReport = "application/json"),
            (ReportUpload = "multipart/form-data"),
        ),
    ),
    responses(
        (status = 201, description = "Stored durably; the ticket code and public view", body = CreatedReport),
        (status = 400, description = "Malformed JSON, multipart body or Idempotency-Key", body = portal112_core::ErrorEnvelope),
        (status = 409, description = "The Idempotency-Key was used for a different report", body = portal112_core::ErrorEnvelope),
        (status = 413, description = "Too many or too large photos, or body too large", body = portal112_core::ErrorEnvelope),
        (status = 415, description = "Not JSON or multipart, or a photo that is not an image", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "A field breaks a rule; `field` names it", body = portal112_core::ErrorEnvelope),
        (status = 429, description = "Too many reports from this client; see Retry-After", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn create_report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, AppError> {
    state.report_limiter.check(ip).await??;
    let idempotency_key = match headers.get("idempotency-key") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| AppError::field(ErrorKind::IdempotencyKeyInvalid, Field::IdempotencyKey))?
                .to_owned(),
        ),
        None => None,
    };
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<mime::Mime>().ok());
    let (report, photos) = match content_type {
        Some(m) if m.type_() == mime::APPLICATION && m.subtype() == mime::JSON => {
            let bytes = read_body(request.into_body(), JSON_BODY_MAX).await?;
            (parse_json::<NewReport>(&bytes)?, Vec::new())
        }
        Some(m) if m.type_() == mime::MULTIPART && m.subtype() == mime::FORM_DATA => {
            let multipart = Multipart::from_request(request, &state)
                .await
                .map_err(|_| AppError::from(ErrorKind::InvalidMultipart))?;
            read_multipart(multipart).await?
        }
        _ => return Err(ErrorKind::UnsupportedMediaType.into()),
    };
    let outcome = submit(
        &state,
        Submission {
            report,
            photos,
            idempotency_key,
            source: "web".into(),
            open311_token: None,
            channel: portal112_core::staff::Channel::Web,
            priority: portal112_core::staff::Priority::default(),
            staff_actor: None,
        },
    )
    .await?;
    let body = CreatedReport {
        code: outcome.ticket.code,
        ticket: public_ticket(&state.city, &state.service, &outcome.ticket, Audience::Reporter),
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let location = format!("/api/v1/tickets/{}", outcome.ticket.code);
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    if outcome.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The multipart form of a report, for the OpenAPI document.
#[derive(Debug, utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the multipart body for OpenAPI only")]
pub struct ReportUpload {
    /// The report, as JSON text.
    report: NewReport,
    /// Up to 3 photos.
    #[schema(value_type = Vec<String>, format = Binary, max_items = 3)]
    photo: Vec<Vec<u8>>,
}

/// Reads the `report` part and the `photo` parts, stopping at the first part
/// over its limit so a huge upload is refused early. Public for the fuzz targets.
pub async fn read_multipart(mut multipart: Multipart) -> Result<(NewReport, Vec<Vec<u8>>), AppError> {
    let mut report = None;
    let mut photos: Vec<Vec<u8>> = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("report") => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                report = Some(parse_json::<NewReport>(&bytes)?);
            }
            Some("photo") => {
                let index = photos.len();
                if index >= MAX_PHOTOS {
                    return Err(AppError::field(ErrorKind::TooManyPhotos { max: MAX_PHOTOS }, Field::Photo(None)));
                }
                let mut data = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if data.len() + chunk.len() > PHOTO_MAX_BYTES {
                        return Err(AppError::field(
                            ErrorKind::PhotoTooLarge { max_mb: PHOTO_MAX_BYTES / (1024 * 1024) },
                            Field::photo(index),
                        ));
                    }
                    data.extend_from_slice(&chunk);
                }
                if crate::photos::sniff(&data).is_none() {
                    return Err(AppError::field(ErrorKind::PhotoUnsupported, Field::photo(index)));
                }
                photos.push(data);
            }
            // Unknown parts are read past, not stored.
            _ => while field.chunk().await.map_err(multipart_error)?.is_some() {},
        }
    }
    let report = report.ok_or_else(|| AppError::field(ErrorKind::InvalidMultipart, Field::Report))?;
    Ok((report, photos))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ErrorKind::BodyTooLarge { max_mb: REPORT_BODY_MAX / (1024 * 1024) }.into()
    } else {
        ErrorKind::InvalidMultipart.into()
    }
}
