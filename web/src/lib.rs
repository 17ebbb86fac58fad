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
/// copies) once; resolves when `L` exists. A failure (no signal) lets the
/// next call try again.
pub async fn load_leaflet() -> Result<(), JsValue> {
    let promise = LEAFLET.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                js_sys::Promise::new(&mut |resolve, reject| {
                    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                        let _ = reject.call0(&JsValue::NULL);
                        return;
                    };
                    if let Ok(link) = doc.create_element("link") {
                        let _ = link.set_attribute("rel", "stylesheet");
                        let _ = link.set_attribute("href", "/leaflet/leaflet.css");
                        let _ = doc.head().map(|h| h.append_child(&link));
                    }
                    let Ok(script) = doc.create_element("script") else {
                        let _ = reject.call0(&JsValue::NULL);
                        return;
                    };
                    let _ = script.set_attribute("src", "/leaflet/leaflet.js");
                    let _ = script.add_event_listener_with_callback("load", &resolve);
                    let _ = script.add_event_listener_with_callback("error", &reject);
                    let _ = doc.head().map(|h| h.append_child(&script));
                })
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
