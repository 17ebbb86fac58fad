//! The only module that talks to the network. Pages and components call these
//! functions; they never build URLs or parse JSON themselves.

use gloo_net::http::{Request, Response};
use portal112_core::dto::{CreatedReport, NewReport, PublicConfig, PublicTicket, TimelineEntry, Video};
use portal112_core::open::{MapAnswer, NearbyReport, Stats, Supported};
use portal112_core::{ErrorEnvelope, Lang, TicketCode};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Blob, BlobPropertyBag, FormData};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer at all: offline, DNS, reset connection. Worth retrying.
    Network,
    /// The server answered with its error envelope.
    Server { status: u16, error: portal112_core::error::ErrorBody },
    /// The server answered something we could not read (a proxy page, a 5xx).
    Unexpected { status: u16 },
    /// The caller went away (component unmounted).
    Aborted,
}

impl ApiFailure {
    /// Whether sending again later may succeed without any change.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            ApiFailure::Network | ApiFailure::Aborted => true,
            ApiFailure::Unexpected { status } | ApiFailure::Server { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
        }
    }
}

pub use portal112_web::AbortOnDrop;

async fn into_json<T: DeserializeOwned>(result: Result<Response, gloo_net::Error>) -> Result<T, ApiFailure> {
    into_json_text(result).await.map(|(value, _)| value)
}

/// The decoded body and its JSON text (for keeping on the device as is).
async fn into_json_text<T: DeserializeOwned>(
    result: Result<Response, gloo_net::Error>,
) -> Result<(T, String), ApiFailure> {
    decoded_with(result, crate::json::from_str::<T>, server_failure).await
}

/// The server's error envelope, read from an answer that is not a success.
fn server_failure(status: u16, text: &str) -> ApiFailure {
    match crate::json::from_str::<ErrorEnvelope>(text) {
        Some(envelope) => ApiFailure::Server { status, error: envelope.error },
        None => ApiFailure::Unexpected { status },
    }
}

/// The answer, or why there is none (aborted, no network).
fn answered(result: Result<Response, gloo_net::Error>) -> Result<Response, ApiFailure> {
    match result {
        Ok(r) => Ok(r),
        Err(gloo_net::Error::JsError(e)) if e.name == "AbortError" => Err(ApiFailure::Aborted),
        Err(_) => Err(ApiFailure::Network),
    }
}

/// [`into_json_text`] with its own decoders, of a success and of a failure.
async fn decoded_with<T>(
    result: Result<Response, gloo_net::Error>,
    decode: fn(&str) -> Option<T>,
    failure: fn(u16, &str) -> ApiFailure,
) -> Result<(T, String), ApiFailure> {
    let response = answered(result)?;
    let status = response.status();
    if response.ok() {
        let text = response.text().await.map_err(|_| ApiFailure::Network)?;
        return decode(&text).map(|v| (v, text)).ok_or(ApiFailure::Unexpected { status });
    }
    let text = response.text().await.unwrap_or_default();
    Err(failure(status, &text))
}

fn accept_language(lang: Lang) -> &'static str {
    match lang {
        Lang::Id => "id",
        Lang::En => "en, id;q=0.5",
    }
}

/// The city: map, districts, agencies, categories; with the bytes it came
/// in (postcard, see `PublicConfig::to_postcard`), to keep on the phone.
///
/// Its failures are not read: the app can only try again, and `/` (which
/// asks for the configuration) then carries no reader of error envelopes.
pub async fn config(abort: Option<AbortSignal>) -> Result<(PublicConfig, Vec<u8>), ApiFailure> {
    let response = answered(Request::get(CONFIG_PATH).abort_signal(abort.as_ref()).send().await)?;
    let status = response.status();
    if !response.ok() {
        return Err(ApiFailure::Unexpected { status });
    }
    let bytes = response.binary().await.map_err(|_| ApiFailure::Network)?;
    crate::json::config(&bytes).map(|c| (c, bytes)).ok_or(ApiFailure::Unexpected { status })
}

/// Where the app's configuration is (`index.html` fetches it ahead, the
/// service worker keeps it).
const CONFIG_PATH: &str = "/api/v1/config.postcard";

/// A ticket's public view; with its JSON text.
pub async fn ticket(
    code: &TicketCode,
    lang: Lang,
    abort: Option<AbortSignal>,
) -> Result<(PublicTicket, String), ApiFailure> {
    into_json_text(
        Request::get(&format!("/api/v1/tickets/{}", code.compact()))
            .header("Accept-Language", accept_language(lang))
            .abort_signal(abort.as_ref())
            .send()
            .await,
    )
    .await
}

/// The video catalogue.
pub async fn videos(abort: Option<AbortSignal>) -> Result<Vec<Video>, ApiFailure> {
    into_json(Request::get("/api/v1/videos").abort_signal(abort.as_ref()).send().await).await
}

