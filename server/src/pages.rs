//! The citizens' pages rendered ahead: the app's own components (the
//! `portal112-app` library, compiled natively) render each public page's
//! `<body>` with the city file this server runs with, so a city still deploys
//! with its own file and no rebuild, and the page paints (and reads with
//! JavaScript off) before the WebAssembly arrives. `routes::app` puts the body
//! into the built `index.html`.
//!
//! Renders are kept per frame and language: the pages never change while the
//! server runs, except the video pages, kept per catalogue as well.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use portal112_app::prerender::{Frame, prerender};
use portal112_core::Lang;
use portal112_core::dto::{PublicConfig, PublicTicket, Video};

/// Enough for every page, agency and language several times over; a full
/// cache (catalogue changes) starts again.
const KEPT: usize = 256;

/// The rendered pages of one city.
#[derive(Debug)]
pub struct Pages {
    /// Shared with every page rendered (a tracking page is rendered per request).
    config: Arc<PublicConfig>,
    rendered: Mutex<HashMap<(Frame, Lang, u64), Arc<str>>>,
}

/// The public pages, rendered when the server starts.
pub const PUBLIC_PATHS: [&str; 7] = ["/", "/lapor", "/lacak", "/video", "/peta", "/statistik", "/lacak/-"];

impl Pages {
    /// Nothing rendered yet.
    #[must_use]
    pub fn new(config: Arc<PublicConfig>) -> Self {
        Self { config, rendered: Mutex::new(HashMap::new()) }
    }

    /// Renders the pages that do not depend on the database, in both
    /// languages; a page that cannot be rendered is logged here, at start.
    pub fn warm(&self) {
        for path in PUBLIC_PATHS {
            for lang in [Lang::Id, Lang::En] {
                if self.frame(path).needs_videos() {
                    continue;
                }
                let _ = self.body(path, lang, None);
            }
        }
    }

    /// The frame of a request path.
    #[must_use]
    pub fn frame(&self, path: &str) -> Frame {
        let path = if path == "/index.html" { "/" } else { path };
        Frame::of_path(path, &self.config)
    }

    /// The `<body>` of the page at `path` in `lang`; `videos` is the
    /// catalogue, for the video pages. `None` when rendering failed (the
    /// built shell is served instead, as before pages were rendered ahead).
    #[must_use]
    pub fn body(&self, path: &str, lang: Lang, videos: Option<Vec<Video>>) -> Option<Arc<str>> {
        let frame = self.frame(path);
        let videos = videos.filter(|_| frame.needs_videos());
        let key = (frame, lang, videos.as_ref().map_or(0, |v| hash(&serde_json::to_string(v).unwrap_or_default())));
        if let Some(found) = self.rendered.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Some(found.clone());
        }
        let html = self.render(path, videos, None, lang, &key.0)?;
        let html: Arc<str> = html.into();
        let mut rendered = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
        if rendered.len() >= KEPT {
            rendered.clear();
        }
        rendered.insert(key, html.clone());
        Some(html)
    }

    /// The `<body>` of a ticket's tracking page, with its public view, in
    /// `lang`: made for each request (a ticket changes), never kept.
    #[must_use]
    pub fn ticket_body(&self, path: &str, lang: Lang, ticket: PublicTicket) -> Option<String> {
        self.render(path, None, Some(ticket), lang, &self.frame(path))
    }

    /// Renders a page; `None` (and logged) when rendering failed, so the
    /// built shell is served instead.
    fn render(
        &self,
        path: &str,
        videos: Option<Vec<Video>>,
        ticket: Option<PublicTicket>,
        lang: Lang,
        frame: &Frame,
    ) -> Option<String> {
        let config = &self.config;
        let made =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| prerender(config, videos, ticket, lang, frame)));
        if made.is_err() {
            tracing::error!(path, "cannot render the page ahead: serving the shell");
        }
        made.ok()
    }
}

fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}
