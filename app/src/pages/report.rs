//! Lapor: the step-by-step report form. Every keystroke is saved on the
//! phone; sending goes through the outbox, so a failed network keeps the
//! report waiting instead of losing it.
//!
//! What happened and where (the first two steps, the map) are in the form's
//! part of the WebAssembly; the description and photos, the contact, the
//! review and the screen after sending are a part of their own (`steps`),
//! fetched while the citizen places the report, so `/lapor` is usable sooner.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use leptos::wasm_split::wasm_split;

use crate::fresh::IntoFresh;
use leptos::task::spawn_local;
use portal112_core::dto::{CreatedReport, ReportLocation};
use portal112_core::validate::{
    ADDRESS_MAX, DESCRIPTION_MAX, EMAIL_MAX, MAX_PHOTOS, NAME_MAX, PHONE_MAX, validate_report,
};
use portal112_core::{ApiError, Field, Lang};

use crate::api::ApiFailure;
use crate::components::category_picker::CategoryPicker;
use crate::components::map_picker::{MapPicker, fixed};
use crate::components::nearby_offer;
use crate::components::photo_picker::PhotoPicker;
use crate::config::{SharedConfig, use_config};
use crate::device::{self, Draft, Pending, Step};
use crate::i18n::{Strings, fill, fill_city, use_i18n};
use crate::lazy::{self, Part};
use crate::outbox::{self, Delivery, Outbox};
use crate::route::Page;

/// The step a field is filled in on.
fn step_of(field: &Field) -> Step {
    match field {
        Field::Category => Step::Category,
        Field::Location | Field::LocationAccuracy | Field::District | Field::Village | Field::Address => Step::Location,
        Field::Description | Field::Photo(_) => Step::Details,
        _ => Step::Contact,
    }
}

/// The heading of a step.
fn step_title(step: Step, tr: &Strings) -> &'static str {
    match step {
        Step::Category => tr.step_category,
        Step::Location => tr.step_location,
        Step::Details => tr.step_details,
        Step::Contact => tr.step_contact,
        Step::Review => tr.step_review,
    }
}

/// Something to fix, from core's checks here or from the server's answer.
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    Local(ApiError),
    Server { field: Option<Field>, message: String },
}

impl Problem {
    fn field(&self) -> Option<&Field> {
        match self {
            Problem::Local(e) => e.field.as_ref(),
            Problem::Server { field, .. } => field.as_ref(),
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            Problem::Local(e) => e.kind.message(lang),
            Problem::Server { message, .. } => message.clone(),
        }
    }

    /// Whether it concerns `field` or one of its parts (the photos cover each
    /// photo, the location its accuracy).
    fn concerns(&self, field: &Field) -> bool {
        self.field().is_some_and(|f| {
            f == field
                || matches!(
                    (field, f),
                    (Field::Photo(None), Field::Photo(_)) | (Field::Location, Field::LocationAccuracy)
                )
        })
    }
}

/// The problems found, each shown next to its field.
#[derive(Debug, Clone, Copy)]
struct Errors {
    list: RwSignal<Vec<Problem>>,
    lang: Lang,
}

impl Errors {
    /// The message for `field`, if any.
    fn of(self, field: Field) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.list.with(|errs| errs.iter().find(|e| e.concerns(&field)).map(|e| e.message(self.lang)))
        })
    }
}

/// How sending ended, for the screen after the form.
#[derive(Debug, Clone, PartialEq)]
enum Finished {
    Sent(Box<CreatedReport>),
    Waiting,
}

