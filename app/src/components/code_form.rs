//! The ticket-code box: checks the code as `core` does (typos caught before
//! anything is sent) and opens its tracking page.

use leptos::prelude::*;
use portal112_core::{CodeError, TicketCode};

use crate::i18n::use_i18n;
use crate::route::{Page, use_nav};

/// Room for the code's symbols with a space or dash after each: how people
/// copy it from a message ([`TicketCode::parse`] ignores the separators).
const CODE_INPUT_MAX: usize = 2 * portal112_core::ticket_code::SYMBOLS;

#[component]
pub fn CodeForm(initial: String) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let value = RwSignal::new(initial);
    let error = RwSignal::new(None::<CodeError>);
    let nav = use_nav();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match TicketCode::parse(&value.get_untracked()) {
            Ok(code) => {
                error.set(None);
                nav.go(&Page::Track(Some(code.to_string())));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let input_id = "kode-tiket";
    let error_id = "kode-tiket-galat";
    view! {
        <form class="code-form" on:submit=submit novalidate>
            <label for=input_id>{tr.code_label}</label>
            <div class="row">
                <input
                    id=input_id
                    name="code"
                    type="text"
                    inputmode="text"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    maxlength=CODE_INPUT_MAX.to_string()
                    placeholder=tr.code_placeholder
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=error_id
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        error.set(None);
                    }
                />
                <button type="submit" class="button button-primary">{tr.track_button}</button>
            </div>
            <p id=error_id class="field-error" role="alert">
                {move || error.get().map(|e| match e {
                    CodeError::Typo => tr.track_code_typo,
                    CodeError::Malformed => tr.track_code_malformed,
                })}
            </p>
        </form>
    }
}
