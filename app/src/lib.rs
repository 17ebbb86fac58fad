//! Portal 112: the citizens' app. Which city it serves comes from the
//! configuration the server gives it, never from code.
//!
//! The modules form a tree: `app` (the root) uses `parts` (the pages each
//! loaded with their own part of the WebAssembly), which use `pages`, which
//! use `components`; all use `route`, `config`, `i18n`, `outbox`, `device`,
//! `api` and `lazy` (a view from a part of the WebAssembly), and nothing uses
//! a module that uses it back.
//!
//! In the browser [`start`] mounts the app. Natively (the server links this
//! library), [`prerender`] renders a page's HTML ahead from the same
//! components, so the words and the layout paint before the WebAssembly
//! loads, and the app's own first view is the same DOM.

mod api;
mod app;
mod components;
mod config;
mod device;
mod fresh;
mod i18n;
mod json;
mod lazy;
mod outbox;
mod pages;
mod parts;
#[cfg(not(target_arch = "wasm32"))]
pub mod prerender;
mod route;

use leptos::prelude::*;
use wasm_bindgen::JsCast as _;

/// Mounts the app over the page the server rendered ahead.
///
/// The rendered page stays until the app can draw the same thing: on a first
/// visit the city's configuration is not on the phone yet, the video page's
/// list comes from the server, and each page but home has its own part of
/// the WebAssembly (`parts`), so all these are fetched first (the page is
/// readable meanwhile). The app's view is then built away from the page, in
/// two tasks, and takes the body's place in a third, which the browser never
/// paints half-way, so nothing flashes or moves.
pub fn start() {
    let shell = config::Masthead::from_shell();
    wasm_bindgen_futures::spawn_local(async move {
        // The phone's storage is first read in a task of its own: its first
        // use loads it, a wait of about 9 ms on this machine's CPU (Chrome,
        // measured), four times that on a cheap phone, which made the task
        // that starts the WebAssembly a long one.
        next_task().await;
        // A language chosen before the server rendered pages ahead: tell it
        // now. English's words are a part of their own: on a phone set to
        // English they are fetched from here on, beside the configuration
        // and the page's part (the page the server rendered is in English
        // already), and waited for with the page's part.
        let saved_lang = device::saved_lang();
        if let Some(lang) = saved_lang {
            device::lang_cookie(lang);
            wasm_bindgen_futures::spawn_local(async move {
                i18n::load(lang).await;
            });
        }
        let lang = saved_lang.unwrap_or_default();
        // Fetched here only on a first visit, and handed to the app as it is,
        // so it is neither asked for nor read twice.
        let fresh_config = if device::has_cached_config() {
            None
        } else {
            match api::config(None).await {
                Ok((config, bytes)) => {
                    device::cache_config(&bytes);
                    Some(config)
                }
                Err(_) => None,
            }
        };
        // Reading the configuration, making the page's part ready and
        // building the page are each a long piece of work on a cheap phone:
        // the browser gets a turn between them (to paint, to answer a tap)
        // rather than wait for them at once. Measured with Lighthouse (six
        // runs each way, same machine): `/video` blocks 211 ms rather than
        // 289, `/lapor` 424 rather than 575 (medians).
        next_task().await;
        let page = route::Page::current();
        // A part that fails to arrive is fetched again when the page is
        // built, which then says so and offers to try again.
        let _ = parts::preload(&page).await;
        i18n::load(lang).await;
        next_task().await;
        // What the server rendered into the page from its data: the app's
        // first view shows the same.
        let (videos, ticket) = match &page {
            route::Page::Videos(_) => (parts::videos_list().await, None),
            route::Page::Track(Some(code)) => match portal112_core::TicketCode::parse(code) {
                Ok(code) => (None, parts::ticket_first(code, lang).await),
                Err(_) => (None, None),
            },
            _ => (None, None),
        };
        next_task().await;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let (Some(body), Ok(root)) = (document.body(), document.create_element("div")) else { return };
        // The app's frame is built in this task and the page's part in the
        // next (`lazy`): one task for both was the longest of a cheap phone's
        // start (Chromium's long tasks with its CPU 4x slower, medians of six
        // loads, taken by turns: blocking time on `/lapor` 39 and 24 ms
        // rather than 87 and 115, on `/lacak/{code}` 56 rather than 122).
        lazy::build_first_page_later();
        leptos::mount::mount_to(root.clone().unchecked_into(), move || {
            provide_context(pages::videos::FirstVideos(StoredValue::new(videos)));
            provide_context(pages::track::FirstTicket(StoredValue::new(ticket)));
            view! { <app::App shell=shell fresh_config=fresh_config/> }
        })
        .forget();
        while lazy::first_page_building() {
            next_task().await;
        }
        // Nodes move with their listeners and effects; the view updates where they are.
        body.set_inner_html("");
        while let Some(node) = root.first_child() {
            let _ = body.append_child(&node);
        }
        // The page is the app's now (it looks as before: scripts and tests ask this).
        if let Some(html) = document.document_element() {
            let _ = html.set_attribute("data-app", "");
        }
        // The service worker fetches every part in the background once it is
        // installed (the `app-parts` list), so the form and the other pages
        // open from the phone. Their parts are fetched ahead that way rather
        // than compiled here: compiling the form's part right after the page
        // painted cost a cheap phone a long task (Lighthouse: blocking time).
        register_service_worker();
    });
}

/// Resolves in a task of its own, after whatever the browser has waiting.
pub(crate) async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback(&resolve);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
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