/// The report form.
#[component]
pub fn ReportForm() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let outbox = expect_context::<Outbox>();
    let config = use_config();
    let draft = RwSignal::new(device::load_draft());
    let saved = RwSignal::new(true);
    // Saved at every change, not when the form opens: what it opens with is
    // on the phone already, or a fresh draft with nothing in it to lose
    // (writing it anyway cost a cheap phone time at every opening).
    Effect::new(move |opened: Option<()>| {
        draft.with(|d| {
            if opened.is_some() {
                saved.set(device::save_draft(d));
            }
        });
    });
    let errors = RwSignal::new(Vec::<Problem>::new());
    let finished = RwSignal::new(None::<Finished>);
    let sending = RwSignal::new(false);
    let heading = NodeRef::<html::H2>::new();
    // The step alone: views that depend on it must not re-run on every keystroke.
    let step = Memo::new(move |_| draft.with(|d| d.step));

    let errs = Errors { list: errors, lang };
    let error_for = move |field: Field| errs.of(field);

    let go_to = move |step: Step| {
        draft.update(|d| d.step = step);
        // Move focus to the new step's heading so screen readers announce it.
        request_animation_frame(move || {
            if let Some(h) = heading.get_untracked() {
                let _ = h.focus();
            }
        });
    };

    // Checks the fields of the current step with core's rules before moving on.
    let next = move |_| {
        let step = draft.with_untracked(|d| d.step);
        let report = draft.with_untracked(Draft::to_report);
        let found = config.with_value(|c| validate_report(&report, &c.city)).err().unwrap_or_default();
        let here: Vec<Problem> = found
            .into_iter()
            .filter(|e| e.field.as_ref().map_or(Step::Contact, step_of) == step)
            .map(Problem::Local)
            .collect();
        let fine = here.is_empty();
        errors.set(here);
        if fine {
            go_to(step.next());
        }
    };

    // Sending is the later steps' code: their part is here, since the
    // review, where "Kirim" is, is one of them.
    let send = move |_| {
        let form =
            Sending { draft, config, errors, finished, sending, outbox, lang: i18n.lang, go_to: Callback::new(go_to) };
        spawn_local(async move {
            match sending_report(form).await {
                Ok(sent) => sent.await,
                Err(_) => errors.set(vec![Problem::Server { field: None, message: tr.load_failed.to_owned() }]),
            }
        });
    };

    let start_over = move |_| {
        let confirmed =
            web_sys::window().and_then(|w| w.confirm_with_message(tr.start_over_confirm).ok()).unwrap_or(true);
        if confirmed {
            outbox::delete_photos(draft.with_untracked(|d| d.photo_ids.clone()));
            draft.set(Draft::start());
            errors.set(Vec::new());
            go_to(Step::Category);
        }
    };

    view! {
        {move || match finished.get() {
            Some(done) => {
                let on_new = Callback::new(move |()| { finished.set(None); go_to(Step::Category); });
                lazy::loaded(Arc::new(move || Box::pin(done_screen(done.clone(), on_new))))
            }
            None => view! {
                <section class="card report">
                    <h1>{tr.report_title}</h1>
                    <ol class="steps" aria-hidden="true">
                        {Step::ALL.map(|s| view! {
                            <li class:done=move || { step.get() > s } class:current=move || step.get() == s>
                                {s.number()}
                            </li>
                        }).collect_view()}
                    </ol>
                    <p class="small">{move || fill(tr.step_of, &[("n", &step.get().number().to_string()), ("total", &Step::ALL.len().to_string())])}</p>
                    <h2 id="langkah-judul" node_ref=heading tabindex="-1">{move || step_title(step.get(), tr)}</h2>
                    <form novalidate on:submit=|ev| ev.prevent_default()>
                        {move || match step.get() {
                            Step::Category => step_category(draft, config, error_for(Field::Category)).fresh(),
                            Step::Location => {
                                // What the next steps and sending need is fetched
                                // now, while the citizen places the report.
                                spawn_local(async {
                                    let _ = preload_steps().await;
                                    outbox::preload().await;
                                });
                                step_location(draft, config, error_for).fresh()
                            }
                            later => {
                                let go_to = Callback::new(go_to);
                                lazy::loaded(Arc::new(move || Box::pin(later_step(later, draft, config, errs, go_to))))
                            }
                        }}
                        <div class="contents" hidden=move || errors.with(Vec::is_empty)>
                            <p class="field-error" role="alert">{tr.fix_errors}</p>
                                                </div>
                        <div class="form-nav">
                            <div class="contents" hidden=move || step.get() == Step::Category>
                                <button type="button" class="button" on:click=move |_| { errors.set(Vec::new()); go_to(draft.with_untracked(|d| d.step).previous()); }>
                                    {tr.back}
                                </button>
                                                        </div>
                            {move || if step.get() < Step::Review {
                                view! { <button type="button" class="button button-primary" on:click=next>{tr.next}</button> }.fresh()
                            } else {
                                view! {
                                    <button type="button" class="button button-primary" on:click=send disabled=move || sending.get()>
                                        {move || if sending.get() { tr.sending } else { tr.send }}
                                    </button>
                                }.fresh()
                            }}
                        </div>
                    </form>
                    <p class="small draft-state" role="status">
                        {move || if saved.get() { tr.draft_saved } else { tr.draft_not_saved }}
                        " "
                        <button type="button" class="link" on:click=start_over>{tr.start_over}</button>
                    </p>
                </section>
            }.fresh(),
        }}
    }
}

