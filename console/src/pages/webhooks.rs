//! Webhook endpoints of the agencies' own systems (admins): add one (its
//! signing secret is shown once), remove one after a confirmation, and the
//! recent deliveries, failed ones marked and sent again with one button.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Field;
use portal112_core::staff::{DeliveryState, EndpointState, WebhookDelivery, WebhookEndpoint, WebhookInput};

use crate::api::{self, Failure};
use crate::app::{focus_id, use_ctx};
use crate::i18n::Words;
use crate::time::clock;

fn field_of(e: &Failure) -> Option<Field> {
    e.body().and_then(|b| b.field.clone())
}

fn state_label(w: &'static Words, s: DeliveryState) -> &'static str {
    match s {
        DeliveryState::Pending => w.delivery_pending,
        DeliveryState::Delivered => w.delivery_delivered,
        DeliveryState::Failed => w.delivery_failed,
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let city = ctx.city();
    let endpoints = RwSignal::new(Vec::<WebhookEndpoint>::new());
    let deliveries = RwSignal::new(Vec::<WebhookDelivery>::new());
    let failed_only = RwSignal::new(false);
    let problem = RwSignal::new(None::<(Option<Field>, String)>);
    let list_problem = RwSignal::new(None::<String>);
    // The secret of the endpoint just added: shown until dismissed, never again.
    let secret = RwSignal::new(None::<(WebhookEndpoint, String)>);
    // The endpoint whose removal waits for a confirmation.
    let confirming = RwSignal::new(None::<i64>);

    let load_endpoints = move || {
        spawn_local(async move {
            match api::webhooks().await {
                Ok(e) => endpoints.set(e),
                Err(e) => list_problem.set(Some(e.message(lang))),
            }
        });
    };
    let load_deliveries = move || {
        let failed = failed_only.get_untracked();
        spawn_local(async move {
            match api::deliveries(failed).await {
                Ok(d) => {
                    list_problem.set(None);
                    deliveries.set(d);
                }
                Err(e) => list_problem.set(Some(e.message(lang))),
            }
        });
    };
    load_endpoints();
    load_deliveries();

    let agency = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let add = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let input = WebhookInput { agency: agency.get_untracked(), url: url.get_untracked().trim().to_owned() };
        spawn_local(async move {
            match api::add_webhook(&input).await {
                Ok(created) => {
                    problem.set(None);
                    url.set(String::new());
                    ctx.status.set(format!("{}: {}", w.saved, created.endpoint.url));
                    secret.set(Some((created.endpoint, created.secret)));
                    load_endpoints();
                    focus_id("webhook-kunci");
                }
                Err(e) => problem.set(Some((field_of(&e), e.message(lang)))),
            }
        });
    };
    let remove = move |id: i64| {
        spawn_local(async move {
            match api::remove_webhook(id).await {
                Ok(()) => {
                    confirming.set(None);
                    ctx.status.set(w.removed.to_owned());
                    load_endpoints();
                    load_deliveries();
                    focus_id("webhook-judul");
                }
                Err(e) => list_problem.set(Some(e.message(lang))),
            }
        });
    };
    let resend = move |id: String| {
        spawn_local(async move {
            match api::resend_delivery(&id).await {
                Ok(_) => {
                    ctx.status.set(w.resent.to_owned());
                    load_deliveries();
                }
                Err(e) => list_problem.set(Some(e.message(lang))),
            }
        });
    };
    let err = move |f: Field| {
        move || problem.with(|p| p.as_ref().filter(|(x, _)| x.as_ref() == Some(&f)).map(|(_, m)| m.clone()))
    };
    let url_field = Field::Other("url".into());
    let url_err = {
        let f = url_field.clone();
        move || problem.with(|p| p.as_ref().filter(|(x, _)| x.as_ref() == Some(&f)).map(|(_, m)| m.clone()))
    };
    let general = move || {
        problem.with(|p| {
            p.as_ref()
                .filter(|(x, _)| !matches!(x, Some(Field::Agency)) && x.as_ref() != Some(&url_field))
                .map(|(_, m)| m.clone())
        })
    };
    let agencies = city.city.agencies.clone();

    view! {
        <section class="panel" aria-labelledby="webhook-judul">
            <h1 id="webhook-judul" tabindex="-1">{w.webhooks}</h1>
            <p>{w.webhooks_intro}</p>
            <form class="inline-form" on:submit=add novalidate aria-labelledby="webhook-baru">
                <h2 id="webhook-baru" class="sub">{w.webhook_new}</h2>
                <div class="grid4">
                    <div>
                        <label for="webhook-dinas">{w.agency}</label>
                        <select id="webhook-dinas" on:change=move |ev| agency.set(event_target_value(&ev))>
                            <option value="">{w.choose}</option>
                            {agencies.iter().map(|a| view! { <option value=a.code.clone()>{a.short_name.clone()}</option> }).collect_view()}
                        </select>
                        <p class="error">{err(Field::Agency)}</p>
                    </div>
                    <div class="wide">
                        <label for="webhook-url">{w.webhook_url}</label>
                        <input id="webhook-url" type="url" inputmode="url" spellcheck="false" autocomplete="off"
                            placeholder="https://sistem.dinas.example/webhook"
                            prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                        <p class="error">{url_err}</p>
                    </div>
                </div>
                <p class="error" role="alert">{general}</p>
                <button type="submit" class="btn btn-primary">{w.add}</button>
            </form>
            {move || secret.get().map(|(endpoint, key)| view! {
                <div class="secret-box" role="region" aria-labelledby="webhook-kunci-label">
                    <p class="warn" id="webhook-kunci-peringatan">{w.webhook_secret_once}</p>
                    <label id="webhook-kunci-label" for="webhook-kunci">
                        {format!("{} — {} ({})", w.webhook_secret, ctx.agency_name(&endpoint.agency), endpoint.url)}
                    </label>
                    <input id="webhook-kunci" class="code" readonly spellcheck="false" autocomplete="off"
                        aria-describedby="webhook-kunci-peringatan" value=key
                        on:focus=move |ev| {
                            // Selected whole on focus, ready to copy.
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            input.select();
                        }/>
                    <button type="button" class="btn" on:click=move |_| { secret.set(None); focus_id("webhook-url"); }>
                        {w.webhook_secret_done}
                    </button>
                </div>
            })}
            <p class="error" role="alert">{move || list_problem.get()}</p>
            <h2 class="sub">{w.webhook_endpoints}</h2>
            // Wider than a phone: the keyboard must be able to scroll it too.
            <div class="scroll" tabindex="0" role="region" aria-label=w.webhook_endpoints>
            <table class="table">
                <thead><tr>
                    <th scope="col">"ID"</th><th scope="col">{w.agency}</th><th scope="col">"URL"</th>
                    <th scope="col">{w.time}</th><th scope="col">{w.state}</th><th scope="col">{w.actions}</th>
                </tr></thead>
                <tbody>
                    {move || {
                        let list = endpoints.get();
                        if list.is_empty() {
                            return view! { <tr><td colspan="6">{w.webhook_none}</td></tr> }.into_any();
                        }
                        list.into_iter().map(|e| {
                            let id = e.id;
                            let active = e.state == EndpointState::Active;
                            view! {
                                <tr class:disabled=!active>
                                    <td>{e.id}</td>
                                    <td>{ctx.agency_name(&e.agency)}</td>
                                    <th scope="row" class="url">{e.url.clone()}</th>
                                    <td>{clock(&e.created_at)}</td>
                                    <td>{if active { w.active } else { w.removed }}</td>
                                    <td class="row-actions">
                                        {active.then(|| view! {
                                            <button type="button" class="btn small" hidden=move || confirming.get() == Some(id)
                                                aria-label=format!("{} {} {}", w.remove, ctx.agency_name(&e.agency), e.url)
                                                on:click=move |_| { confirming.set(Some(id)); focus_id(format!("webhook-yakin-{id}")); }>{w.remove}</button>
                                            <span role="group" aria-label=w.webhook_remove_confirm hidden=move || confirming.get() != Some(id)>
                                                <span class="warn">{w.webhook_remove_confirm}</span>" "
                                                <button type="button" class="btn small danger" id=format!("webhook-yakin-{id}")
                                                    on:click=move |_| remove(id)>{w.webhook_remove_yes}</button>
                                                <button type="button" class="btn small" on:click=move |_| confirming.set(None)>{w.cancel}</button>
                                            </span>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            </div>
            <h2 class="sub" id="kiriman-judul">{w.deliveries}</h2>
            <div class="composer-buttons">
                <label class="check">
                    <input type="checkbox" id="kiriman-gagal" prop:checked=move || failed_only.get()
                        on:change=move |ev| { failed_only.set(event_target_checked(&ev)); load_deliveries(); }/>
                    {w.deliveries_failed_only}
                </label>
                <button type="button" class="btn small" on:click=move |_| load_deliveries()>{w.refresh}</button>
            </div>
            <div class="scroll" tabindex="0" role="region" aria-label=w.deliveries>
            <table class="table" aria-labelledby="kiriman-judul">
                <thead><tr>
                    <th scope="col">{w.time}</th><th scope="col">{w.agency}</th><th scope="col">{w.delivery_event}</th>
                    <th scope="col">{w.delivery_state}</th><th scope="col">{w.delivery_attempts}</th>
                    <th scope="col">{w.delivery_result}</th><th scope="col">{w.actions}</th>
                </tr></thead>
                <tbody>
                    {move || {
                        let list = deliveries.get();
                        if list.is_empty() {
                            return view! { <tr><td colspan="7">{w.deliveries_none}</td></tr> }.into_any();
                        }
                        // A removed endpoint's deliveries cannot be sent again.
                        let active: Vec<i64> = endpoints.with(|e| {
                            e.iter().filter(|e| e.state == EndpointState::Active).map(|e| e.id).collect()
                        });
                        list.into_iter().map(|d| {
                            let failed = d.state == DeliveryState::Failed;
                            let id = d.id.clone();
                            let result = match (d.last_status, &d.last_error) {
                                (Some(s), Some(e)) if !e.starts_with("HTTP") => format!("HTTP {s} · {e}"),
                                (Some(s), _) => format!("HTTP {s}"),
                                (None, Some(e)) => e.clone(),
                                (None, None) => String::new(),
                            };
                            view! {
                                <tr class:failed=failed>
                                    <td>{clock(&d.created_at)}</td>
                                    <td>{ctx.agency_name(&d.agency)}</td>
                                    <th scope="row"><span class="code">{d.event_type.clone()}</span><br/><small class="code">{d.id.clone()}</small></th>
                                    <td><span class=format!("badge delivery-{}", d.state.as_str())>{state_label(w, d.state)}</span></td>
                                    <td>{d.attempts}</td>
                                    <td>{result}</td>
                                    <td>
                                        {(d.state != DeliveryState::Pending && active.contains(&d.endpoint_id)).then(|| {
                                            let label = format!("{} {}", w.resend, d.id);
                                            view! {
                                                <button type="button" class="btn small" class:btn-primary=failed aria-label=label
                                                    on:click=move |_| resend(id.clone())>{w.resend}</button>
                                            }
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            </div>
        </section>
    }
}
