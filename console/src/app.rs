//! The root: session, language, the city's configuration, the screens and the
//! keyboard.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Lang;
use portal112_core::dto::{Credentials, PublicConfig, Role};
use portal112_core::staff::{StaffMe, StandbyNow};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api;
use crate::i18n::{Words, words};
use crate::pages;
use crate::route::{Link, Nav, Page};

/// What every screen shares.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub lang: RwSignal<Lang>,
    pub me: RwSignal<Option<StaffMe>>,
    pub config: RwSignal<Option<Arc<PublicConfig>>>,
    /// Set when the server stopped accepting the session: sign-in shows over
    /// the screen, which keeps everything typed on it.
    pub session_lost: RwSignal<Option<String>>,
    /// The last key pressed outside a text field, with a counter so the same
    /// key twice is two presses.
    pub key: RwSignal<(u32, String)>,
    /// A short message read out by screen readers (`role=status`).
    pub status: RwSignal<String>,
    /// Who is on standby now, per agency (refreshed every minute).
    pub standby: RwSignal<Vec<StandbyNow>>,
    /// The browser's clock in Unix milliseconds, moved every 15 s: what
    /// service-level countdowns count from.
    pub now: RwSignal<f64>,
}

impl Ctx {
    /// The words of the current language.
    #[must_use]
    pub fn w(&self) -> &'static Words {
        words(self.lang.get_untracked())
    }

    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.me.with_untracked(|m| m.as_ref().map(|m| m.role))
    }

    /// The city configuration (screens are built only once it is there).
    #[must_use]
    pub fn city(&self) -> Arc<PublicConfig> {
        self.config.get_untracked().expect("screens are built after the configuration arrived")
    }

    /// An agency's short name.
    #[must_use]
    pub fn agency_name(&self, code: &str) -> String {
        self.config.with_untracked(|c| {
            c.as_ref()
                .and_then(|c| c.city.agency(code).map(|a| a.short_name.clone()))
                .unwrap_or_else(|| code.to_owned())
        })
    }

    /// A category's name.
    #[must_use]
    pub fn category_name(&self, code: &str) -> String {
        let lang = self.lang.get_untracked();
        self.config.with_untracked(|c| {
            c.as_ref()
                .and_then(|c| c.city.category(code).map(|a| a.name.get(lang).to_owned()))
                .unwrap_or_else(|| code.to_owned())
        })
    }

    /// A kecamatan's name.
    #[must_use]
    pub fn district_name(&self, code: &str) -> String {
        self.config.with_untracked(|c| {
            c.as_ref().and_then(|c| c.city.district(code).map(|d| d.name.clone())).unwrap_or_else(|| code.to_owned())
        })
    }

    /// Who is on standby now at `agency` (empty: no one). Not tracked: a
    /// view that follows the roster reads it in a closure of its own, so the
    /// minute's refresh never rebuilds a form being typed in.
    #[must_use]
    pub fn on_standby(&self, agency: &str) -> Option<Vec<String>> {
        self.standby.with_untracked(|s| s.iter().find(|n| n.agency == agency).map(|n| n.officers.clone()))
    }

    /// The server no longer accepts the session: sign-in shows over the
    /// screen; the keyboard goes back where it was once signed in again.
    pub fn end_session(&self, message: String) {
        if self.session_lost.get_untracked().is_none() {
            let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
            FOCUS_BEFORE.with(|f| *f.borrow_mut() = active);
            self.session_lost.set(Some(message));
        }
    }

    /// Refreshes who is on standby now.
    pub fn load_standby(&self) {
        let standby = self.standby;
        spawn_local(async move {
            if let Ok(now) = api::standby_now().await {
                standby.set(now);
            }
        });
    }
}

thread_local! {
    /// What had the keyboard when the session ended.
    static FOCUS_BEFORE: std::cell::RefCell<Option<web_sys::Element>> = const { std::cell::RefCell::new(None) };
}

#[must_use]
pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// Whether the keyboard event comes from a field that takes text.
fn in_text_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
        let tag = el.tag_name();
        matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.has_attribute("contenteditable")
    })
}

