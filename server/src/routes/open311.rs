//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>) under
//! `/open311/v2`, in JSON and XML, so city dashboards and other civic systems
//! can read and file reports with the standard they already speak.
//!
//! The ticket code is the `service_request_id`. Our statuses map onto `open`
//! and `closed`. Confidential tickets are left out of listings and show only
//! their status when asked for by id. Remote `media_url`s are never fetched.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portal112_core::dto::{Contact, NewReport, ReportLocation};
use portal112_core::geo::LatLng;
use portal112_core::{ErrorKind, Field, Lang, Status, TicketCode};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::content::Content;
use utoipa::openapi::response::ResponseBuilder;

use crate::auth::{random_token, secret_hash};
use crate::error::{AppError, request_lang};
use crate::extract::{ClientIp, read_body};
use crate::state::AppState;
use crate::store::{TicketFilter, TicketRecord};
use crate::usecases::report::{Submission, submit};
use crate::view::{details_public, format_time, landmark_public, parse_time, photo_url, place_names, public_place};

/// Default listing window of the specification: the last 90 days.
const DEFAULT_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;
/// Most requests one listing returns (the specification's cap).
const MAX_RESULTS: u32 = 1000;
/// Default page size of the `page`/`page_size` extension.
const DEFAULT_PAGE_SIZE: u32 = 50;

/// Response formats, chosen by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `name.json` / `name.xml`.
fn split_format(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    Some((name, format))
}

/// An Open311 error: the specification's list of `{code, description}`.
#[derive(Debug)]
struct Open311Error {
    status: StatusCode,
    description: String,
    format: Format,
}

#[derive(Debug, Serialize)]
struct ErrorItem<'a> {
    code: u16,
    description: &'a str,
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let item = ErrorItem { code: self.status.as_u16(), description: &self.description };
        let mut response = render(self.format, "errors", "error", &[item]);
        *response.status_mut() = self.status;
        response
    }
}

