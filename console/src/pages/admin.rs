//! Administration: staff accounts, reply templates, the video catalogue, and
//! the audit log (supervisors read it too).

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Status;
use portal112_core::dto::{Role, Video, VideoSource};
use portal112_core::staff::{
    AccountChange, AuditPage as Audit, NewAccount, ReplyTemplate, StaffAccount, TemplateInput,
};

use crate::api::{self, Failure};
use crate::app::{focus_id, use_ctx};
use crate::time::clock;

/// A message for one field, or for the form as a whole.
type Problem = (Option<portal112_core::Field>, String);

fn problem_of(e: &Failure, lang: portal112_core::Lang) -> Problem {
    (e.body().and_then(|b| b.field.clone()), e.message(lang))
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let city = ctx.city();
    let accounts = RwSignal::new(Vec::<StaffAccount>::new());
    let problem = RwSignal::new(None::<(Option<portal112_core::Field>, String)>);
    let row_problem = RwSignal::new(None::<(String, String)>);
    let load = move || {
        spawn_local(async move {
            match api::accounts().await {
                Ok(a) => accounts.set(a),
                Err(e) => problem.set(Some(problem_of(&e, lang))),
            }
        });
    };
    load();

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Operator);
    let agency = RwSignal::new(String::new());
    let add = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let account = NewAccount {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role: role.get_untracked(),
            agency: (role.get_untracked() == Role::Agency).then(|| agency.get_untracked()).filter(|a| !a.is_empty()),
        };
        spawn_local(async move {
            match api::add_account(&account).await {
                Ok(a) => {
                    ctx.status.set(format!("{}: {}", w.saved, a.username));
                    username.set(String::new());
                    password.set(String::new());
                    problem.set(None);
                    load();
                    focus_id("akun-nama");
                }
                Err(e) => problem.set(Some(problem_of(&e, lang))),
            }
        });
    };
    let change = move |name: String, c: AccountChange| {
        spawn_local(async move {
            match api::change_account(&name, &c).await {
                Ok(_) => {
                    row_problem.set(None);
                    ctx.status.set(format!("{}: {name}", w.saved));
                    load();
                }
                Err(e) => row_problem.set(Some((name, e.message(lang)))),
            }
        });
    };
    let err = move |f: portal112_core::Field| {
        move || problem.with(|p| p.as_ref().filter(|(x, _)| x.as_ref() == Some(&f)).map(|(_, m)| m.clone()))
    };
    let general = move || {
        problem.with(|p| {
            p.as_ref()
                .filter(|(x, _)| {
                    !matches!(
                        x,
                        Some(
                            portal112_core::Field::Username
                                | portal112_core::Field::Password
                                | portal112_core::Field::Role
                                | portal112_core::Field::Agency
                        )
                    )
                })
                .map(|(_, m)| m.clone())
        })
    };
    let agencies = city.city.agencies.clone();
    let agencies2 = agencies.clone();
    view! {
        <section class="panel" aria-labelledby="akun-judul">
            <h1 id="akun-judul">{w.accounts}</h1>
            <form class="inline-form" on:submit=add novalidate aria-labelledby="akun-baru">
                <h2 id="akun-baru" class="sub">{w.account_new}</h2>
                <div class="grid4">
                    <div>
                        <label for="akun-nama">{w.username}</label>
                        <input id="akun-nama" autocomplete="off" prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
                        <p class="error">{err(portal112_core::Field::Username)}</p>
                    </div>
                    <div>
                        <label for="akun-sandi">{w.password}</label>
                        <input id="akun-sandi" type="password" autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                        <p class="error">{err(portal112_core::Field::Password)}</p>
                    </div>
                    <div>
                        <label for="akun-peran">{w.role_label}</label>
                        <select id="akun-peran" on:change=move |ev| if let Some(r) = Role::from_name(&event_target_value(&ev)) { role.set(r) }>
                            {Role::ALL.iter().map(|r| view! { <option value=r.as_str()>{w.role(*r)}</option> }).collect_view()}
                        </select>
                        <p class="error">{err(portal112_core::Field::Role)}</p>
                    </div>
                    <div hidden=move || role.get() != Role::Agency>
                        <label for="akun-dinas">{w.agency}</label>
                        <select id="akun-dinas" on:change=move |ev| agency.set(event_target_value(&ev))>
                            <option value="">{w.choose}</option>
                            {agencies.iter().map(|a| view! { <option value=a.code.clone()>{a.short_name.clone()}</option> }).collect_view()}
                        </select>
                        <p class="error">{err(portal112_core::Field::Agency)}</p>
                    </div>
                </div>
                <p class="error" role="alert">{general}</p>
                <button type="submit" class="btn btn-primary">{w.add}</button>
            </form>
            <div class="scroll">
            <table class="table">
                <thead><tr>
                    <th scope="col">{w.username}</th><th scope="col">{w.role_label}</th><th scope="col">{w.agency}</th>
                    <th scope="col">{w.state}</th><th scope="col">{w.actions}</th>
                </tr></thead>
                <tbody>
                    {move || accounts.get().into_iter().map(|a| {
                        let name = a.username.clone();
                        let n1 = name.clone();
                        let n2 = name.clone();
                        let n3 = name.clone();
                        let reset_to = RwSignal::new(String::new());
                        let agencies = agencies2.clone();
                        let current_agency = a.agency.clone().unwrap_or_default();
                        view! {
                            <tr class:disabled=a.disabled>
                                <th scope="row">{a.username.clone()}</th>
                                <td>
                                    <select aria-label=format!("{} {}", w.role_label, a.username) on:change=move |ev| {
                                        if let Some(r) = Role::from_name(&event_target_value(&ev)) {
                                            change(n1.clone(), AccountChange { role: Some(r), ..AccountChange::default() });
                                        }
                                    }>
                                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == a.role>{w.role(*r)}</option> }).collect_view()}
                                    </select>
                                </td>
                                <td>
                                    {(a.role == Role::Agency).then(|| view! {
                                        <select aria-label=format!("{} {}", w.agency, a.username) on:change=move |ev| {
                                            change(n2.clone(), AccountChange { role: Some(Role::Agency), agency: Some(event_target_value(&ev)), ..AccountChange::default() });
                                        }>
                                            {agencies.iter().map(|ag| view! { <option value=ag.code.clone() selected=ag.code == current_agency>{ag.short_name.clone()}</option> }).collect_view()}
                                        </select>
                                    })}
                                </td>
                                <td>{if a.disabled { w.disabled } else { w.active }}</td>
                                <td class="row-actions">
                                    <button type="button" class="btn small" on:click=move |_| {
                                        change(n3.clone(), AccountChange { disabled: Some(!a.disabled), ..AccountChange::default() });
                                    }>{if a.disabled { w.enable } else { w.disable }}</button>
                                    <input type="password" autocomplete="new-password" aria-label=format!("{} {}", w.new_password, a.username)
                                        placeholder=w.new_password prop:value=move || reset_to.get() on:input=move |ev| reset_to.set(event_target_value(&ev))/>
                                    <button type="button" class="btn small" on:click=move |_| {
                                        let p = reset_to.get_untracked();
                                        change(name.clone(), AccountChange { password: Some(p), ..AccountChange::default() });
                                    }>{w.reset_password}</button>
                                    {
                                        let me = a.username.clone();
                                        move || row_problem.get().filter(|(n, _)| *n == me).map(|(_, m)| view! { <p class="error" role="alert">{m}</p> })
                                    }
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let list = RwSignal::new(Vec::<ReplyTemplate>::new());
    let problem = RwSignal::new(None::<(Option<portal112_core::Field>, String)>);
    let editing = RwSignal::new(None::<i64>);
    let status = RwSignal::new(Status::Verified);
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::templates().await {
                Ok(t) => list.set(t),
                Err(e) => problem.set(Some(problem_of(&e, lang))),
            }
        });
    };
    load();
    let clear = move || {
        editing.set(None);
        title.set(String::new());
        text.set(String::new());
        problem.set(None);
    };
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let input =
            TemplateInput { status: status.get_untracked(), title: title.get_untracked(), text: text.get_untracked() };
        let id = editing.get_untracked();
        spawn_local(async move {
            let result = match id {
                Some(id) => api::save_template(id, &input).await,
                None => api::add_template(&input).await,
            };
            match result {
                Ok(_) => {
                    ctx.status.set(w.saved.to_owned());
                    clear();
                    load();
                    focus_id("templat-judul-isi");
                }
                Err(e) => problem.set(Some(problem_of(&e, lang))),
            }
        });
    };
    let err = move |f: portal112_core::Field| {
        move || problem.with(|p| p.as_ref().filter(|(x, _)| x.as_ref() == Some(&f)).map(|(_, m)| m.clone()))
    };
    view! {
        <section class="panel" aria-labelledby="templat-judul">
            <h1 id="templat-judul">{w.templates}</h1>
            <p>{w.templates_intro}</p>
            <form class="inline-form" on:submit=save novalidate>
                <h2 class="sub">{move || if editing.get().is_some() { w.template_edit } else { w.template_new }}</h2>
                <label for="templat-status">{w.status}</label>
                <select id="templat-status" on:change=move |ev| if let Some(s) = Status::from_name(&event_target_value(&ev)) { status.set(s) }>
                    {Status::ALL.iter().map(|s| view! { <option value=s.as_str() selected=move || status.get() == *s>{s.label(lang)}</option> }).collect_view()}
                </select>
                <label for="templat-judul-isi">{w.title}</label>
                <input id="templat-judul-isi" maxlength="80" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                <p class="error">{err(portal112_core::Field::Title)}</p>
                <label for="templat-teks">{w.text}</label>
                <textarea id="templat-teks" rows="4" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <p class="error">{err(portal112_core::Field::Text)}</p>
                <p class="error" role="alert">{move || problem.with(|p| p.as_ref().filter(|(f, _)| !matches!(f, Some(portal112_core::Field::Title | portal112_core::Field::Text))).map(|(_, m)| m.clone()))}</p>
                <button type="submit" class="btn btn-primary">{w.save}</button>
                <button type="button" class="btn" hidden=move || editing.get().is_none() on:click=move |_| clear()>{w.cancel}</button>
            </form>
            <ul class="cards">
                {move || list.get().into_iter().map(|t| {
                    let edit = t.clone();
                    let id = t.id;
                    view! {
                        <li class="card">
                            <p><span class=format!("badge status st-{}", t.status.as_str())>{t.status.label(lang)}</span>" "<strong>{t.title.clone()}</strong></p>
                            <p>{t.text.clone()}</p>
                            <button type="button" class="btn small" on:click=move |_| {
                                editing.set(Some(edit.id));
                                status.set(edit.status);
                                title.set(edit.title.clone());
                                text.set(edit.text.clone());
                                focus_id("templat-judul-isi");
                            }>{w.edit}</button>
                            <button type="button" class="btn small" on:click=move |_| {
                                spawn_local(async move {
                                    match api::remove_template(id).await {
                                        Ok(()) => { ctx.status.set(w.removed.to_owned()); load(); focus_id("templat-judul"); }
                                        Err(e) => problem.set(Some(problem_of(&e, lang))),
                                    }
                                });
                            }>{w.remove}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn VideosPage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let city = ctx.city();
    let list = RwSignal::new(Vec::<Video>::new());
    let problem = RwSignal::new(None::<(Option<portal112_core::Field>, String)>);
    let load = move || {
        spawn_local(async move {
            match api::videos().await {
                Ok(v) => list.set(v),
                Err(e) => problem.set(Some(problem_of(&e, lang))),
            }
        });
    };
    load();
    let agency = RwSignal::new(city.city.agencies.first().map(|a| a.code.clone()).unwrap_or_default());
    let title_id = RwSignal::new(String::new());
    let title_en = RwSignal::new(String::new());
    let youtube = RwSignal::new(String::new());
    let add = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let (a, ti, te, y) =
            (agency.get_untracked(), title_id.get_untracked(), title_en.get_untracked(), youtube.get_untracked());
        spawn_local(async move {
            match api::add_youtube_video(&a, &ti, &te, y.trim()).await {
                Ok(_) => {
                    ctx.status.set(w.saved.to_owned());
                    problem.set(None);
                    for s in [title_id, title_en, youtube] {
                        s.set(String::new());
                    }
                    load();
                }
                Err(e) => problem.set(Some(problem_of(&e, lang))),
            }
        });
    };
    let agencies = city.city.agencies.clone();
    view! {
        <section class="panel" aria-labelledby="video-judul">
            <h1 id="video-judul">{w.videos}</h1>
            <p>{w.videos_intro}</p>
            <form class="inline-form" on:submit=add novalidate>
                <h2 class="sub">{w.video_new}</h2>
                <div class="grid4">
                    <div><label for="video-dinas">{w.agency}</label>
                        <select id="video-dinas" on:change=move |ev| agency.set(event_target_value(&ev))>
                            {agencies.iter().map(|a| view! { <option value=a.code.clone()>{a.short_name.clone()}</option> }).collect_view()}
                        </select></div>
                    <div><label for="video-id">{w.title_id}</label>
                        <input id="video-id" prop:value=move || title_id.get() on:input=move |ev| title_id.set(event_target_value(&ev))/></div>
                    <div><label for="video-en">{w.title_en}</label>
                        <input id="video-en" prop:value=move || title_en.get() on:input=move |ev| title_en.set(event_target_value(&ev))/></div>
                    <div><label for="video-yt">{w.youtube_id}</label>
                        <input id="video-yt" spellcheck="false" prop:value=move || youtube.get() on:input=move |ev| youtube.set(event_target_value(&ev))/></div>
                </div>
                <p class="error" role="alert">{move || problem.get().map(|(_, m)| m)}</p>
                <button type="submit" class="btn btn-primary">{w.add}</button>
            </form>
            <div class="scroll">
            <table class="table">
                <thead><tr><th scope="col">{w.agency}</th><th scope="col">{w.title}</th><th scope="col">{w.source}</th><th scope="col">{w.actions}</th></tr></thead>
                <tbody>
                    {move || list.get().into_iter().map(|v| {
                        let id = v.id.clone();
                        let source = match &v.source {
                            VideoSource::Youtube { youtube_id, .. } => format!("YouTube {youtube_id}"),
                            VideoSource::File { generated: true, .. } => w.video_generated.to_owned(),
                            VideoSource::File { mime, .. } => mime.clone(),
                        };
                        view! {
                            <tr>
                                <td>{ctx.agency_name(&v.agency)}</td>
                                <th scope="row">{v.title.get(lang).to_owned()}</th>
                                <td>{source}</td>
                                <td><button type="button" class="btn small" on:click=move |_| {
                                    let id = id.clone();
                                    spawn_local(async move {
                                        match api::remove_video(&id).await {
                                            Ok(()) => { ctx.status.set(w.removed.to_owned()); load(); focus_id("video-judul"); }
                                            Err(e) => problem.set(Some(problem_of(&e, lang))),
                                        }
                                    });
                                }>{w.remove}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let page = RwSignal::new(1_u32);
    let result = RwSignal::new(None::<Audit>);
    let problem = RwSignal::new(None::<String>);
    let load = move || {
        // Dates from the date pickers mean whole days in the city's time.
        let offset = ctx.config.with_untracked(|c| c.as_ref().map_or(480, |c| c.city.city.utc_offset_minutes));
        let zone = format!("{}{:02}:{:02}", if offset < 0 { '-' } else { '+' }, offset.abs() / 60, offset.abs() % 60);
        let day = |d: String, end: bool| {
            if d.is_empty() { d } else { format!("{d}T{}{zone}", if end { "23:59:59" } else { "00:00:00" }) }
        };
        let q = api::query(&[
            ("actor", actor.get_untracked().trim().to_owned()),
            ("action", action.get_untracked()),
            ("target", target.get_untracked().trim().to_owned()),
            ("since", day(since.get_untracked(), false)),
            ("until", day(until.get_untracked(), true)),
            ("page", page.get_untracked().to_string()),
            ("page_size", "50".into()),
        ]);
        spawn_local(async move {
            match api::audit(&q).await {
                Ok(r) => {
                    problem.set(None);
                    result.set(Some(r));
                }
                Err(e) => problem.set(Some(e.message(lang))),
            }
        });
    };
    load();
    let search = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        load();
    };
    view! {
        <section class="panel" aria-labelledby="audit-judul">
            <h1 id="audit-judul">{w.audit}</h1>
            <form class="inline-form" on:submit=search role="search">
                <div class="grid4">
                    <div><label for="audit-pelaku">{w.actor}</label>
                        <input id="audit-pelaku" prop:value=move || actor.get() on:input=move |ev| actor.set(event_target_value(&ev))/></div>
                    <div><label for="audit-tindakan">{w.action}</label>
                        <input id="audit-tindakan" placeholder="ticket_changed" prop:value=move || action.get() on:input=move |ev| action.set(event_target_value(&ev))/></div>
                    <div><label for="audit-sasaran">{w.target}</label>
                        <input id="audit-sasaran" prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/></div>
                    <div><label for="audit-dari">{w.since}</label>
                        <input id="audit-dari" type="date" on:change=move |ev| since.set(event_target_value(&ev))/></div>
                    <div><label for="audit-sampai">{w.until}</label>
                        <input id="audit-sampai" type="date" on:change=move |ev| until.set(event_target_value(&ev))/></div>
                </div>
                <button type="submit" class="btn btn-primary">{w.search}</button>
            </form>
            <p class="error" role="alert">{move || problem.get()}</p>
            {move || result.get().map(|r| {
                let pages = r.total.div_ceil(u64::from(r.page_size.max(1))).max(1);
                let current = r.page;
                view! {
                    <p class="count" aria-live="polite">{format!("{} {} · {} {current}/{pages}", r.total, w.entries, w.page)}</p>
                    <div class="scroll">
                    <table class="table">
                        <thead><tr><th scope="col">{w.time}</th><th scope="col">{w.actor}</th><th scope="col">{w.action}</th><th scope="col">{w.target}</th></tr></thead>
                        <tbody>
                            {r.entries.into_iter().map(|e| view! {
                                <tr><td>{clock(&e.at)}</td><td>{e.actor}</td><td>{e.action}</td><td class="code">{e.target}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <div class="composer-buttons">
                        <button type="button" class="btn" disabled=current <= 1 on:click=move |_| { page.update(|p| *p = p.saturating_sub(1).max(1)); load(); }>{w.previous}</button>
                        <button type="button" class="btn" disabled=u64::from(current) >= pages on:click=move |_| { page.update(|p| *p += 1); load(); }>{w.next}</button>
                    </div>
                }
            })}
        </section>
    }
}
