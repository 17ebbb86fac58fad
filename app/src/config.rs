//! The city's configuration as the app holds it: the copy kept on the phone
//! at once, then the server's (`GET /api/v1/config.postcard`, a
//! [`PublicConfig`]). Everything the app says about its city — its name, the
//! emergency number, the service's name, how many agencies — comes from
//! there, never from code: one build serves any city.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Lang;
use portal112_core::dto::PublicConfig;
use std::sync::Arc;

use crate::api::{self, AbortOnDrop};
use crate::device;

/// The configuration as the app shares it: every page reads the same one,
/// never a copy of its own (copying it per page cost a cheap phone time and
/// the WebAssembly the code of the copy).
pub type SharedConfig = Arc<PublicConfig>;

/// The configuration as it arrives: the cached copy at once, then the server's.
#[derive(Debug, Clone, Copy)]
pub struct ConfigLoad {
    pub current: RwSignal<Option<SharedConfig>>,
    pub failed: RwSignal<bool>,
}

impl ConfigLoad {
    /// Starts from the server's configuration of moments ago (`fresh`), or
    /// else from the copy kept on the phone while the server is asked for its own.
    #[must_use]
    pub fn start(fresh: Option<PublicConfig>) -> Self {
        let asked = fresh.is_none();
        let load = Self {
            current: RwSignal::new(fresh.or_else(device::cached_config).map(Arc::new)),
            failed: RwSignal::new(false),
        };
        if asked {
            load.load();
        }
        load
    }

    /// Fetches the configuration (again).
    pub fn load(self) {
        self.failed.set(false);
        spawn_local(async move {
            let abort = AbortOnDrop::new();
            match api::config(abort.signal()).await {
                Ok((c, bytes)) => {
                    device::cache_config(&bytes);
                    self.current.set(Some(Arc::new(c)));
                }
                Err(_) => self.failed.set(self.current.with_untracked(Option::is_none)),
            }
        });
    }
}

/// Gives the page being built its configuration: a snapshot, as pages need
/// not follow a refreshed configuration (it changes rarely); the next page or
/// language switch picks it up.
pub fn provide_page_config(config: SharedConfig) {
    provide_context(StoredValue::new(config));
}

/// The configuration snapshot of the current page.
#[must_use]
pub fn use_config() -> StoredValue<SharedConfig> {
    expect_context::<StoredValue<SharedConfig>>()
}

/// What the header says about the city: the emergency number and the
/// service's name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Masthead {
    pub number: String,
    pub service: String,
}

impl Masthead {
    /// From the configuration, in `lang`.
    #[must_use]
    pub fn of(config: &PublicConfig, lang: Lang) -> Self {
        let city = &config.city.city;
        Self { number: city.emergency_number.clone(), service: city.service_name.get(lang).to_owned() }
    }

    /// From the static shell the server filled in, read before the app
    /// replaces it: on a first visit the header shows this until the
    /// configuration arrives, so it never stands there without the number.
    #[must_use]
    pub fn from_shell() -> Self {
        let doc = web_sys::window().and_then(|w| w.document());
        let text = |selector: &str| {
            doc.as_ref()
                .and_then(|d| d.query_selector(selector).ok().flatten())
                .and_then(|e| e.text_content())
                .unwrap_or_default()
        };
        Self { number: text(".brand-mark"), service: text(".brand-name") }
    }
}