/// Maps our errors onto the three statuses the specification uses.
fn open311_error(e: AppError, lang: Lang, format: Format) -> Open311Error {
    let api = match e {
        AppError::Api(api) | AppError::Store(crate::store::StoreError::Rejected(api)) => api,
        other => {
            return Open311Error {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                description: {
                    tracing::error!(error = %other, "open311 failure");
                    ErrorKind::Internal.message(lang)
                },
                format,
            };
        }
    };
    let status = match api.kind.http_status() {
        401 | 403 => StatusCode::FORBIDDEN,
        404 => StatusCode::NOT_FOUND,
        429 => StatusCode::TOO_MANY_REQUESTS,
        413 => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let message = api.kind.message(lang);
    let description = match api.field {
        Some(f) => format!("{f}: {message}"),
        None => message,
    };
    Open311Error { status, description, format }
}

fn render<T: Serialize>(format: Format, root: &str, item: &str, items: &[T]) -> Response {
    match format {
        Format::Json => axum::Json(items).into_response(),
        Format::Xml => {
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml.push('<');
            xml.push_str(root);
            xml.push('>');
            for i in items {
                match quick_xml::se::to_string_with_root(item, i) {
                    Ok(s) => xml.push_str(&s),
                    Err(e) => {
                        tracing::error!(error = %e, "open311 xml serialisation");
                        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                    }
                }
            }
            xml.push_str("</");
            xml.push_str(root);
            xml.push('>');
            ([(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"))], xml).into_response()
        }
    }
}

/// What every GeoReport v2 document may answer, for the OpenAPI document:
/// the specification's own shapes, in JSON or XML as the extension says.
struct Open311Answers;

impl utoipa::IntoResponses for Open311Answers {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        [
            (200, "The answer, in the format the extension names"),
            (201, "A request filed (`POST requests.{format}`)"),
            (400, "A parameter is missing or wrong; the specification's error list"),
            (403, "No valid `api_key` for filing"),
            (404, "No such document, service or request"),
            (405, "Not a method this document takes"),
            (413, "The body is too large"),
            (429, "Too many requests from this client"),
        ]
        .into_iter()
        .map(|(status, description)| {
            let answer = ResponseBuilder::new()
                .description(description)
                .content("application/json", Content::default())
                .content("text/xml", Content::default())
                .build();
            (status.to_string(), RefOr::T(answer))
        })
        .collect()
    }
}

/// `GET|POST /open311/v2/{discovery|services|requests}.{json|xml}`: the
/// endpoint list, the services (report categories), listing requests, and
/// filing one with an API key — GeoReport v2 as specified.
#[utoipa::path(
    method(get, post),
    path = "/open311/v2/{file}",
    tag = "open311",
    params(("file" = String, Path, description = "`discovery`, `services` or `requests`, then `.json` or `.xml`")),
    responses(Open311Answers)
)]
pub async fn top_level(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(file): Path<String>,
    request: Request,
) -> Response {
    let lang = request_lang(request.headers());
    let Some((name, format)) = split_format(&file) else {
        return not_found(lang, Format::Json);
    };
    let method = request.method().clone();
    let result = match (name, method.as_str()) {
        ("discovery", "GET") => Ok(discovery(&state, format)),
        ("services", "GET") => Ok(services(&state, lang, format)),
        ("requests", "GET") => list_requests(&state, request.uri().query().unwrap_or(""), lang, format).await,
        ("requests", "POST") => post_request(&state, ip, request, lang, format).await,
        ("discovery" | "services" | "requests", _) => {
            return Open311Error {
                status: StatusCode::METHOD_NOT_ALLOWED,
                description: "method not allowed".into(),
                format,
            }
            .into_response();
        }
        _ => return not_found(lang, format),
    };
    result.unwrap_or_else(|e| open311_error(e, lang, format).into_response())
}

fn not_found(lang: Lang, format: Format) -> Response {
    Open311Error { status: StatusCode::NOT_FOUND, description: ErrorKind::NotFound.message(lang), format }
        .into_response()
}

#[derive(Debug, Serialize)]
struct Endpoint {
    specification: &'static str,
    url: String,
    changeset: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: Formats,
}

#[derive(Debug, Serialize)]
struct Formats {
    format: [&'static str; 2],
}

#[derive(Debug, Serialize)]
struct Discovery {
    changeset: &'static str,
    contact: String,
    key_service: String,
    endpoints: Endpoints,
}

#[derive(Debug, Serialize)]
struct Endpoints {
    endpoint: Vec<Endpoint>,
}

const CHANGESET: &str = "2026-11-28T00:00:00Z";

fn discovery(state: &AppState, format: Format) -> Response {
    let doc = Discovery {
        changeset: CHANGESET,
        contact: format!("{} — telepon {}", state.city.city.service_name.id, state.city.city.emergency_number),
        key_service: "API keys are issued by the call centre administrators (portal112 api-key create).".into(),
        endpoints: Endpoints {
            endpoint: vec![Endpoint {
                specification: "http://wiki.open311.org/GeoReport_v2",
                url: "/open311/v2".into(),
                changeset: CHANGESET,
                kind: "production",
                formats: Formats { format: ["application/json", "text/xml"] },
            }],
        },
    };
    match format {
        // JSON discovery lists formats as a plain array.
        Format::Json => axum::Json(serde_json::json!({
            "changeset": doc.changeset,
            "contact": doc.contact,
            "key_service": doc.key_service,
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }],
        }))
        .into_response(),
        Format::Xml => match quick_xml::se::to_string_with_root("discovery", &doc) {
            Ok(s) => (
                [(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"))],
                format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{s}"),
            )
                .into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    }
}

#[derive(Debug, Serialize)]
struct Service {
    service_code: String,
    service_name: String,
    description: String,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: String,
}

fn services(state: &AppState, lang: Lang, format: Format) -> Response {
    let items: Vec<Service> = state
        .city
        .categories
        .iter()
        .map(|c| Service {
            service_code: c.code.clone(),
            service_name: c.name.get(lang).to_owned(),
            description: c.description.get(lang).to_owned(),
            metadata: true,
            kind: "realtime",
            keywords: c.keywords.join(","),
            group: state.city.agency(&c.agency).map_or_else(String::new, |a| a.short_name.clone()),
        })
        .collect();
    render(format, "services", "service", &items)
}

#[derive(Debug, Serialize)]
struct ServiceDefinition {
    service_code: String,
    attributes: Attributes,
}

#[derive(Debug, Serialize)]
struct Attributes {
    attribute: Vec<Attribute>,
}

#[derive(Debug, Serialize)]
struct Attribute {
    variable: bool,
    code: &'static str,
    datatype: &'static str,
    required: bool,
    datatype_description: String,
    order: u32,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Values>,
}

#[derive(Debug, Serialize)]
struct Values {
    value: Vec<AttrValue>,
}

#[derive(Debug, Serialize)]
struct AttrValue {
    key: String,
    name: String,
}

/// `GET /open311/v2/services/{service_code}.{json|xml}`: a service's definition.
#[utoipa::path(
    get,
    path = "/open311/v2/services/{file}",
    tag = "open311",
    params(("file" = String, Path, description = "A `service_code`, then `.json` or `.xml`")),
    responses(Open311Answers)
)]
pub async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = request_lang(&headers);
    let Some((code, format)) = split_format(&file) else {
        return not_found(lang, Format::Json);
    };
    let Some(category) = state.city.category(code) else {
        return not_found(lang, format);
    };
    let (district_desc, anon_desc) = match lang {
        Lang::Id => (
            "Kecamatan. Wajib bersama address_string bila lat/long tidak diisi.",
            "true agar identitas pelapor tidak disimpan.",
        ),
        Lang::En => (
            "District (kecamatan). Required with address_string when lat/long are not given.",
            "true to store no reporter contact.",
        ),
    };
    let def = ServiceDefinition {
        service_code: category.code.clone(),
        attributes: Attributes {
            attribute: vec![
                Attribute {
                    variable: true,
                    code: "district",
                    datatype: "singlevaluelist",
                    required: false,
                    datatype_description: String::new(),
                    order: 1,
                    description: district_desc.into(),
                    values: Some(Values {
                        value: state
                            .city
                            .districts
                            .iter()
                            .map(|d| AttrValue { key: d.code.clone(), name: d.name.clone() })
                            .collect(),
                    }),
                },
                Attribute {
                    variable: true,
                    code: "anonymous",
                    datatype: "string",
                    required: false,
                    datatype_description: "true | false".into(),
                    order: 2,
                    description: anon_desc.into(),
                    values: None,
                },
            ],
        },
    };
    match format {
        Format::Json => match serde_json::to_value(&def) {
            Ok(mut json) => {
                // GeoReport v2's JSON has plain arrays where its XML wraps
                // repeated elements: `attributes: [...]`, `values: [...]`.
                unwrap_list(&mut json, "attributes", "attribute");
                if let Some(attributes) = json["attributes"].as_array_mut() {
                    for attribute in attributes {
                        unwrap_list(attribute, "values", "value");
                    }
                }
                axum::Json(json).into_response()
            }
            Err(e) => {
                tracing::error!(error = %e, "open311 json serialisation");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        Format::Xml => render_one(&def, "service_definition"),
    }
}

/// Replaces `{list: {item: [...]}}` in `parent` by `{list: [...]}`.
fn unwrap_list(parent: &mut serde_json::Value, list: &str, item: &str) {
    if let Some(wrapper) = parent.get_mut(list)
        && let Some(items) = wrapper.get_mut(item).map(serde_json::Value::take)
    {
        *wrapper = items;
    }
}

fn render_one<T: Serialize>(value: &T, root: &str) -> Response {
    match quick_xml::se::to_string_with_root(root, value) {
        Ok(s) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"))],
            format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{s}"),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "open311 xml serialisation");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// One service request as Open311 shows it.
#[derive(Debug, Serialize)]
struct ServiceRequest {
    service_request_id: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agency_responsible: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_notice: Option<String>,
    requested_datetime: String,
    updated_datetime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    long: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_url: Option<String>,
    /// Extension: how the request reached the call centre (`web`, `telepon`,
    /// `open311`); left out for confidential cases, which show their status only.
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'static str>,
}

fn service_request(state: &AppState, t: &TicketRecord, lang: Lang) -> ServiceRequest {
    let status = if t.status.is_open() { "open" } else { "closed" };
    let requested_datetime = format_time(&state.city, t.created_at);
    let updated_datetime = format_time(&state.city, t.updated_at);
    if t.confidential {
        return ServiceRequest {
            service_request_id: t.code.to_string(),
            status,
            status_notes: None,
            service_name: None,
            service_code: None,
            description: None,
            agency_responsible: None,
            service_notice: None,
            requested_datetime,
            updated_datetime,
            address: None,
            lat: None,
            long: None,
            media_url: None,
            channel: None,
        };
    }
    // What the public map shows of the ticket, no more (see crate::view).
    let sensitive = state.city.category(&t.category).is_some_and(|c| c.sensitive);
    let shown = details_public(t.status, t.details_hidden);
    let exact = t.lat.zip(t.lng).map(|(lat, lng)| LatLng { lat, lng });
    let place = public_place(&state.city, sensitive, exact, t.district.as_deref(), t.village.as_deref());
    let landmark = if landmark_public(shown, sensitive) { t.address.as_ref() } else { None };
    let (district, village) = place_names(&state.city, place.district, place.village);
    let area = match (village, district) {
        (Some(v), Some(d)) if place.coarse => Some(format!("Kel. {v}, Kec. {d}")),
        (_, Some(d)) => Some(format!("Kec. {d}")),
        _ => None,
    };
    let address = match (landmark, area) {
        (Some(a), Some(area)) => Some(format!("{a}, {area}")),
        (Some(a), None) => Some(a.clone()),
        (None, area) => area,
    };
    ServiceRequest {
        service_request_id: t.code.to_string(),
        status,
        status_notes: t.latest_public_note.clone().or_else(|| Some(t.status.label(lang).to_owned())),
        service_name: state.city.category(&t.category).map(|c| c.name.get(lang).to_owned()),
        service_code: Some(t.category.clone()),
        description: shown.then(|| t.description.clone()),
        agency_responsible: state.city.agency(&t.agency).map(|a| a.name.get(lang).to_owned()),
        service_notice: None,
        requested_datetime,
        updated_datetime,
        address,
        lat: place.point.map(|p| p.lat),
        long: place.point.map(|p| p.lng),
        media_url: t.photo_ids.first().filter(|_| shown).map(|id| photo_url(id)),
        channel: Some(t.channel.as_str()),
    }
}

fn parse_query(query: &str) -> Result<HashMap<String, String>, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Query))?;
    Ok(pairs.into_iter().collect())
}

fn csv(value: Option<&String>) -> Vec<&str> {
    value.map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()).unwrap_or_default()
}

