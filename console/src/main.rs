//! Konsol 112: where the call centre takes calls and forwards tickets, and the
//! city's agencies work theirs. Served at `/petugas/`; speaks the staff API.
//!
//! The modules form a tree: `app` (the root) uses `pages`, which use `map`;
//! all use `route`, `i18n`, `time`, `due` and `api`.

mod api;
mod app;
mod due;
mod i18n;
mod map;
mod pages;
mod route;
mod time;

fn main() {
    // Development builds say why they stopped; the release build aborts on a
    // panic without the text (see the Makefile's size flags).
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        body.set_inner_html("");
    }
    leptos::mount::mount_to_body(app::App);
}
