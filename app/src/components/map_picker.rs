//! The place of a report on a Leaflet map: tap to drop a pin, drag to move
//! it, or use the phone's location. Leaflet (npm, 1.9) is loaded only when
//! this component first appears, so the rest of the portal does not pay for it.
//! Tiles may fail to load (no signal, blocked host): pins still work on the
//! blank map, and the no-map fields below it always do.

use std::cell::RefCell;
use std::rc::Rc;

use leaflet::DragEvents as _;
use leaflet::{Circle, CircleOptions, LatLng, Map, MapOptions, Marker, MarkerOptions, TileLayer, TileLayerOptions};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::ErrorKind;
use portal112_core::city::MapConfig;
use portal112_core::dto::ReportLocation;
use portal112_core::geo::{LatLng as Point, Polygon};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use portal112_web::{Leaflet, load_leaflet};

use crate::i18n::{fill, use_i18n};

/// A number with `digits` decimals, formatted by the browser (Rust's float
/// formatting would add kilobytes of WebAssembly for this one use).
#[must_use]
pub fn fixed(x: f64, digits: u8) -> String {
    js_sys::Number::from(x).to_fixed(digits).map(String::from).unwrap_or_default()
}

/// A fix this good (metres) ends the search for a better one.
const GOOD_ENOUGH_M: f64 = 50.0;
/// How long to wait for a good fix before taking the best one so far.
const LOCATE_FOR_MS: i32 = 15_000;

/// What the map is doing, for the status line under it.
#[derive(Debug, Clone, PartialEq)]
enum MapState {
    Loading,
    Ready,
    Failed,
}

/// What "use my location" is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Locate {
    Idle,
    Searching,
    Denied,
    Unavailable,
    TimedOut,
    Unsupported,
}

/// The Leaflet objects of a live map.
struct Live {
    map: Map,
    marker: Option<Marker>,
    circle: Option<Circle>,
}

