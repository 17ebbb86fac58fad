//! "Laporan saya": reports waiting on this phone, and the tickets sent from
//! it with their last known status (refreshed when there is a signal).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use portal112_core::{Lang, TicketCode};

use crate::fresh::IntoFresh;

use crate::api::{self, AbortOnDrop};
use crate::config::use_config;
use crate::device::{self, MyTicket};
use crate::i18n::use_i18n;
use crate::outbox::Outbox;
use crate::route::{Page, use_nav};

/// How many tickets are refreshed from the server on each visit.
const REFRESH_AT_MOST: usize = 10;

#[component]
pub fn MyReports() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let config = use_config();
    let outbox = expect_context::<Outbox>();
    let tickets = RwSignal::new(device::my_tickets());
    // A delivery in the background adds a ticket.
    Effect::new(move || {
        if outbox.delivered.get().is_some() {
            tickets.set(device::my_tickets());
        }
    });

    let abort = StoredValue::new_local(AbortOnDrop::new());
    spawn_local(async move {
        let codes: Vec<String> =
            tickets.with_untracked(|l| l.iter().take(REFRESH_AT_MOST).map(|t| t.code.clone()).collect());
        if codes.is_empty() {
            return;
        }
        let Some(signal) = abort.try_with_value(AbortOnDrop::signal) else { return };
        if let Ok(refresh) = refreshing(codes, i18n.lang.get_untracked(), signal).await {
            refresh.await;
            tickets.try_set(device::my_tickets());
        }
    });

    let category_name = move |code: &str| {
        let lang = lang;
        config
            .with_value(|c| c.city.category(code).map_or_else(|| code.to_owned(), |cat| cat.name.get(lang).to_owned()))
    };
    let nav = use_nav();

    view! {
        <section class="card" aria-labelledby="laporan-saya">
            <h2 id="laporan-saya">{tr.my_reports}</h2>
            <p class="small">{tr.my_reports_note}</p>
            <ul class="my-reports">
                {move || outbox.items.get().into_iter().map(|p| {
                    let key = p.key.clone();
                    let key2 = p.key.clone();
                    let key3 = p.key.clone();
                    let name = category_name(&p.draft.category);
                                        let refused = p.refused.clone();
                    let class = if refused.is_some() { "pending refused" } else { "pending" };
                    view! {
                        <li class=class>
                            <span class="what">{name}</span>
                            {match refused {
                                None => view! {
                                    <span class="badge badge-wait">{tr.waiting_to_send}</span>
                                    <span class="small">{tr.waiting_explained}</span>
                                    <button type="button" class="button" disabled=move || outbox.is_busy()
                                        on:click=move |_| {
                                            let key = key.clone();
                                            spawn_local(async move {
                                                outbox.send(&key, i18n.lang.get_untracked()).await;
                                            });
                                        }>
                                        {move || if outbox.is_busy() { tr.sending } else { tr.send_now }}
                                    </button>
                                }.fresh(),
                                Some(message) => view! {
                                    <span class="badge badge-bad">{tr.refused_title}</span>
                                    <span class="field-error">{message}</span>
                                    <button type="button" class="button" on:click=move |_| outbox.edit_again(&key2, nav)>
                                        {tr.edit_again}
                                    </button>
                                    <button type="button" class="button button-quiet" on:click=move |_| outbox.discard(&key3)>
                                        {tr.discard}
                                    </button>
                                }.fresh(),
                            }}
                        </li>
                    }
                }).collect_view().fresh()}
                {move || tickets.get().into_iter().map(|t: MyTicket| {
                    let href = Page::Track(Some(t.code.clone())).path();
                    let name = category_name(&t.category);
                    let status = t.status;
                    view! {
                        <li>
                            <a href=href>
                                <span class="code">{t.code.clone()}</span>
                                <span class="what">{name}</span>
                                <span class=format!("badge status-{}", status.as_str())>{status.label(lang)}</span>
                            </a>
                        </li>
                    }
                }).collect_view().fresh()}
            </ul>
            <div class="contents" hidden=move || !(tickets.with(Vec::is_empty) && outbox.items.with(Vec::is_empty))>
                <p>{tr.my_reports_empty}</p>
                        </div>
        </section>
    }
}

/// The refresh of the statuses did not arrive (its part of the WebAssembly);
/// the last known statuses stay.
struct NotLoaded;

impl From<SplitLoaderError> for NotLoaded {
    fn from(_: SplitLoaderError) -> Self {
        NotLoaded
    }
}

type Refresh = Pin<Box<dyn Future<Output = ()>>>;

/// Reads each ticket's public view again and keeps it on the phone. A part
/// of the WebAssembly of its own: reading a ticket is code `/` needs only
/// for a phone that has sent something, and only after the page has drawn.
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(mine, wasm_split_path = ::leptos::wasm_split, fallible)]
fn refreshing(codes: Vec<String>, lang: Lang, signal: Option<web_sys::AbortSignal>) -> Result<Refresh, NotLoaded> {
    Ok(Box::pin(async move {
        for code in codes {
            let Ok(code) = TicketCode::parse(&code) else { continue };
            if let Ok((fresh, json)) = api::ticket(&code, lang, signal.clone()).await {
                device::refresh_my_ticket(&fresh);
                device::cache_ticket_json(code.compact(), &json);
            }
        }
    }))
}

/// Adds a ticket the phone joined ("Saya juga mengalami ini") to "Laporan
/// saya", with its public view read from the server. Reading a ticket is
/// this part's code, so the report form, where joining happens, does not
/// carry it. Without a signal (or this part) the ticket is not added; the
/// server counted the phone either way.
pub async fn remember_joined(code: TicketCode, category: String, lang: Lang) {
    if let Ok(joined) = joining(code, category, lang).await {
        joined.await;
    }
}

#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(mine, wasm_split_path = ::leptos::wasm_split, fallible)]
fn joining(code: TicketCode, category: String, lang: Lang) -> Result<Refresh, NotLoaded> {
    Ok(Box::pin(async move {
        if let Ok((ticket, json)) = api::ticket(&code, lang, None).await {
            device::remember_ticket(&ticket, &category);
            device::cache_ticket_json(code.compact(), &json);
        }
    }))
}