async fn list_requests(state: &AppState, query: &str, lang: Lang, format: Format) -> Result<Response, AppError> {
    let q = parse_query(query)?;
    let mut filter = TicketFilter::default();
    let ids = csv(q.get("service_request_id"));
    if !ids.is_empty() {
        let codes = ids
            .iter()
            .map(|id| {
                TicketCode::parse(id)
                    .map(|c| c.compact().to_owned())
                    .map_err(|e| AppError::field(portal112_core::validate::code_error_kind(e), "service_request_id"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        filter.codes = Some(codes);
    }
    let codes = csv(q.get("service_code"));
    if let Some(bad) = codes.iter().find(|c| state.city.category(c).is_none()) {
        return Err(AppError::field(ErrorKind::UnknownCategory, format!("service_code ({bad})")));
    }
    if !codes.is_empty() {
        filter.categories = Some(codes.iter().map(|c| (*c).to_owned()).collect());
    }
    // Confidential cases appear only when asked for by their code. Filtered in
    // the query, not after it, so that pages come out full.
    filter.exclude_confidential = filter.codes.is_none();
    let statuses = csv(q.get("status"));
    if !statuses.is_empty() {
        let mut set = Vec::new();
        for s in statuses {
            match s {
                "open" => set.extend(Status::ALL.into_iter().filter(|s| s.is_open())),
                "closed" => set.extend(Status::ALL.into_iter().filter(|s| !s.is_open())),
                _ => return Err(AppError::field(ErrorKind::InvalidValue, Field::Status)),
            }
        }
        filter.statuses = Some(set);
    }
    let date = |name: &str| -> Result<Option<i64>, AppError> {
        match q.get(name).filter(|s| !s.is_empty()) {
            Some(s) => parse_time(s).map(Some).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, name)),
            None => Ok(None),
        }
    };
    let (start, end) = (date("start_date")?, date("end_date")?);
    if filter.codes.is_none() {
        // The specification's default window when no dates are given.
        filter.since =
            start.or_else(|| end.map_or(Some(state.clock.now() - DEFAULT_WINDOW_MS), |e| Some(e - DEFAULT_WINDOW_MS)));
        filter.until = end;
    }
    let number = |name: &str, default: u32, max: u32| -> Result<u32, AppError> {
        match q.get(name).filter(|s| !s.is_empty()) {
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| AppError::field(ErrorKind::InvalidValue, name)),
            None => Ok(default),
        }
    };
    let page = number("page", 1, 100_000)?;
    let page_size = number("page_size", DEFAULT_PAGE_SIZE.min(MAX_RESULTS), MAX_RESULTS)?;
    filter.offset = u64::from(page - 1) * u64::from(page_size);
    filter.limit = u64::from(page_size);
    let (tickets, _) = state.store.list_tickets(&filter).await?;
    let items: Vec<ServiceRequest> = tickets.iter().map(|t| service_request(state, t, lang)).collect();
    Ok(render(format, "service_requests", "request", &items))
}

/// `GET /open311/v2/requests/{service_request_id}.{json|xml}`: one request (a ticket).
#[utoipa::path(
    get,
    path = "/open311/v2/requests/{file}",
    tag = "open311",
    params(("file" = String, Path, description = "A `service_request_id` (ticket code), then `.json` or `.xml`")),
    responses(Open311Answers)
)]
pub async fn get_request(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let lang = request_lang(&headers);
    let Some((id, format)) = split_format(&file) else {
        return not_found(lang, Format::Json);
    };
    let result = async {
        let code = TicketCode::parse(id)
            .map_err(|e| AppError::field(portal112_core::validate::code_error_kind(e), "service_request_id"))?;
        let ticket = state.store.ticket(&code).await?.ok_or(ErrorKind::TicketNotFound)?;
        Ok::<_, AppError>(render(format, "service_requests", "request", &[service_request(&state, &ticket, lang)]))
    }
    .await;
    result.unwrap_or_else(|e| open311_error(e, lang, format).into_response())
}

