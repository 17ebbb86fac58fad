//! One ticket: everything it holds, its history, and the actions on it.
//!
//! Every action is a change the server checks (roles, the status machine, the
//! revision); the console only offers what the ticket's status allows and
//! shows the server's answer next to the field it concerns.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::dto::{DetailsVisibility, Role, StaffEvent, StaffTicket, TicketUpdate};
use portal112_core::staff::{NearbyTicket, Priority, ReplyTemplate};
use portal112_core::{Field, Lang, Status};

use crate::api::{self, AbortOnDrop, Failure};
use crate::app::{Ctx, focus_id, use_ctx};
use crate::due::Due;
use crate::i18n::Words;
use crate::map::PlaceMap;
use crate::time::{age, clock};

/// What a staff member can do to a ticket, each on one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Verify,
    Forward,
    Reject,
    Duplicate,
    Hold,
    Resume,
    Assign,
    Take,
    Priority,
    PublicNote,
    InternalNote,
    Start,
    Resolve,
    Close,
    SendBack,
}

impl Action {
    const ALL: [Action; 15] = [
        Action::Verify,
        Action::Forward,
        Action::Take,
        Action::Start,
        Action::Resolve,
        Action::Close,
        Action::SendBack,
        Action::Reject,
        Action::Duplicate,
        Action::Hold,
        Action::Resume,
        Action::Assign,
        Action::Priority,
        Action::PublicNote,
        Action::InternalNote,
    ];

    fn key(self) -> &'static str {
        match self {
            Action::Verify => "v",
            Action::Forward => "f",
            Action::Reject => "t",
            Action::Duplicate => "d",
            Action::Hold => "h",
            Action::Resume => "l",
            Action::Assign => "a",
            Action::Take => "m",
            Action::Priority => "p",
            Action::PublicNote => "u",
            Action::InternalNote => "i",
            Action::Start => "s",
            Action::Resolve => "r",
            Action::Close => "c",
            Action::SendBack => "b",
        }
    }

    fn label(self, w: &Words) -> &'static str {
        match self {
            Action::Verify => w.act_verify,
            Action::Forward => w.act_forward,
            Action::Reject => w.act_reject,
            Action::Duplicate => w.act_duplicate,
            Action::Hold => w.act_hold,
            Action::Resume => w.act_resume,
            Action::Assign => w.act_assign,
            Action::Take => w.act_take,
            Action::Priority => w.act_priority,
            Action::PublicNote => w.act_public_note,
            Action::InternalNote => w.act_internal_note,
            Action::Start => w.act_start,
            Action::Resolve => w.act_resolve,
            Action::Close => w.act_close,
            Action::SendBack => w.act_send_back,
        }
    }

    /// The status the action moves to, if it moves the status.
    fn target(self) -> Option<Status> {
        match self {
            Action::Verify => Some(Status::Verified),
            Action::Reject => Some(Status::Rejected),
            Action::Duplicate => Some(Status::Duplicate),
            Action::Hold => Some(Status::OnHold),
            Action::Start | Action::SendBack => Some(Status::InProgress),
            Action::Resolve => Some(Status::Resolved),
            Action::Close => Some(Status::Closed),
            _ => None,
        }
    }

    /// Whether `role` may take this action on `t` now.
    fn offered(self, t: &StaffTicket, role: Role, me: &str) -> bool {
        let call_centre = role.sees_all_agencies();
        let can = |s: Status| t.status.can_move_to(s);
        match self {
            Action::Verify => call_centre && can(Status::Verified),
            Action::Forward | Action::Priority => call_centre && t.status.is_open(),
            Action::Reject | Action::Duplicate => call_centre && can(self.target().unwrap_or(Status::Rejected)),
            Action::Hold => can(Status::OnHold),
            Action::Resume => t.status == Status::OnHold,
            Action::Assign => t.status.is_open(),
            Action::Take => role == Role::Agency && t.status.is_open() && t.assignee.as_deref() != Some(me),
            Action::PublicNote | Action::InternalNote => true,
            Action::Start => can(Status::InProgress) && t.status != Status::Resolved && t.status != Status::OnHold,
            Action::Resolve => can(Status::Resolved),
            Action::Close => call_centre && can(Status::Closed),
            Action::SendBack => call_centre && t.status == Status::Resolved,
        }
    }
}

