//! The queue: tickets that need someone, most urgent and oldest first, kept
//! live; the ticket chosen opens beside it (below it on a phone).

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Status;
use portal112_core::dto::StaffTicketSummary;
use portal112_core::staff::{Channel, Priority};

use crate::api::{self, AbortOnDrop, Live};
use crate::app::{focus_id, use_ctx};
use crate::due::Due;
use crate::pages::ticket::TicketView;
use crate::route::{Nav, Page};
use crate::time::age;

/// The queue's filters, as the list API takes them.
#[derive(Debug, Clone, PartialEq, Default)]
struct Filters {
    q: String,
    status: String,
    agency: String,
    category: String,
    district: String,
    channel: String,
    priority: String,
    /// Only tickets that need someone (the default).
    all: bool,
    /// Only tickets past their stage's due time.
    late: bool,
}

impl Filters {
    fn query(&self) -> String {
        api::query(&[
            ("q", self.q.trim().to_owned()),
            ("status", self.status.clone()),
            ("agency", self.agency.clone()),
            ("category", self.category.clone()),
            ("district", self.district.clone()),
            ("channel", self.channel.clone()),
            ("priority", self.priority.clone()),
            ("open", if self.all || !self.status.is_empty() { String::new() } else { "true".into() }),
            ("late", if self.late { "true".into() } else { String::new() }),
            ("sort", "queue".into()),
            ("page_size", "100".into()),
        ])
    }
}