/// A labelled text input bound to one draft field, its error next to it.
#[expect(
    clippy::too_many_arguments,
    reason = "one place that wires label, hint, value and error alike for every field"
)]
fn text_field(
    id: &'static str,
    label: &'static str,
    hint: Option<String>,
    input_type: &'static str,
    autocomplete: &'static str,
    max: Option<usize>,
    value: Signal<String>,
    set: Callback<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-bantuan");
    let error_id = format!("{id}-galat");
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="small" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                type=input_type
                autocomplete=autocomplete
                maxlength=max.map(|m| m.to_string())
                aria-describedby=described
                aria-invalid=move || error.get().is_some().to_string()
                prop:value=value
                on:input=move |ev| set.run(event_target_value(&ev))
            />
            <p id=error_id class="field-error" role="alert">{error}</p>
        </div>
    }
}

fn step_category(
    draft: RwSignal<Draft>,
    config: StoredValue<SharedConfig>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let selected = Signal::derive(move || draft.with(|d| d.category.clone()));
    let chosen = move || {
        let code = selected.get();
        config.with_value(|c| c.city.category(&code).cloned())
    };
    let lang = i18n.lang();
    let (urgent, number) =
        config.with_value(|c| (fill_city(tr.urgent_hint, c, lang), c.city.city.emergency_number.clone()));
    view! {
        <div class="contents" hidden=move || !(chosen().is_some_and(|c| c.urgent))>
            <p class="notice notice-urgent" role="note">
                {urgent}" "<a href=format!("tel:{number}")>{number.clone()}</a>
            </p>
                </div>
        <div class="contents" hidden=move || !(chosen().is_some_and(|c| c.confidential))>
            <p class="notice" role="note">{tr.confidential_hint}</p>
                </div>
        <CategoryPicker
            config=config.get_value()
            selected=selected
            on_select=Callback::new(move |code: String| draft.update(|d| d.category = code))
            error=error
        />
    }
}

fn step_location(
    draft: RwSignal<Draft>,
    config: StoredValue<SharedConfig>,
    error_for: impl Fn(Field) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let location = Signal::derive(move || draft.with(|d| d.location));
    let nav = crate::route::use_nav();
    let district = Signal::derive(move || draft.with(|d| d.district.clone()));
    let village = Signal::derive(move || draft.with(|d| d.village.clone()));
    let (map, boundary, city_name) =
        config.with_value(|c| (c.city.map.clone(), c.city.boundary.clone(), c.city.city.name.clone()));
    // The configuration lists districts and villages by name already.
    let districts: Vec<(String, String)> =
        config.with_value(|c| c.city.districts.iter().map(|d| (d.code.clone(), d.name.clone())).collect());
    let villages = move || {
        let code = district.get();
        config.with_value(|c| {
            c.city
                .district(&code)
                .map(|d| d.villages.iter().map(|v| (v.code.clone(), v.name.clone())).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let credit = config.with_value(|c| c.city.city.area_data_credit.clone());
    view! {
        <MapPicker
            map_config=map
            boundary=boundary
            city_name=city_name
            location=location
            on_change=Callback::new(move |loc: Option<ReportLocation>| draft.update(|d| d.location = loc))
            error=error_for(Field::Location)
        />
        {nearby_offer::later(
            Signal::derive(move || draft.with(|d| d.category.clone())),
            location,
            Callback::new(move |_code: String| {
                // Joined instead of reporting again: this draft is done with.
                outbox::delete_photos(draft.with_untracked(|d| d.photo_ids.clone()));
                draft.set(Draft::start());
                nav.go(&Page::Home);
            }),
        )}
        <fieldset id="tanpa-peta" class="field-group">
            <legend>{tr.no_map_title}</legend>
            <p class="small">{tr.no_map_text}</p>
            <div class="field">
                <label for="kecamatan">{tr.district}</label>
                <select
                    id="kecamatan"
                    aria-describedby="kecamatan-galat"
                    aria-invalid=move || error_for(Field::District).get().is_some().to_string()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| {
                            if d.district != v {
                                d.village.clear();
                            }
                            d.district = v;
                        });
                    }
                >
                    <option value="" selected=move || district.get().is_empty()>{tr.choose_district}</option>
                    {districts.into_iter().map(|(code, name)| {
                        let c = code.clone();
                        view! { <option value=code selected=move || district.get() == c>{name}</option> }
                    }).collect_view()}
                </select>
                <p id="kecamatan-galat" class="field-error" role="alert">{error_for(Field::District)}</p>
            </div>
            <div class="field">
                <label for="kelurahan">{tr.village}</label>
                <select
                    id="kelurahan"
                    aria-describedby="kelurahan-galat"
                    disabled=move || district.get().is_empty()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| d.village = v);
                    }
                >
                    <option value="" selected=move || village.get().is_empty()>{tr.choose_village}</option>
                    {move || villages().into_iter().map(|(code, name)| {
                        let c = code.clone();
                        view! { <option value=code selected=move || village.get() == c>{name}</option> }
                    }).collect_view().fresh()}
                </select>
                <p id="kelurahan-galat" class="field-error" role="alert">{error_for(Field::Village)}</p>
            </div>
            {text_field(
                "alamat",
                tr.address,
                Some(tr.address_hint.to_owned()),
                "text",
                "street-address",
                Some(ADDRESS_MAX),
                Signal::derive(move || draft.with(|d| d.address.clone())),
                Callback::new(move |v| draft.update(|d| d.address = v)),
                error_for(Field::Address),
            )}
            <p class="small credit">{credit}</p>
        </fieldset>
    }
}