/// What the composer of an action holds while it is open.
#[derive(Debug, Clone, Default)]
struct Draft {
    public_note: String,
    internal_note: String,
    agency: String,
    assignee: String,
    priority: String,
    duplicate_of: String,
    resume_to: String,
}

/// A failed change: the message, the field it concerns, and for conflicts
/// what changed meanwhile or which moves are allowed.
#[derive(Debug, Clone, Default)]
struct Problem {
    message: String,
    field: Option<Field>,
    allowed: Vec<Status>,
    changed: Vec<StaffEvent>,
}

#[component]
pub fn TicketView(code: String, changed: RwSignal<u32>, on_close: Callback<()>) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let me = ctx.me.get_untracked().expect("signed in");
    let role = me.role;
    let my_name = StoredValue::new(me.username);
    let ticket = RwSignal::new(None::<StaffTicket>);
    let error = RwSignal::new(None::<String>);
    let action = RwSignal::new(None::<Action>);
    let draft = RwSignal::new(Draft::default());
    let problem = RwSignal::new(None::<Problem>);
    let busy = RwSignal::new(false);
    let zoomed = RwSignal::new(None::<String>);
    let templates = RwSignal::new(Vec::<ReplyTemplate>::new());
    let staff = RwSignal::new(Vec::<String>::new());
    let nearby = RwSignal::new(None::<Vec<NearbyTicket>>);
    let abort = StoredValue::new_local(None::<AbortOnDrop>);

    let load = {
        let code = code.clone();
        move || {
            let code = code.clone();
            let request = async move { api::ticket(&code, None).await };
            spawn_local(async move {
                match request.await {
                    Ok(t) => {
                        let _ = error.try_set(None);
                        // The revision already shown (our own change, told back
                        // by the live stream): drawing it again would only take
                        // the keyboard out of a form opened meanwhile.
                        let shown = ticket.try_with_untracked(|c| c.as_ref().map(|c| c.revision)).flatten();
                        if shown != Some(t.revision) {
                            let _ = ticket.try_set(Some(t));
                        }
                    }
                    Err(Failure::Aborted) => {}
                    Err(e) => {
                        let _ = error.try_set(Some(e.message(lang)));
                    }
                }
            });
        }
    };
    load();
    {
        let load = load.clone();
        Effect::new(move |prev: Option<u32>| {
            let n = changed.get();
            // A colleague's change while nothing is being typed: show it at once.
            if prev.is_some() && action.get_untracked().is_none() {
                load();
            }
            n
        });
    }
    on_cleanup(move || abort.set_value(None));
    spawn_local(async move {
        if let Ok(t) = api::templates().await {
            templates.set(t);
        }
    });

    let open_action = move |a: Action| {
        let Some(t) = ticket.get_untracked() else { return };
        let me = ctx.me.with_untracked(|m| m.as_ref().map(|m| m.username.clone())).unwrap_or_default();
        if !a.offered(&t, role, &me) {
            return;
        }
        problem.set(None);
        let mut d = Draft::default();
        if a == Action::Forward {
            // The category's agency first, unless it is already there.
            let own = ctx.config.with_untracked(|c| {
                c.as_ref().and_then(|c| c.city.category(&t.category.code).map(|c| c.agency.clone()))
            });
            d.agency = own.filter(|a| *a != t.agency.code).unwrap_or_else(|| t.agency.code.clone());
        }
        t.priority.as_str().clone_into(&mut d.priority);
        d.assignee = t.assignee.clone().unwrap_or_default();
        if let Some(first) =
            t.status.allowed_next().iter().find(|s| **s != Status::Rejected && **s != Status::Duplicate)
        {
            first.as_str().clone_into(&mut d.resume_to);
        }
        draft.set(d);
        action.set(Some(a));
        if matches!(a, Action::Forward | Action::Assign) {
            let agency =
                if a == Action::Forward { draft.with_untracked(|d| d.agency.clone()) } else { t.agency.code.clone() };
            load_staff(agency, staff);
        }
        if a == Action::Duplicate {
            nearby.set(None);
            let code = t.code;
            spawn_local(async move {
                nearby.set(Some(api::nearby(&code).await.unwrap_or_default()));
            });
        }
        focus_id("aksi-pertama");
    };

    // The action keys, shown on every button.
    Effect::new(move || {
        let (_, key) = ctx.key.get();
        if key == "Escape" && action.get_untracked().is_some() {
            action.set(None);
            problem.set(None);
            focus_id("tiket-aksi");
            return;
        }
        if key == "Escape" && zoomed.get_untracked().is_some() {
            zoomed.set(None);
            return;
        }
        if key == "Escape" {
            on_close.run(());
            return;
        }
        if let Some(a) = Action::ALL.into_iter().find(|a| a.key() == key) {
            open_action(a);
        }
    });

    let submit = move || {
        let (Some(current), Some(act)) = (ticket.get_untracked(), action.get_untracked()) else { return };
        if busy.get_untracked() {
            return;
        }
        let update = build_update(act, &current, &draft.get_untracked(), &ctx);
        busy.set(true);
        let code = current.code;
        let seen = current.revision;
        spawn_local(async move {
            let result = api::change(&code, &update).await;
            busy.set(false);
            match result {
                Ok(fresh) => {
                    ctx.status.set(format!("{}: {}", w.saved, act.label(w)));
                    ticket.set(Some(fresh));
                    action.set(None);
                    problem.set(None);
                    focus_id("tiket-aksi");
                }
                Err(e) => {
                    let mut found = Problem {
                        message: e.message(lang),
                        field: e.body().and_then(|b| b.field.clone()),
                        allowed: e.body().map(|b| b.allowed.clone()).unwrap_or_default(),
                        changed: Vec::new(),
                    };
                    let conflict =
                        e.body().is_some_and(|b| b.code == "revision_conflict" || b.code == "illegal_transition");
                    if conflict {
                        // Show the ticket as it is now and what changed since it was read.
                        if let Ok(now) = api::ticket(&code.to_string(), None).await {
                            found.changed = now.events.iter().filter(|ev| ev.seq > seen).cloned().collect();
                            ticket.set(Some(now));
                        }
                    }
                    problem.set(Some(found));
                    focus_id("aksi-masalah");
                }
            }
        });
    };

    view! {
        <section class="ticket" aria-labelledby="tiket-judul">
            {move || error.get().map(|e| view! {
                <div class="panel">
                    <h1 id="tiket-judul" tabindex="-1">{w.ticket}</h1>
                    <p class="error" role="alert">{e}</p>
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>{w.back_to_queue}</button>
                </div>
            })}
            {move || ticket.get().map(|t| {
                let code = t.code.to_string();
                let spelled = portal112_core::staff::spell_code(&t.code, lang);
                let photos = t.photos.clone();
                let after = t.after_photos.clone();
                let place = [t.address.clone(), t.village.as_ref().map(|v| v.name.clone()), t.district.as_ref().map(|d| format!("Kec. {}", d.name))]
                    .into_iter().flatten().collect::<Vec<_>>().join(", ");
                let agency_code = t.agency.code.clone();
                view! {
                    <header class="ticket-head">
                        <button type="button" class="btn btn-quiet close" on:click=move |_| on_close.run(()) aria-label=w.close_ticket>
                            "×"<kbd>"Esc"</kbd>
                        </button>
                        <h1 id="tiket-judul" tabindex="-1"><span class="code big">{code.clone()}</span></h1>
                        <p class="spelled">{spelled}</p>
                        <p class="tags">
                            <span class=format!("badge prio prio-{}", t.priority.as_str())>{w.priority}": "{t.priority.label(lang)}</span>
                            <span class=format!("badge status st-{}", t.status.as_str())>{t.status.label(lang)}</span>
                            <span class="badge">{w.channel}": "{t.channel.label(lang)}</span>
                            {t.confidential.then(|| view! { <span class="badge secret">{w.confidential}</span> })}
                        </p>
                        {t.clock.clone().map(|c| view! { <p class="ticket-due">{w.stage}": "<Due clock=c with_time=true/></p> })}
                    </header>
                    // The actions first: the keyboard is there, and nothing needs scrolling on a monitor.
                    <ActionBar ticket=t.clone() role=role me=my_name.get_value() action=action open=Callback::new(open_action)/>
                    <Composer ticket=t.clone() action=action draft=draft problem=problem busy=busy templates=templates staff=staff nearby=nearby
                        submit=Callback::new(move |()| submit())/>
                    <dl class="facts">
                        <div><dt>{w.category}</dt><dd>{t.category.name.get(lang).to_owned()}</dd></div>
                        <div><dt>{w.agency}</dt><dd>{t.agency.name.get(lang).to_owned()}
                            {move || {
                                ctx.standby.track();
                                match ctx.on_standby(&agency_code) {
                                    Some(list) if list.is_empty() => view! { <span class="warn">" · "{w.no_standby}</span> }.into_any(),
                                    Some(list) => view! { <span class="muted">" · "{w.on_standby}": "{list.join(", ")}</span> }.into_any(),
                                    None => ().into_any(),
                                }
                            }}
                        </dd></div>
                        <div><dt>{w.assignee}</dt><dd>{t.assignee.clone().unwrap_or_else(|| w.nobody.to_owned())}</dd></div>
                        {(t.supporters > 0).then(|| view! { <div><dt>{w.supporters}</dt><dd>{t.supporters}</dd></div> })}
                        <div><dt>{w.received_at}</dt><dd>{clock(&t.created_at)}" ("{age(&t.created_at, lang)}")"</dd></div>
                        <div><dt>{w.place}</dt><dd>{if place.is_empty() { w.no_place.to_owned() } else { place }}</dd></div>
                        {t.contact.clone().map(|c| view! {
                            <div class="contact"><dt>{w.contact}</dt><dd>
                                {c.name.clone().unwrap_or_default()}
                                {c.phone.clone().map(|p| view! { " · "<a href=format!("tel:{p}")>{p.clone()}</a> })}
                                {c.email.clone().map(|e| format!(" · {e}"))}
                            </dd></div>
                        })}
                        {t.anonymous.then(|| view! { <div><dt>{w.contact}</dt><dd>{w.anonymous}</dd></div> })}
                    </dl>
                    <h2 class="sub">{w.description}</h2>
                    <p class="description">{t.description.clone()}</p>
                    {(!photos.is_empty() || !after.is_empty()).then(|| view! {
                        <ul class="photos" aria-label=w.photos>
                            {photos.into_iter().map(|url| (url, false)).chain(after.into_iter().map(|url| (url, true))).enumerate().map(|(i, (url, is_after))| {
                                let full = url.clone();
                                let label = if is_after { format!("{} {}", w.after_photo, i + 1) } else { format!("{} {}", w.photo, i + 1) };
                                view! {
                                    <li><button type="button" class="thumb" on:click=move |_| zoomed.set(Some(full.clone())) aria-label=label.clone()>
                                        <img src=url alt="" loading="lazy"/>
                                        {is_after.then(|| view! { <span class="badge">{w.after_photo}</span> })}
                                    </button></li>
                                }
                            }).collect_view()}
                        </ul>
                    })}
                    // A confidential ticket shows nothing public: nothing to hide.
                    {(!t.confidential).then(|| view! { <PublicDetails ticket=ticket can_change=role != Role::Agency/> })}
                    {t.location.map(|l| view! { <PlaceMap lat=l.lat lng=l.lng/> })}
                    {(role == Role::Agency || role.sees_all_agencies()).then(|| view! { <AfterPhoto ticket=ticket/> })}
                    <h2 class="sub">{w.history}</h2>
                    <ol class="timeline">
                        {t.events.iter().rev().cloned().map(|e| event_line(e, lang, w, ctx)).collect_view()}
                    </ol>
                }
            })}
            {move || zoomed.get().map(|url| view! {
                <div class="overlay" on:click=move |_| zoomed.set(None)>
                    <div role="dialog" aria-modal="true" aria-label=w.photo class="dialog photo-full">
                        <img src=url alt=w.photo/>
                        <button type="button" class="btn" autofocus=true on:click=move |_| zoomed.set(None)>{w.close}<kbd>"Esc"</kbd></button>
                    </div>
                </div>
            })}
        </section>
    }
}

