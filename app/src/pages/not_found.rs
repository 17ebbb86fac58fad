//! The page for addresses the portal does not have.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_i18n;
use crate::pages::Page;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <h1>{move || i18n.t().not_found_title}</h1>
            <p>{move || i18n.t().not_found_text}</p>
            <A href=Page::Home.path() attr:class="button button-primary">{move || i18n.t().go_home}</A>
        </section>
    }
}
