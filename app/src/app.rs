//! The root: language, city configuration, outbox, layout and the route table.

use leptos::prelude::*;
use portal112_core::Lang;
use portal112_core::dto::PublicConfig;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::components::header::Header;
use crate::config::{ConfigLoad, Masthead, provide_page_config};
use crate::device;
use crate::fresh::IntoFresh;
use crate::i18n::{I18n, fill, fill_city, use_i18n};
use crate::outbox::Outbox;
use crate::parts;
use crate::route::{Nav, Page};

/// Whether the browser believes it is online, kept current.
#[derive(Debug, Clone, Copy)]
pub struct Online(pub RwSignal<bool>);

fn watch_online() -> Online {
    let online = RwSignal::new(web_sys::window().is_none_or(|w| w.navigator().on_line()));
    if let Some(window) = web_sys::window() {
        for (event, value) in [("online", true), ("offline", false)] {
            let cb = Closure::<dyn Fn()>::new(move || online.set(value));
            let _ = window.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
            cb.forget();
        }
    }
    Online(online)
}

/// The whole app; `shell` is what the static shell said about the city, and
/// `fresh_config` the configuration the server sent moments ago (a first
/// visit), otherwise the one kept on the phone is used and refreshed.
#[component]
pub fn App(shell: Masthead, fresh_config: Option<PublicConfig>) -> impl IntoView {
    // English only if its part arrived (`start` fetched it for this phone).
    let lang = RwSignal::new(device::saved_lang().filter(|l| crate::i18n::ready(*l)).unwrap_or(Lang::Id));
    provide_context(I18n { lang });
    let city = ConfigLoad::start(fresh_config);
    provide_context(city);
    Effect::new(move || {
        let l = lang.get();
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", l.tag());
        }
        // The shell's title (filled in by the server) stays until the city is known.
        let title = city.current.with(|c| c.as_ref().map(|c| c.city.city.service_name.get(l).to_owned()));
        if let (Some(doc), Some(title)) = (web_sys::window().and_then(|w| w.document()), title) {
            doc.set_title(&title);
        }
    });
    let online = watch_online();
    provide_context(online);
    let outbox = Outbox::start(lang.into());
    provide_context(outbox);

    let nav = Nav::start();
    provide_context(nav);
    let tr_lang = lang;
    // Pages are built once a configuration (cached or fresh) is there.
    let ready = Memo::new(move |_| city.current.with(Option::is_some));

    // Everything is rebuilt when the language changes (see `I18n::t`), and
    // once when the first configuration arrives (a first visit), so the
    // header and footer say what the city file says as plain text; drafts,
    // the outbox and tickets live outside the view and survive.
    move || {
        let lang = tr_lang.get();
        let tr = crate::i18n::strings(lang);
        ready.get();
        let (masthead, footer) = city.current.with_untracked(|c| match c {
            Some(c) => (Masthead::of(c, lang), fill_city(tr.footer, c, lang)),
            None => (shell.clone(), String::new()),
        });
        view! {
            <Header masthead=masthead/>
            <OfflineBanner/>
            <DeliveredNotice/>
            <main id="isi" tabindex="-1">
                {move || {
                    let page = nav.page.get();
                    // `get`, not `track`: a memo never read is never computed, so it
                    // would not follow the configuration and the page would stay "Memuat…".
                    ready.get();
                    let Some(config) = city.current.get_untracked() else {
                        return view! {
                            <section class="card">
                                <p role="status">{move || if city.failed.get() { tr.config_failed } else { tr.loading }}</p>
                                <div class="contents" hidden=move || !(city.failed.get())>
                                    <button type="button" class="button" on:click=move |_| city.load()>{tr.retry}</button>
                                                                </div>
                            </section>
                        }
                        .fresh();
                    };
                    provide_page_config(config);
                    parts::page_view(page)
                }}
            </main>
            <footer class="footer">
                <p>{footer}</p>
            </footer>
        }
    }
}

#[component]
pub(crate) fn OfflineBanner() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let Online(online) = expect_context::<Online>();
    view! {
        <div class="contents" hidden=move || online.get()>
            <p class="banner banner-offline" role="status">{tr.offline_banner}</p>
                </div>
    }
}

/// Says so when a report that waited for a signal has been delivered.
#[component]
pub(crate) fn DeliveredNotice() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let outbox = expect_context::<Outbox>();
    view! {
        {move || outbox.delivered.get().map(|created| {
            let code = created.code.to_string();
            let href = Page::Track(Some(code.clone())).path();
            view! {
                <div class="banner banner-ok" role="status">
                    <a href=href>{fill(tr.delivered_notice, &[("code", &code)])}</a>
                    <button type="button" class="link" on:click=move |_| outbox.delivered.set(None)>{tr.close}</button>
                </div>
            }
            .fresh()
        })}
    }
}
