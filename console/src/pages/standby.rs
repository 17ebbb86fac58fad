//! Standby, 1 x 24 hours: who is on standby now for each agency, and each
//! agency's roster by day and shift (set by the agency or an admin).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::dto::Role;
use portal112_core::staff::{Shift, StandbySlot};

use crate::api;
use crate::app::use_ctx;
use crate::time::local_date;

/// Yesterday (whose night shift runs past midnight) and the week ahead.
const DAYS: u8 = 8;

#[component]
pub fn StandbyPage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let city = ctx.city();
    let me = ctx.me.get_untracked().expect("signed in");
    let offset = city.city.city.utc_offset_minutes;
    let agencies = city.city.agencies.clone();
    let agency = RwSignal::new(
        me.agency.clone().unwrap_or_else(|| agencies.first().map(|a| a.code.clone()).unwrap_or_default()),
    );
    let may_edit = {
        let (role, own) = (me.role, me.agency.clone());
        Memo::new(move |_| match role {
            Role::Admin | Role::Supervisor => true,
            Role::Agency => own.as_deref() == Some(agency.get().as_str()),
            Role::Operator => false,
        })
    };
    let slots = RwSignal::new(Vec::<StandbySlot>::new());
    let staff = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<(String, Shift)>);
    let chosen = RwSignal::new(Vec::<String>::new());
    // From yesterday: after midnight the shift running now is the night
    // shift that began yesterday, and it must be there to see and change.
    let from = local_date(offset, -1);

    let load = {
        let from = from.clone();
        move || {
            let from = from.clone();
            let a = agency.get_untracked();
            spawn_local(async move {
                match api::standby(&from, DAYS).await {
                    Ok(s) => slots.set(s),
                    Err(e) => error.set(Some(e.message(lang))),
                }
                staff.set(api::agency_staff(&a).await.unwrap_or_default());
            });
        }
    };
    {
        let load = load.clone();
        Effect::new(move || {
            agency.track();
            load();
        });
    }
    ctx.load_standby();

    let save = {
        let load = load.clone();
        move |date: String, shift: Shift| {
            let slot = StandbySlot { agency: agency.get_untracked(), date, shift, officers: chosen.get_untracked() };
            let load = load.clone();
            spawn_local(async move {
                match api::set_standby(&slot).await {
                    Ok(_) => {
                        error.set(None);
                        editing.set(None);
                        ctx.status.set(w.saved.to_owned());
                        ctx.load_standby();
                        load();
                    }
                    Err(e) => error.set(Some(e.message(lang))),
                }
            });
        }
    };
    let dates: Vec<String> = (-1..i32::from(DAYS) - 1).map(|d| local_date(offset, d)).collect();

    view! {
        <section class="panel" aria-labelledby="siaga-judul">
            <h1 id="siaga-judul">{w.standby_title}</h1>
            <p>{w.standby_intro}</p>
            <h2 class="sub">{w.standby_now}</h2>
            <table class="table">
                <thead><tr><th scope="col">{w.agency}</th><th scope="col">{w.shift}</th><th scope="col">{w.officers}</th></tr></thead>
                <tbody>
                    {move || {
                        let now = ctx.standby.get();
                        agencies.iter().map(|a| {
                            let entry = now.iter().find(|n| n.agency == a.code).cloned();
                            let (shift, officers) = entry.map_or((String::new(), Vec::new()), |e| (e.shift.label(lang).to_owned(), e.officers));
                            view! {
                                <tr class:none=officers.is_empty()>
                                    <th scope="row">{a.short_name.clone()}</th>
                                    <td>{shift}</td>
                                    <td>{if officers.is_empty() { view! { <span class="warn">{w.no_standby}</span> }.into_any() } else { officers.join(", ").into_any() }}</td>
                                </tr>
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
            <h2 class="sub">{w.roster}</h2>
            {(me.role != Role::Agency).then(|| {
                let agencies = city.city.agencies.clone();
                view! {
                    <label for="siaga-dinas">{w.agency}</label>
                    <select id="siaga-dinas" on:change=move |ev| agency.set(event_target_value(&ev))>
                        {agencies.iter().map(|a| view! { <option value=a.code.clone() selected=a.code == agency.get_untracked()>{a.short_name.clone()}</option> }).collect_view()}
                    </select>
                }
            })}
            <p class="error" role="alert">{move || error.get()}</p>
            <div class="scroll">
            <table class="table roster">
                <thead><tr><th scope="col">{w.date}</th>{Shift::ALL.iter().map(|s| view! { <th scope="col">{s.label(lang)}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {dates.into_iter().map(|date| {
                        let save = save.clone();
                        view! {
                            <tr>
                                <th scope="row">{date.clone()}</th>
                                {Shift::ALL.into_iter().map(|shift| {
                                    let date = date.clone();
                                    let save = save.clone();
                                    let officers = {
                                        let date = date.clone();
                                        move || slots.with(|s| s.iter().find(|x| x.agency == agency.get() && x.date == date && x.shift == shift).map(|x| x.officers.clone()).unwrap_or_default())
                                    };
                                    let is_editing = { let date = date.clone(); move || editing.get().is_some_and(|(d, s)| d == date && s == shift) };
                                    view! {
                                        <td>
                                            {move || {
                                                let list = officers();
                                                if is_editing() {
                                                    let save = save.clone();
                                                    let date = date.clone();
                                                    view! {
                                                        <fieldset class="pick">
                                                            <legend>{format!("{date} · {}", shift.label(lang))}</legend>
                                                            {staff.get().into_iter().map(|s| {
                                                                let checked = chosen.with_untracked(|c| c.contains(&s));
                                                                let name = s.clone();
                                                                view! {
                                                                    <label class="check"><input type="checkbox" checked=checked on:change=move |ev| {
                                                                        let on = event_target_checked(&ev);
                                                                        chosen.update(|c| { c.retain(|x| *x != name); if on { c.push(name.clone()); } });
                                                                    }/><span>{s.clone()}</span></label>
                                                                }
                                                            }).collect_view()}
                                                            <button type="button" class="btn btn-primary" on:click=move |_| save(date.clone(), shift)>{w.save}</button>
                                                            <button type="button" class="btn" on:click=move |_| editing.set(None)>{w.cancel}</button>
                                                        </fieldset>
                                                    }.into_any()
                                                } else {
                                                    let date = date.clone();
                                                    let text = if list.is_empty() { "—".to_owned() } else { list.join(", ") };
                                                    view! {
                                                        <span>{text}</span>
                                                        {may_edit.get().then(|| view! {
                                                            <button type="button" class="btn btn-quiet small" on:click=move |_| {
                                                                chosen.set(list.clone());
                                                                editing.set(Some((date.clone(), shift)));
                                                            }>{w.edit}</button>
                                                        })}
                                                    }.into_any()
                                                }
                                            }}
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}
