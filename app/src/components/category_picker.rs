//! Choosing what happened: categories grouped by agency, with a search box
//! that matches names, descriptions and keywords in both languages. The list
//! is built once; searching only hides what does not match.

use std::fmt::Write as _;

use leptos::prelude::*;
use portal112_core::city::{Category, CityConfig};
use portal112_core::html::Escaped;
use portal112_core::lang::Lang;
use wasm_bindgen::JsCast;

use crate::config::SharedConfig;
use crate::i18n::use_i18n;

/// Lower-case and strip accents so "Sampah" matches "sampah" and "é" matches
/// "e". Indonesian and English need no more than ASCII and a few accents;
/// full Unicode case tables would cost the bundle kilobytes.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The text a category is found by.
fn haystack(c: &Category, agency_name: &str) -> String {
    fold(&format!(
        "{} {} {} {} {} {}",
        c.name.id,
        c.name.en,
        c.description.id,
        c.description.en,
        c.keywords.join(" "),
        agency_name
    ))
}

/// Whether every word of the query appears somewhere in the category.
#[must_use]
#[cfg(test)]
pub fn matches(c: &Category, agency_name: &str, query: &str) -> bool {
    let haystack = haystack(c, agency_name);
    fold(query).split_whitespace().all(|w| haystack.contains(w))
}

/// The list's markup: a fieldset per agency, a radio button per category.
///
/// Written as one string that the browser parses in one go, rather than
/// built node by node from the WebAssembly: 29 categories with their
/// descriptions were most of the work of opening the form on a cheap phone.
/// Nothing in it is reactive: one listener on the group hears the choice, and
/// one effect each keeps the choice and the search in step (below).
fn list_html(city: &CityConfig, lang: Lang) -> String {
    let mut html = String::new();
    for a in &city.agencies {
        let _ = write!(
            html,
            "<fieldset class=\"category-group\"><legend><strong>{}</strong> · {}</legend>",
            Escaped(&a.short_name),
            Escaped(a.name.get(lang))
        );
        for c in city.categories.iter().filter(|c| c.agency == a.code) {
            let code = Escaped(&c.code);
            let _ = write!(
                html,
                "<label class=\"category\" for=\"kategori-{code}\"><input type=\"radio\" id=\"kategori-{code}\" \
                 name=\"kategori\" value=\"{code}\"><span class=\"category-text\"><span class=\"category-name\">{}</span>\
                 <span class=\"category-desc\">{}</span></span>",
                Escaped(c.name.get(lang)),
                Escaped(c.description.get(lang))
            );
            // Urgent categories carry the number to call as well.
            if c.urgent {
                let number = Escaped(&city.city.emergency_number);
                let _ = write!(html, "<span class=\"badge badge-urgent\">{number}</span>");
            }
            html += "</label>";
        }
        html += "</fieldset>";
    }
    html
}

