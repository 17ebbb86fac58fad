//! The root: language, city configuration, outbox, layout and the route table.

use leptos::prelude::*;

use crate::fresh::IntoFresh;
use leptos::task::spawn_local;
use portal112_core::Lang;
use portal112_core::dto::PublicConfig;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api::{self, AbortOnDrop};
use crate::components::header::Header;
use crate::device;
use crate::i18n::{I18n, fill, use_i18n};
use crate::outbox::Outbox;
use crate::pages::{self, Nav, Page};

/// The city configuration: the cached copy at once, then the server's.
#[derive(Debug, Clone, Copy)]
pub struct CityConfig {
    pub config: RwSignal<Option<PublicConfig>>,
    pub failed: RwSignal<bool>,
}

impl CityConfig {
    /// Fetches the configuration (again).
    pub fn load(self) {
        self.failed.set(false);
        spawn_local(async move {
            let abort = AbortOnDrop::new();
            match api::config(abort.signal()).await {
                Ok((c, json)) => {
                    device::cache_config_json(&json);
                    self.config.set(Some(c));
                }
                Err(_) => self.failed.set(self.config.with_untracked(Option::is_none)),
            }
        });
    }
}

/// The city configuration pages render with: a snapshot taken when the page
/// is built. Pages need not react to a refreshed configuration (it changes
/// rarely); the next page or language switch picks it up.
#[derive(Debug, Clone, Copy)]
pub struct Config(pub StoredValue<PublicConfig>);

/// The configuration snapshot of the current page.
#[must_use]
pub fn use_config() -> StoredValue<PublicConfig> {
    expect_context::<Config>().0
}

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

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(device::saved_lang().unwrap_or(Lang::Id));
    provide_context(I18n { lang });
    Effect::new(move || {
        let l = lang.get();
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", l.tag());
        }
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(crate::i18n::strings(l).site_title);
        }
    });

    let city = CityConfig { config: RwSignal::new(device::cached_config()), failed: RwSignal::new(false) };
    city.load();
    provide_context(city);
    let online = watch_online();
    provide_context(online);
    let outbox = Outbox::start(lang.into());
    provide_context(outbox);

    let nav = Nav::start();
    provide_context(nav);
    let tr_lang = lang;
    // Pages are built once a configuration (cached or fresh) is there.
    let ready = Memo::new(move |_| city.config.with(Option::is_some));

    // Everything is rebuilt when the language changes (see `I18n::t`);
    // drafts, the outbox and tickets live outside the view and survive.
    move || {
        let tr = crate::i18n::strings(tr_lang.get());
        view! {
            <Header/>
            <OfflineBanner/>
            <DeliveredNotice/>
            <main id="isi" tabindex="-1">
                {move || {
                    let page = nav.page.get();
                    // `get`, not `track`: a memo never read is never computed, so it
                    // would not follow the configuration and the page would stay "Memuat…".
                    ready.get();
                    let Some(config) = city.config.get_untracked() else {
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
                    provide_context(Config(StoredValue::new(config)));
                    match page {
                        Page::Home => pages::home::Home().fresh(),
                        Page::Report => pages::report::ReportForm().fresh(),
                        Page::Track(code) => view! { <pages::track::TrackPage code=code/> }.fresh(),
                        Page::Videos(agency) => view! { <pages::videos::VideosPage agency=agency/> }.fresh(),
                        Page::NotFound => pages::not_found::NotFound().fresh(),
                    }
                }}
            </main>
            <footer class="footer">
                <p>{tr.footer}</p>
            </footer>
        }
    }
}

#[component]
fn OfflineBanner() -> impl IntoView {
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
fn DeliveredNotice() -> impl IntoView {
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
