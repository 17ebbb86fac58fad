//! Each public page's HTML, rendered ahead outside the browser from the app's
//! own components, with the city configuration the server runs with: the
//! words and the layout paint before the WebAssembly arrives, and read with
//! JavaScript off. The app's first view is the same DOM (same components,
//! same first-visit state), so taking the page over moves nothing.
//!
//! What a page shows here is what a first visit shows before anything comes
//! from the phone's storage: no draft, no outbox. From the server's data, a
//! video page has the catalogue and a tracking page its ticket, which the
//! app fetches before it takes the page over.
//! Effects and tasks never run (they are dropped), so nothing touches a browser
//! API; `device` and `portal112_web` answer "nothing kept" outside the browser.

use std::sync::Arc;

use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use leptos::prelude::*;
use portal112_core::dto::{PublicConfig, PublicTicket, Video};
use portal112_core::{CodeError, Lang, TicketCode};

use crate::app::{DeliveredNotice, OfflineBanner, Online};
use crate::components::header::Header;
use crate::config::{Masthead, provide_page_config};
use crate::fresh::IntoFresh;
use crate::i18n::{I18n, fill_city, no_script, strings};
use crate::outbox::Outbox;
use crate::pages;
use crate::route::{Nav, Page};

/// What a rendered page depends on besides the city and the language: paths
/// with the same frame get the same HTML (a cache key). A tracking code or an
/// unknown agency in the address never reaches the HTML.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame(Page);

impl Frame {
    /// The frame of a request path, for `config`'s city.
    #[must_use]
    pub fn of_path(path: &str, config: &PublicConfig) -> Self {
        let page = match Page::from_path(path) {
            // The page says "loading" for any valid code, and the same error
            // for every code with a typo or of the wrong form.
            Page::Track(Some(code)) => Page::Track(Some(match TicketCode::parse(&code) {
                Ok(_) => sample_code(),
                Err(CodeError::Typo) => typo_code(),
                Err(CodeError::Malformed) => "-".to_owned(),
            })),
            Page::Videos(Some(agency)) if config.city.agency(&agency).is_none() => Page::Videos(Some(String::new())),
            page => page,
        };
        Frame(page)
    }

    /// Whether the page lists the video catalogue (pass it to [`prerender`]).
    #[must_use]
    pub fn needs_videos(&self) -> bool {
        matches!(self.0, Page::Videos(_))
    }
}

fn sample_code() -> String {
    TicketCode::from_random_bytes([0; portal112_core::ticket_code::RANDOM_BYTES]).to_string()
}

/// The sample code with a wrong check symbol.
fn typo_code() -> String {
    let valid = sample_code();
    let (body, check) = valid.split_at(valid.len() - 1);
    ('A'..='Z')
        .chain('2'..='9')
        .map(|c| format!("{body}{c}"))
        .find(|code| !code.ends_with(check) && TicketCode::parse(code) == Err(CodeError::Typo))
        .unwrap_or_else(|| "-".to_owned())
}

/// Drops every task: outside the browser nothing is fetched or watched.
struct Discard;

impl CustomExecutor for Discard {
    fn spawn(&self, _: PinnedFuture<()>) {}
    fn spawn_local(&self, _: PinnedLocalFuture<()>) {}
    fn poll_local(&self) {}
}