/// The later steps, in their own part (see the module's text).
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(steps, wasm_split_path = ::leptos::wasm_split, preload(preload_steps), fallible)]
fn later_step(
    step: Step,
    draft: RwSignal<Draft>,
    config: StoredValue<SharedConfig>,
    errors: Errors,
    go_to: Callback<Step>,
) -> Part {
    Ok(match step {
        Step::Contact => step_contact(draft, config, errors).fresh(),
        Step::Review => step_review(draft, config, go_to).fresh(),
        // The details (the first two steps are built by the form itself).
        _ => step_details(draft, errors).fresh(),
    })
}

/// The screen after sending, with the later steps.
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(steps, wasm_split_path = ::leptos::wasm_split, fallible)]
fn done_screen(done: Finished, on_new: Callback<()>) -> Part {
    Ok(view! { <Done done=done on_new=on_new/> }.fresh())
}

/// What sending needs of the form.
struct Sending {
    draft: RwSignal<Draft>,
    config: StoredValue<SharedConfig>,
    errors: RwSignal<Vec<Problem>>,
    finished: RwSignal<Option<Finished>>,
    sending: RwSignal<bool>,
    outbox: Outbox,
    lang: RwSignal<Lang>,
    go_to: Callback<Step>,
}

type Sent = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// Checks the whole report, puts it in the outbox and sends it; the form then
/// shows how that ended, or goes back to the first step with a problem. The
/// report is in the outbox before the returned future is first polled.
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(steps, wasm_split_path = ::leptos::wasm_split, fallible)]
fn sending_report(form: Sending) -> Result<Sent, lazy::LoadFailed> {
    let Sending { draft, config, errors, finished, sending, outbox, lang, go_to } = form;
    let report = draft.with_untracked(Draft::to_report);
    if let Err(found) = config.with_value(|c| validate_report(&report, &c.city)) {
        let first = found.iter().filter_map(|e| e.field.as_ref()).map(step_of).min().unwrap_or(Step::Contact);
        errors.set(found.into_iter().map(Problem::Local).collect());
        go_to.run(first);
        return Ok(Box::pin(async {}));
    }
    let d = draft.get_untracked();
    let pending =
        Pending { key: d.key.clone(), draft: d.clone(), queued_at: device::now_ms(), attempts: 0, refused: None };
    // On the phone first: from here on, nothing is lost whatever happens.
    outbox.enqueue(pending);
    device::clear_draft();
    sending.set(true);
    Ok(Box::pin(async move {
        let result = outbox.send(&d.key, lang.get_untracked()).await;
        sending.try_set(false);
        match result {
            Delivery::Delivered(created) => {
                draft.try_set(Draft::start());
                finished.try_set(Some(Finished::Sent(created)));
            }
            Delivery::Waiting => {
                draft.try_set(Draft::start());
                finished.try_set(Some(Finished::Waiting));
            }
            Delivery::Refused(failure) => {
                // Back to the form, same key, with the server's words next to the field.
                outbox.remove(&d.key);
                let step = match &failure {
                    ApiFailure::Server { error, .. } => error.field.as_ref().map_or(Step::Review, step_of),
                    _ => Step::Review,
                };
                if let ApiFailure::Server { error, .. } = failure {
                    errors.try_set(vec![Problem::Server { field: error.field, message: error.message }]);
                }
                draft.try_set(d);
                go_to.run(step);
            }
        }
    }))
}

