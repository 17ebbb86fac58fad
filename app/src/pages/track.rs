//! Lacak: a ticket by its code, with its public timeline updated live (SSE,
//! polling when the stream cannot be held), and the last known state offline.

use leptos::prelude::*;

use crate::fresh::IntoFresh;
use leptos::task::spawn_local;
use portal112_core::dto::{PublicTicket, TimelineEntry};
use portal112_core::service_level::format_when;
use portal112_core::{CodeError, Lang, TicketCode};

use crate::api::{self, AbortOnDrop, ApiFailure, TicketFeed};
use crate::components::code_form::CodeForm;
use crate::components::timeline::{Timeline, format_time};
use crate::device;
use crate::i18n::{fill, use_i18n};

/// How often to ask again when live updates are not available.
const POLL_MS: i32 = 30_000;
/// Stream failures in a row before falling back to polling.
const FEED_FAILURES_BEFORE_POLLING: u32 = 3;

/// The ticket a first visit to `/lacak/{code}` shows at once: fetched before
/// the app took over the page the server rendered with it (so the app's
/// first view is the same), or given to `prerender`. Used once; the page
/// asks the server itself later.
#[derive(Debug, Clone, Copy)]
pub struct FirstTicket(pub StoredValue<Option<PublicTicket>>);

/// A ticket's public view, kept on the phone as the page keeps it.
pub async fn first_ticket(code: TicketCode, lang: Lang) -> Option<PublicTicket> {
    let (ticket, json) = api::ticket(&code, lang, None).await.ok()?;
    device::cache_ticket_json(code.compact(), &json);
    device::refresh_my_ticket(&ticket);
    Some(ticket)
}

#[derive(Debug, Clone, PartialEq)]
enum View {
    Loading,
    Shown(Box<PublicTicket>),
    Offline(Option<Box<PublicTicket>>),
    NotFound,
    Failed,
}

#[component]
pub fn TrackPage(code: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let raw = move || code.clone().unwrap_or_default();
    view! {
        <section class="card">
            <h1>{tr.track_page_title}</h1>
            {move || {
                let raw = raw();
                if raw.is_empty() {
                    return view! { <CodeForm initial=String::new()/> }.fresh();
                }
                match TicketCode::parse(&raw) {
                    Ok(code) => view! { <Ticket code=code/> }.fresh(),
                    Err(e) => view! {
                        <p class="field-error" role="alert">
                            {move || match e { CodeError::Typo => tr.track_code_typo, CodeError::Malformed => tr.track_code_malformed }}
                        </p>
                        <CodeForm initial=raw.clone()/>
                    }.fresh(),
                }
            }}
        </section>
    }
}

