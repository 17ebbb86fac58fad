//! Phone intake: an operator records a 112 call as a ticket and forwards it,
//! by keyboard alone, while the caller is on the line.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::dto::{ReportLocation, StaffTicket, TicketUpdate};
use portal112_core::staff::{PhoneIntake, Priority, spell_code};
use portal112_core::{Field, Status};

use crate::api;
use crate::app::{focus_id, use_ctx};
use crate::map::PickMap;
use crate::route::{Nav, Page};

/// The input a field's error belongs next to.
fn input_of(field: &Field) -> &'static str {
    match field {
        Field::CallerName | Field::ContactName => "telp-nama",
        Field::CallerPhone | Field::ContactPhone => "telp-nomor",
        Field::Category => "telp-kategori",
        Field::Village => "telp-kelurahan",
        Field::Address => "telp-alamat",
        Field::Description => "telp-uraian",
        Field::Priority => "telp-prioritas",
        _ => "telp-kecamatan",
    }
}

#[component]
pub fn IntakePage() -> impl IntoView {
    let ctx = use_ctx();
    let nav = expect_context::<Nav>();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let city = ctx.city();

    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let category = RwSignal::new(None::<String>);
    let highlight = RwSignal::new(0_usize);
    let district = RwSignal::new(String::new());
    let village = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal);
    let location = RwSignal::new(None::<ReportLocation>);
    let key = StoredValue::new(api::random_key());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<(&'static str, String)>);
    let created = RwSignal::new(None::<StaffTicket>);
    let forward_error = RwSignal::new(None::<String>);
    let forwarded = RwSignal::new(false);

    let categories = city.city.categories.clone();
    let matches = {
        let categories = categories.clone();
        Memo::new(move |_| {
            let q = search.get().to_lowercase();
            categories
                .iter()
                .filter(|c| {
                    q.is_empty()
                        || c.name.get(lang).to_lowercase().contains(&q)
                        || c.code.contains(&q)
                        || c.keywords.iter().any(|k| k.to_lowercase().contains(&q))
                })
                .map(|c| (c.code.clone(), c.name.get(lang).to_owned(), c.urgent))
                .take(8)
                .collect::<Vec<_>>()
        })
    };
    let pick = move |i: usize| {
        if let Some((code, label, urgent)) = matches.with_untracked(|m| m.get(i).cloned()) {
            category.set(Some(code));
            search.set(label);
            if urgent && priority.get_untracked() == Priority::Normal {
                priority.set(Priority::Darurat);
            }
            focus_id("telp-kecamatan");
        }
    };

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        let call = PhoneIntake {
            category: category.get_untracked().unwrap_or_default(),
            description: description.get_untracked(),
            location: location.get_untracked(),
            district: text(district),
            village: text(village),
            address: text(address),
            caller_name: text(name),
            caller_phone: text(phone),
            priority: priority.get_untracked(),
        };
        if call.category.is_empty() {
            problem.set(Some(("telp-kategori", w.pick_category.to_owned())));
            focus_id("telp-kategori");
            return;
        }
        busy.set(true);
        problem.set(None);
        let k = key.get_value();
        spawn_local(async move {
            let result = api::intake(&call, &k).await;
            busy.set(false);
            match result {
                Ok(t) => {
                    ctx.status.set(format!("{} {}", w.ticket_created, t.code));
                    created.set(Some(t));
                    forwarded.set(false);
                    forward_error.set(None);
                    focus_id("telp-teruskan");
                }
                Err(e) => {
                    let id = e.body().and_then(|b| b.field.as_ref()).map_or("telp-kirim", input_of);
                    problem.set(Some((id, e.message(lang))));
                    focus_id(id);
                }
            }
        });
    };

    // Verify (the operator spoke with the caller) and hand it to the category's agency.
    let forward = move || {
        let Some(t) = created.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let agency =
            ctx.city().city.category(&t.category.code).map_or_else(|| t.agency.code.clone(), |c| c.agency.clone());
        spawn_local(async move {
            let mut revision = t.revision;
            if t.status.can_move_to(Status::Verified) {
                let verify = TicketUpdate {
                    revision: Some(revision),
                    status: Some(Status::Verified),
                    ..TicketUpdate::default()
                };
                match api::change(&t.code, &verify).await {
                    Ok(v) => revision = v.revision,
                    Err(e) => {
                        busy.set(false);
                        forward_error.set(Some(e.message(lang)));
                        return;
                    }
                }
            }
            let update = TicketUpdate {
                revision: Some(revision),
                status: Some(Status::Assigned),
                agency: Some(agency),
                ..TicketUpdate::default()
            };
            let result = api::change(&t.code, &update).await;
            busy.set(false);
            match result {
                Ok(done) => {
                    ctx.status.set(format!("{} {}", w.forwarded_to, ctx.agency_name(&done.agency.code)));
                    created.set(Some(done));
                    forwarded.set(true);
                    focus_id("telp-baru");
                }
                Err(e) => forward_error.set(Some(e.message(lang))),
            }
        });
    };

    let reset = move || {
        for s in [name, phone, search, district, village, address, description] {
            s.set(String::new());
        }
        category.set(None);
        priority.set(Priority::Normal);
        location.set(None);
        key.set_value(api::random_key());
        created.set(None);
        problem.set(None);
        focus_id("telp-nama");
    };
    Effect::new(move |prev: Option<()>| {
        let (_, k) = ctx.key.get();
        if prev.is_some() && k == "n" && created.get_untracked().is_some() {
            reset();
        }
    });
    focus_id("telp-nama");

    let err =
        move |id: &'static str| move || problem.with(|p| p.as_ref().filter(|(i, _)| *i == id).map(|(_, m)| m.clone()));
    let districts = city.city.districts.clone();
    let villages = {
        let districts = districts.clone();
        move || {
            let d = district.get();
            districts.iter().find(|x| x.code == d).map(|x| x.villages.clone()).unwrap_or_default()
        }
    };

    view! {
        <div class="intake-layout">
            <section class="panel" aria-labelledby="telp-judul">
                <h1 id="telp-judul">{w.intake_title}</h1>
                {move || created.get().map(|t| {
                    let agency_code = city.city.category(&t.category.code).map_or_else(|| t.agency.code.clone(), |c| c.agency.clone());
                    let agency = ctx.agency_name(&agency_code);
                    let standby = ctx.on_standby(&agency_code);
                    let code = t.code.to_string();
                    let open = code.clone();
                    view! {
                        <div class="created" role="region" aria-label=w.ticket_created>
                            <p>{w.read_code}</p>
                            <p class="code huge">{code.clone()}</p>
                            <p class="spelled big">{spell_code(&t.code, lang)}</p>
                            {move || if forwarded.get() {
                                view! { <p class="ok" role="status">{w.forwarded_to}" "{agency.clone()}</p> }.into_any()
                            } else {
                                let agency = agency.clone();
                                let warn = standby.clone().filter(Vec::is_empty).map(|_| view! { <p class="warn" role="alert">{w.no_standby_warning}</p> });
                                view! {
                                    {warn}
                                    <button id="telp-teruskan" type="button" class="btn btn-primary btn-big" disabled=move || busy.get() on:click=move |_| forward()>
                                        {w.forward_to}" "{agency}
                                    </button>
                                    <p class="error" role="alert">{move || forward_error.get()}</p>
                                }.into_any()
                            }}
                            <div class="composer-buttons">
                                <button id="telp-baru" type="button" class="btn" on:click=move |_| reset()>{w.new_call}<kbd>"n"</kbd></button>
                                <button type="button" class="btn" on:click=move |_| nav.go(Page::Queue(Some(open.clone())))>{w.open_ticket}</button>
                            </div>
                        </div>
                    }
                })}
                <form class="intake" novalidate hidden=move || created.with(Option::is_some)
                    on:submit=move |ev| { ev.prevent_default(); submit(); }
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                            ev.prevent_default();
                            submit();
                        }
                    }>
                    <div class="two">
                        <div>
                            <label for="telp-nama">{w.caller_name}</label>
                            <input id="telp-nama" autocomplete="off" prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev)) aria-describedby="telp-nama-galat"/>
                            <p class="error" id="telp-nama-galat">{err("telp-nama")}</p>
                        </div>
                        <div>
                            <label for="telp-nomor">{w.caller_phone}</label>
                            <input id="telp-nomor" type="tel" autocomplete="off" prop:value=move || phone.get()
                                on:input=move |ev| phone.set(event_target_value(&ev)) aria-describedby="telp-nomor-galat"/>
                            <p class="error" id="telp-nomor-galat">{err("telp-nomor")}</p>
                        </div>
                    </div>
                    <label for="telp-kategori">{w.category_search}</label>
                    <input id="telp-kategori" role="combobox" autocomplete="off" aria-autocomplete="list"
                        aria-controls="telp-kategori-daftar" aria-expanded=move || category.with(Option::is_none).to_string()
                        aria-activedescendant=move || format!("kat-{}", highlight.get())
                        aria-describedby="telp-kategori-galat"
                        prop:value=move || search.get()
                        on:input=move |ev| { search.set(event_target_value(&ev)); category.set(None); highlight.set(0); }
                        on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                            "ArrowDown" => { ev.prevent_default(); let n = matches.with_untracked(Vec::len); highlight.update(|h| *h = (*h + 1).min(n.saturating_sub(1))); }
                            "ArrowUp" => { ev.prevent_default(); highlight.update(|h| *h = h.saturating_sub(1)); }
                            "Enter" if !ev.ctrl_key() && category.with_untracked(Option::is_none) => { ev.prevent_default(); pick(highlight.get_untracked()); }
                            _ => {}
                        }/>
                    <p class="error" id="telp-kategori-galat">{err("telp-kategori")}</p>
                    <ul id="telp-kategori-daftar" role="listbox" class="options" aria-label=w.category hidden=move || category.with(Option::is_some)>
                        {move || matches.get().into_iter().enumerate().map(|(i, (_, label, urgent))| view! {
                            <li id=format!("kat-{i}") role="option" aria-selected=move || (highlight.get() == i).to_string()
                                class:active=move || highlight.get() == i on:mousedown=move |ev| { ev.prevent_default(); pick(i); }>
                                {label}{urgent.then(|| view! { " "<span class="badge prio-darurat">{w.urgent}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                    <div class="two">
                        <div>
                            <label for="telp-kecamatan">{w.district}</label>
                            <select id="telp-kecamatan" on:change=move |ev| { district.set(event_target_value(&ev)); village.set(String::new()); }
                                aria-describedby="telp-kecamatan-galat">
                                <option value="">{w.choose}</option>
                                {districts.iter().map(|d| view! { <option value=d.code.clone()>{d.name.clone()}</option> }).collect_view()}
                            </select>
                            <p class="error" id="telp-kecamatan-galat">{err("telp-kecamatan")}</p>
                        </div>
                        <div>
                            <label for="telp-kelurahan">{w.village}</label>
                            <select id="telp-kelurahan" on:change=move |ev| village.set(event_target_value(&ev)) aria-describedby="telp-kelurahan-galat">
                                <option value="">{w.choose}</option>
                                {move || villages().into_iter().map(|v| view! { <option value=v.code.clone()>{v.name.clone()}</option> }).collect_view()}
                            </select>
                            <p class="error" id="telp-kelurahan-galat">{err("telp-kelurahan")}</p>
                        </div>
                    </div>
                    <label for="telp-alamat">{w.landmark}</label>
                    <input id="telp-alamat" autocomplete="off" prop:value=move || address.get()
                        on:input=move |ev| address.set(event_target_value(&ev)) aria-describedby="telp-alamat-galat"/>
                    <p class="error" id="telp-alamat-galat">{err("telp-alamat")}</p>
                    <label for="telp-uraian">{w.description}</label>
                    <textarea id="telp-uraian" rows="4" prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev)) aria-describedby="telp-uraian-galat"></textarea>
                    <p class="error" id="telp-uraian-galat">{err("telp-uraian")}</p>
                    <label for="telp-prioritas">{w.priority}</label>
                    <select id="telp-prioritas" on:change=move |ev| {
                        if let Some(p) = Priority::from_name(&event_target_value(&ev)) { priority.set(p); }
                    }>
                        {Priority::ALL.iter().map(|p| view! {
                            <option value=p.as_str() selected=move || priority.get() == *p>{p.label(lang)}</option>
                        }).collect_view()}
                    </select>
                    <p class="error" id="telp-kirim" tabindex="-1" role="alert">{err("telp-kirim")}</p>
                    <button type="submit" class="btn btn-primary btn-big" disabled=move || busy.get()>
                        {move || if busy.get() { w.saving } else { w.create_ticket }}<kbd>"Ctrl+Enter"</kbd>
                    </button>
                    <p class="hint">{w.intake_keys}</p>
                </form>
            </section>
            <aside class="panel" hidden=move || created.with(Option::is_some) aria-label=w.map_of_place>
                <h2 class="sub">{w.pin_title}</h2>
                <PickMap location=location/>
            </aside>
        </div>
    }
}
