//! The only module of the console that talks to the network. Screens call
//! these functions; they never build URLs or parse JSON themselves.
//!
//! The bearer token lives in the tab's `sessionStorage` (gone when the tab
//! closes) and travels only in the `Authorization` header — the live queue
//! too, read with `fetch` streaming rather than `EventSource`, so no token
//! ever sits in a URL that reaches a log.

use std::cell::RefCell;
use std::fmt::Write as _;

use gloo_net::http::{Request, RequestBuilder, Response};
use portal112_core::dto::{
    Credentials, DetailsVisibility, PublicConfig, StaffSession, StaffTicket, StaffTicketPage, TicketUpdate, Video,
};
use portal112_core::error::ErrorBody;
use portal112_core::staff::{
    AccountChange, AuditPage, LateReport, NearbyTicket, NewAccount, PhoneIntake, QueueEvent, ReplyTemplate,
    StaffAccount, StaffMe, StandbyNow, StandbySlot, TemplateInput, WebhookCreated, WebhookDelivery, WebhookEndpoint,
    WebhookInput,
};
use portal112_core::{ErrorEnvelope, Lang, TicketCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

const TOKEN_KEY: &str = "konsol112.token";
const LANG_KEY: &str = "konsol112.lang";

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No answer: offline, reset connection.
    Network,
    /// The server's error envelope.
    Server { status: u16, error: ErrorBody },
    /// Something unreadable (a proxy page).
    Unexpected { status: u16 },
    /// The screen that asked went away.
    Aborted,
}

impl Failure {
    /// The error body, when the server sent one.
    #[must_use]
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Failure::Server { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The sentence to show.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Failure::Server { error, .. } => error.message.clone(),
            Failure::Network | Failure::Aborted => match lang {
                Lang::Id => "Tidak ada sambungan ke server. Periksa jaringan, lalu coba lagi.".into(),
                Lang::En => "No connection to the server. Check the network, then try again.".into(),
            },
            Failure::Unexpected { status } => match lang {
                Lang::Id => format!("Server menjawab tidak seperti biasa (HTTP {status}). Coba lagi."),
                Lang::En => format!("The server gave an unexpected answer (HTTP {status}). Try again."),
            },
        }
    }
}

/// What runs when the server no longer accepts the token.
type SessionLost = Box<dyn Fn(String)>;

thread_local! {
    /// Told when the server no longer accepts the token (expired, revoked).
    static ON_SESSION_LOST: RefCell<Option<SessionLost>> = const { RefCell::new(None) };
}

/// What to do when a call answers 401: the console shows sign-in over the
/// current screen, so nothing typed is lost.
pub fn on_session_lost(f: impl Fn(String) + 'static) {
    ON_SESSION_LOST.with(|cell| *cell.borrow_mut() = Some(Box::new(f)));
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The token of this tab's session.
#[must_use]
pub fn token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok().flatten()
}

fn set_token(token: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match token {
            Some(t) => s.set_item(TOKEN_KEY, t),
            None => s.remove_item(TOKEN_KEY),
        };
    }
}

/// The language chosen on this device.
#[must_use]
pub fn saved_lang() -> Option<Lang> {
    let s = web_sys::window()?.local_storage().ok().flatten()?;
    Lang::from_tag(&s.get_item(LANG_KEY).ok().flatten()?)
}

pub fn save_lang(lang: Lang) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(LANG_KEY, lang.tag());
    }
}

thread_local! {
    static LANG: std::cell::Cell<Lang> = const { std::cell::Cell::new(Lang::Id) };
}

/// The language the server answers errors in.
pub fn set_lang(lang: Lang) {
    LANG.with(|l| l.set(lang));
}

pub use portal112_web::AbortOnDrop;

