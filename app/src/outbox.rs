//! Reports waiting for a signal. A report enters the outbox before the first
//! send is tried and leaves it only when the server has acknowledged it, so
//! no sequence of failures loses it; its one Idempotency-Key makes every
//! re-send return the same ticket instead of creating another.
//!
//! Reading, changing and sending what waits are in the outbox's part of the
//! WebAssembly (`wasm_split`): most visits have nothing waiting, so `/`
//! carries none of that code, and fetches the part only when the phone has
//! something to send.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use portal112_core::Lang;
use portal112_core::dto::CreatedReport;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiFailure};
use crate::device::{self, Pending, Step};
use crate::route::{Nav, Page};

/// What happened to a report the outbox tried to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Delivered(Box<CreatedReport>),
    /// Not sent yet; it stays and is tried again.
    Waiting,
    /// The server refused it; it needs the citizen's attention.
    Refused(ApiFailure),
}

/// The outbox, shared through the app's context.
#[derive(Debug, Clone, Copy)]
pub struct Outbox {
    /// What waits, as last read from the phone (empty until `loaded`).
    pub items: RwSignal<Vec<Pending>>,
    /// Whether `items` has been read from the phone: nothing is ever written
    /// back from a list that was not.
    loaded: RwSignal<bool>,
    busy: RwSignal<bool>,
    /// The last report delivered in the background, for a notice.
    pub delivered: RwSignal<Option<CreatedReport>>,
}

impl Outbox {
    /// Loads what is waiting and starts sending it whenever there is a chance:
    /// now, when the phone comes back online, and every 20 seconds meanwhile.
    #[must_use]
    pub fn start(lang: Signal<Lang>) -> Self {
        let outbox = Self {
            items: RwSignal::new(Vec::new()),
            // Nothing kept: nothing to read (and no part to fetch).
            loaded: RwSignal::new(!device::has_outbox()),
            busy: RwSignal::new(false),
            delivered: RwSignal::new(None),
        };
        let retry = move || {
            let o = outbox;
            spawn_local(async move {
                o.flush(lang.get_untracked()).await;
            });
        };
        retry();
        if let Some(window) = web_sys::window() {
            let on_online = Closure::<dyn Fn()>::new(retry);
            let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
            on_online.forget();
            let tick = Closure::<dyn Fn()>::new(move || {
                if !outbox.loaded.get_untracked()
                    || outbox.items.with_untracked(|i| i.iter().any(|p| p.refused.is_none()))
                {
                    retry();
                }
            });
            let _ =
                window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 20_000);
            tick.forget();
        }
        outbox
    }

    /// An empty outbox that sends nothing: a page rendered ahead outside the
    /// browser shows what a first visit shows.
    #[cfg(not(target_arch = "wasm32"))]
    #[must_use]
    pub fn empty() -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(true),
            busy: RwSignal::new(false),
            delivered: RwSignal::new(None),
        }
    }

    /// Adds a report; it is on the device before anything is sent.
    ///
    /// Added to what the phone keeps, read again now: the list in memory may
    /// not have been read yet (the part was still on its way), and writing
    /// it back would lose what waited.
    pub fn enqueue(&self, pending: Pending) -> bool {
        let mut items = device::outbox();
        items.retain(|p| p.key != pending.key);
        items.push(pending);
        let saved = device::save_outbox(&items);
        self.items.set(items);
        self.loaded.set(true);
        saved
    }

    /// Takes a report out (delivered, or returned to the form for editing);
    /// the report taken out, if it was there.
    pub fn remove(&self, key: &str) -> Option<Pending> {
        let mut items = device::outbox();
        let removed = items.iter().position(|p| p.key == key).map(|i| items.remove(i));
        device::save_outbox(&items);
        self.items.set(items);
        self.loaded.set(true);
        removed
    }

    /// Puts a refused report back into the form, with its key, to be fixed;
    /// not while another report is being written there (the citizen finishes
    /// or clears that one first). Then opens the form either way.
    pub fn edit_again(&self, key: &str, nav: Nav) {
        let outbox = *self;
        let key = key.to_owned();
        spawn_local(async move {
            let _ = editing_again(outbox, key).await;
            nav.go(&Page::Report);
        });
    }

    /// Takes a report out for good, with its photos (the citizen discarded it).
    ///
    /// The photos live in IndexedDB, whose code is in the outbox's part of
    /// the WebAssembly, like sending: `/` does not carry it for the rare
    /// phone that discards a refused report.
    pub fn discard(&self, key: &str) {
        let outbox = *self;
        let key = key.to_owned();
        spawn_local(async move {
            if let Ok(discarded) = discarding(outbox, key).await {
                discarded.await;
            }
        });
    }

    /// Tries to send one report now.
    ///
    /// Sending (reading the photos from IndexedDB, the multipart request) is a
    /// part of the WebAssembly of its own: most visits never send anything, so
    /// `/` does not carry it. A part that does not arrive means no signal, and
    /// the report waits like any other.
    pub async fn send(&self, key: &str, lang: Lang) -> Delivery {
        match sending(*self, key.to_owned(), lang).await {
            Ok(delivery) => delivery.await,
            Err(NotLoaded) => Delivery::Waiting,
        }
    }

    async fn send_now(&self, key: &str, lang: Lang) -> Delivery {
        let Some(pending) = self.items.with_untracked(|i| i.iter().find(|p| p.key == key).cloned()) else {
            return Delivery::Waiting;
        };
        let mut photos = Vec::with_capacity(pending.draft.photo_ids.len());
        for id in &pending.draft.photo_ids {
            match device::photos::get(id).await {
                Ok(Some(blob)) => photos.push(blob),
                // A photo the browser lost cannot be recovered; send the rest.
                Ok(None) => {}
                Err(_) => return Delivery::Waiting,
            }
        }
        let result = api::send_report(&pending.draft.to_report(), &photos, &pending.key, lang).await;
        match result {
            Ok(created) => {
                device::remember_ticket(&created.ticket, &pending.draft.category);
                let _ = device::photos::delete(&pending.draft.photo_ids).await;
                self.remove(key);
                Delivery::Delivered(Box::new(created))
            }
            Err(e) if e.is_transient() => {
                self.items.update(|items| {
                    if let Some(p) = items.iter_mut().find(|p| p.key == key) {
                        p.attempts += 1;
                    }
                    device::save_outbox(items);
                });
                Delivery::Waiting
            }
            Err(e) => {
                let message = match &e {
                    ApiFailure::Server { error, .. } => error.message.clone(),
                    _ => String::new(),
                };
                self.items.update(|items| {
                    if let Some(p) = items.iter_mut().find(|p| p.key == key) {
                        p.refused = Some(message);
                    }
                    device::save_outbox(items);
                });
                Delivery::Refused(e)
            }
        }
    }

    /// Sends everything waiting, one at a time; does nothing while already busy.
    pub async fn flush(&self, lang: Lang) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        if !self.loaded.get_untracked() {
            // The part did not arrive: no signal; the next chance tries again.
            if reading(*self).await.is_err() {
                self.busy.set(false);
                return;
            }
        }
        let keys: Vec<String> =
            self.items.with_untracked(|i| i.iter().filter(|p| p.refused.is_none()).map(|p| p.key.clone()).collect());
        for key in keys {
            match self.send(&key, lang).await {
                Delivery::Delivered(created) => self.delivered.set(Some(*created)),
                // No signal: the others will not get through either.
                Delivery::Waiting => break,
                Delivery::Refused(_) => {}
            }
        }
        self.busy.set(false);
    }

    /// Whether a send is under way.
    #[must_use]
    pub fn is_busy(&self) -> bool {
        self.busy.get()
    }
}