fn load_staff(agency: String, staff: RwSignal<Vec<String>>) {
    staff.set(Vec::new());
    spawn_local(async move {
        if let Ok(list) = api::agency_staff(&agency).await {
            staff.set(list);
        }
    });
}

/// The change an action makes from what its composer holds.
fn build_update(a: Action, t: &StaffTicket, d: &Draft, ctx: &Ctx) -> TicketUpdate {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut u = TicketUpdate {
        revision: Some(t.revision),
        status: a.target(),
        public_note: text(&d.public_note),
        internal_note: text(&d.internal_note),
        ..TicketUpdate::default()
    };
    match a {
        Action::Forward => {
            u.agency = Some(d.agency.clone());
            // A ticket not yet with an agency is handed on; one already there is re-routed.
            if t.status.can_move_to(Status::Assigned) {
                u.status = Some(Status::Assigned);
            }
            u.assignee = text(&d.assignee);
        }
        Action::Assign => u.assignee = Some(d.assignee.clone()),
        Action::Take => {
            u.assignee = ctx.me.get_untracked().map(|m| m.username);
            if u.internal_note.is_none() {
                u.internal_note = Some(ctx.w().taken_note.to_owned());
            }
        }
        Action::Priority => u.priority = portal112_core::staff::Priority::from_name(&d.priority),
        Action::Duplicate => u.duplicate_of = text(&d.duplicate_of),
        Action::Resume => u.status = Status::from_name(&d.resume_to),
        _ => {}
    }
    u
}