#[component]
pub fn CategoryPicker(
    config: SharedConfig,
    selected: Signal<String>,
    on_select: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let query = RwSignal::new(String::new());
    let words = Memo::new(move |_| fold(&query.get()).split_whitespace().map(str::to_owned).collect::<Vec<_>>());
    let found = move |hay: &str| words.with(|w| w.iter().all(|w| hay.contains(w.as_str())));

    let city = &config.city;
    // What each category is found by, agency by agency, in the list's order.
    let hays: Vec<Vec<String>> = city
        .agencies
        .iter()
        .map(|a| {
            let agency_name = format!("{} {} {}", a.short_name, a.name.id, a.name.en);
            city.categories.iter().filter(|c| c.agency == a.code).map(|c| haystack(c, &agency_name)).collect()
        })
        .collect();
    // Whether a search left no category at all (set with the list below).
    let nothing = RwSignal::new(false);
    let list = NodeRef::<leptos::html::Div>::new();

    // Searching hides the categories that do not match, and an agency's
    // group when none of its own do.
    Effect::new(move |searched: Option<bool>| {
        let searching = words.with(|w| !w.is_empty());
        // Until something is typed, nothing is hidden.
        if !searching && searched != Some(true) {
            return searching;
        }
        let Some(list) = list.get() else { return searching };
        let (groups, labels) = (list.get_elements_by_tag_name("fieldset"), list.get_elements_by_tag_name("label"));
        let (mut label, mut found_any) = (0, false);
        for (g, group_hays) in hays.iter().enumerate() {
            let mut any = false;
            for hay in group_hays {
                let shown = found(hay);
                any |= shown;
                if let Some(el) = labels.item(label) {
                    let _ = el.toggle_attribute_with_force("hidden", !shown);
                }
                label += 1;
            }
            if let Some(el) = u32::try_from(g).ok().and_then(|g| groups.item(g)) {
                let _ = el.toggle_attribute_with_force("hidden", !any);
            }
            found_any |= any;
        }
        nothing.set(!found_any);
        searching
    });
    // The radio buttons follow the draft (restored, or started over).
    Effect::new(move |shown: Option<String>| {
        let code = selected.get();
        let input = |code: &str| {
            document()
                .get_element_by_id(&format!("kategori-{code}"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        };
        if let Some(input) = input(&code) {
            input.set_checked(true);
        } else if let Some(input) = shown.as_deref().and_then(input) {
            input.set_checked(false);
        }
        code
    });

    view! {
        <div class="field">
            <label for="cari-kategori">{tr.search_category}</label>
            <input
                id="cari-kategori"
                type="search"
                autocomplete="off"
                placeholder=tr.search_category_hint
                on:input=move |ev| query.set(event_target_value(&ev))
            />
        </div>
        <p id="kategori-galat" class="field-error" role="alert">{error}</p>
        <p hidden=move || !nothing.get()>{tr.no_category_found}</p>
        <div
            class="category-groups"
            role="radiogroup"
            aria-labelledby="langkah-judul"
            aria-describedby="kategori-galat"
            node_ref=list
            inner_html=list_html(city, lang)
            on:change=move |ev| on_select.run(event_target_value(&ev))
        ></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal112_core::city::Text;

    fn cat() -> Category {
        Category {
            code: "sampah".into(),
            agency: "dlh".into(),
            name: Text { id: "Sampah menumpuk".into(), en: "Rubbish piling up".into() },
            description: Text { id: "Sampah tidak diangkut".into(), en: "Not collected".into() },
            keywords: vec!["tps".into(), "garbage".into()],
            urgent: false,
            confidential: false,
            sensitive: false,
        }
    }

    #[test]
    fn search_matches_both_languages_and_keywords() {
        assert!(matches(&cat(), "DLH", "SAMPAH"));
        assert!(matches(&cat(), "DLH", "rubbish"));
        assert!(matches(&cat(), "DLH", "garbage"));
        assert!(matches(&cat(), "DLH", "dlh sampah"));
        assert!(matches(&cat(), "DLH", ""));
        assert!(!matches(&cat(), "DLH", "banjir"));
    }

    #[test]
    fn the_list_has_every_category_under_its_agency_and_escapes_the_city_file() {
        let mut city: CityConfig =
            toml::from_str(include_str!("../../../config/bitung.toml")).expect("the Bitung city file reads");
        city.categories[0].name.id = "Air & <b>listrik</b> \"mati\"".into();
        let html = list_html(&city, Lang::Id);
        assert_eq!(html.matches("type=\"radio\"").count(), city.categories.len());
        assert_eq!(html.matches("<fieldset").count(), city.agencies.len());
        assert!(html.contains("Air &amp; &lt;b&gt;listrik&lt;/b&gt; &quot;mati&quot;"), "{html}");
        assert!(!html.contains("<b>listrik"));
        for c in &city.categories {
            assert!(html.contains(&format!("id=\"kategori-{}\"", c.code)), "{}", c.code);
        }
        // Each category sits in its own agency's group.
        let sekda = html.split("</fieldset>").next().unwrap_or_default();
        assert!(sekda.contains("Sekda") && sekda.contains("kategori-pungli") && !sekda.contains("kategori-sampah"));
        assert_eq!(
            list_html(&city, Lang::En).matches("badge-urgent").count(),
            city.categories.iter().filter(|c| c.urgent).count()
        );
    }
}
