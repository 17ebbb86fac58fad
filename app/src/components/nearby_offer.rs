//! "Someone already reported this": once the category and the place are
//! chosen, open reports of that category nearby are offered with "Saya juga
//! mengalami ini" (the phone joins that ticket instead of making another),
//! and "Kirim laporan baru" one tap away.
//!
//! Its code comes with the form's later steps (the `steps` part, fetched as
//! the map step opens), not with the map step itself: the offer can only
//! show once a place is chosen and the server has answered, so the map step
//! is usable without it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::wasm_split;
use portal112_core::TicketCode;
use portal112_core::dto::ReportLocation;
use portal112_core::open::NearbyReport;
use send_wrapper::SendWrapper;

use crate::api::{self, AbortOnDrop, ApiFailure};
use crate::components::my_reports;
use crate::device;
use crate::fresh::{Fresh, IntoFresh};
use crate::i18n::{fill, use_i18n};
use crate::lazy::LoadFailed;
use crate::route::Page;

/// The offer, once the form's later part has arrived; nothing while it is on
/// its way, and nothing if it cannot come (the form goes on without it).
pub fn later(
    category: Signal<String>,
    location: Signal<Option<ReportLocation>>,
    on_joined: Callback<String>,
) -> impl IntoView {
    Suspend::new(SendWrapper::new(async move { offer(category, location, on_joined).await.ok() }))
}

#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(steps, wasm_split_path = ::leptos::wasm_split, fallible)]
fn offer(
    category: Signal<String>,
    location: Signal<Option<ReportLocation>>,
    on_joined: Callback<String>,
) -> Result<Fresh, LoadFailed> {
    Ok(view! { <NearbyOffer category=category location=location on_joined=on_joined/> }.fresh())
}

#[component]
fn NearbyOffer(
    category: Signal<String>,
    location: Signal<Option<ReportLocation>>,
    /// Called once the phone joined a ticket (it is in "Laporan saya").
    on_joined: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let found = RwSignal::new(Vec::<NearbyReport>::new());
    let dismissed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let abort = StoredValue::new_local(None::<AbortOnDrop>);
    Effect::new(move || {
        let (category, at) = (category.get(), location.get());
        found.set(Vec::new());
        let Some(at) = at.filter(|_| !category.is_empty()) else { return };
        let request = AbortOnDrop::new();
        let signal = request.signal();
        abort.set_value(Some(request));
        spawn_local(async move {
            // Only a help: without a signal the form simply goes on.
            if let Ok(list) = api::nearby(at.lat, at.lng, &category, signal).await {
                found.try_set(list);
            }
        });
    });
    let join = move |code: String| {
        busy.set(true);
        problem.set(None);
        let lang = i18n.lang.get_untracked();
        let category = category.get_untracked();
        spawn_local(async move {
            match api::support(&code, &device::device_key(), lang).await {
                Ok(_) => {
                    if let Ok(parsed) = TicketCode::parse(&code) {
                        my_reports::remember_joined(parsed, category, lang).await;
                    }
                    busy.try_set(false);
                    on_joined.run(code);
                }
                Err(failure) => {
                    busy.try_set(false);
                    let message = match failure {
                        ApiFailure::Server { error, .. } => error.message,
                        _ => tr.load_failed.to_owned(),
                    };
                    problem.try_set(Some(message));
                }
            }
        });
    };
    view! {
        {move || (!dismissed.get() && !found.with(Vec::is_empty)).then(|| view! {
            <section class="nearby" aria-labelledby="sudah-dilaporkan">
                <h3 id="sudah-dilaporkan">{tr.nearby_title}</h3>
                <p class="small">{tr.nearby_text}</p>
                <ul>
                    {found.get().into_iter().map(|r| {
                        let code = r.code.clone();
                        view! {
                            <li>
                                <a href=Page::Track(Some(r.code.clone())).path() target="_blank">{r.code.clone()}</a>
                                " · "<span>{r.status.label(i18n.lang())}</span>
                                <span class="small">{fill(tr.distance_m, &[("n", &r.distance_m.to_string())])}</span>
                                {r.summary.clone().map(|s| view! { <span class="summary">{s}</span> })}
                                <span class="small">{fill(tr.supporters, &[("n", &r.supporters.to_string())])}</span>
                                <button type="button" class="button button-primary" disabled=move || busy.get()
                                    on:click=move |_| join(code.clone())>{tr.me_too}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="field-error" role="alert">{move || problem.get()}</p>
                <button type="button" class="button" on:click=move |_| dismissed.set(true)>{tr.send_new_instead}</button>
            </section>
        }.fresh())}
    }
}