fn event_line(e: StaffEvent, lang: Lang, w: &'static Words, ctx: Ctx) -> impl IntoView {
    let moved =
        e.from_status.filter(|f| *f != e.to_status).map(|f| format!("{} → {}", f.label(lang), e.to_status.label(lang)));
    view! {
        <li>
            <p class="ev-head"><strong>{e.actor.clone()}</strong>" · "<time>{clock(&e.at)}</time></p>
            {moved.map(|m| view! { <p>{m}</p> })}
            {e.agency.clone().map(|a| view! { <p>{w.forwarded_to}" "{ctx.agency_name(&a)}</p> })}
            {e.priority.map(|p| view! { <p>{w.priority}": "{p.label(lang)}</p> })}
            {e.assignee.clone().map(|a| view! { <p>{w.assignee}": "{if a.is_empty() { w.nobody.to_owned() } else { a }}</p> })}
            {e.duplicate_of.clone().map(|c| view! { <p>{w.duplicate_of}" "{c}</p> })}
            {e.public_note.clone().map(|n| view! { <p class="note public"><span class="badge">{w.public}</span>" "{n}</p> })}
            {e.internal_note.clone().map(|n| view! { <p class="note internal"><span class="badge">{w.internal}</span>" "{n}</p> })}
        </li>
    }
}

