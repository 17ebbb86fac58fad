//! What the citizens' portal and Konsol 112 both need from the browser:
//! Leaflet loaded once and only when a map is first shown, and a fetch that
//! ends with the screen that started it.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

/// Cancels its request when dropped (a component's fetch ends with the component).
#[derive(Debug)]
pub struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    /// A fresh controller (none if the browser lacks `AbortController`, and
    /// none outside the browser, where views are only rendered to HTML).
    #[must_use]
    pub fn new() -> Self {
        if cfg!(target_arch = "wasm32") { Self(AbortController::new().ok()) } else { Self(None) }
    }

    /// The signal to pass to a request.
    #[must_use]
    pub fn signal(&self) -> Option<AbortSignal> {
        self.0.as_ref().map(AbortController::signal)
    }
}

impl Default for AbortOnDrop {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.abort();
        }
    }
}

thread_local! {
    static LEAFLET: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// Loads Leaflet's CSS and script (`/leaflet/`, the npm package the build
/// copies) once; resolves when both have loaded. A failure (no signal) lets
/// the next call try again.
///
/// The style sheet is waited for too: Leaflet finds its marker image through
/// it when the first marker is made, and before it has applied, a marker
/// asks for `marker-icon.png` beside the page instead (a broken image on
/// Konsol 112, whose pages are under `/petugas/`).
pub async fn load_leaflet() -> Result<(), JsValue> {
    let promise = LEAFLET.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                    return js_sys::Promise::reject(&JsValue::NULL);
                };
                let css = loaded(&doc, "link", &[("rel", "stylesheet"), ("href", "/leaflet/leaflet.css")]);
                let script = loaded(&doc, "script", &[("src", "/leaflet/leaflet.js")]);
                js_sys::Promise::all(&js_sys::Array::of2(&css, &script))
            })
            .clone()
    });
    match JsFuture::from(promise).await {
        Ok(_) => Ok(()),
        Err(e) => {
            LEAFLET.with(|cell| cell.borrow_mut().take());
            Err(e)
        }
    }
}

/// Adds an element that loads something (a style sheet, a script) to the
/// page's head; resolves on its `load`, rejects on its `error`.
fn loaded(doc: &web_sys::Document, tag: &str, attributes: &[(&str, &str)]) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, reject| {
        let (Ok(element), Some(head)) = (doc.create_element(tag), doc.head()) else {
            let _ = reject.call0(&JsValue::NULL);
            return;
        };
        for (name, value) in attributes {
            let _ = element.set_attribute(name, value);
        }
        let _ = element.add_event_listener_with_callback("load", &resolve);
        let _ = element.add_event_listener_with_callback("error", &reject);
        let _ = head.append_child(&element);
    })
}