/// The `<body>` of a page: the app's header, the page and the footer, as the
/// app mounts them, and for what needs the app a `<noscript>` note (never
/// shown with JavaScript on, so the app's view without it looks the same).
/// `videos` is the catalogue for the video pages ([`Frame::needs_videos`]);
/// `ticket` the public view of the ticket a tracking page's address names
/// (rendered with it instead of "loading"; such a page is the ticket's own,
/// not the frame's).
#[must_use]
pub fn prerender(
    config: &Arc<PublicConfig>,
    videos: Option<Vec<Video>>,
    ticket: Option<PublicTicket>,
    lang: Lang,
    frame: &Frame,
) -> String {
    // Effects and `spawn_local` need an executor; this one runs nothing. A
    // process that renders has no other use for one (the server is tokio's).
    let _ = Executor::init_custom_executor(Discard);
    // Rendered once: signals are read without being followed, on purpose.
    let _quiet = leptos::reactive::diagnostics::SpecialNonReactiveZone::enter();
    let owner = Owner::new();
    let html = owner.with(|| {
        let tr = strings(lang);
        let page = match (&frame.0, &ticket) {
            (Page::Track(Some(_)), Some(t)) => Page::Track(Some(t.code.to_string())),
            (page, _) => page.clone(),
        };
        provide_context(I18n { lang: RwSignal::new(lang) });
        provide_context(Online(RwSignal::new(true)));
        provide_context(Outbox::empty());
        provide_context(Nav { page: RwSignal::new(page.clone()) });
        provide_context(pages::videos::FirstVideos(StoredValue::new(videos)));
        provide_context(pages::track::FirstTicket(StoredValue::new(ticket)));
        let masthead = Masthead::of(config, lang);
        let footer = fill_city(tr.footer, config, lang);
        let notes = no_script(lang);
        let note = match page {
            Page::Home => Some(notes.home),
            Page::Report => Some(notes.report),
            Page::Track(_) => Some(notes.track),
            Page::Map => Some(notes.map),
            Page::Stats => Some(notes.stats),
            Page::Videos(_) | Page::NotFound => None,
        }
        .map(|n| fill_city(n, config, lang));
        provide_page_config(Arc::clone(config));
        // The same page components, called as the app's route table calls them.
        let body = match page {
            Page::Home => pages::home::Home().fresh(),
            Page::Report => pages::report::ReportForm().fresh(),
            Page::Track(code) => view! { <pages::track::TrackPage code=code/> }.fresh(),
            Page::Videos(agency) => view! { <pages::videos::VideosPage agency=agency/> }.fresh(),
            Page::Map => pages::map::MapPage().fresh(),
            Page::Stats => pages::stats::StatsPage().fresh(),
            Page::NotFound => pages::not_found::NotFound().fresh(),
        };
        view! {
            <Header masthead=masthead/>
            <OfflineBanner/>
            <DeliveredNotice/>
            <main id="isi" tabindex="-1">
                {note.map(|n| view! { <noscript><p class="card notice">{n}</p></noscript> })}
                {body}
            </main>
            <footer class="footer">
                <p>{footer}</p>
            </footer>
        }
        .to_html()
    });
    owner.cleanup();
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitung() -> Arc<PublicConfig> {
        let city: portal112_core::city::CityConfig =
            toml::from_str(include_str!("../../config/bitung.toml")).expect("the Bitung city file reads");
        Arc::new(PublicConfig { city, limits: portal112_core::dto::Limits::CURRENT })
    }

    #[test]
    fn every_page_renders_with_the_citys_words() {
        let config = bitung();
        for path in ["/", "/lapor", "/lacak", "/lacak/K7M-2QX-94R", "/video", "/video/dlh", "/peta", "/statistik", "/x"]
        {
            for lang in [Lang::Id, Lang::En] {
                let frame = Frame::of_path(path, &config);
                let html = prerender(&config, Some(Vec::new()), None, lang, &frame);
                assert!(html.contains("class=\"brand-name\""), "{path}: {html}");
                assert!(html.contains(&config.city.city.emergency_number), "{path}");
                assert!(html.contains(config.city.city.service_name.get(lang)), "{path}");
                assert!(!html.contains("<script"), "{path}: no inline script");
            }
        }
    }

    #[test]
    fn a_tracking_code_never_reaches_the_html() {
        let config = bitung();
        let code = |bytes| TicketCode::from_random_bytes(bytes).to_string();
        let valid = Frame::of_path(&format!("/lacak/{}", code([1, 2, 3, 4, 5])), &config);
        assert_eq!(valid, Frame::of_path(&format!("/lacak/{}", code([9; 5])), &config));
        assert_eq!(TicketCode::parse(&typo_code()), Err(CodeError::Typo));
        assert_eq!(Frame::of_path("/lacak/%3Cb%3E", &config), Frame::of_path("/lacak/zz", &config));
        let html = prerender(&config, None, None, Lang::Id, &valid);
        assert!(!html.contains(&code([1, 2, 3, 4, 5])));
        assert!(html.contains(strings(Lang::Id).loading));
    }
}
