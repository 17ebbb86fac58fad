//! Choosing what happened: categories grouped by agency, with a search box
//! that matches names, descriptions and keywords in both languages. The list
//! is built once; searching only hides what does not match.

use leptos::prelude::*;
use portal112_core::city::Category;
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

    // Urgent categories carry the number to call as well.
    let city = &config.city;
    let number = city.city.emergency_number.clone();
    let groups = city.agencies.iter().map(|a| {
        let agency_name = format!("{} {} {}", a.short_name, a.name.id, a.name.en);
        let cats: Vec<(Category, String)> = city
            .categories
            .iter()
            .filter(|c| c.agency == a.code)
            .map(|c| (c.clone(), haystack(c, &agency_name)))
            .collect();
        let hays: Vec<String> = cats.iter().map(|(_, h)| h.clone()).collect();
        let empty = move || !hays.iter().any(|h| found(h));
        let number = number.clone();
        let items = cats.into_iter().map(move |(c, hay)| {
            let id = format!("kategori-{}", c.code);
            view! {
                <label class="category" for=id.clone() hidden=move || !found(&hay)>
                    <input type="radio" id=id.clone() name="kategori" value=c.code.clone()/>
                    <span class="category-text">
                        <span class="category-name">{c.name.get(lang).to_owned()}</span>
                        <span class="category-desc">{c.description.get(lang).to_owned()}</span>
                    </span>
                    {c.urgent.then(|| view! { <span class="badge badge-urgent">{number.clone()}</span> })}
                </label>
            }
        });
        view! {
            <fieldset class="category-group" hidden=empty>
                <legend><strong>{a.short_name.clone()}</strong>" · "{a.name.get(lang).to_owned()}</legend>
                {items.collect_view()}
            </fieldset>
        }
    });
    let all_hays: Vec<String> = city
        .categories
        .iter()
        .map(|c| haystack(c, &city.agency(&c.agency).map(|a| a.short_name.clone()).unwrap_or_default()))
        .collect();
    let nothing = move || !all_hays.iter().any(|h| found(h));
    // One effect keeps the radio buttons in step with the draft (restored,
    // or started over), and one listener hears the choice, rather than one
    // of each per category: building the list is most of the work of
    // opening the form on a cheap phone.
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
        <p hidden=move || !nothing()>{tr.no_category_found}</p>
        <div
            class="category-groups"
            role="radiogroup"
            aria-labelledby="langkah-judul"
            aria-describedby="kategori-galat"
            on:change=move |ev| on_select.run(event_target_value(&ev))
        >
            {groups.collect_view()}
        </div>
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
}