thread_local! {
    /// Counts sign-ins: a refusal of a request sent with an older session's
    /// token says nothing about the session now.
    static EPOCH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

fn epoch() -> u32 {
    EPOCH.with(std::cell::Cell::get)
}

/// The language and the token; with the sign-in the token belongs to.
fn with_headers(builder: RequestBuilder) -> (RequestBuilder, u32) {
    let lang = LANG.with(std::cell::Cell::get);
    let builder = builder.header("Accept-Language", lang.tag());
    let builder = match token() {
        Some(t) => builder.header("Authorization", &format!("Bearer {t}")),
        None => builder,
    };
    (builder, epoch())
}

async fn answer<T: DeserializeOwned>(result: Result<Response, gloo_net::Error>, sent: u32) -> Result<T, Failure> {
    let response = check(result, sent).await?;
    if response.status() == 204 {
        // Only `()` reads an empty body.
        return serde_json::from_str("null").map_err(|_| Failure::Unexpected { status: 204 });
    }
    response.json::<T>().await.map_err(|_| Failure::Unexpected { status: response.status() })
}

async fn check(result: Result<Response, gloo_net::Error>, sent: u32) -> Result<Response, Failure> {
    let response = match result {
        Ok(r) => r,
        Err(gloo_net::Error::JsError(e)) if e.name == "AbortError" => return Err(Failure::Aborted),
        Err(_) => return Err(Failure::Network),
    };
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let failure = match response.json::<ErrorEnvelope>().await {
        Ok(envelope) => Failure::Server { status, error: envelope.error },
        Err(_) => Failure::Unexpected { status },
    };
    if let Failure::Server { status: 401, error } = &failure
        && error.code == "unauthorized"
        && token().is_some()
        && sent == epoch()
    {
        let message = error.message.clone();
        ON_SESSION_LOST.with(|cell| {
            if let Some(f) = cell.borrow().as_ref() {
                f(message);
            }
        });
    }
    Err(failure)
}

async fn get<T: DeserializeOwned>(url: &str, abort: Option<AbortSignal>) -> Result<T, Failure> {
    let (builder, sent) = with_headers(Request::get(url));
    let builder = match abort {
        Some(s) => builder.abort_signal(Some(&s)),
        None => builder,
    };
    answer(builder.send().await, sent).await
}

async fn send<B: Serialize, T: DeserializeOwned>(method: &str, url: &str, body: &B) -> Result<T, Failure> {
    let builder = match method {
        "POST" => Request::post(url),
        "PUT" => Request::put(url),
        "PATCH" => Request::patch(url),
        _ => Request::delete(url),
    };
    let (builder, sent) = with_headers(builder);
    let request = builder.json(body).map_err(|_| Failure::Unexpected { status: 0 })?;
    answer(request.send().await, sent).await
}

/// Query strings from pairs, empty values left out.
#[must_use]
pub fn query(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&String::from(js_sys::encode_uri_component(v)));
    }
    out
}

pub async fn config() -> Result<PublicConfig, Failure> {
    get("/api/v1/config", None).await
}

/// Signs in; the token is kept for this tab.
pub async fn sign_in(credentials: &Credentials) -> Result<StaffSession, Failure> {
    let session: StaffSession = send("POST", "/api/v1/staff/session", credentials).await?;
    set_token(Some(&session.token));
    EPOCH.with(|e| e.set(e.get() + 1));
    Ok(session)
}

/// Who this tab is signed in as (checks the token is still good).
pub async fn me() -> Result<StaffMe, Failure> {
    get("/api/v1/staff/session", None).await
}

/// Ends the session on the server and forgets the token.
pub async fn sign_out() {
    let (builder, sent) = with_headers(Request::delete("/api/v1/staff/session"));
    let _ = check(builder.send().await, sent).await;
    set_token(None);
}

/// Forgets the token without asking the server (it already refused it).
pub fn forget_token() {
    set_token(None);
}

pub async fn tickets(query_string: String, abort: Option<AbortSignal>) -> Result<StaffTicketPage, Failure> {
    get(&format!("/api/v1/staff/tickets{query_string}"), abort).await
}

pub async fn ticket(code: &str, abort: Option<AbortSignal>) -> Result<StaffTicket, Failure> {
    get(&format!("/api/v1/staff/tickets/{}", js_sys::encode_uri_component(code)), abort).await
}

pub async fn change(code: &TicketCode, update: &TicketUpdate) -> Result<StaffTicket, Failure> {
    send("POST", &format!("/api/v1/staff/tickets/{code}/events"), update).await
}

