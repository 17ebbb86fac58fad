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

/// Which of the two Leaflet builds a map needs (scripts/build-leaflet.sh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Leaflet {
    /// Tiles, markers and circles (app/leaflet.js): the report form's map
    /// and Konsol 112's, about 23.8 KB brotli.
    Basic,
    /// With popups, tooltips, layer groups and circle markers
    /// (app/leaflet-full.js): the public map of reports, about 26.6 KB.
    Full,
}

impl Leaflet {
    fn script(self) -> &'static str {
        match self {
            Leaflet::Basic => "/leaflet/leaflet.js",
            Leaflet::Full => "/leaflet/leaflet-full.js",
        }
    }

    /// Its style sheet: the basic build's leaves out the rules of popups,
    /// tooltips, the layers control and box zoom (scripts/leaflet-css.py).
    fn style_sheet(self) -> &'static str {
        match self {
            Leaflet::Basic => "/leaflet/leaflet.css",
            Leaflet::Full => "/leaflet/leaflet-full.css",
        }
    }
}

thread_local! {
    /// The build loaded or on its way, and when it (with the style sheet) is there.
    static LEAFLET: RefCell<Option<(Leaflet, js_sys::Promise)>> = const { RefCell::new(None) };
}

/// Loads Leaflet's CSS and the script of `build` (`/leaflet/`) once;
/// resolves when both have loaded. A failure (no signal) lets the next call
/// try again.
///
/// A page that needs the full build after the basic one (the public map,
/// opened after the report form's map) loads it after the basic one has
/// finished, so that the global `L` it sets is not set again by the basic
/// one's script arriving later. Each build is the whole of Leaflet: the full
/// one serves the basic one's maps too.
///
/// The style sheet is waited for too: Leaflet finds its marker image through
/// it when the first marker is made, and before it has applied, a marker
/// asks for `marker-icon.png` beside the page instead (a broken image on
/// Konsol 112, whose pages are under `/petugas/`).
pub async fn load_leaflet(build: Leaflet) -> Result<(), JsValue> {
    let promise = LEAFLET.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some((loaded_build, promise)) = &*cell
            && *loaded_build >= build
        {
            return promise.clone();
        }
        let promise = match (cell.take(), web_sys::window().and_then(|w| w.document())) {
            (_, None) => js_sys::Promise::reject(&JsValue::NULL),
            (None, Some(doc)) => {
                let css = loaded(&doc, "link", &[("rel", "stylesheet"), ("href", build.style_sheet())]);
                let script = loaded(&doc, "script", &[("src", build.script())]);
                js_sys::Promise::all(&js_sys::Array::of2(&css, &script))
            }
            (Some((_, basic)), Some(doc)) => wasm_bindgen_futures::future_to_promise(async move {
                // Once the basic build's loading has ended either way, with
                // this build's own style sheet (the basic one's stays: it
                // holds nothing the full one does not).
                let _ = JsFuture::from(basic).await;
                JsFuture::from(loaded(&doc, "link", &[("rel", "stylesheet"), ("href", build.style_sheet())])).await?;
                JsFuture::from(loaded(&doc, "script", &[("src", build.script())])).await
            }),
        };
        *cell = Some((build, promise.clone()));
        promise
    });
    match JsFuture::from(promise.clone()).await {
        Ok(_) => Ok(()),
        Err(e) => {
            // Unless a later call has already started another load.
            LEAFLET.with(|cell| {
                let mut cell = cell.borrow_mut();
                if cell.as_ref().is_some_and(|(_, p)| JsValue::from(p) == JsValue::from(&promise)) {
                    *cell = None;
                }
            });
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