#[component]
fn Ticket(code: TicketCode) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let first = use_context::<FirstTicket>()
        .and_then(|FirstTicket(t)| t.try_update_value(Option::take).flatten())
        .filter(|t| t.code == code);
    let known = first.is_some();
    let view_state = RwSignal::new(first.map_or(View::Loading, |t| View::Shown(Box::new(t))));
    let live = RwSignal::new(false);
    let abort = StoredValue::new_local(AbortOnDrop::new());
    let feed = StoredValue::new_local(None::<TicketFeed>);
    let poll = StoredValue::new_local(None::<i32>);

    let fetch = move || {
        spawn_local(async move {
            let Some(signal) = abort.try_with_value(AbortOnDrop::signal) else { return };
            let next = match api::ticket(&code, i18n.lang.get_untracked(), signal).await {
                Ok((t, json)) => {
                    device::cache_ticket_json(code.compact(), &json);
                    device::refresh_my_ticket(&t);
                    View::Shown(Box::new(t))
                }
                Err(ApiFailure::Server { status: 404, .. }) => View::NotFound,
                Err(ApiFailure::Aborted) => return,
                Err(ApiFailure::Network) => View::Offline(device::cached_ticket(code.compact()).map(Box::new)),
                Err(_) => match device::cached_ticket(code.compact()) {
                    Some(t) => View::Offline(Some(Box::new(t))),
                    None => View::Failed,
                },
            };
            view_state.try_set(next);
        });
    };

    let start_polling = move || {
        if poll.with_value(Option::is_some) {
            return;
        }
        let tick = wasm_bindgen::closure::Closure::<dyn Fn()>::new(fetch);
        let id = web_sys::window().and_then(|w| {
            use wasm_bindgen::JsCast;
            w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), POLL_MS).ok()
        });
        tick.forget();
        poll.set_value(id);
    };

    // Once the ticket is shown, follow it live from its last entry on.
    Effect::new(move || {
        let last_seq = view_state.with(|v| match v {
            View::Shown(t) => Some(t.timeline.last().map_or(0, |e| e.seq)),
            _ => None,
        });
        let Some(after) = last_seq else { return };
        if feed.with_value(Option::is_some) {
            return;
        }
        let failures = std::rc::Rc::new(std::cell::Cell::new(0_u32));
        let f2 = failures.clone();
        let opened = TicketFeed::open(
            &code,
            after,
            move |entry: TimelineEntry| {
                f2.set(0);
                live.set(true);
                view_state.update(|v| {
                    if let View::Shown(t) = v
                        && t.timeline.last().is_none_or(|last| last.seq < entry.seq)
                    {
                        let moved = t.status != entry.status;
                        t.status = entry.status;
                        t.updated_at.clone_from(&entry.at);
                        t.timeline.push(entry);
                        device::refresh_my_ticket(t);
                        if moved {
                            // A new stage makes a new promise: read it.
                            t.promise = None;
                            fetch();
                        }
                    }
                });
            },
            move || {
                live.set(false);
                failures.set(failures.get() + 1);
                if failures.get() >= FEED_FAILURES_BEFORE_POLLING {
                    start_polling();
                }
            },
        );
        match opened {
            Some(f) => {
                live.set(true);
                feed.set_value(Some(f));
            }
            None => start_polling(),
        }
    });

    on_cleanup(move || {
        feed.try_update_value(Option::take);
        if let Some(Some(id)) = poll.try_get_value()
            && let Some(w) = web_sys::window()
        {
            w.clear_interval_with_handle(id);
        }
    });

    if !known {
        fetch();
    }

    view! {
        {move || match view_state.get() {
            View::Loading => view! { <p role="status">{tr.loading}</p> }.fresh(),
            View::NotFound => view! {
                <p class="field-error" role="alert">{tr.track_not_found}</p>
                <CodeForm initial=code.to_string()/>
            }.fresh(),
            View::Failed => view! {
                <p class="field-error" role="alert">{tr.track_error}</p>
                <button type="button" class="button" on:click=move |_| fetch()>{tr.retry}</button>
            }.fresh(),
            View::Offline(cached) => view! {
                <p class="notice" role="status">
                    {tr.track_offline}" "
                    {cached.is_some().then(|| view! { {tr.last_known} })}
                </p>
                {cached.map(|t| view! { <TicketView ticket=*t live=Signal::derive(|| false) polling=false/> })}
                <button type="button" class="button" on:click=move |_| fetch()>{tr.retry}</button>
            }.fresh(),
            View::Shown(t) => view! {
                <TicketView ticket=*t live=live.into() polling=poll.with_value(Option::is_some)/>
            }.fresh(),
        }}
    }
}

#[component]
fn TicketView(ticket: PublicTicket, live: Signal<bool>, polling: bool) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let status = ticket.status;
    let t = StoredValue::new(ticket);
    view! {
        <div class="ticket">
            <p class="ticket-code">{t.with_value(|t| t.code.to_string())}</p>
            <p>
                <span class="small">{tr.status}": "</span>
                <span class=format!("badge status-{}", status.as_str())>{status.label(lang)}</span>
            </p>
            <p class="small live-state" aria-live="polite">
                {move || if live.get() { tr.live } else if polling { tr.live_polling } else { "" }}
            </p>
            {t.with_value(|t| t.confidential).then(|| view! { <p class="notice">{tr.confidential_ticket}</p> })}
            {t.with_value(|t| t.promise.clone()).map(|p| {
                let text = match (p.paused, p.due_at.as_deref(), p.due_ms) {
                    (false, Some(at), Some(ms)) => {
                        let when = format_when(at, lang);
                        if (ms as f64) < device::now_ms() {
                            fill(tr.promise_late, &[("when", &when)])
                        } else {
                            p.stage.promise(lang).replace("{when}", &when)
                        }
                    }
                    _ => tr.promise_paused.to_owned(),
                };
                view! { <p class="promise">{text}</p> }
            })}
            <dl class="facts">
                {t.with_value(|t| t.category.clone()).map(|c| view! {
                    <dt>{tr.category}</dt><dd>{move || c.name.get(lang).to_owned()}</dd>
                })}
                {t.with_value(|t| t.agency.clone()).map(|a| view! {
                    <dt>{tr.agency}</dt><dd>{move || a.name.get(lang).to_owned()}</dd>
                })}
                {t.with_value(|t| t.district.clone()).map(|d| view! {
                    <dt>{tr.district}</dt><dd>{d.name}</dd>
                })}
                {t.with_value(|t| t.village.clone()).map(|v| view! {
                    <dt>{tr.village}</dt><dd>{v.name}</dd>
                })}
                <dt>{tr.reported_at}</dt><dd>{t.with_value(|t| format_time(&t.created_at))}</dd>
                <dt>{tr.updated_at}</dt><dd>{t.with_value(|t| format_time(&t.updated_at))}</dd>
            </dl>
            <h2>{tr.timeline}</h2>
            <Timeline entries=t.with_value(|t| t.timeline.clone())/>
        </div>
    }
}