fn step_details(draft: RwSignal<Draft>, errors: Errors) -> impl IntoView {
    let error_for = move |field: Field| errors.of(field);
    let i18n = use_i18n();
    let tr = i18n.t();
    let left = move || DESCRIPTION_MAX.saturating_sub(draft.with(|d| d.description.trim().chars().count()));
    let error = error_for(Field::Description);
    view! {
        <div class="field">
            <label for="keterangan">{tr.description}</label>
            <p class="small" id="keterangan-bantuan">{tr.description_hint}</p>
            <textarea
                id="keterangan"
                rows="6"
                maxlength=DESCRIPTION_MAX.to_string()
                aria-describedby="keterangan-bantuan keterangan-sisa keterangan-galat"
                aria-invalid=move || error.get().is_some().to_string()
                prop:value=move || draft.with(|d| d.description.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    draft.update(|d| d.description = v);
                }
            ></textarea>
            <p class="small counter" id="keterangan-sisa" aria-live="polite">
                {move || fill(tr.characters_left, &[("n", &left().to_string())])}
            </p>
            <p id="keterangan-galat" class="field-error" role="alert">{error}</p>
        </div>
        <PhotoPicker
            photo_ids=Signal::derive(move || draft.with(|d| d.photo_ids.clone()))
            on_change=Callback::new(move |ids: Vec<String>| draft.update(|d| d.photo_ids = ids))
            max=MAX_PHOTOS
            error=error_for(Field::Photo(None))
        />
    }
}

fn step_contact(draft: RwSignal<Draft>, config: StoredValue<SharedConfig>, errors: Errors) -> impl IntoView {
    let error_for = move |field: Field| errors.of(field);
    let i18n = use_i18n();
    let tr = i18n.t();
    let anonymous = Signal::derive(move || draft.with(|d| d.anonymous));
    let who_sees = config.with_value(|c| fill_city(tr.contact_who_sees, c, i18n.lang()));
    view! {
        <div class="field switch">
            <input
                id="anonim"
                type="checkbox"
                role="switch"
                aria-describedby="anonim-bantuan"
                prop:checked=anonymous
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    draft.update(|d| d.anonymous = on);
                }
            />
            <label for="anonim">{tr.anonymous}</label>
            <p class="small" id="anonim-bantuan">{tr.anonymous_hint}</p>
        </div>
        <div class="contents" hidden=move || anonymous.get()>
            <p class="notice">{who_sees}</p>
            {text_field(
                "nama",
                tr.name,
                Some(tr.optional.to_owned()),
                "text",
                "name",
                Some(NAME_MAX),
                Signal::derive(move || draft.with(|d| d.name.clone())),
                Callback::new(move |v| draft.update(|d| d.name = v)),
                error_for(Field::ContactName),
            )}
            {text_field(
                "telepon",
                tr.phone,
                Some(format!("{} 0812 3456 7890", tr.optional)),
                "tel",
                "tel",
                Some(PHONE_MAX),
                Signal::derive(move || draft.with(|d| d.phone.clone())),
                Callback::new(move |v| draft.update(|d| d.phone = v)),
                error_for(Field::ContactPhone),
            )}
            {text_field(
                "email",
                tr.email,
                Some(tr.optional.to_owned()),
                "email",
                "email",
                Some(EMAIL_MAX),
                Signal::derive(move || draft.with(|d| d.email.clone())),
                Callback::new(move |v| draft.update(|d| d.email = v)),
                error_for(Field::ContactEmail),
            )}
                </div>
    }
}

