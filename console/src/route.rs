//! The console's screens, the one place their addresses are written, and the
//! small router that follows the address bar (history API) under `/petugas/`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Where the console is served.
pub const BASE: &str = "/petugas";

/// A screen of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The queue (agencies: their inbox), with one ticket open beside it.
    Queue(Option<String>),
    /// Recording a 112 call as a ticket.
    Intake,
    /// Who is on standby, per agency and shift.
    Standby,
    Accounts,
    Templates,
    Videos,
    /// Webhook endpoints of the agencies' systems and their deliveries.
    Webhooks,
    Audit,
    /// Late tickets by agency and stage.
    Late,
    NotFound,
}

impl Page {
    /// The screen's address.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Page::Queue(None) | Page::NotFound => format!("{BASE}/"),
            Page::Queue(Some(code)) => format!("{BASE}/tiket/{}", String::from(js_sys::encode_uri_component(code))),
            Page::Intake => format!("{BASE}/telepon"),
            Page::Standby => format!("{BASE}/siaga"),
            Page::Accounts => format!("{BASE}/akun"),
            Page::Templates => format!("{BASE}/templat"),
            Page::Videos => format!("{BASE}/video"),
            Page::Webhooks => format!("{BASE}/webhook"),
            Page::Audit => format!("{BASE}/audit"),
            Page::Late => format!("{BASE}/terlambat"),
        }
    }

    /// The screen an address shows.
    #[must_use]
    pub fn from_path(path: &str) -> Page {
        let rest = path.strip_prefix(BASE).unwrap_or(path);
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Page::Queue(None),
            ["tiket", code] => {
                let code = js_sys::decode_uri_component(code).ok().and_then(|c| c.as_string()).unwrap_or_default();
                Page::Queue(Some(code))
            }
            ["telepon"] => Page::Intake,
            ["siaga"] => Page::Standby,
            ["akun"] => Page::Accounts,
            ["templat"] => Page::Templates,
            ["video"] => Page::Videos,
            ["webhook"] => Page::Webhooks,
            ["audit"] => Page::Audit,
            ["terlambat"] => Page::Late,
            _ => Page::NotFound,
        }
    }
}

/// The screen being shown.
#[derive(Debug, Clone, Copy)]
pub struct Nav {
    pub page: RwSignal<Page>,
}

fn current_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default()
}

impl Nav {
    /// Follows the back and forward buttons.
    #[must_use]
    pub fn start() -> Nav {
        let page = RwSignal::new(Page::from_path(&current_path()));
        if let Some(window) = web_sys::window() {
            let cb = Closure::<dyn Fn()>::new(move || page.set(Page::from_path(&current_path())));
            let _ = window.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
            cb.forget();
        }
        Nav { page }
    }

    /// Shows `page` and puts it in the history.
    pub fn go(&self, page: Page) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&page.path()));
        }
        self.page.set(page);
    }

    /// Shows `page` in place of the current history entry.
    pub fn replace(&self, page: Page) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page.path()));
        }
        self.page.set(page);
    }
}

/// A link inside the console: a real `href` (open in a new tab works) that
/// changes screens without a reload.
#[component]
pub fn Link(page: Page, #[prop(optional, into)] class: String, children: Children) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let href = page.path();
    let current = {
        let page = page.clone();
        move || (nav.page.get() == page).then_some("page")
    };
    view! {
        <a href=href class=class aria-current=current on:click=move |ev: web_sys::MouseEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                return;
            }
            ev.prevent_default();
            nav.go(page.clone());
        }>{children()}</a>
    }
}