/// Hides the ticket's details from the public, or shows them again.
pub async fn set_details_hidden(code: &TicketCode, request: &DetailsVisibility) -> Result<StaffTicket, Failure> {
    send("PUT", &format!("/api/v1/staff/tickets/{code}/details"), request).await
}

pub async fn nearby(code: &TicketCode) -> Result<Vec<NearbyTicket>, Failure> {
    get(&format!("/api/v1/staff/tickets/{code}/nearby"), None).await
}

/// Records a phone call as a ticket; `key` makes a repeated send harmless.
pub async fn intake(call: &PhoneIntake, key: &str) -> Result<StaffTicket, Failure> {
    let (builder, sent) = with_headers(Request::post("/api/v1/staff/tickets"));
    let request = builder.header("Idempotency-Key", key).json(call).map_err(|_| Failure::Unexpected { status: 0 })?;
    answer(request.send().await, sent).await
}

/// Adds an "after" photo to a ticket being resolved.
pub async fn add_after_photo(code: &TicketCode, file: &web_sys::File) -> Result<StaffTicket, Failure> {
    let form = web_sys::FormData::new().map_err(|_| Failure::Unexpected { status: 0 })?;
    form.append_with_blob_and_filename("photo", file, &file.name()).map_err(|_| Failure::Unexpected { status: 0 })?;
    let (builder, sent) = with_headers(Request::post(&format!("/api/v1/staff/tickets/{code}/photos")));
    let request = builder.body(form).map_err(|_| Failure::Unexpected { status: 0 })?;
    answer(request.send().await, sent).await
}

pub async fn agency_staff(agency: &str) -> Result<Vec<String>, Failure> {
    get(&format!("/api/v1/staff/agencies/{}/staff", js_sys::encode_uri_component(agency)), None).await
}

pub async fn templates() -> Result<Vec<ReplyTemplate>, Failure> {
    get("/api/v1/staff/templates", None).await
}

pub async fn add_template(t: &TemplateInput) -> Result<ReplyTemplate, Failure> {
    send("POST", "/api/v1/staff/templates", t).await
}

pub async fn save_template(id: i64, t: &TemplateInput) -> Result<ReplyTemplate, Failure> {
    send("PUT", &format!("/api/v1/staff/templates/{id}"), t).await
}

pub async fn remove_template(id: i64) -> Result<(), Failure> {
    send("DELETE", &format!("/api/v1/staff/templates/{id}"), &()).await
}

pub async fn webhooks() -> Result<Vec<WebhookEndpoint>, Failure> {
    get("/api/v1/staff/webhooks", None).await
}

pub async fn add_webhook(input: &WebhookInput) -> Result<WebhookCreated, Failure> {
    send("POST", "/api/v1/staff/webhooks", input).await
}

pub async fn remove_webhook(id: i64) -> Result<(), Failure> {
    send("DELETE", &format!("/api/v1/staff/webhooks/{id}"), &()).await
}

pub async fn deliveries(failed_only: bool) -> Result<Vec<WebhookDelivery>, Failure> {
    let q = query(&[("state", if failed_only { "failed".into() } else { String::new() }), ("limit", "100".into())]);
    get(&format!("/api/v1/staff/webhooks/deliveries{q}"), None).await
}

pub async fn resend_delivery(id: &str) -> Result<WebhookDelivery, Failure> {
    let id = String::from(js_sys::encode_uri_component(id));
    send("POST", &format!("/api/v1/staff/webhooks/deliveries/{id}/resend"), &()).await
}

pub async fn accounts() -> Result<Vec<StaffAccount>, Failure> {
    get("/api/v1/staff/accounts", None).await
}

pub async fn add_account(a: &NewAccount) -> Result<StaffAccount, Failure> {
    send("POST", "/api/v1/staff/accounts", a).await
}

pub async fn change_account(username: &str, c: &AccountChange) -> Result<StaffAccount, Failure> {
    send("PATCH", &format!("/api/v1/staff/accounts/{}", js_sys::encode_uri_component(username)), c).await
}