#[component]
pub fn MapPicker(
    map_config: MapConfig,
    boundary: Polygon,
    city_name: String,
    location: Signal<Option<ReportLocation>>,
    on_change: Callback<Option<ReportLocation>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let container = NodeRef::<html::Div>::new();
    let state = RwSignal::new(MapState::Loading);
    let locate = RwSignal::new(Locate::Idle);
    let local_error = RwSignal::new(None::<String>);
    let live: Rc<RefCell<Option<Live>>> = Rc::new(RefCell::new(None));
    let watch_id = Rc::new(RefCell::new(None::<i32>));
    let boundary = Rc::new(boundary);
    let city_name = Rc::new(city_name);

    // Checks a point against the city; the message is core's, in the reader's language.
    let accept = {
        let boundary = boundary.clone();
        let city_name = city_name.clone();
        move |p: Point| -> bool {
            if boundary.contains(p) {
                local_error.set(None);
                true
            } else {
                let kind = ErrorKind::LocationOutside { city: (*city_name).clone() };
                local_error.set(Some(kind.message(i18n.lang.get_untracked())));
                false
            }
        }
    };

    // Puts the pin (and accuracy circle) where `loc` says, creating them on first use.
    let show = {
        let live = live.clone();
        move |loc: Option<ReportLocation>, pan: bool| {
            let mut guard = live.borrow_mut();
            let Some(l) = guard.as_mut() else { return };
            match loc {
                None => {
                    if let Some(m) = l.marker.take() {
                        m.remove();
                    }
                    if let Some(c) = l.circle.take() {
                        c.remove();
                    }
                }
                Some(loc) => {
                    let at = LatLng::new(loc.lat, loc.lng);
                    if let Some(m) = &l.marker {
                        m.set_lat_lng(&at);
                    } else {
                        let options = MarkerOptions::new();
                        options.set_draggable(true);
                        options.set_keyboard(true);
                        options.set_alt(i18n.t().marker_alt.into());
                        let m = Marker::new_with_options(&at, &options);
                        m.add_to(&l.map);
                        l.marker = Some(m);
                    }
                    if let Some(c) = l.circle.take() {
                        c.remove();
                    }
                    if let Some(acc) = loc.accuracy_m {
                        let options = CircleOptions::new();
                        options.set_radius(acc);
                        options.set_color("#1d4ed8".into());
                        options.set_weight(1.0);
                        options.set_fill_opacity(0.15);
                        options.set_interactive(false);
                        let c = Circle::new_with_options(&at, &options);
                        c.add_to(&l.map);
                        l.circle = Some(c);
                    }
                    if pan {
                        l.map.pan_to(&at);
                    }
                }
            }
        }
    };

    // Builds the map once the container exists and Leaflet has loaded.
    {
        let live = live.clone();
        let accept = accept.clone();
        let show = show.clone();
        Effect::new(move || {
            let Some(el) = container.get() else { return };
            let live = live.clone();
            let accept = accept.clone();
            let show = show.clone();
            let map_config = map_config.clone();
            spawn_local(async move {
                if load_leaflet(Leaflet::Basic).await.is_err() {
                    state.set(MapState::Failed);
                    return;
                }
                let options = MapOptions::new();
                options.set_min_zoom(f64::from(map_config.min_zoom));
                options.set_max_zoom(f64::from(map_config.max_zoom));
                let Ok(map) = Map::new_with_element(&el, &options) else {
                    state.set(MapState::Failed);
                    return;
                };
                map.set_view(&LatLng::new(map_config.center.lat, map_config.center.lng), f64::from(map_config.zoom));
                let tiles_options = TileLayerOptions::new();
                tiles_options.set_attribution(map_config.tile_attribution.clone());
                tiles_options.set_max_zoom(f64::from(map_config.max_zoom));
                TileLayer::new_options(&map_config.tile_url, &tiles_options).add_to(&map);
                {
                    let accept = accept.clone();
                    map.on_mouse_click(Box::new(move |e: leaflet::MouseEvent| {
                        let at = e.lat_lng();
                        let p = Point { lat: at.lat(), lng: at.lng() };
                        if accept(p) {
                            on_change.run(Some(ReportLocation { lat: p.lat, lng: p.lng, accuracy_m: None }));
                        }
                    }));
                }
                *live.borrow_mut() = Some(Live { map, marker: None, circle: None });
                show(location.get_untracked(), true);
                state.set(MapState::Ready);
            });
        });
    }

    // Follow the location signal (typed, located, restored from the draft) and
    // re-bind the drag handler of a new marker.
    {
        let live = live.clone();
        let show = show.clone();
        let accept = accept.clone();
        Effect::new(move || {
            let loc = location.get();
            if state.get() != MapState::Ready {
                return;
            }
            let had_marker = live.borrow().as_ref().is_some_and(|l| l.marker.is_some());
            show(loc, false);
            let guard = live.borrow();
            if let (false, Some(Live { marker: Some(m), .. })) = (had_marker, guard.as_ref()) {
                let m2 = m.clone();
                let accept = accept.clone();
                m.on_drag_end(Box::new(move |_| {
                    let at = m2.get_lat_lng();
                    let p = Point { lat: at.lat(), lng: at.lng() };
                    if accept(p) {
                        on_change.run(Some(ReportLocation { lat: p.lat, lng: p.lng, accuracy_m: None }));
                    } else if let Some(prev) = location.get_untracked() {
                        // Refused: the pin goes back where it was.
                        m2.set_lat_lng(&LatLng::new(prev.lat, prev.lng));
                    }
                }));
            }
        });
    }

    let place_at_center = {
        let live = live.clone();
        let accept = accept.clone();
        move |_| {
            let center = live.borrow().as_ref().map(|l| l.map.get_center());
            if let Some(c) = center {
                let p = Point { lat: c.lat(), lng: c.lng() };
                if accept(p) {
                    on_change.run(Some(ReportLocation { lat: p.lat, lng: p.lng, accuracy_m: None }));
                }
            }
        }
    };

    let use_my_location = {
        let watch_id = watch_id.clone();
        let live = live.clone();
        move |_| {
            let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
                locate.set(Locate::Unsupported);
                return;
            };
            if let Some(id) = watch_id.borrow_mut().take() {
                geo.clear_watch(id);
            }
            locate.set(Locate::Searching);
            local_error.set(None);
            let best = Rc::new(RefCell::new(None::<ReportLocation>));
            let finish = {
                let watch_id = watch_id.clone();
                let geo = geo.clone();
                let best = best.clone();
                let accept = accept.clone();
                let live = live.clone();
                Rc::new(move |outcome: Option<Locate>| {
                    if let Some(id) = watch_id.borrow_mut().take() {
                        geo.clear_watch(id);
                    } else {
                        return; // Already finished.
                    }
                    match (*best.borrow(), outcome) {
                        (Some(loc), _) => {
                            locate.set(Locate::Idle);
                            if accept(Point { lat: loc.lat, lng: loc.lng }) {
                                on_change.run(Some(loc));
                                if let Some(l) = live.borrow().as_ref() {
                                    l.map.set_view(&LatLng::new(loc.lat, loc.lng), 17.0);
                                }
                            }
                        }
                        (None, Some(why)) => locate.set(why),
                        (None, None) => locate.set(Locate::TimedOut),
                    }
                })
            };
            let on_fix = {
                let best = best.clone();
                let finish = finish.clone();
                Closure::<dyn Fn(web_sys::Position)>::new(move |pos: web_sys::Position| {
                    let c = pos.coords();
                    let fix = ReportLocation {
                        lat: c.latitude(),
                        lng: c.longitude(),
                        accuracy_m: Some(c.accuracy().round()),
                    };
                    let better = best.borrow().is_none_or(|b| b.accuracy_m.unwrap_or(f64::MAX) > c.accuracy());
                    if better {
                        *best.borrow_mut() = Some(fix);
                    }
                    if c.accuracy() <= GOOD_ENOUGH_M {
                        finish(None);
                    }
                })
            };
            let on_error = {
                let finish = finish.clone();
                Closure::<dyn Fn(web_sys::PositionError)>::new(move |e: web_sys::PositionError| {
                    finish(Some(match e.code() {
                        1 => Locate::Denied,
                        3 => Locate::TimedOut,
                        _ => Locate::Unavailable,
                    }));
                })
            };
            let options = web_sys::PositionOptions::new();
            options.set_enable_high_accuracy(true);
            options.set_maximum_age(0);
            options.set_timeout(LOCATE_FOR_MS as u32);
            match geo.watch_position_with_error_callback_and_options(
                on_fix.as_ref().unchecked_ref(),
                Some(on_error.as_ref().unchecked_ref()),
                &options,
            ) {
                Ok(id) => {
                    *watch_id.borrow_mut() = Some(id);
                    // Take the best fix so far when the search has gone on long enough.
                    let finish = finish.clone();
                    let timer = Closure::once_into_js(move || finish(None));
                    if let Some(w) = web_sys::window() {
                        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                            timer.unchecked_ref(),
                            LOCATE_FOR_MS,
                        );
                    }
                }
                Err(_) => locate.set(Locate::Unsupported),
            }
            on_fix.forget();
            on_error.forget();
        }
    };

    {
        let live = send_wrapper::SendWrapper::new(live.clone());
        let watch_id = send_wrapper::SendWrapper::new(watch_id.clone());
        on_cleanup(move || {
            if let (Some(id), Some(geo)) =
                (watch_id.borrow_mut().take(), web_sys::window().and_then(|w| w.navigator().geolocation().ok()))
            {
                geo.clear_watch(id);
            }
            if let Some(l) = live.borrow_mut().take() {
                l.map.remove();
            }
        });
    }

    let status = move || {
        let t = tr;
        match locate.get() {
            Locate::Searching => Some(t.locating),
            Locate::Denied => Some(t.location_denied),
            Locate::Unavailable => Some(t.location_unavailable),
            Locate::TimedOut => Some(t.location_timeout),
            Locate::Unsupported => Some(t.location_unsupported),
            Locate::Idle => None,
        }
    };

    view! {
        <div class="map-picker">
            <p id="peta-bantuan" class="small">{tr.map_help}</p>
            <div class="map-actions">
                <button type="button" class="button" on:click=use_my_location disabled=move || locate.get() == Locate::Searching>
                    <span aria-hidden="true">"◎ "</span>{tr.use_my_location}
                </button>
                <a class="button button-quiet" href="#tanpa-peta">{tr.no_map_title}</a>
            </div>
            <p class="status" role="status" aria-live="polite">{status}</p>
            <div class="map-frame">
                <div
                    node_ref=container
                    class="map"
                    role="application"
                    aria-label=tr.map_help
                    aria-describedby="peta-bantuan"
                ></div>
                <div class="contents" hidden=move || !(state.get() == MapState::Ready)>
                    <span class="map-crosshair" aria-hidden="true"></span>
                                </div>
                <div class="contents" hidden=move || !(state.get() != MapState::Ready)>
                    <p class="map-overlay">
                        {move || if state.get() == MapState::Failed { tr.map_failed } else { tr.map_loading }}
                    </p>
                                </div>
            </div>
            <div class="map-actions">
                <button type="button" class="button button-quiet" on:click=place_at_center disabled=move || state.get() != MapState::Ready>
                    {tr.mark_center}
                </button>
                <div class="contents" hidden=move || location.get().is_none()>
                    <button type="button" class="button button-quiet" on:click=move |_| on_change.run(None)>
                        {tr.remove_pin}
                    </button>
                                </div>
            </div>
            <p class="status" aria-live="polite">
                {move || location.get().map(|l| {
                    let mut s = fill(tr.pin_placed, &[("lat", &fixed(l.lat, 5)), ("lng", &fixed(l.lng, 5))]);
                    if let Some(a) = l.accuracy_m {
                        s.push_str(" · ");
                        s.push_str(&fill(tr.accuracy, &[("m", &fixed(a, 0))]));
                    }
                    s
                })}
            </p>
            <p id="lokasi-galat" class="field-error" role="alert">{move || local_error.get().or_else(|| error.get())}</p>
        </div>
    }
}
