//! Peta: the city's reports on a map and in a list, with filters by
//! category, agency, status and kecamatan. A ticket opens its tracking page.
//! The list is the same information as the map, for screen readers and for
//! phones where the map does not load.

use std::cell::RefCell;
use std::rc::Rc;

use leaflet::{CircleMarker, LatLng, LayerGroup, Map, MapOptions, TileLayer, TileLayerOptions};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::Status;
use portal112_core::dto::PublicConfig;
use portal112_core::open::MapAnswer;
use wasm_bindgen::JsValue;

use crate::api::{self, AbortOnDrop};
use crate::config::use_config;
use crate::fresh::IntoFresh;
use crate::i18n::{fill, fill_city, use_i18n};
use crate::route::Page;

/// Leaflet's objects: the map and the layer the reports are drawn on.
struct Live {
    _map: Map,
    layer: LayerGroup,
}

#[component]
pub fn MapPage() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let config = use_config();
    let (category, agency, status, district) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let answer = RwSignal::new(None::<MapAnswer>);
    let failed = RwSignal::new(false);
    let container = NodeRef::<html::Div>::new();
    let live: Rc<RefCell<Option<Live>>> = Rc::new(RefCell::new(None));
    // The city's whole area: the boundary's box.
    let bbox = config.with_value(|c| {
        let b = &c.city.boundary.0;
        let f = |g: fn(f64, f64) -> f64, x: fn(&portal112_core::geo::LatLng) -> f64, start: f64| {
            b.iter().map(x).fold(start, g)
        };
        [
            f(f64::min, |p| p.lat, 90.0),
            f(f64::min, |p| p.lng, 180.0),
            f(f64::max, |p| p.lat, -90.0),
            f(f64::max, |p| p.lng, -180.0),
        ]
    });

    // Ask again whenever a filter changes; the previous request is cancelled.
    let abort = StoredValue::new_local(None::<AbortOnDrop>);
    Effect::new(move || {
        let filters = [
            ("category", category.get()),
            ("agency", agency.get()),
            ("status", status.get()),
            ("district", district.get()),
        ];
        let request = AbortOnDrop::new();
        let signal = request.signal();
        abort.set_value(Some(request));
        spawn_local(async move {
            match api::map(bbox, &filters, signal).await {
                Ok(a) => {
                    failed.try_set(false);
                    answer.try_set(Some(a));
                }
                Err(api::ApiFailure::Aborted) => {}
                Err(_) => {
                    failed.try_set(true);
                }
            }
        });
    });

    // The map, once its element exists and Leaflet has loaded.
    {
        let live = live.clone();
        let map_config = config.with_value(|c| c.city.map.clone());
        Effect::new(move || {
            let Some(el) = container.get() else { return };
            let live = live.clone();
            let map_config = map_config.clone();
            spawn_local(async move {
                if portal112_web::load_leaflet(portal112_web::Leaflet::Full).await.is_err() {
                    return;
                }
                let options = MapOptions::new();
                options.set_min_zoom(f64::from(map_config.min_zoom));
                options.set_max_zoom(f64::from(map_config.max_zoom));
                let Ok(map) = Map::new_with_element(&el, &options) else { return };
                map.set_view(&LatLng::new(map_config.center.lat, map_config.center.lng), f64::from(map_config.zoom));
                let tiles = TileLayerOptions::new();
                tiles.set_attribution(map_config.tile_attribution.clone());
                TileLayer::new_options(&map_config.tile_url, &tiles).add_to(&map);
                let layer = LayerGroup::new();
                layer.add_to(&map);
                *live.borrow_mut() = Some(Live { _map: map, layer });
                answer.notify();
            });
        });
    }

    // Redraw the reports whenever the answer changes.
    {
        let live = live.clone();
        Effect::new(move || {
            answer.with(|a| {
                let guard = live.borrow();
                let (Some(l), Some(a)) = (guard.as_ref(), a) else { return };
                l.layer.clear_layers();
                for t in &a.tickets {
                    let options = circle_options(8.0, status_colour(t.status));
                    let dot = CircleMarker::new_with_options(&LatLng::new(t.lat, t.lng), &options);
                    let popup = format!(
                        "<a href=\"{}\">{}</a><br>{}",
                        Page::Track(Some(t.code.clone())).path(),
                        t.code,
                        t.status.label(lang)
                    );
                    dot.bind_popup_with_options(&JsValue::from_str(&popup), &JsValue::NULL);
                    dot.add_to_layer_group(&l.layer);
                }
                for c in &a.clusters {
                    let radius = 8.0 + f64::from(c.count).log2() * 3.0;
                    let ring =
                        CircleMarker::new_with_options(&LatLng::new(c.lat, c.lng), &circle_options(radius, "#1d4ed8"));
                    let label = fill(tr.map_cluster, &[("n", &c.count.to_string())]);
                    ring.bind_tooltip_with_content(&JsValue::from_str(&label), &JsValue::NULL);
                    ring.add_to_layer_group(&l.layer);
                }
            });
        });
    }

    let (categories, agencies, districts) = config.with_value(|c| {
        let categories: Vec<(String, String)> = c
            .city
            .categories
            .iter()
            .filter(|k| !k.confidential)
            .map(|k| (k.code.clone(), k.name.get(lang).to_owned()))
            .collect();
        let agencies: Vec<(String, String)> =
            c.city.agencies.iter().map(|a| (a.code.clone(), a.short_name.clone())).collect();
        let districts: Vec<(String, String)> =
            c.city.districts.iter().map(|d| (d.code.clone(), d.name.clone())).collect();
        (categories, agencies, districts)
    });
    let statuses: Vec<(String, String)> =
        Status::ALL.iter().map(|s| (s.as_str().to_owned(), s.label(lang).to_owned())).collect();
    let intro = config.with_value(|c| fill_city(tr.map_intro, c, lang));
    let name_of = move |code: &str| {
        config.with_value(|c| c.city.category(code).map_or_else(|| code.to_owned(), |k| k.name.get(lang).to_owned()))
    };

    view! {
        <section class="card">
            <h1>{tr.map_title}</h1>
            <p>{intro}</p>
            <fieldset class="filters">
                <legend>{tr.filters}</legend>
                {select("saring-kategori", tr.category, categories, category, tr.all)}
                {select("saring-dinas", tr.agency, agencies, agency, tr.all)}
                {select("saring-status", tr.status, statuses, status, tr.all)}
                {select("saring-kecamatan", tr.district_label, districts, district, tr.all)}
            </fieldset>
            <div class="map public-map" node_ref=container></div>
            <p role="status" class="small">
                {move || if failed.get() {
                    tr.load_failed.to_owned()
                } else {
                    answer.with(|a| a.as_ref().map_or_else(|| tr.loading.to_owned(), |a| fill(tr.map_total, &[("n", &a.total.to_string())])))
                }}
            </p>
        </section>
        <section class="card" aria-labelledby="daftar-laporan">
            <h2 id="daftar-laporan">{tr.map_list}</h2>
            <ul class="map-list">
                {move || answer.with(|a| a.as_ref().map(|a| a.tickets.iter().map(|t| {
                    let age = if t.age_days == 0 { tr.age_today.to_owned() } else { fill(tr.age_days, &[("n", &t.age_days.to_string())]) };
                    let agency_name = config.with_value(|c| c.city.agency(&t.agency).map_or_else(|| t.agency.clone(), |a| a.short_name.clone()));
                    view! {
                        <li>
                            <a href=Page::Track(Some(t.code.clone())).path()>
                                <span class="what">{name_of(&t.category)}</span>
                                <span class=format!("badge status-{}", t.status.as_str())>{t.status.label(lang)}</span>
                                <span class="small">{format!("{agency_name} · {age}")}</span>
                                {t.coarse.then(|| {
                                    // Only the kelurahan is public for such a ticket: say which.
                                    let place = config.with_value(|c| village_name(c, t.district.as_deref(), t.village.as_deref()));
                                    view! { <span class="small">{fill(tr.coarse_place, &[("place", &place)])}</span> }
                                })}
                                {t.summary.clone().map(|s| view! { <span class="summary">{s}</span> })}
                                <span class="code">{t.code.clone()}</span>
                            </a>
                        </li>
                    }
                }).collect_view()).fresh())}
            </ul>
            <p hidden=move || answer.with(|a| a.as_ref().is_none_or(|a| a.total > 0))>{tr.map_empty}</p>
            <p class="small"><a href="/open-data/datapackage.json" target="_blank">{tr.open_data}</a></p>
        </section>
    }
}

