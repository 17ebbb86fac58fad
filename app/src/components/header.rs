//! The header: the city's name, the call-112 link and the language switch.
//! `index.html` has the same header as static HTML, so it is there before the
//! app loads and the swap does not move anything.

use leptos::prelude::*;
use portal112_core::Lang;

use crate::device;
use crate::i18n::use_i18n;
use crate::pages::{Page, use_nav};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let nav = use_nav();
    let current = move |section: u8| move || (nav.page.get().section() == section).then_some("page");
    let tr = i18n.t();
    let lang = i18n.lang();
    let toggle = move |_| {
        let next = match i18n.lang.get_untracked() {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        };
        device::save_lang(next);
        i18n.lang.set(next);
    };
    view! {
        <a class="skip" href="#isi">{tr.skip_to_content}</a>
        <header class="top">
            <div class="top-row">
                <a href=Page::Home.path() class="brand">
                    <span class="brand-mark" aria-hidden="true">"112"</span>
                    <span class="brand-name">{tr.site_title}</span>
                </a>
                <button
                    type="button"
                    class="lang"
                    on:click=toggle
                    aria-label=tr.switch_to_label
                    lang=move || match lang { Lang::Id => "en", Lang::En => "id" }
                >
                    {tr.switch_to}
                </button>
            </div>
            <a class="call" href="tel:112">
                <span aria-hidden="true">"☎ "</span>
                {tr.call_112}
            </a>
            <nav class="nav" aria-label=tr.nav_home>
                <a href=Page::Home.path() aria-current=current(0)>{tr.nav_home}</a>
                <a href=Page::Report.path() aria-current=current(1)>{tr.nav_report}</a>
                <a href=Page::Track(None).path() aria-current=current(2)>{tr.nav_track}</a>
                <a href=Page::Videos(None).path() aria-current=current(3)>{tr.nav_videos}</a>
            </nav>
        </header>
    }
}
