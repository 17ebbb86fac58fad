//! What the phone keeps: the draft being typed, reports waiting for a signal,
//! the tickets sent from this device, the last known state of each, and the
//! chosen language. Small JSON goes to `localStorage`; photos (blobs) go to
//! IndexedDB, which has room for them.

use std::fmt::Write as _;

use portal112_core::dto::{PublicConfig, PublicTicket, ReportLocation};
use portal112_core::{Lang, Status};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const DRAFT: &str = "p112.draft";
const OUTBOX: &str = "p112.outbox";
const MY_TICKETS: &str = "p112.tickets";
const LANG: &str = "p112.lang";
/// The city configuration (postcard in base64: storage holds text). Its
/// former key held JSON, which is removed on the first save.
const CONFIG: &str = "p112.city";
const OLD_CONFIG: &str = "p112.config";
const TICKET_PREFIX: &str = "p112.ticket.";
const DEVICE_KEY: &str = "p112.device";

/// The browser's storage; none outside the browser, where the app's views are
/// only rendered to HTML (as for a first visit: nothing kept yet).
fn storage() -> Option<web_sys::Storage> {
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    web_sys::window()?.local_storage().ok().flatten()
}

fn read<T: DeserializeOwned>(key: &str) -> Option<T> {
    crate::json::from_str(&storage()?.get_item(key).ok()??)
}

/// Writes a value; false when the browser refused (storage full or disabled).
fn write<T: Serialize>(key: &str, value: &T) -> bool {
    let Some(s) = storage() else { return false };
    crate::json::to_string(value).is_some_and(|json| s.set_item(key, &json).is_ok())
}

fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// A random identifier from the browser's CSPRNG (32 hex characters).
#[must_use]
pub fn random_id() -> String {
    let mut bytes = [0_u8; 16];
    if !cfg!(target_arch = "wasm32") {
        // Rendered to HTML outside the browser: a draft's key is never kept there.
        return "0".repeat(32);
    }
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No crypto at all (very old browser): still unique enough per device.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Milliseconds since the epoch, from the browser's clock (the server's, for
/// a page rendered ahead).
#[must_use]
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    // Pages rendered ahead on the server read the server's clock.
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64)
    }
}

/// The steps of the report form, in order. A draft remembers the one it is
/// on, kept on the phone as its index (0–4), as drafts always were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(from = "u8", into = "u8")]
pub enum Step {
    /// What happened: the category.
    #[default]
    Category,
    /// Where: the map, or kecamatan, kelurahan and address.
    Location,
    /// The description and photos.
    Details,
    /// Contact, or anonymous.
    Contact,
    /// Check and send.
    Review,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [Step::Category, Step::Location, Step::Details, Step::Contact, Step::Review];

    /// The step after this one (the last stays the last).
    #[must_use]
    pub fn next(self) -> Step {
        Step::from(u8::from(self) + 1)
    }

    /// The step before this one (the first stays the first).
    #[must_use]
    pub fn previous(self) -> Step {
        Step::from(u8::from(self).saturating_sub(1))
    }

    /// Its number as people count: 1 for the first.
    #[must_use]
    pub fn number(self) -> u8 {
        u8::from(self) + 1
    }
}

impl From<Step> for u8 {
    fn from(step: Step) -> u8 {
        step as u8
    }
}

impl From<u8> for Step {
    /// Past the last step is the last step.
    fn from(index: u8) -> Step {
        Step::ALL.get(usize::from(index)).copied().unwrap_or(Step::Review)
    }
}

/// The report being written, saved as it is typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// The Idempotency-Key every send of this report uses.
    pub key: String,
    pub step: Step,
    pub category: String,
    pub location: Option<ReportLocation>,
    pub district: String,
    pub village: String,
    pub address: String,
    pub description: String,
    /// Keys of the photos in IndexedDB, in order.
    pub photo_ids: Vec<String>,
    pub anonymous: bool,
    pub name: String,
    pub phone: String,
    pub email: String,
}

impl Draft {
    /// A fresh, empty draft with its own key.
    #[must_use]
    pub fn start() -> Self {
        Self { key: random_id(), ..Self::default() }
    }