#[component]
fn ActionBar(
    ticket: StaffTicket,
    role: Role,
    me: String,
    action: RwSignal<Option<Action>>,
    open: Callback<Action>,
) -> impl IntoView {
    let w = use_ctx().w();
    let offered: Vec<Action> = Action::ALL.into_iter().filter(|a| a.offered(&ticket, role, &me)).collect();
    view! {
        <div class="actions" id="tiket-aksi" tabindex="-1" role="group" aria-label=w.actions>
            {offered.into_iter().map(|a| view! {
                <button type="button" class="btn" class:btn-primary=matches!(a, Action::Verify | Action::Forward | Action::Resolve | Action::Close | Action::Start)
                    aria-pressed=move || (action.get() == Some(a)).to_string()
                    aria-keyshortcuts=a.key() on:click=move |_| open.run(a)>
                    {a.label(w)}<kbd>{a.key()}</kbd>
                </button>
            }).collect_view()}
        </div>
    }
}

#[component]
fn Composer(
    ticket: StaffTicket,
    action: RwSignal<Option<Action>>,
    draft: RwSignal<Draft>,
    problem: RwSignal<Option<Problem>>,
    busy: RwSignal<bool>,
    templates: RwSignal<Vec<ReplyTemplate>>,
    staff: RwSignal<Vec<String>>,
    nearby: RwSignal<Option<Vec<NearbyTicket>>>,
    submit: Callback<()>,
) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let city = ctx.city();
    move || {
        let a = action.get()?;
        let t = ticket.clone();
        let err_for = move |f: Field| {
            move || problem.with(|p| p.as_ref().filter(|p| p.field.as_ref() == Some(&f)).map(|p| p.message.clone()))
        };
        let general = move || {
            problem.with(|p| {
                p.as_ref()
                    .filter(|p| {
                        !matches!(
                            p.field,
                            Some(
                                Field::PublicNote
                                    | Field::InternalNote
                                    | Field::Agency
                                    | Field::Assignee
                                    | Field::DuplicateOf
                                    | Field::Priority
                            )
                        )
                    })
                    .cloned()
            })
        };
        let needs_public = matches!(a, Action::Reject | Action::Hold | Action::PublicNote | Action::Resolve);
        let offers_public =
            needs_public || matches!(a, Action::Verify | Action::Close | Action::Start | Action::Resume);
        let offers_internal = matches!(
            a,
            Action::InternalNote
                | Action::Forward
                | Action::SendBack
                | Action::Assign
                | Action::Priority
                | Action::Duplicate
                | Action::Take
        );
        let status_for_templates = a.target().unwrap_or(t.status);
        let agencies = city.city.agencies.clone();
        let on_submit = move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            submit.run(());
        };
        Some(view! {
            <form class="composer" on:submit=on_submit aria-labelledby="aksi-judul" novalidate
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        submit.run(());
                    }
                }>
                <h2 id="aksi-judul" class="sub">{a.label(w)}</h2>
                {(a == Action::Forward).then(|| {
                    let agencies = agencies.clone();
                    view! {
                        <label for="aksi-pertama">{w.to_agency}</label>
                        <select id="aksi-pertama" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| { d.agency.clone_from(&v); d.assignee.clear(); });
                            load_staff(v, staff);
                        }>
                            {agencies.iter().map(|ag| {
                                let selected = draft.with_untracked(|d| d.agency == ag.code);
                                let standby = ctx.on_standby(&ag.code);
                                let note = match standby {
                                    Some(list) if list.is_empty() => format!(" — {}", w.no_standby),
                                    Some(list) => format!(" — {}: {}", w.on_standby, list.join(", ")),
                                    None => String::new(),
                                };
                                view! { <option value=ag.code.clone() selected=selected>{format!("{}{note}", ag.short_name)}</option> }
                            }).collect_view()}
                        </select>
                        {move || {
                            let agency = draft.with(|d| d.agency.clone());
                            ctx.standby.track();
                            ctx.on_standby(&agency).filter(Vec::is_empty).map(|_| view! {
                                <p class="warn" role="alert">{w.no_standby_warning}</p>
                            })
                        }}
                        <p class="error" id="aksi-dinas">{err_for(Field::Agency)}</p>
                        <label for="aksi-petugas-pilih">{w.assignee_optional}</label>
                        <select id="aksi-petugas-pilih" on:change=move |ev| draft.update(|d| d.assignee = event_target_value(&ev))>
                            <option value="">{w.standby_officer}</option>
                            {move || staff.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                        </select>
                        <p class="error" id="aksi-petugas">{err_for(Field::Assignee)}</p>
                    }
                })}
                {(a == Action::Assign).then(|| view! {
                    <label for="aksi-pertama">{w.assignee}</label>
                    <select id="aksi-pertama" on:change=move |ev| draft.update(|d| d.assignee = event_target_value(&ev))>
                        <option value="">{w.nobody}</option>
                        {move || {
                            let current = draft.with_untracked(|d| d.assignee.clone());
                            staff.get().into_iter().map(|s| { let sel = s == current; view! { <option value=s.clone() selected=sel>{s.clone()}</option> } }).collect_view()
                        }}
                    </select>
                    <p class="error" id="aksi-petugas">{err_for(Field::Assignee)}</p>
                })}
                {(a == Action::Priority).then(|| view! {
                    <label for="aksi-pertama">{w.priority}</label>
                    <select id="aksi-pertama" on:change=move |ev| draft.update(|d| d.priority = event_target_value(&ev))>
                        {Priority::ALL.iter().map(|p| {
                            let sel = draft.with_untracked(|d| d.priority == p.as_str());
                            view! { <option value=p.as_str() selected=sel>{p.label(lang)}</option> }
                        }).collect_view()}
                    </select>
                    <p class="error" id="aksi-prioritas">{err_for(Field::Priority)}</p>
                })}
                {(a == Action::Resume).then(|| {
                    let options: Vec<Status> = t.status.allowed_next().iter().copied().filter(|s| !matches!(s, Status::Rejected | Status::Duplicate)).collect();
                    view! {
                        <label for="aksi-pertama">{w.resume_to}</label>
                        <select id="aksi-pertama" on:change=move |ev| draft.update(|d| d.resume_to = event_target_value(&ev))>
                            {options.iter().map(|s| view! { <option value=s.as_str()>{s.label(lang)}</option> }).collect_view()}
                        </select>
                    }
                })}
                {(a == Action::Duplicate).then(|| view! {
                    <label for="aksi-pertama">{w.original_code}</label>
                    <input id="aksi-pertama" autocomplete="off" spellcheck="false" class="code-input"
                        prop:value=move || draft.with(|d| d.duplicate_of.clone())
                        on:input=move |ev| draft.update(|d| d.duplicate_of = event_target_value(&ev))
                        aria-describedby="aksi-duplikat"/>
                    <p class="error" id="aksi-duplikat">{err_for(Field::DuplicateOf)}</p>
                    <p class="sub">{w.nearby_title}</p>
                    {move || match nearby.get() {
                        None => view! { <p class="muted">{w.loading}</p> }.into_any(),
                        Some(list) if list.is_empty() => view! { <p class="muted">{w.nearby_none}</p> }.into_any(),
                        Some(list) => view! {
                            <ul class="nearby">
                                {list.into_iter().map(|n| {
                                    let code = n.code.to_string();
                                    let pick = code.clone();
                                    view! {
                                        <li><button type="button" class="btn btn-quiet" on:click=move |_| draft.update(|d| d.duplicate_of.clone_from(&pick))>
                                            <span class="code">{code}</span>" · "{format!("{:.0} m", n.distance_m)}" · "{n.status.label(lang)}" · "{n.summary.clone()}
                                        </button></li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                })}
                {offers_public.then(|| {
                    let first = !matches!(a, Action::Resume);
                    let relevant: Vec<ReplyTemplate> = templates.get_untracked().into_iter().filter(|x| x.status == status_for_templates).collect();
                    view! {
                        {(!relevant.is_empty()).then(|| view! {
                            <label for="aksi-templat">{w.template}</label>
                            <select id="aksi-templat" on:change=move |ev| {
                                let id: i64 = event_target_value(&ev).parse().unwrap_or(-1);
                                if let Some(tpl) = templates.get_untracked().into_iter().find(|x| x.id == id) {
                                    draft.update(|d| d.public_note = tpl.text);
                                }
                            }>
                                <option value="">{w.template_none}</option>
                                {relevant.iter().map(|x| view! { <option value=x.id.to_string()>{x.title.clone()}</option> }).collect_view()}
                            </select>
                        })}
                        <label for=if first { "aksi-pertama" } else { "aksi-catatan-publik" }>
                            {if needs_public { w.public_note_required } else { w.public_note_optional }}
                        </label>
                        <textarea id=if first { "aksi-pertama" } else { "aksi-catatan-publik" } rows="3" maxlength="2000"
                            prop:value=move || draft.with(|d| d.public_note.clone())
                            on:input=move |ev| draft.update(|d| d.public_note = event_target_value(&ev))
                            aria-describedby="catatan-publik"></textarea>
                        <p class="error" id="catatan-publik">{err_for(Field::PublicNote)}</p>
                    }
                })}
                {offers_internal.then(|| {
                    let first = matches!(a, Action::InternalNote | Action::SendBack | Action::Take);
                    view! {
                        <label for=if first { "aksi-pertama" } else { "aksi-catatan-internal" }>
                            {if a == Action::Forward || a == Action::SendBack { w.reason_internal } else { w.internal_note }}
                        </label>
                        <textarea id=if first { "aksi-pertama" } else { "aksi-catatan-internal" } rows="2" maxlength="2000"
                            prop:value=move || draft.with(|d| d.internal_note.clone())
                            on:input=move |ev| draft.update(|d| d.internal_note = event_target_value(&ev))
                            aria-describedby="catatan-internal"></textarea>
                        <p class="error" id="catatan-internal">{err_for(Field::InternalNote)}</p>
                    }
                })}
                <div id="aksi-masalah" tabindex="-1">
                    {move || general().map(|p| view! {
                        <div class="problem" role="alert">
                            <p>{p.message.clone()}</p>
                            {(!p.allowed.is_empty()).then(|| view! {
                                <p>{w.allowed_moves}": "{p.allowed.iter().map(|s| s.label(lang)).collect::<Vec<_>>().join(", ")}</p>
                            })}
                            {(!p.changed.is_empty()).then(|| view! {
                                <p>{w.changed_meanwhile}</p>
                                <ul>{p.changed.iter().map(|e| view! { <li>{summary_of(e, lang, w)}</li> }).collect_view()}</ul>
                                <p>{w.conflict_retry}</p>
                            })}
                        </div>
                    })}
                </div>
                <div class="composer-buttons">
                    <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                        {move || if busy.get() { w.saving } else { w.save }}<kbd>"Ctrl+Enter"</kbd>
                    </button>
                    <button type="button" class="btn" on:click=move |_| { action.set(None); problem.set(None); focus_id("tiket-aksi"); }>
                        {w.cancel}<kbd>"Esc"</kbd>
                    </button>
                </div>
            </form>
        })
    }
}

/// One line saying what a colleague's change did.
fn summary_of(e: &StaffEvent, lang: Lang, w: &Words) -> String {
    let mut parts = vec![format!("{} ({})", e.actor, clock(&e.at))];
    if e.from_status != Some(e.to_status) {
        parts.push(e.to_status.label(lang).to_owned());
    }
    if let Some(a) = &e.agency {
        parts.push(format!("{} {a}", w.forwarded_to));
    }
    if let Some(p) = e.priority {
        parts.push(format!("{}: {}", w.priority, p.label(lang)));
    }
    if let Some(n) = e.public_note.as_ref().or(e.internal_note.as_ref()) {
        parts.push(format!("“{n}”"));
    }
    parts.join(" · ")
}

/// The agency's "after" photo, when resolving.
#[component]
fn AfterPhoto(ticket: RwSignal<Option<StaffTicket>>) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let shown =
        move || ticket.with(|t| t.as_ref().is_some_and(|t| matches!(t.status, Status::InProgress | Status::Resolved)));
    view! {
        <div class="after" hidden=move || !shown()>
            <label for="foto-sesudah">{w.after_photo_add}</label>
            <input id="foto-sesudah" type="file" accept="image/jpeg,image/png,image/webp" disabled=move || busy.get()
                aria-describedby="foto-sesudah-galat"
                on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
                    let Some(code) = ticket.with_untracked(|t| t.as_ref().map(|t| t.code)) else { return };
                    busy.set(true);
                    error.set(None);
                    spawn_local(async move {
                        match api::add_after_photo(&code, &file).await {
                            Ok(t) => { ticket.set(Some(t)); ctx.status.set(w.saved.to_owned()); }
                            Err(e) => error.set(Some(e.message(lang))),
                        }
                        busy.set(false);
                        input.set_value("");
                    });
                }/>
            <p class="error" id="foto-sesudah-galat" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// Whether the public sees the reporter's description, landmark and photos,
/// and (for the call centre, which decides what the public reads) the
/// button that hides them or shows them again.
#[component]
fn PublicDetails(ticket: RwSignal<Option<StaffTicket>>, can_change: bool) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hidden = move || ticket.with(|t| t.as_ref().is_some_and(|t| t.details_hidden));
    let toggle = move |_| {
        let Some((code, revision, now_hidden)) =
            ticket.with_untracked(|t| t.as_ref().map(|t| (t.code, t.revision, t.details_hidden)))
        else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let request = DetailsVisibility { revision, hidden: !now_hidden };
            match api::set_details_hidden(&code, &request).await {
                Ok(t) => {
                    ticket.set(Some(t));
                    ctx.status.set(w.saved.to_owned());
                }
                Err(e) => {
                    error.set(Some(e.message(lang)));
                    // Changed meanwhile: show the ticket as it is now, so a second click acts on it.
                    if e.body().is_some_and(|b| b.code == "revision_conflict")
                        && let Ok(now) = api::ticket(&code.to_string(), None).await
                    {
                        ticket.set(Some(now));
                    }
                }
            }
            busy.set(false);
        });
    };
    view! {
        <div class="public-details">
            <p class=move || if hidden() { "badge secret" } else { "muted" }>
                {move || if hidden() { w.details_hidden } else { w.details_public }}
            </p>
            {can_change.then(|| view! {
                <button type="button" class="btn" id="detail-publik" disabled=move || busy.get()
                    aria-describedby="detail-publik-galat" on:click=toggle>
                    {move || if hidden() { w.details_show } else { w.details_hide }}
                </button>
            })}
            <p class="error" id="detail-publik-galat" role="alert">{move || error.get()}</p>
        </div>
    }
}