/// Moves the keyboard focus to the element with `id` (after the view updated).
pub fn focus_id(id: impl Into<String>) {
    let id: String = id.into();
    request_animation_frame(move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(api::saved_lang().unwrap_or(Lang::Id));
    let ctx = Ctx {
        lang,
        me: RwSignal::new(None),
        config: RwSignal::new(None),
        session_lost: RwSignal::new(None),
        key: RwSignal::new((0, String::new())),
        status: RwSignal::new(String::new()),
        standby: RwSignal::new(Vec::new()),
        now: RwSignal::new(js_sys::Date::now()),
    };
    provide_context(ctx);
    let nav = Nav::start();
    provide_context(nav);
    let checked = RwSignal::new(false);
    let config_failed = RwSignal::new(false);

    api::on_session_lost(move |message| {
        if ctx.me.get_untracked().is_some() {
            ctx.end_session(message);
        }
    });
    Effect::new(move || {
        let l = lang.get();
        api::set_lang(l);
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", l.tag());
        }
    });

    let load = move || {
        config_failed.set(false);
        spawn_local(async move {
            match api::config().await {
                Ok(c) => ctx.config.set(Some(Arc::new(c))),
                Err(_) => config_failed.set(true),
            }
            if api::token().is_some() {
                match api::me().await {
                    Ok(me) => {
                        ctx.me.set(Some(me));
                        ctx.load_standby();
                    }
                    Err(_) => api::forget_token(),
                }
            }
            checked.set(true);
        });
    };
    load();

    // One keyboard handler for the whole console; screens react to `ctx.key`.
    let keydown = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ctx.me.get_untracked().is_none() {
            return;
        }
        let key = ev.key();
        if key != "Escape" && in_text_field(&ev) {
            return;
        }
        if ctx.session_lost.get_untracked().is_some() {
            return;
        }
        match key.as_str() {
            "/" => {
                ev.prevent_default();
                if !matches!(nav.page.get_untracked(), Page::Queue(_)) {
                    nav.go(Page::Queue(None));
                }
                focus_id("cari");
            }
            "n" if ctx.role().is_some_and(Role::sees_all_agencies) => {
                ev.prevent_default();
                nav.go(Page::Intake);
            }
            _ => {
                // Single letters are the screens' action keys (listed under `?`).
                let handled = matches!(key.as_str(), "ArrowDown" | "ArrowUp" | "Enter" | "Escape" | "?")
                    || (key.len() == 1 && key.bytes().all(|b| b.is_ascii_lowercase()));
                // Enter opens a ticket on the queue; elsewhere it belongs to the page.
                if handled && (key != "Enter" || matches!(nav.page.get_untracked(), Page::Queue(_))) {
                    // Arrow keys and Enter keep their meaning on buttons and links.
                    let on_control = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| matches!(el.tag_name().as_str(), "BUTTON" | "A"));
                    if key == "Enter" && on_control {
                        return;
                    }
                    if key.starts_with("Arrow") || key == "?" {
                        ev.prevent_default();
                    }
                    ctx.key.update(|(n, k)| {
                        *n += 1;
                        k.clone_from(&key);
                    });
                }
            }
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("keydown", keydown.as_ref().unchecked_ref());
    }
    keydown.forget();

    // Standby changes with the shift: refresh every minute.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if ctx.me.get_untracked().is_some() {
                ctx.load_standby();
            }
        },
        std::time::Duration::from_mins(1),
    ) {
        on_cleanup(move || handle.clear());
    }

    if let Ok(handle) =
        set_interval_with_handle(move || ctx.now.set(js_sys::Date::now()), std::time::Duration::from_secs(15))
    {
        on_cleanup(move || handle.clear());
    }

    // Only signing in or out rebuilds the screens: signing in again as the
    // same account (after the session ended) keeps everything on them.
    let signed_in = Memo::new(move |_| ctx.me.with(Option::is_some));
    move || {
        let l = lang.get();
        let w = words(l);
        if !checked.get() {
            return view! { <main id="isi" class="boot"><h1>"Konsol 112"</h1><p role="status">{w.loading}</p></main> }
                .into_any();
        }
        if config_failed.get() && ctx.config.with(Option::is_none) {
            return view! {
                <main id="isi" class="boot">
                    <h1>"Konsol 112"</h1>
                    <p role="alert">{w.config_failed}</p>
                    <button type="button" class="btn" on:click=move |_| load()>{w.retry}</button>
                </main>
            }
            .into_any();
        }
        if !signed_in.get() {
            return view! { <main id="isi" class="boot"><SignIn/></main> }.into_any();
        }
        view! { <Shell/> }.into_any()
    }
}