    /// The report as the API takes it.
    #[must_use]
    pub fn to_report(&self) -> portal112_core::dto::NewReport {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let contact =
            portal112_core::dto::Contact { name: opt(&self.name), phone: opt(&self.phone), email: opt(&self.email) };
        let has_contact = contact.name.is_some() || contact.phone.is_some() || contact.email.is_some();
        portal112_core::dto::NewReport {
            category: self.category.clone(),
            description: self.description.clone(),
            location: self.location,
            district: opt(&self.district),
            village: opt(&self.village),
            address: opt(&self.address),
            anonymous: self.anonymous,
            contact: (!self.anonymous && has_contact).then_some(contact),
        }
    }

    /// Whether anything has been entered yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.category.is_empty()
            && self.location.is_none()
            && self.district.is_empty()
            && self.address.is_empty()
            && self.description.is_empty()
            && self.photo_ids.is_empty()
    }
}

/// The saved draft, or a new one.
#[must_use]
pub fn load_draft() -> Draft {
    read::<Draft>(DRAFT).filter(|d| !d.key.is_empty()).unwrap_or_else(Draft::start)
}

/// Saves the draft; false when the phone refused.
pub fn save_draft(draft: &Draft) -> bool {
    write(DRAFT, draft)
}

/// Forgets the draft (its photos are removed separately).
pub fn clear_draft() {
    remove(DRAFT);
}

/// A report that has not reached the server yet: the draft it was sent from
/// (which holds its key and photos), so it can go back into the form as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub key: String,
    pub draft: Draft,
    pub queued_at: f64,
    pub attempts: u32,
    /// Set when the server refused the report for good (it needs editing).
    #[serde(default)]
    pub refused: Option<String>,
}

/// Reports waiting to be sent.
#[must_use]
pub fn outbox() -> Vec<Pending> {
    read(OUTBOX).unwrap_or_default()
}

/// Whether any report has been kept in the outbox (without reading it).
#[must_use]
pub fn has_outbox() -> bool {
    storage().and_then(|s| s.get_item(OUTBOX).ok().flatten()).is_some_and(|json| json != "[]")
}

/// Replaces the outbox.
pub fn save_outbox(items: &[Pending]) -> bool {
    write(OUTBOX, &items)
}

/// A ticket sent from this device, with its last known state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyTicket {
    pub code: String,
    pub category: String,
    pub created_at: String,
    pub status: Status,
    pub updated_at: String,
}

/// Tickets sent from this device, newest first.
#[must_use]
pub fn my_tickets() -> Vec<MyTicket> {
    read(MY_TICKETS).unwrap_or_default()
}

/// Adds or refreshes a ticket in "Laporan saya".
pub fn remember_ticket(t: &PublicTicket, category: &str) {
    let mut list = my_tickets();
    let code = t.code.to_string();
    let entry = MyTicket {
        code: code.clone(),
        category: category.to_owned(),
        created_at: t.created_at.clone(),
        status: t.status,
        updated_at: t.updated_at.clone(),
    };
    match list.iter_mut().find(|m| m.code == code) {
        Some(existing) => *existing = MyTicket { category: existing.category.clone(), ..entry },
        None => list.insert(0, entry),
    }
    write(MY_TICKETS, &list);
}

/// Updates the last known status of a ticket that is in "Laporan saya".
pub fn refresh_my_ticket(t: &PublicTicket) {
    let mut list = my_tickets();
    let code = t.code.to_string();
    if let Some(m) = list.iter_mut().find(|m| m.code == code) {
        m.status = t.status;
        m.updated_at.clone_from(&t.updated_at);
        write(MY_TICKETS, &list);
    }
}

/// The last public view seen of a ticket, for when the phone is offline.
#[must_use]
pub fn cached_ticket(code: &str) -> Option<PublicTicket> {
    read(&format!("{TICKET_PREFIX}{code}"))
}

/// Keeps the public view of a ticket for offline use, as the server sent it
/// (storing the JSON text spares the app a serialiser for every type in it).
pub fn cache_ticket_json(code: &str, json: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&format!("{TICKET_PREFIX}{code}"), json);
    }
}

