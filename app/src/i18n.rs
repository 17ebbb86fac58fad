//! Every string a citizen reads, one table per language. Validation messages
//! come from `portal112_core` (the server's own words), everything else from here.
//!
//! No text names a city: `{city}` (its official name), `{number}` (the
//! emergency number), `{agencies}` (how many agencies) and `{service}` (the
//! service's name) are filled in from the configuration by [`fill_city`].

mod en;
mod id;

use leptos::prelude::*;
use portal112_core::Lang;
use portal112_core::dto::PublicConfig;

/// The words of one language.
#[derive(Debug)]
pub struct Strings {
    pub switch_to: &'static str,
    pub switch_to_label: &'static str,
    pub call_now: &'static str,
    pub call_now_long: &'static str,
    pub skip_to_content: &'static str,
    pub nav_home: &'static str,
    pub nav_report: &'static str,
    pub nav_track: &'static str,
    pub nav_videos: &'static str,
    pub loading: &'static str,
    pub offline_banner: &'static str,
    pub config_failed: &'static str,
    pub retry: &'static str,
    pub back: &'static str,
    pub next: &'static str,
    pub close: &'static str,

    // Home
    pub hero_title: &'static str,
    pub hero_text: &'static str,
    pub start_report: &'static str,
    pub track_title: &'static str,
    pub track_text: &'static str,
    pub code_label: &'static str,
    pub code_placeholder: &'static str,
    pub track_button: &'static str,
    pub videos_title: &'static str,
    pub videos_text: &'static str,
    pub all_videos: &'static str,
    pub my_reports: &'static str,
    pub my_reports_empty: &'static str,
    pub my_reports_note: &'static str,
    pub waiting_to_send: &'static str,
    pub waiting_explained: &'static str,
    pub send_now: &'static str,
    pub sending: &'static str,
    pub refused_title: &'static str,
    pub edit_again: &'static str,
    pub discard: &'static str,
    pub delivered_notice: &'static str,
    pub last_known: &'static str,

    // Report form
    pub report_title: &'static str,
    pub step_of: &'static str,
    pub step_category: &'static str,
    pub step_location: &'static str,
    pub step_details: &'static str,
    pub step_contact: &'static str,
    pub step_review: &'static str,
    pub draft_saved: &'static str,
    pub draft_not_saved: &'static str,
    pub start_over: &'static str,
    pub start_over_confirm: &'static str,
    pub search_category: &'static str,
    pub search_category_hint: &'static str,
    pub no_category_found: &'static str,
    pub urgent_hint: &'static str,
    pub confidential_hint: &'static str,
    pub map_help: &'static str,
    pub map_loading: &'static str,
    pub map_failed: &'static str,
    pub use_my_location: &'static str,
    pub locating: &'static str,
    pub location_denied: &'static str,
    pub location_unavailable: &'static str,
    pub location_timeout: &'static str,
    pub location_unsupported: &'static str,
    pub accuracy: &'static str,
    pub pin_placed: &'static str,
    pub remove_pin: &'static str,
    pub mark_center: &'static str,
    pub marker_alt: &'static str,
    pub no_map_title: &'static str,
    pub no_map_text: &'static str,
    pub district: &'static str,
    pub choose_district: &'static str,
    pub village: &'static str,
    pub choose_village: &'static str,
    pub address: &'static str,
    pub address_hint: &'static str,
    pub description: &'static str,
    pub description_hint: &'static str,
    pub characters_left: &'static str,
    pub photos: &'static str,
    pub photos_hint: &'static str,
    pub add_photo: &'static str,
    pub remove_photo: &'static str,
    pub photo_preparing: &'static str,
    pub photo_failed: &'static str,
    pub photo_alt: &'static str,
    pub anonymous: &'static str,
    pub anonymous_hint: &'static str,
    pub contact_who_sees: &'static str,
    pub name: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub optional: &'static str,
    pub review_text: &'static str,
    pub edit: &'static str,
    pub not_given: &'static str,
    pub on_map: &'static str,
    pub send: &'static str,
    pub fix_errors: &'static str,
    pub saved_waiting: &'static str,
    pub saved_waiting_text: &'static str,
    pub sent_title: &'static str,
    pub sent_text: &'static str,
    pub your_code: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub share: &'static str,
    pub share_text: &'static str,
    pub track_this: &'static str,
    pub new_report: &'static str,

    // Tracking
    pub track_page_title: &'static str,
    pub track_code_typo: &'static str,
    pub track_code_malformed: &'static str,
    pub track_not_found: &'static str,
    pub track_offline: &'static str,
    pub track_error: &'static str,
    pub status: &'static str,
    pub agency: &'static str,
    pub category: &'static str,
    pub reported_at: &'static str,
    pub updated_at: &'static str,
    pub timeline: &'static str,
    pub live: &'static str,
    pub live_polling: &'static str,
    pub confidential_ticket: &'static str,
    pub duplicate_of: &'static str,
    pub handed_to: &'static str,

    // Videos
    pub videos_page_title: &'static str,
    pub videos_intro: &'static str,
    pub no_videos: &'static str,
    pub play_video: &'static str,
    pub youtube_notice: &'static str,
    pub captions_id: &'static str,
    pub captions_en: &'static str,
    pub made_from_portal: &'static str,
    pub agency_videos: &'static str,

    // Not found
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub go_home: &'static str,

    pub footer: &'static str,
}

/// The table for a language.
#[must_use]
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Id => &id::STRINGS,
        Lang::En => &en::STRINGS,
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