#[derive(Debug, Serialize)]
struct TokenItem {
    service_request_id: String,
    token: String,
}

/// `GET /open311/v2/tokens/{token}.{json|xml}`: the request a filing token became.
#[utoipa::path(
    get,
    path = "/open311/v2/tokens/{file}",
    tag = "open311",
    params(("file" = String, Path, description = "A token from filing a request, then `.json` or `.xml`")),
    responses(Open311Answers)
)]
pub async fn get_token(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let lang = request_lang(&headers);
    let Some((token, format)) = split_format(&file) else {
        return not_found(lang, Format::Json);
    };
    let valid = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let result = async {
        let code = if valid { state.store.open311_token(token).await? } else { None };
        let code = code.ok_or(ErrorKind::NotFound)?;
        Ok::<_, AppError>(render(
            format,
            "service_requests",
            "request",
            &[TokenItem { service_request_id: code.to_string(), token: token.to_owned() }],
        ))
    }
    .await;
    result.unwrap_or_else(|e| open311_error(e, lang, format).into_response())
}

#[derive(Debug, Serialize)]
struct Created {
    service_request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_notice: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

/// A field of our report under the name an Open311 client sent it as.
fn open311_field(field: Field) -> Field {
    let name = match field {
        Field::Category => "service_code",
        Field::Location => "lat",
        Field::District => "attribute[district]",
        Field::Address => "address_string",
        Field::ContactName => "first_name",
        Field::ContactPhone => "phone",
        Field::ContactEmail => "email",
        other => return other,
    };
    Field::Other(name.to_owned())
}

async fn post_request(
    state: &AppState,
    ip: std::net::IpAddr,
    request: Request,
    lang: Lang,
    format: Format,
) -> Result<Response, AppError> {
    state.report_limiter.check(ip).await??;
    let idempotency_key = request
        .headers()
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| AppError::field(ErrorKind::IdempotencyKeyInvalid, Field::IdempotencyKey))
        })
        .transpose()?;
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = request.into_parts();
    let body = read_body(body, crate::extract::JSON_BODY_MAX).await?;
    // Parameters may come in the body (form) or, as some clients do, the query.
    let mut params = parse_query(parts.uri.query().unwrap_or(""))?;
    if is_form {
        params.extend(parse_query(
            std::str::from_utf8(&body).map_err(|_| AppError::field(ErrorKind::InvalidValue, Field::Body))?,
        )?);
    } else if !body.is_empty() {
        return Err(ErrorKind::UnsupportedMediaType.into());
    }
    let key = params.get("api_key").filter(|k| !k.is_empty()).ok_or(ErrorKind::Unauthorized)?;
    let label = state.store.api_key(&secret_hash(key)).await?.ok_or(ErrorKind::Forbidden)?;

    let get = |name: &str| params.get(name).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let number = |name: &str| -> Result<Option<f64>, AppError> {
        get(name)
            .map(|s| s.parse::<f64>().map_err(|_| AppError::field(ErrorKind::InvalidCoordinates, name)))
            .transpose()
    };
    let service_code = get("service_code").ok_or_else(|| AppError::field(ErrorKind::Required, "service_code"))?;
    let location = match (number("lat")?, number("long")?) {
        (Some(latitude), Some(longitude)) => Some(ReportLocation { lat: latitude, lng: longitude, accuracy_m: None }),
        (None, None) => None,
        (None, Some(_)) => return Err(AppError::field(ErrorKind::Required, "lat")),
        (Some(_), None) => return Err(AppError::field(ErrorKind::Required, "long")),
    };
    let name = [get("first_name"), get("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let anonymous = get("attribute[anonymous]").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let report = NewReport {
        category: service_code,
        description: get("description").unwrap_or_default(),
        location,
        district: get("attribute[district]"),
        village: None,
        address: get("address_string"),
        anonymous,
        contact: Some(Contact { name: (!name.is_empty()).then_some(name), phone: get("phone"), email: get("email") }),
    };
    let notice = get("media_url").map(|_| match lang {
        Lang::Id => "media_url tidak diambil; kirim foto lewat POST /api/v1/reports.".to_owned(),
        Lang::En => "media_url is not fetched; send photos with POST /api/v1/reports.".to_owned(),
    });
    let token = random_token();
    let outcome = submit(
        state,
        Submission {
            report,
            photos: Vec::new(),
            idempotency_key,
            source: format!("open311:{label}"),
            open311_token: Some(token.clone()),
            channel: portal112_core::staff::Channel::Open311,
            priority: portal112_core::staff::Priority::default(),
            staff_actor: None,
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Api(mut api) => {
            api.field = api.field.map(open311_field);
            AppError::Api(api)
        }
        other => other,
    })?;
    // A replay's ticket kept the token of its first send; that one is not known here.
    let token = (!outcome.replayed).then_some(token);
    let item = Created {
        service_request_id: outcome.ticket.code.to_string(),
        token,
        service_notice: notice,
        account_id: None,
    };
    let mut response = render(format, "service_requests", "request", &[item]);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}