/// The city configuration last fetched, to start instantly and offline.
#[must_use]
pub fn cached_config() -> Option<PublicConfig> {
    let kept = storage()?.get_item(CONFIG).ok()??;
    let binary = web_sys::window()?.atob(&kept).ok()?;
    // atob gives one character per byte.
    let bytes: Option<Vec<u8>> = binary.chars().map(|c| u8::try_from(c).ok()).collect();
    crate::json::config(&bytes?)
}

/// Whether a configuration is kept (without reading it: the app reads it
/// once, when it starts; one it cannot read is fetched again there).
#[must_use]
pub fn has_cached_config() -> bool {
    storage().and_then(|s| s.get_item(CONFIG).ok().flatten()).is_some()
}

/// Keeps the city configuration as the server sent it.
pub fn cache_config(bytes: &[u8]) {
    let Some(s) = storage() else { return };
    // btoa takes one character per byte.
    let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
    if let Some(kept) = web_sys::window().and_then(|w| w.btoa(&binary).ok()) {
        let _ = s.set_item(CONFIG, &kept);
    }
    let _ = s.remove_item(OLD_CONFIG);
}

/// This phone's own key for "me too" (made once, kept): the server counts
/// a phone once per ticket, however often it asks.
#[must_use]
pub fn device_key() -> String {
    if let Some(key) = read::<String>(DEVICE_KEY) {
        return key;
    }
    let key = random_id();
    write(DEVICE_KEY, &key);
    key
}

/// The language chosen on this device, if any.
#[must_use]
pub fn saved_lang() -> Option<Lang> {
    read(LANG)
}

/// Remembers the language, also in a cookie: the server renders the pages
/// ahead in it (Indonesian without one), so the app's view matches the page.
pub fn save_lang(lang: Lang) {
    write(LANG, &lang);
    lang_cookie(lang);
}

/// Tells the server the language of this phone (see [`save_lang`]).
pub fn lang_cookie(lang: Lang) {
    use wasm_bindgen::JsCast as _;
    if let Some(doc) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
    {
        let _ = doc.set_cookie(&format!("p112.lang={}; path=/; max-age=31536000; samesite=lax", lang.tag()));
    }
}

/// Photo blobs in IndexedDB.
pub mod photos {
    use rexie::{ObjectStore, Rexie, TransactionMode};
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::Blob;

    const DB: &str = "portal112";
    /// IndexedDB failures are not told apart: the caller retries or gives up.
    const IDB_FAILED: &str = "IndexedDB refused the operation";
    const STORE: &str = "photos";

    async fn open() -> Result<Rexie, &'static str> {
        Rexie::builder(DB).version(1).add_object_store(ObjectStore::new(STORE)).build().await.map_err(|_| IDB_FAILED)
    }

    /// Stores a photo under `id`.
    pub async fn put(id: &str, blob: &Blob) -> Result<(), &'static str> {
        let db = open().await?;
        let tx = db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(|_| IDB_FAILED)?;
        let store = tx.store(STORE).map_err(|_| IDB_FAILED)?;
        store.put(blob.as_ref(), Some(&JsValue::from_str(id))).await.map_err(|_| IDB_FAILED)?;
        tx.done().await.map_err(|_| IDB_FAILED)?;
        Ok(())
    }

    /// Reads a photo.
    pub async fn get(id: &str) -> Result<Option<Blob>, &'static str> {
        let db = open().await?;
        let tx = db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(|_| IDB_FAILED)?;
        let store = tx.store(STORE).map_err(|_| IDB_FAILED)?;
        let value = store.get(JsValue::from_str(id)).await.map_err(|_| IDB_FAILED)?;
        Ok(value.and_then(|v| v.dyn_into::<Blob>().ok()))
    }

    /// Removes photos (after they reached the server, or were taken out).
    pub async fn delete(ids: &[String]) -> Result<(), &'static str> {
        if ids.is_empty() {
            return Ok(());
        }
        let db = open().await?;
        let tx = db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(|_| IDB_FAILED)?;
        let store = tx.store(STORE).map_err(|_| IDB_FAILED)?;
        for id in ids {
            store.delete(JsValue::from_str(id)).await.map_err(|_| IDB_FAILED)?;
        }
        tx.done().await.map_err(|_| IDB_FAILED)?;
        Ok(())
    }
}