/// The frame around every screen: the bar, the menu and the sign-in dialog
/// when the session ended.
#[component]
fn Shell() -> impl IntoView {
    let ctx = use_ctx();
    let nav = expect_context::<Nav>();
    let w = ctx.w();
    let me = ctx.me.get_untracked().expect("the shell is shown signed in");
    let role = me.role;
    let agency_label = me.agency.as_deref().map(|a| format!(" · {}", ctx.agency_name(a))).unwrap_or_default();
    let who = format!("{} ({}{agency_label})", me.username, w.role(role));
    let show_help = RwSignal::new(false);
    Effect::new(move || {
        let (_, key) = ctx.key.get();
        match key.as_str() {
            "?" => show_help.update(|s| *s = !*s),
            "Escape" => show_help.set(false),
            _ => {}
        }
    });
    let sign_out = move |_| {
        spawn_local(async move {
            api::sign_out().await;
            ctx.me.set(None);
            ctx.session_lost.set(None);
        });
    };
    let switch_lang = move |_| {
        let next = if ctx.lang.get_untracked() == Lang::Id { Lang::En } else { Lang::Id };
        api::save_lang(next);
        ctx.lang.set(next);
    };
    // Back where the keyboard was once signed in again.
    Effect::new(move |was_lost: Option<bool>| {
        let lost = ctx.session_lost.with(Option::is_some);
        if !lost && was_lost == Some(true) {
            let el = FOCUS_BEFORE.with(|f| f.borrow_mut().take());
            let el = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            request_animation_frame(move || {
                if let Some(el) = el {
                    let _ = el.focus();
                }
            });
        }
        lost
    });
    let sees_all = role.sees_all_agencies();
    let is_admin = role == Role::Admin;
    let audits = matches!(role, Role::Admin | Role::Supervisor);
    view! {
        <a class="skip" href="#isi">{w.skip}</a>
        <header class="bar">
            <span class="brand">"Konsol 112"</span>
            <nav aria-label=w.menu class="menu">
                <Link page=Page::Queue(None)>{if sees_all { w.queue } else { w.inbox }}</Link>
                {sees_all.then(|| view! { <Link page=Page::Intake>{w.intake}<kbd>"n"</kbd></Link> })}
                <Link page=Page::Standby>{w.standby}</Link>
                {sees_all.then(|| view! { <Link page=Page::Late>{w.late}</Link> })}
                {audits.then(|| view! { <Link page=Page::Audit>{w.audit}</Link> })}
                {is_admin.then(|| view! {
                    <Link page=Page::Accounts>{w.accounts}</Link>
                    <Link page=Page::Templates>{w.templates}</Link>
                    <Link page=Page::Videos>{w.videos}</Link>
                    <Link page=Page::Webhooks>{w.webhooks}</Link>
                })}
            </nav>
            <span class="who">{who}</span>
            <button type="button" class="btn btn-quiet" on:click=move |_| show_help.update(|s| *s = !*s)
                aria-expanded=move || show_help.get().to_string()>{w.shortcuts}<kbd>"?"</kbd></button>
            <button type="button" class="btn btn-quiet" lang=w.other_lang_tag on:click=switch_lang>{w.other_lang}</button>
            <button type="button" class="btn btn-quiet" on:click=sign_out>{w.sign_out}</button>
        </header>
        <section class="help" hidden=move || !show_help.get() aria-label=w.shortcuts>
            <h2>{w.shortcuts}</h2>
            <dl class="keys">
                {w.shortcut_list.iter().map(|(k, what)| view! { <div><dt><kbd>{*k}</kbd></dt><dd>{*what}</dd></div> }).collect_view()}
            </dl>
        </section>
        <p class="sr-only" role="status" aria-live="polite">{move || ctx.status.get()}</p>
        <main id="isi" tabindex="-1">
            {move || match nav.page.get() {
                Page::Queue(code) => view! { <pages::queue::QueuePage code=code/> }.into_any(),
                Page::Intake if sees_all => pages::intake::IntakePage().into_any(),
                Page::Standby => pages::standby::StandbyPage().into_any(),
                Page::Accounts if is_admin => pages::admin::AccountsPage().into_any(),
                Page::Templates if is_admin => pages::admin::TemplatesPage().into_any(),
                Page::Videos if is_admin => pages::admin::VideosPage().into_any(),
                Page::Webhooks if is_admin => pages::webhooks::WebhooksPage().into_any(),
                Page::Audit if audits => pages::admin::AuditPage().into_any(),
                Page::Late if sees_all => pages::late::LatePage().into_any(),
                _ => view! { <section class="panel"><h1>{w.not_found}</h1><Link page=Page::Queue(None)>{w.queue}</Link></section> }.into_any(),
            }}
        </main>
        {move || ctx.session_lost.get().map(|message| view! {
            <div class="overlay">
                <div role="dialog" aria-modal="true" aria-labelledby="sesi-judul" class="dialog">
                    <h2 id="sesi-judul">{w.session_ended}</h2>
                    <p role="alert">{message}</p>
                    <p>{w.session_kept}</p>
                    <SignIn/>
                </div>
            </div>
        })}
    }
}