/// A number as the browser writes it (Rust's float formatting would add
/// kilobytes of WebAssembly for this).
fn num(x: f64) -> String {
    js_sys::Number::from(x).to_string_with_radix(10).map(String::from).unwrap_or_default()
}

/// The public map's tickets in the area `bbox` (south, west, north, east),
/// with the filters that are not empty.
pub async fn map(
    bbox: [f64; 4],
    filters: &[(&str, String)],
    abort: Option<AbortSignal>,
) -> Result<MapAnswer, ApiFailure> {
    let [s, w, n, e] = bbox.map(num);
    let mut url = format!("/api/v1/map?bbox={s},{w},{n},{e}");
    for (name, value) in filters.iter().filter(|(_, v)| !v.is_empty()) {
        url.push('&');
        url.push_str(name);
        url.push('=');
        url.push_str(&String::from(js_sys::encode_uri_component(value)));
    }
    into_json(Request::get(&url).abort_signal(abort.as_ref()).send().await).await
}

/// Open tickets of `category` near a point: "someone already reported this".
pub async fn nearby(
    lat: f64,
    lng: f64,
    category: &str,
    abort: Option<AbortSignal>,
) -> Result<Vec<NearbyReport>, ApiFailure> {
    let category = String::from(js_sys::encode_uri_component(category));
    let url = format!("/api/v1/reports/nearby?lat={}&lng={}&category={category}", num(lat), num(lng));
    into_json(Request::get(&url).abort_signal(abort.as_ref()).send().await).await
}

/// "Me too": this phone (its `key`) joins the ticket `code`, once.
pub async fn support(code: &str, key: &str, lang: Lang) -> Result<Supported, ApiFailure> {
    let code = String::from(js_sys::encode_uri_component(code));
    let request = Request::post(&format!("/api/v1/tickets/{code}/supporters"))
        .header("Idempotency-Key", key)
        .header("Accept-Language", accept_language(lang));
    into_json(request.send().await).await
}

/// How the city answers reports.
pub async fn stats(abort: Option<AbortSignal>) -> Result<Stats, ApiFailure> {
    into_json(Request::get("/api/v1/stats").abort_signal(abort.as_ref()).send().await).await
}

/// Sends a report with its photos (already resized JPEGs) under one
/// Idempotency-Key, so sending again after any failure never makes a second ticket.
pub async fn send_report(
    report: &NewReport,
    photos: &[Blob],
    idempotency_key: &str,
    lang: Lang,
) -> Result<CreatedReport, ApiFailure> {
    let form = FormData::new().map_err(|_| ApiFailure::Network)?;
    let json = crate::json::to_string(report).ok_or(ApiFailure::Unexpected { status: 0 })?;
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let parts = js_sys::Array::of1(&JsValue::from_str(&json));
    let report_blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| ApiFailure::Network)?;
    form.append_with_blob("report", &report_blob).map_err(|_| ApiFailure::Network)?;
    for (i, photo) in photos.iter().enumerate() {
        form.append_with_blob_and_filename("photo", photo, &format!("foto-{}.jpg", i + 1))
            .map_err(|_| ApiFailure::Network)?;
    }
    let request = Request::post("/api/v1/reports")
        .header("Idempotency-Key", idempotency_key)
        .header("Accept-Language", accept_language(lang))
        .body(form)
        .map_err(|_| ApiFailure::Network)?;
    into_json(request.send().await).await
}

/// A live feed of a ticket's new timeline entries (Server-Sent Events).
/// Dropping it closes the connection.
#[derive(Debug)]
pub struct TicketFeed {
    source: web_sys::EventSource,
    _on_entry: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl TicketFeed {
    /// Opens the feed; `on_entry` gets each entry after `after_seq`, and
    /// `on_trouble` is told when the connection drops (the browser reconnects).
    pub fn open(
        code: &TicketCode,
        after_seq: i64,
        mut on_entry: impl FnMut(TimelineEntry) + 'static,
        mut on_trouble: impl FnMut() + 'static,
    ) -> Option<Self> {
        let url = format!("/api/v1/tickets/{}/events?after={after_seq}", code.compact());
        let source = web_sys::EventSource::new(&url).ok()?;
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if let Some(entry) = e.data().as_string().and_then(|d| crate::json::from_str::<TimelineEntry>(&d)) {
                on_entry(entry);
            }
        });
        source.add_event_listener_with_callback("timeline", on_message.as_ref().unchecked_ref()).ok()?;
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_trouble());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Self { source, _on_entry: on_message, _on_error: on_error })
    }
}

impl Drop for TicketFeed {
    fn drop(&mut self) {
        self.source.close();
    }
}