/// Deletes the photos of a draft the citizen is done with (started over, or
/// joined a report already made).
///
/// IndexedDB's code lives in the outbox's part, like sending and discarding:
/// the report form does not carry it for this. When the part does not arrive
/// the photos stay behind, which only takes room on the phone.
pub fn delete_photos(ids: Vec<String>) {
    if ids.is_empty() {
        return;
    }
    spawn_local(async move {
        if let Ok(deleted) = deleting_photos(ids).await {
            deleted.await;
        }
    });
}

/// Fetches the sending part ahead (the report form does, so "Kirim" does not
/// wait for it); a failure is tried again when a report is sent.
pub async fn preload() {
    _ = preload_sending().await;
}

/// The outbox's part of the WebAssembly did not arrive.
struct NotLoaded;

impl From<SplitLoaderError> for NotLoaded {
    fn from(_: SplitLoaderError) -> Self {
        NotLoaded
    }
}

type Sending = Pin<Box<dyn Future<Output = Delivery>>>;

/// Reads what waits on the phone into the outbox.
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, fallible)]
fn reading(outbox: Outbox) -> Result<(), NotLoaded> {
    outbox.items.set(device::outbox());
    outbox.loaded.set(true);
    Ok(())
}

/// Takes a report out for good, then its photos. A photo left behind (the
/// browser refused) only takes room; the report is gone, as the citizen asked.
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, fallible)]
fn discarding(outbox: Outbox, key: String) -> Result<Pin<Box<dyn Future<Output = ()>>>, NotLoaded> {
    let photo_ids = outbox.remove(&key).map(|p| p.draft.photo_ids).unwrap_or_default();
    Ok(Box::pin(async move {
        let _ = device::photos::delete(&photo_ids).await;
    }))
}

/// See [`delete_photos`].
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, fallible)]
fn deleting_photos(ids: Vec<String>) -> Result<Pin<Box<dyn Future<Output = ()>>>, NotLoaded> {
    Ok(Box::pin(async move {
        let _ = device::photos::delete(&ids).await;
    }))
}

/// See [`Outbox::edit_again`]; true when the report went back into the form.
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, fallible)]
fn editing_again(outbox: Outbox, key: String) -> Result<bool, NotLoaded> {
    if !device::load_draft().is_empty() {
        return Ok(false);
    }
    let Some(pending) = device::outbox().into_iter().find(|p| p.key == key) else { return Ok(false) };
    let mut draft = pending.draft;
    draft.step = Step::Review;
    if !device::save_draft(&draft) {
        // The phone refused to keep it: it stays in the outbox, not lost.
        return Ok(false);
    }
    outbox.remove(&key);
    Ok(true)
}

#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, preload(preload_sending), fallible)]
fn sending(outbox: Outbox, key: String, lang: Lang) -> Result<Sending, NotLoaded> {
    Ok(Box::pin(async move { outbox.send_now(&key, lang).await }))
}