/// Sign-in, first or again after the session ended (then the same account
/// continues where it was).
#[component]
fn SignIn() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let again = ctx.me.get_untracked();
    let username = RwSignal::new(again.as_ref().map(|m| m.username.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(Option<&'static str>, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let credentials =
            Credentials { username: username.get_untracked().trim().to_owned(), password: password.get_untracked() };
        spawn_local(async move {
            let result = api::sign_in(&credentials).await;
            busy.set(false);
            match result {
                Ok(session) => {
                    password.set(String::new());
                    let me = StaffMe {
                        username: session.username,
                        role: session.role,
                        agency: session.agency,
                        expires_at: session.expires_at,
                    };
                    let same = ctx.me.with_untracked(|m| m.as_ref().is_some_and(|m| m.username == me.username));
                    if !same {
                        // Another account: nothing of the previous one stays on screen.
                        ctx.me.set(None);
                    }
                    ctx.me.set(Some(me));
                    ctx.session_lost.set(None);
                    ctx.load_standby();
                }
                Err(e) => {
                    let field = match e.body().and_then(|b| b.field.as_ref()) {
                        Some(portal112_core::Field::Username) => Some("masuk-nama"),
                        Some(portal112_core::Field::Password) => Some("masuk-sandi"),
                        _ => None,
                    };
                    error.set(Some((field, e.message(ctx.lang.get_untracked()))));
                    focus_id(if field == Some("masuk-nama") { "masuk-nama" } else { "masuk-sandi" });
                }
            }
        });
    };
    let is_first = again.is_none();
    view! {
        <form class="signin" on:submit=submit novalidate>
            {is_first.then(|| view! { <h1>"Konsol 112"</h1><p>{w.sign_in_intro}</p> })}
            <label for="masuk-nama">{w.username}</label>
            <input id="masuk-nama" name="username" autocomplete="username" required
                prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))
                aria-describedby="masuk-galat" autofocus=is_first/>
            <label for="masuk-sandi">{w.password}</label>
            <input id="masuk-sandi" name="password" type="password" autocomplete="current-password" required
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))
                aria-describedby="masuk-galat" autofocus=!is_first/>
            <p id="masuk-galat" class="error" role="alert">{move || error.get().map(|(_, m)| m)}</p>
            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                {move || if busy.get() { w.signing_in } else { w.sign_in }}
            </button>
        </form>
    }
}