#[component]
pub fn QueuePage(code: Option<String>) -> impl IntoView {
    let ctx = use_ctx();
    let nav = expect_context::<Nav>();
    let w = ctx.w();
    let city = ctx.city();
    let lang = ctx.lang.get_untracked();
    let sees_all = ctx.role().is_some_and(portal112_core::dto::Role::sees_all_agencies);

    let filters = RwSignal::new(Filters::default());
    let tickets = RwSignal::new(Vec::<StaffTicketSummary>::new());
    let total = RwSignal::new(0_u64);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    // Codes that arrived or changed live since the screen opened, until looked at.
    let fresh = RwSignal::new(HashSet::<String>::new());
    let selected = RwSignal::new(0_usize);
    let open_code = RwSignal::new(code.clone());
    // Bumped by live events: the open ticket reloads itself.
    let ticket_changed = RwSignal::new(0_u32);
    let live_ok = RwSignal::new(false);

    let load_abort = StoredValue::new_local(None::<AbortOnDrop>);
    let load = move || {
        // Also called from the live stream's task, which may outlive the screen.
        let Some(query) = filters.try_get_untracked().map(|f| f.query()) else { return };
        let abort = AbortOnDrop::new();
        let request = api::tickets(query, abort.signal());
        load_abort.set_value(Some(abort));
        spawn_local(async move {
            let result = request.await;
            match result {
                Ok(page) => {
                    error.set(None);
                    total.set(page.total);
                    if let Some(open) = open_code.try_get_untracked().flatten()
                        && let Some(i) = page.tickets.iter().position(|t| t.code.to_string() == open)
                    {
                        selected.set(i);
                    }
                    tickets.set(page.tickets);
                }
                Err(api::Failure::Aborted) => return,
                Err(e) => error.set(Some(e.message(lang))),
            }
            loading.set(false);
        });
    };
    Effect::new(move || {
        filters.track();
        load();
    });

    // The live stream: reconnects after a drop, stops with the screen.
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    let stream_abort = StoredValue::new_local(None::<AbortOnDrop>);
    on_cleanup(move || stream_abort.set_value(None));
    spawn_local(async move {
        let alive = move || alive.try_get_value().unwrap_or(false);
        while alive() {
            // While sign-in shows over the screen, wait; then follow again.
            if ctx.session_lost.get_untracked().is_some() {
                sleep_ms(1000).await;
                continue;
            }
            let abort = AbortOnDrop::new();
            let request = api::follow_queue(abort.signal(), move |event| match event {
                Live::Ticket(e) => {
                    let code = e.ticket.code.to_string();
                    if e.created {
                        ctx.status.set(format!("{} {}", w.new_report_arrived, code));
                    }
                    fresh.try_update(|f| {
                        f.insert(code.clone());
                    });
                    if open_code.try_get_untracked().flatten().as_deref() == Some(code.as_str()) {
                        ticket_changed.try_update(|n| *n += 1);
                    }
                    load();
                }
                Live::SessionEnded => {
                    ctx.end_session(w.session_ended.to_owned());
                }
            });
            stream_abort.try_set_value(Some(abort));
            live_ok.try_set(true);
            let result = request.await;
            live_ok.try_set(false);
            if matches!(result, Err(api::Failure::Aborted)) || !alive() {
                return;
            }
            // A refused session is for sign-in to sort out (checked above).
            let refused = matches!(result, Err(api::Failure::Server { status: 401, .. }));
            sleep_ms(if refused { 1000 } else { 3000 }).await;
            // Whatever happened while the stream was down.
            load();
        }
    });

    let open = move |code: String| {
        fresh.update(|f| {
            f.remove(&code);
        });
        open_code.set(Some(code.clone()));
        nav.replace(Page::Queue(Some(code)));
        focus_id("tiket-judul");
    };

    // j/k and the arrows move, Enter opens (Escape belongs to the open
    // ticket: it closes its form first, then the ticket).
    Effect::new(move || {
        let (_, key) = ctx.key.get();
        let n = tickets.with_untracked(Vec::len);
        match key.as_str() {
            "j" | "ArrowDown" if n > 0 => {
                selected.update(|s| *s = (*s + 1).min(n - 1));
                focus_row(selected.get_untracked());
            }
            "k" | "ArrowUp" if n > 0 => {
                selected.update(|s| *s = s.saturating_sub(1));
                focus_row(selected.get_untracked());
            }
            "Enter" => {
                if let Some(t) = tickets.with_untracked(|t| t.get(selected.get_untracked()).cloned()) {
                    open(t.code.to_string());
                }
            }
            _ => {}
        }
    });

    let set =
        move |f: fn(&mut Filters, String)| move |ev: web_sys::Event| filters.update(|x| f(x, event_target_value(&ev)));
    let categories = city.city.categories.clone();
    let agencies = city.city.agencies.clone();
    let districts = city.city.districts.clone();

    view! {
        <div class="queue-layout" class:has-ticket=move || open_code.with(Option::is_some)>
            <section class="queue" aria-labelledby="antrian-judul">
                <div class="queue-head">
                    <h1 id="antrian-judul">{if sees_all { w.queue } else { w.inbox }}</h1>
                    <span class="live" class:off=move || !live_ok.get()>
                        {move || if live_ok.get() { w.live } else { w.live_off }}
                    </span>
                </div>
                <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                    <label class="search">
                        <span>{w.search}<kbd>"/"</kbd></span>
                        <input id="cari" type="search" placeholder=w.search_hint
                            prop:value=move || filters.with(|f| f.q.clone())
                            on:change=set(|f, v| f.q = v)
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                if ev.key() == "Enter" {
                                    filters.update(|f| f.q = event_target_value(&ev));
                                } else if ev.key() == "Escape" || ev.key() == "ArrowDown" {
                                    ev.prevent_default();
                                    focus_row(selected.get_untracked());
                                }
                            }/>
                    </label>
                    <label><span>{w.status}</span>
                        <select on:change=set(|f, v| f.status = v)>
                            <option value="">{w.any}</option>
                            {Status::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label(lang)}</option> }).collect_view()}
                        </select>
                    </label>
                    {sees_all.then(|| view! {
                        <label><span>{w.agency}</span>
                            <select on:change=set(|f, v| f.agency = v)>
                                <option value="">{w.any}</option>
                                {agencies.iter().map(|a| view! { <option value=a.code.clone()>{a.short_name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                    })}
                    <label><span>{w.category}</span>
                        <select on:change=set(|f, v| f.category = v)>
                            <option value="">{w.any}</option>
                            {categories.iter().map(|c| view! { <option value=c.code.clone()>{c.name.get(lang).to_owned()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label><span>{w.district}</span>
                        <select on:change=set(|f, v| f.district = v)>
                            <option value="">{w.any}</option>
                            {districts.iter().map(|d| view! { <option value=d.code.clone()>{d.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label><span>{w.channel}</span>
                        <select on:change=set(|f, v| f.channel = v)>
                            <option value="">{w.any}</option>
                            {Channel::ALL.iter().map(|c| view! { <option value=c.as_str()>{c.label(lang)}</option> }).collect_view()}
                        </select>
                    </label>
                    <label><span>{w.priority}</span>
                        <select on:change=set(|f, v| f.priority = v)>
                            <option value="">{w.any}</option>
                            {Priority::ALL.iter().map(|p| view! { <option value=p.as_str()>{p.label(lang)}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="check">
                        <input type="checkbox" on:change=move |ev| filters.update(|f| f.all = event_target_checked(&ev))/>
                        <span>{w.show_finished}</span>
                    </label>
                    <label class="check">
                        <input type="checkbox" on:change=move |ev| filters.update(|f| f.late = event_target_checked(&ev))/>
                        <span>{w.late_only}</span>
                    </label>
                </form>
                <p class="error" role="alert">{move || error.get()}</p>
                <p class="count" aria-live="polite">
                    {move || if loading.get() { w.loading.to_owned() } else { format!("{} {}", total.get(), w.tickets_count) }}
                </p>
                <ol class="rows" aria-label=w.queue>
                    {move || {
                        let rows = tickets.get();
                        if rows.is_empty() && !loading.get() {
                            return view! { <li class="empty">{w.queue_empty}</li> }.into_any();
                        }
                        rows.into_iter().enumerate().map(|(i, t)| {
                            let code = t.code.to_string();
                            let is_fresh = { let code = code.clone(); move || fresh.with(|f| f.contains(&code)) };
                            let is_open = { let code = code.clone(); move || open_code.get().as_deref() == Some(code.as_str()) };
                            let (fresh_badge, open_current) = (is_fresh.clone(), is_open.clone());
                            let href = Page::Queue(Some(code.clone())).path();
                            let category = ctx.category_name(&t.category);
                            let agency = ctx.agency_name(&t.agency);
                            let district = t.district.as_deref().map(|d| ctx.district_name(d)).unwrap_or_default();
                            let code_for_click = code.clone();
                            view! {
                                <li class={
                                    let prio = t.priority.as_str();
                                    move || {
                                        let mut c = format!("row prio-{prio}");
                                        for (on, name) in [(is_fresh(), " fresh"), (is_open(), " open"), (selected.get() == i, " selected")] {
                                            if on { c.push_str(name); }
                                        }
                                        c
                                    }
                                }>
                                    <a href=href id=format!("baris-{i}") aria-current=move || open_current().then_some("true")
                                        on:click=move |ev: web_sys::MouseEvent| {
                                            if ev.ctrl_key() || ev.meta_key() { return; }
                                            ev.prevent_default();
                                            selected.set(i);
                                            open(code_for_click.clone());
                                        }
                                        on:focus=move |_| selected.set(i)>
                                        <span class="row-top">
                                            <span class=format!("badge prio prio-{}", t.priority.as_str())>{t.priority.label(lang)}</span>
                                            <span class="code">{code.clone()}</span>
                                            {move || fresh_badge().then(|| view! { <span class="badge new">{w.new_mark}</span> })}
                                            <span class=format!("badge status st-{}", t.status.as_str())>{t.status.label(lang)}</span>
                                        </span>
                                        <span class="row-mid">{category}" · "{agency}{(!district.is_empty()).then(|| format!(" · {district}"))}</span>
                                        <span class="row-sum">{t.summary.clone()}</span>
                                        {t.clock.clone().map(|c| view! { <span class="row-due"><Due clock=c/></span> })}
                                        <span class="row-meta">
                                            {age(&t.created_at, lang)}" · "{t.channel.label(lang)}
                                            {t.assignee.clone().map(|a| format!(" · {a}"))}
                                            {t.confidential.then(|| view! { " · "<span class="badge secret">{w.confidential}</span> })}
                                        </span>
                                    </a>
                                </li>
                            }
                        }).collect_view().into_any()
                    }}
                </ol>
                <p class="hint">{w.queue_keys}</p>
            </section>
            {move || open_code.get().map(|code| view! {
                <TicketView code=code changed=ticket_changed on_close=Callback::new(move |()| {
                    open_code.set(None);
                    nav.replace(Page::Queue(None));
                    focus_row(selected.get_untracked());
                })/>
            })}
        </div>
    }
}

fn focus_row(i: usize) {
    let id = format!("baris-{i}");
    request_animation_frame(move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    });
}

/// Waits `ms` milliseconds.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
