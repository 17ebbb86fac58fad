//! One file per page, and the [`Page`] enum every link is built from.

pub mod home;
pub mod not_found;
pub mod report;
pub mod track;
pub mod videos;

/// A page of the app; its [`path`](Page::path) is the only way links are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Home,
    Report,
    /// Tracking, optionally of one code.
    Track(Option<String>),
    /// Videos, optionally of one agency.
    Videos(Option<String>),
}

impl Page {
    /// Path segment of the report form.
    pub const REPORT: &'static str = "lapor";
    /// Path segment of tracking.
    pub const TRACK: &'static str = "lacak";
    /// Path segment of the videos.
    pub const VIDEOS: &'static str = "video";

    /// The page's URL path.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Page::Home => "/".into(),
            Page::Report => format!("/{}", Self::REPORT),
            Page::Track(None) => format!("/{}", Self::TRACK),
            Page::Track(Some(code)) => format!("/{}/{}", Self::TRACK, encode(code)),
            Page::Videos(None) => format!("/{}", Self::VIDEOS),
            Page::Videos(Some(agency)) => format!("/{}/{}", Self::VIDEOS, encode(agency)),
        }
    }
}

/// Keeps user text safe inside one path segment.
fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