pub async fn standby(from: &str, days: u8) -> Result<Vec<StandbySlot>, Failure> {
    get(&format!("/api/v1/staff/standby{}", query(&[("from", from.to_owned()), ("days", days.to_string())])), None)
        .await
}

pub async fn set_standby(slot: &StandbySlot) -> Result<StandbySlot, Failure> {
    send("PUT", "/api/v1/staff/standby", slot).await
}

pub async fn late() -> Result<LateReport, Failure> {
    get("/api/v1/staff/late", None).await
}

pub async fn standby_now() -> Result<Vec<StandbyNow>, Failure> {
    get("/api/v1/staff/standby/now", None).await
}

pub async fn audit(query_string: &str) -> Result<AuditPage, Failure> {
    get(&format!("/api/v1/staff/audit{query_string}"), None).await
}

pub async fn videos() -> Result<Vec<Video>, Failure> {
    get("/api/v1/videos", None).await
}

pub async fn remove_video(id: &str) -> Result<(), Failure> {
    send("DELETE", &format!("/api/v1/staff/videos/{}", js_sys::encode_uri_component(id)), &()).await
}

/// Adds a `YouTube` video to an agency's catalogue.
pub async fn add_youtube_video(
    agency: &str,
    title_id: &str,
    title_en: &str,
    youtube_id: &str,
) -> Result<Video, Failure> {
    let body = serde_json::json!({
        "agency": agency, "title": {"id": title_id, "en": title_en}, "youtube_id": youtube_id,
    });
    send("POST", "/api/v1/staff/videos", &body).await
}

/// What the live stream says.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    Ticket(Box<QueueEvent>),
    /// The session ended on the server: sign in again.
    SessionEnded,
}

/// Follows the live queue until `abort` drops or the stream ends; `on` gets
/// every event. Returns why it stopped so the caller can reconnect.
pub async fn follow_queue(abort: Option<AbortSignal>, on: impl Fn(Live)) -> Result<(), Failure> {
    let (builder, sent) = with_headers(Request::get("/api/v1/staff/stream"));
    let builder = builder.header("Accept", "text/event-stream");
    let builder = match abort {
        Some(s) => builder.abort_signal(Some(&s)),
        None => builder,
    };
    let response = check(builder.send().await, sent).await?;
    let Some(body) = response.body() else { return Err(Failure::Unexpected { status: response.status() }) };
    let reader: web_sys::ReadableStreamDefaultReader =
        body.get_reader().dyn_into().map_err(|_| Failure::Unexpected { status: 0 })?;
    let decoder = web_sys::TextDecoder::new().map_err(|_| Failure::Unexpected { status: 0 })?;
    let options = web_sys::TextDecodeOptions::new();
    options.set_stream(true);
    let mut buffer = String::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| Failure::Network)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).ok().and_then(|v| v.as_bool()).unwrap_or(true);
        if done {
            return Ok(());
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) else { continue };
        let Ok(bytes) = value.dyn_into::<js_sys::Uint8Array>() else { continue };
        let text = decoder.decode_with_js_u8_array_and_options(&bytes, &options).unwrap_or_default();
        buffer.push_str(&text.replace("\r\n", "\n"));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            match parse_event(&block) {
                // The session this stream was opened with ended; if a newer
                // one exists, the caller simply follows again with it.
                Some(Live::SessionEnded) if sent != epoch() => return Ok(()),
                Some(live) => on(live),
                None => {}
            }
        }
    }
}

/// One Server-Sent Events block: `event:` name and `data:` lines.
fn parse_event(block: &str) -> Option<Live> {
    let mut name = "message";
    let mut data = String::new();
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            name = v.trim();
        } else if let Some(v) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    match name {
        "ticket" => serde_json::from_str(&data).ok().map(|e| Live::Ticket(Box::new(e))),
        "session_ended" => Some(Live::SessionEnded),
        _ => None,
    }
}

/// A fresh random key (for idempotent sends).
#[must_use]
pub fn random_key() -> String {
    let mut bytes = [0_u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().fold(String::with_capacity(32), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