fn step_review(draft: RwSignal<Draft>, config: StoredValue<SharedConfig>, go_to: Callback<Step>) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let row = move |label: &'static str, value: Signal<String>, step: Step| {
        view! {
            <div class="review-row">
                <dt>{label}</dt>
                <dd>{value}</dd>
                <dd><button type="button" class="link" on:click=move |_| go_to.run(step)>{tr.edit}<span class="visually-hidden">" "{label}</span></button></dd>
            </div>
        }
    };
    let category = Signal::derive(move || {
        let lang = lang;
        let code = draft.with(|d| d.category.clone());
        config.with_value(|c| c.city.category(&code).map(|c| c.name.get(lang).to_owned())).unwrap_or_default()
    });
    let place = Signal::derive(move || {
        let t = tr;
        let d = draft.get();
        let mut parts = Vec::new();
        if let Some(l) = d.location {
            parts.push(format!("{} ({}, {})", t.on_map, fixed(l.lat, 5), fixed(l.lng, 5)));
        }
        if let Some(name) = config.with_value(|c| c.city.district(&d.district).map(|x| x.name.clone())) {
            parts.push(format!("Kec. {name}"));
        }
        if !d.address.trim().is_empty() {
            parts.push(d.address.trim().to_owned());
        }
        if parts.is_empty() { t.not_given.to_owned() } else { parts.join(" · ") }
    });
    let description = Signal::derive(move || draft.with(|d| d.description.trim().to_owned()));
    let photos = Signal::derive(move || draft.with(|d| d.photo_ids.len().to_string()));
    let contact = Signal::derive(move || {
        let t = tr;
        let d = draft.get();
        if d.anonymous {
            return t.anonymous.to_owned();
        }
        let parts: Vec<String> =
            [d.name, d.phone, d.email].into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        if parts.is_empty() { t.not_given.to_owned() } else { parts.join(" · ") }
    });
    view! {
        <p>{tr.review_text}</p>
        <dl class="review">
            {row(tr.category, category, Step::Category)}
            {row(tr.step_location, place, Step::Location)}
            {row(tr.description, description, Step::Details)}
            {row(tr.photos, photos, Step::Details)}
            {row(tr.step_contact, contact, Step::Contact)}
        </dl>
    }
}

/// After sending: the code, large, to copy, share and track — or the promise
/// that the report waits on the phone for a signal.
#[component]
fn Done(done: Finished, on_new: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    match done {
        Finished::Waiting => view! {
            <section class="card done" aria-labelledby="selesai-judul">
                <h1 id="selesai-judul">{tr.saved_waiting}</h1>
                <p>{tr.saved_waiting_text}</p>
                <a href=Page::Home.path() class="button button-primary">{tr.my_reports}</a>
                <button type="button" class="button" on:click=move |_| on_new.run(())>{tr.new_report}</button>
            </section>
        }
        .fresh(),
        Finished::Sent(created) => {
            let code = created.code.to_string();
            let copied = RwSignal::new(false);
            let copy = {
                let code = code.clone();
                move |_| {
                    if let Some(w) = web_sys::window() {
                        let _ = w.navigator().clipboard().write_text(&code);
                        copied.set(true);
                    }
                }
            };
            let config = use_config();
            let share = {
                let code = code.clone();
                move |_| share_code(&code, &config.with_value(|c| fill_city(tr.share_text, c, i18n.lang())), copied)
            };
            let track = Page::Track(Some(code.clone())).path();
            view! {
                <section class="card done" aria-labelledby="selesai-judul">
                    <h1 id="selesai-judul">{tr.sent_title}</h1>
                    <p>{tr.sent_text}</p>
                    <p class="small">{tr.your_code}</p>
                    <p class="ticket-code" aria-live="polite">{code.clone()}</p>
                    <div class="row">
                        <button type="button" class="button" on:click=copy>{move || if copied.get() { tr.copied } else { tr.copy }}</button>
                        <button type="button" class="button" on:click=share>{tr.share}</button>
                    </div>
                    <a href=track class="button button-primary">{tr.track_this}</a>
                    <button type="button" class="button" on:click=move |_| on_new.run(())>{tr.new_report}</button>
                </section>
            }
            .fresh()
        }
    }
}

/// Shares the code with the Web Share API; without it, copies the message.
/// `template` is the message with the service's name, `{code}` still open.
fn share_code(code: &str, template: &str, copied: RwSignal<bool>) {
    let Some(window) = web_sys::window() else { return };
    let text = fill(template, &[("code", code)]);
    let url =
        format!("{}{}", window.location().origin().unwrap_or_default(), Page::Track(Some(code.to_owned())).path());
    let navigator = window.navigator();
    let can_share = js_sys::Reflect::has(&navigator, &"share".into()).unwrap_or(false);
    if can_share {
        let data = web_sys::ShareData::new();
        data.set_text(&text);
        data.set_url(&url);
        let _ = navigator.share_with_data(&data);
    } else {
        let _ = navigator.clipboard().write_text(&format!("{text} {url}"));
        copied.set(true);
    }
}