/// The name of a kelurahan by its codes (the code itself when the city file lost it).
fn village_name(c: &PublicConfig, district: Option<&str>, village: Option<&str>) -> String {
    let Some(code) = village else { return String::new() };
    district.and_then(|d| c.city.village(d, code)).map_or_else(|| code.to_owned(), |v| v.name.clone())
}

/// A labelled drop-down bound to one filter; the first option is "all".
fn select(
    id: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    value: RwSignal<String>,
    all: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">{all}</option>
                {options.into_iter().map(|(code, name)| view! { <option value=code>{name}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// A dot's colour by status, dark enough against map tiles and white.
fn status_colour(status: Status) -> &'static str {
    match status {
        Status::Received | Status::OnHold => "#b45309",
        Status::Verified | Status::Assigned | Status::InProgress => "#1d4ed8",
        Status::Resolved | Status::Closed => "#15803d",
        Status::Rejected | Status::Duplicate => "#4b5563",
    }
}

fn circle_options(radius: f64, colour: &str) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in [
        ("radius", JsValue::from_f64(radius)),
        ("color", JsValue::from_str("#ffffff")),
        ("weight", JsValue::from_f64(2.0)),
        ("fillColor", JsValue::from_str(colour)),
        ("fillOpacity", JsValue::from_f64(0.9)),
    ] {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &v);
    }
    o.into()
}
