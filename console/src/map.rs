//! Leaflet maps: the place of a ticket, and the pin an operator sets for a
//! call. Leaflet itself (the npm package the citizens' app ships in
//! `/leaflet/`) loads only when a map is first shown (`portal112_web`).

use leaflet::{LatLng, Map, MapOptions, Marker, TileLayer, TileLayerOptions};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::dto::ReportLocation;

use portal112_web::{Leaflet, load_leaflet};

use crate::app::{Ctx, use_ctx};

/// A map in `el` with the city's tiles, centred on `at` (or the city).
fn new_map(ctx: Ctx, el: &web_sys::HtmlElement, at: Option<(f64, f64)>, zoom: Option<f64>) -> Option<Map> {
    let config = ctx.config.get_untracked()?;
    let m = &config.city.map;
    let options = MapOptions::new();
    options.set_min_zoom(f64::from(m.min_zoom));
    options.set_max_zoom(f64::from(m.max_zoom));
    let map = Map::new_with_element(el, &options).ok()?;
    let (lat, lng) = at.unwrap_or((m.center.lat, m.center.lng));
    map.set_view(&LatLng::new(lat, lng), zoom.unwrap_or(f64::from(m.zoom)));
    let tiles = TileLayerOptions::new();
    tiles.set_attribution(m.tile_attribution.clone());
    tiles.set_max_zoom(f64::from(m.max_zoom));
    TileLayer::new_options(&m.tile_url, &tiles).add_to(&map);
    Some(map)
}

/// Where a ticket is.
#[component]
pub fn PlaceMap(lat: f64, lng: f64) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let el = NodeRef::<html::Div>::new();
    let failed = RwSignal::new(false);
    let live = StoredValue::new_local(None::<Map>);
    {
        Effect::new(move || {
            let Some(div) = el.get() else { return };
            spawn_local(async move {
                if load_leaflet(Leaflet::Basic).await.is_err() {
                    failed.set(true);
                    return;
                }
                let Some(map) = new_map(ctx, &div, Some((lat, lng)), Some(17.0)) else {
                    failed.set(true);
                    return;
                };
                Marker::new(&LatLng::new(lat, lng)).add_to(&map);
                live.try_set_value(Some(map));
            });
        });
    }
    on_cleanup(move || {
        live.update_value(|m| {
            if let Some(map) = m.take() {
                map.remove();
            }
        });
    });
    view! {
        // Leaflet's controls inside are focusable, so the map is no image to
        // assistive technology: the coordinates below say where it is.
        <div class="map" node_ref=el></div>
        <p class="muted small">{w.map_of_place}": "{format!("{lat:.5}, {lng:.5}")}" · "
            <a href=format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}") target="_blank" rel="noopener">{w.open_osm}</a>
            {move || failed.get().then(|| format!(" · {}", w.map_failed))}
        </p>
    }
}

/// A map to set the place of a call by a click (the operator's mouse) —
/// the keyboard way is kecamatan + kelurahan + landmark beside it.
#[component]
pub fn PickMap(location: RwSignal<Option<ReportLocation>>) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let el = NodeRef::<html::Div>::new();
    let failed = RwSignal::new(false);
    let live = StoredValue::new_local(None::<(Map, Option<Marker>)>);
    {
        Effect::new(move || {
            let Some(div) = el.get() else { return };
            spawn_local(async move {
                if load_leaflet(Leaflet::Basic).await.is_err() {
                    failed.set(true);
                    return;
                }
                let Some(map) = new_map(ctx, &div, None, None) else {
                    failed.set(true);
                    return;
                };
                map.on_mouse_click(Box::new(move |e: leaflet::MouseEvent| {
                    let at = e.lat_lng();
                    location.set(Some(ReportLocation { lat: at.lat(), lng: at.lng(), accuracy_m: None }));
                }));
                live.try_set_value(Some((map, None)));
            });
        });
    }
    Effect::new(move || {
        let loc = location.get();
        live.update_value(|live| {
            let Some((map, marker)) = live.as_mut() else { return };
            if let Some(m) = marker.take() {
                m.remove();
            }
            if let Some(l) = loc {
                let m = Marker::new(&LatLng::new(l.lat, l.lng));
                m.add_to(map);
                *marker = Some(m);
            }
        });
    });
    on_cleanup(move || {
        live.update_value(|live| {
            if let Some((map, _)) = live.take() {
                map.remove();
            }
        });
    });
    view! {
        <div class="map map-pick" node_ref=el></div>
        <p class="muted small">
            {move || match location.get() {
                Some(l) => format!("{}: {:.5}, {:.5}", w.pin_set, l.lat, l.lng),
                None => w.pin_hint.to_owned(),
            }}
            {move || failed.get().then(|| format!(" · {}", w.map_failed))}
        </p>
        {move || location.get().map(|_| view! {
            <button type="button" class="btn btn-quiet" on:click=move |_| location.set(None)>{w.pin_clear}</button>
        })}
    }
}
