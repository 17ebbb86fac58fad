//! The header: the service's name, the emergency call link and the language
//! switch. `index.html` has the same header as static HTML (filled in by the
//! server from the city file), so it is there before the app loads and the
//! swap does not move anything.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Lang;

use crate::config::Masthead;
use crate::device;
use crate::i18n::{self, fill, use_i18n};
use crate::route::{Page, use_nav};

/// The header; `masthead` comes from the configuration, or until it is
/// there from what the static shell showed.
#[component]
pub fn Header(masthead: Masthead) -> impl IntoView {
    let i18n = use_i18n();
    let nav = use_nav();
    let current = move |section: u8| move || (nav.page.get().section() == section).then_some("page");
    let tr = i18n.t();
    let lang = i18n.lang();
    // The language the switch offers, for the parts of the header written in it.
    let other = match lang {
        Lang::Id => "en",
        Lang::En => "id",
    };
    // Set when the other language's words did not arrive; the page stays in
    // this one rather than mix the two.
    let failed = RwSignal::new(false);
    let toggle = move |_| {
        let next = match i18n.lang.get_untracked() {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        };
        spawn_local(async move {
            if i18n::load(next).await {
                device::save_lang(next);
                i18n.lang.set(next);
            } else {
                failed.set(true);
            }
        });
    };
    let Masthead { number, service } = masthead;
    let call = fill(tr.call_now, &[("number", &number)]);
    view! {
        <a class="skip" href="#isi">{tr.skip_to_content}</a>
        <header class="top">
            <div class="top-row">
                <a href=Page::Home.path() class="brand">
                    <span class="brand-mark" aria-hidden="true">{number.clone()}</span>
                    <span class="brand-name">{service}</span>
                </a>
                <button
                    type="button"
                    class="lang"
                    on:click=toggle
                    aria-label=tr.switch_to_label
                    lang=other
                >
                    {tr.switch_to}
                </button>
            </div>
            <a class="call" href=format!("tel:{number}")>
                <span aria-hidden="true">"☎ "</span>
                {call}
            </a>
            <nav class="nav" aria-label=tr.nav_home>
                <a href=Page::Home.path() aria-current=current(0)>{tr.nav_home}</a>
                <a href=Page::Report.path() aria-current=current(1)>{tr.nav_report}</a>
                <a href=Page::Track(None).path() aria-current=current(2)>{tr.nav_track}</a>
                <a href=Page::Videos(None).path() aria-current=current(3)>{tr.nav_videos}</a>
                <a href=Page::Map.path() aria-current=current(4)>{tr.nav_map}</a>
                <a href=Page::Stats.path() aria-current=current(5)>{tr.nav_stats}</a>
            </nav>
        </header>
        {move || failed.get().then(|| view! {
            <p class="banner banner-offline" role="alert">
                {tr.lang_failed}
                " "
                <span lang=other>{tr.lang_failed_in_other}</span>
            </p>
        })}
    }
}
