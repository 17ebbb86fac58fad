//! The page for addresses the portal does not have.

use leptos::prelude::*;

use crate::i18n::use_i18n;
use crate::route::Page;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    view! {
        <section class="card">
            <h1>{tr.not_found_title}</h1>
            <p>{tr.not_found_text}</p>
            <a href=Page::Home.path() class="button button-primary">{tr.go_home}</a>
        </section>
    }
}
