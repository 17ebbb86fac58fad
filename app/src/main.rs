//! Portal 112: the citizens' app. Which city it serves comes from the
//! configuration the server gives it, never from code.
//!
//! The modules form a tree: `app` (the root) uses `parts` (the pages each
//! loaded with their own part of the WebAssembly), which use `pages`, which
//! use `components`; all use `route`, `config`, `i18n`, `outbox`, `device` and
//! `api`, and nothing uses a module that uses it back.

mod api;
mod app;
mod components;
mod config;
mod device;
mod fresh;
mod i18n;
mod json;
mod outbox;
mod pages;
mod parts;
mod route;

fn main() {
    // The page the server sent stays until the app can replace it, so a phone
    // that never runs the WebAssembly still shows the header, the emergency
    // number and the page's words (the server fills them in from the city file).
    // The page's own part of the app is fetched first: replacing the page
    // before it is here would show "Memuat…" where the words were.
    let page = route::Page::current();
    wasm_bindgen_futures::spawn_local(async move {
        // A part that fails to arrive is fetched again when the page is built,
        // which says so and offers to try again.
        let _ = parts::preload(&page).await;
        mount();
        register_service_worker();
        // Most people who open the portal go on to report: fetch the form's
        // part once this page has painted, so "Lapor" opens at once.
        leptos::prelude::set_timeout(
            || wasm_bindgen_futures::spawn_local(async { _ = parts::preload(&route::Page::Report).await }),
            std::time::Duration::from_millis(300),
        );
    });
}

fn mount() {
    // The shell hid the home page's introduction on other pages; the app's
    // router decides from now on.
    if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = html.class_list().remove_1("inner");
    }
    let shell = config::Masthead::from_shell();
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        body.set_inner_html("");
    }
    leptos::mount::mount_to_body(move || leptos::view! { <app::App shell=shell/> });
}

/// The service worker keeps the shell for offline use; the portal works without it.
fn register_service_worker() {
    if let Some(window) = web_sys::window() {
        let navigator = window.navigator();
        if js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
            let _ = navigator.service_worker().register("/sw.js");
        }
    }
}
