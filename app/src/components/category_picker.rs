//! Choosing what happened: categories grouped by agency, with a search box
//! that matches names, descriptions and keywords in both languages.

use leptos::prelude::*;
use portal112_core::city::{Category, CityConfig};

use crate::i18n::use_i18n;

/// Lower-case and strip accents so "Sampah" matches "sampah" and "é" matches "e".
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c,
        })
        .collect()
}

/// Whether every word of the query appears somewhere in the category.
#[must_use]
pub fn matches(c: &Category, agency_name: &str, query: &str) -> bool {
    let haystack = fold(&format!(
        "{} {} {} {} {} {}",
        c.name.id,
        c.name.en,
        c.description.id,
        c.description.en,
        c.keywords.join(" "),
        agency_name
    ));
    fold(query).split_whitespace().all(|w| haystack.contains(w))
}

#[component]
pub fn CategoryPicker(
    city: CityConfig,
    selected: Signal<String>,
    on_select: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let query = RwSignal::new(String::new());
    let city = StoredValue::new(city);
    let groups = move || {
        let lang = lang;
        let q = query.get();
        city.with_value(|city| {
            city.agencies
                .iter()
                .filter_map(|a| {
                    let cats: Vec<Category> = city
                        .categories
                        .iter()
                        .filter(|c| {
                            c.agency == a.code && matches(c, &format!("{} {}", a.short_name, a.name.get(lang)), &q)
                        })
                        .cloned()
                        .collect();
                    (!cats.is_empty()).then(|| (a.short_name.clone(), a.name.get(lang).to_owned(), cats))
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="field">
            <label for="cari-kategori">{tr.search_category}</label>
            <input
                id="cari-kategori"
                type="search"
                autocomplete="off"
                placeholder=tr.search_category_hint
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
        </div>
        <p id="kategori-galat" class="field-error" role="alert">{move || error.get()}</p>
        <div class="category-groups" role="radiogroup" aria-labelledby="langkah-judul" aria-describedby="kategori-galat">
            {move || {
                let lang = lang;
                let groups = groups();
                if groups.is_empty() {
                    return view! { <p>{tr.no_category_found}</p> }.into_any();
                }
                groups.into_iter().map(|(short, name, cats)| view! {
                    <fieldset class="category-group">
                        <legend><strong>{short}</strong>" · "{name}</legend>
                        {cats.into_iter().map(|c| {
                            let code = c.code.clone();
                            let code2 = c.code.clone();
                            let id = format!("kategori-{}", c.code);
                            view! {
                                <label class="category" for=id.clone()>
                                    <input
                                        type="radio"
                                        id=id.clone()
                                        name="kategori"
                                        value=c.code.clone()
                                        prop:checked=move || selected.get() == code
                                        on:change=move |_| on_select.run(code2.clone())
                                    />
                                    <span class="category-text">
                                        <span class="category-name">{c.name.get(lang).to_owned()}</span>
                                        <span class="category-desc">{c.description.get(lang).to_owned()}</span>
                                    </span>
                                    {c.urgent.then(|| view! { <span class="badge badge-urgent">"112"</span> })}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                }).collect_view().into_any()
            }}
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
