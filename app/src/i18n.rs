//! Every string a citizen reads, one table per language. Validation messages
//! come from `portal112_core` (the server's own words), everything else from here.
//!
//! No text names a city: `{city}` (its official name), `{number}` (the
//! emergency number), `{agencies}` (how many agencies) and `{service}` (the
//! service's name) are filled in from the configuration by [`fill_city`].

mod en;
mod id;
mod strings;

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use portal112_core::Lang;
use portal112_core::dto::PublicConfig;
pub use strings::Strings;

/// The table for a language. English, the second language, is a part of
/// the WebAssembly of its own ([`load`]); until it is here, the Indonesian
/// table stands in.
#[must_use]
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Id => &id::STRINGS,
        Lang::En => english().unwrap_or(&id::STRINGS),
    }
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static ENGLISH: std::cell::Cell<Option<&'static Strings>> = const { std::cell::Cell::new(None) };
}

/// The English table, once its part has arrived.
#[cfg(target_arch = "wasm32")]
fn english() -> Option<&'static Strings> {
    ENGLISH.get()
}

/// Pages rendered ahead on the server have both tables at hand.
#[cfg(not(target_arch = "wasm32"))]
#[expect(clippy::unnecessary_wraps, reason = "the same signature as in the browser, where it may be None")]
fn english() -> Option<&'static Strings> {
    Some(&en::STRINGS)
}

/// The English table, in a part of its own: most citizens read Indonesian,
/// and every page was carrying the second table's words (2 KB brotli).
#[allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]
#[wasm_split(english, wasm_split_path = ::leptos::wasm_split, fallible)]
fn english_table() -> Result<&'static Strings, SplitLoaderError> {
    Ok(&en::STRINGS)
}

/// Makes `lang`'s table ready, fetching English's part the first time;
/// whether it is ready (the part may not arrive on a weak connection).
pub async fn load(lang: Lang) -> bool {
    if ready(lang) {
        return true;
    }
    let Ok(table) = english_table().await else { return false };
    #[cfg(target_arch = "wasm32")]
    ENGLISH.set(Some(table));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = table;
    true
}

/// Whether `lang`'s table is ready (see [`load`]).
#[must_use]
pub fn ready(lang: Lang) -> bool {
    lang == Lang::Id || english().is_some()
}

/// The JavaScript-off notes of a language.
#[cfg(not(target_arch = "wasm32"))]
#[must_use]
pub fn no_script(lang: Lang) -> &'static strings::NoScript {
    match lang {
        Lang::Id => &id::NO_SCRIPT,
        Lang::En => &en::NO_SCRIPT,
    }
}

/// The current language, provided at the root of the app.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

impl I18n {
    /// The words of the current language. Not tracked: the app rebuilds its
    /// whole view when the language changes, so text can be plain, static
    /// nodes instead of one reactive closure per string (far less WebAssembly).
    #[must_use]
    pub fn t(&self) -> &'static Strings {
        strings(self.lang.get_untracked())
    }

    /// The current language (not tracked, as [`I18n::t`]).
    #[must_use]
    pub fn lang(&self) -> Lang {
        self.lang.get_untracked()
    }
}

/// The app's language context.
#[must_use]
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// Fills `{name}` placeholders.
#[must_use]
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
}

/// Fills the city's words — `{city}`, `{number}`, `{agencies}`, `{service}` —
/// from the configuration.
#[must_use]
pub fn fill_city(template: &str, config: &PublicConfig, lang: Lang) -> String {
    let city = &config.city.city;
    fill(
        template,
        &[
            ("city", &city.name),
            ("number", &city.emergency_number),
            ("agencies", &config.city.agencies.len().to_string()),
            ("service", city.service_name.get(lang)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(fill("Langkah {n} dari {total}", &[("n", "2"), ("total", "5")]), "Langkah 2 dari 5");
    }

    /// What a city may differ in is never written into a text.
    #[test]
    fn no_text_names_a_city() {
        for source in [include_str!("i18n/id.rs"), include_str!("i18n/en.rs")] {
            for word in ["Bitung", "112", "delapan", "eight"] {
                assert!(!source.contains(word), "a text says {word:?}: use {{city}}, {{number}} or {{agencies}}");
            }
        }
    }
}
