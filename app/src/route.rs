//! The [`Page`] enum every link is built from, and the small router that
//! maps the address bar to a page.
//!
//! The router is ours rather than `leptos_router`: the portal has six
//! routes, and a few dozen lines here cost far less WebAssembly (measured:
//! about 58 KB brotli less) than the general-purpose router.

use std::fmt::Write as _;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// A page of the app; its [`path`](Page::path) is the only way links are made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Page {
    Home,
    Report,
    /// Tracking, optionally of one code (as typed in the address).
    Track(Option<String>),
    /// Videos, optionally of one agency.
    Videos(Option<String>),
    /// The public map of reports.
    Map,
    /// How the city answers reports.
    Stats,
    /// An address the portal does not have.
    NotFound,
}

impl Page {
    const REPORT: &'static str = "lapor";
    const TRACK: &'static str = "lacak";
    const VIDEOS: &'static str = "video";
    const MAP: &'static str = "peta";
    const STATS: &'static str = "statistik";

    /// The page's URL path.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Page::Home | Page::NotFound => "/".into(),
            Page::Report => format!("/{}", Self::REPORT),
            Page::Track(None) => format!("/{}", Self::TRACK),
            Page::Track(Some(code)) => format!("/{}/{}", Self::TRACK, encode(code)),
            Page::Videos(None) => format!("/{}", Self::VIDEOS),
            Page::Videos(Some(agency)) => format!("/{}/{}", Self::VIDEOS, encode(agency)),
            Page::Map => format!("/{}", Self::MAP),
            Page::Stats => format!("/{}", Self::STATS),
        }
    }

    /// The page an address shows.
    #[must_use]
    pub fn from_path(path: &str) -> Page {
        let segments: Vec<String> =
            path.split('/').filter(|s| !s.is_empty()).map(|s| decode(s).unwrap_or_else(|| s.to_owned())).collect();
        match segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] => Page::Home,
            [Self::REPORT] => Page::Report,
            [Self::TRACK] => Page::Track(None),
            [Self::TRACK, code] => Page::Track(Some((*code).to_owned())),
            [Self::VIDEOS] => Page::Videos(None),
            [Self::VIDEOS, agency] => Page::Videos(Some((*agency).to_owned())),
            [Self::MAP] => Page::Map,
            [Self::STATS] => Page::Stats,
            _ => Page::NotFound,
        }
    }

    /// Which navigation tab the page belongs to.
    #[must_use]
    pub fn section(&self) -> u8 {
        match self {
            Page::Home | Page::NotFound => 0,
            Page::Report => 1,
            Page::Track(_) => 2,
            Page::Videos(_) => 3,
            Page::Map => 4,
            Page::Stats => 5,
        }
    }
}

/// Keeps user text safe inside one path segment (percent-encoding).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The page being shown, shared through the app's context.
#[derive(Debug, Clone, Copy)]
pub struct Nav {
    pub page: RwSignal<Page>,
}

/// The router context.
#[must_use]
pub fn use_nav() -> Nav {
    expect_context::<Nav>()
}

impl Page {
    /// The page the address bar shows.
    #[must_use]
    pub fn current() -> Self {
        Self::from_path(&current_path())
    }
}

fn current_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".into())
}

impl Nav {
    /// Follows the address bar: the back and forward buttons, and clicks on
    /// the portal's own links (handled here instead of by a page load).
    #[must_use]
    pub fn start() -> Self {
        let nav = Self { page: RwSignal::new(Page::from_path(&current_path())) };
        let Some(window) = web_sys::window() else { return nav };
        // Only when the page changes: a jump to an anchor of the same page
        // (`#tanpa-peta`) also fires `popstate`, and must not rebuild the page.
        let on_pop = Closure::<dyn Fn()>::new(move || {
            let page = Page::from_path(&current_path());
            if nav.page.with_untracked(|p| *p != page) {
                nav.page.set(page);
            }
        });
        let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        on_pop.forget();
        let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
            if e.default_prevented() || e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key()
            {
                return;
            }
            let anchor = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("a[href]").ok().flatten());
            let Some(a) = anchor else { return };
            let href = a.get_attribute("href").unwrap_or_default();
            let internal = href.starts_with('/')
                && !href.starts_with("//")
                && !href.starts_with("/api/")
                && !href.starts_with("/media/")
                && a.get_attribute("target").is_none()
                && a.get_attribute("download").is_none();
            if internal {
                e.prevent_default();
                nav.go_to_path(&href);
            }
        });
        if let Some(doc) = window.document() {
            let _ = doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        }
        on_click.forget();
        nav
    }

    /// Shows `page`, adding it to the browser history.
    pub fn go(&self, page: &Page) {
        self.go_to_path(&page.path());
    }

    fn go_to_path(&self, path: &str) {
        if let Some(w) = web_sys::window() {
            if current_path() != path {
                let _ = w.history().and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(path)));
            }
            w.scroll_to_with_x_and_y(0.0, 0.0);
            // Screen readers start reading the new page, not the old focus.
            if let Some(main) = w.document().and_then(|d| d.get_element_by_id("isi")) {
                let _ = main.dyn_into::<web_sys::HtmlElement>().map(|m| m.focus());
            }
        }
        self.page.set(Page::from_path(path));
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn paths_round_trip() {
        for page in [
            Page::Home,
            Page::Report,
            Page::Track(None),
            Page::Videos(None),
            Page::Videos(Some("dlh".into())),
            Page::Map,
            Page::Stats,
        ] {
            assert_eq!(Page::from_path(&page.path()), page);
        }
        assert_eq!(Page::from_path("/lacak/K7M-2QX-94R"), Page::Track(Some("K7M-2QX-94R".into())));
        assert_eq!(Page::from_path("/lapor/"), Page::Report);
        assert_eq!(Page::from_path("/tidak-ada"), Page::NotFound);
        assert_eq!(Page::from_path("/lacak/a/b"), Page::NotFound);
        assert_eq!(Page::from_path(&Page::Track(Some("a b/ä".into())).path()), Page::Track(Some("a b/ä".into())));
    }
}
