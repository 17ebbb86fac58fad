//! Statistik: how the city answers reports. Each chart is a small SVG drawn
//! here, hidden from screen readers, beside a table with the same figures
//! that they read instead.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::open::{Duration, ServiceShare, Stats, StatsGroup};

use crate::api::{self, AbortOnDrop};
use crate::config::use_config;
use crate::fresh::IntoFresh;
use crate::i18n::{Strings, fill, use_i18n};

#[component]
pub fn StatsPage() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let config = use_config();
    let stats = RwSignal::new(None::<Stats>);
    let failed = RwSignal::new(false);
    let abort = StoredValue::new_local(AbortOnDrop::new());
    spawn_local(async move {
        let Some(signal) = abort.try_with_value(AbortOnDrop::signal) else { return };
        match api::stats(signal).await {
            Ok(s) => {
                stats.try_set(Some(s));
            }
            Err(_) => {
                failed.try_set(true);
            }
        }
    });
    let agency_name = move |code: &str| {
        config.with_value(|c| c.city.agency(code).map_or_else(|| code.to_owned(), |a| a.short_name.clone()))
    };
    let category_name = move |code: &str| {
        config.with_value(|c| c.city.category(code).map_or_else(|| code.to_owned(), |k| k.name.get(lang).to_owned()))
    };

    view! {
        <section class="card">
            <h1>{tr.stats_title}</h1>
            <p>{tr.stats_intro}</p>
            <p role="status" class="small" hidden=move || stats.with(Option::is_some)>
                {move || if failed.get() { tr.load_failed } else { tr.loading }}
            </p>
        </section>
        {move || stats.get().map(|s| {
            let agencies: Vec<(String, StatsGroup)> = s.agencies.iter().map(|g| (agency_name(&g.code), g.clone())).collect();
            let categories: Vec<(String, StatsGroup)> =
                s.categories.iter().filter(|g| g.received > 0).map(|g| (category_name(&g.code), g.clone())).collect();
            let weeks: Vec<(String, u32, u32)> = s.weeks.iter().map(|w| (w.week.clone(), w.received, w.resolved)).collect();
            let ages = s.all.open_by_age;
            let age_rows: Vec<(String, u32)> = tr
                .age_buckets
                .split('|')
                .zip([ages.under_1d, ages.d1_3, ages.d3_7, ages.d7_30, ages.over_30d])
                .map(|(label, n)| (label.to_owned(), n))
                .collect();
            view! {
                {group_section("per-dinas", tr.stats_agencies, agencies, Some(tr.stats_in_time_note), tr)}
                {group_section("per-kategori", tr.stats_categories, categories, None, tr)}
                <section class="card" aria-labelledby="per-minggu">
                    <h2 id="per-minggu">{tr.stats_trend}</h2>
                    {bars(weeks.iter().map(|(w, r, d)| (w.clone(), *r, *d)).collect())}
                    <table>
                        <thead><tr><th scope="col">{tr.stats_week}</th><th scope="col">{tr.stats_received}</th><th scope="col">{tr.stats_resolved}</th></tr></thead>
                        <tbody>
                            {weeks.into_iter().map(|(w, r, d)| view! { <tr><th scope="row">{w}</th><td>{r}</td><td>{d}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                </section>
                <section class="card" aria-labelledby="umur-terbuka">
                    <h2 id="umur-terbuka">{tr.stats_ages}</h2>
                    {bars(age_rows.iter().map(|(l, n)| (l.clone(), *n, 0)).collect())}
                    <table>
                        <thead><tr><th scope="col">{tr.stats_age}</th><th scope="col">{tr.stats_count}</th></tr></thead>
                        <tbody>
                            {age_rows.into_iter().map(|(l, n)| view! { <tr><th scope="row">{l}</th><td>{n}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }
            .fresh()
        })}
    }
}

/// A chart and table of received, open and resolved per group, with the
/// median times and the share within the service level (what that share
/// means in `note`, under the table).
fn group_section(
    id: &'static str,
    title: &'static str,
    groups: Vec<(String, StatsGroup)>,
    note: Option<&'static str>,
    tr: &'static Strings,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {bars(groups.iter().map(|(name, g)| (name.clone(), g.received, g.resolved)).collect())}
            <div class="table-scroll" tabindex="0" role="region" aria-labelledby=id>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{title}</th>
                            <th scope="col">{tr.stats_received}</th>
                            <th scope="col">{tr.stats_open}</th>
                            <th scope="col">{tr.stats_resolved}</th>
                            <th scope="col">{tr.stats_first}</th>
                            <th scope="col">{tr.stats_resolution}</th>
                            <th scope="col">{tr.stats_in_time}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {groups.into_iter().map(|(name, g)| view! {
                            <tr>
                                <th scope="row">{name}</th>
                                <td>{g.received}</td>
                                <td>{g.open}</td>
                                <td>{g.resolved}</td>
                                <td>{duration(&g.first_response, tr)}</td>
                                <td>{duration(&g.resolution, tr)}</td>
                                <td>{share(g.service_level)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {note.map(|n| view! { <p class="small">{n}</p> })}
        </section>
    }
}

/// "80 % (4/5)": the share within the service level and what it is of; a
/// dash when nothing was answered yet (or the city keeps no service levels).
fn share(s: Option<ServiceShare>) -> String {
    match s {
        Some(ServiceShare { count, kept, percent: Some(p) }) => format!("{p} % ({kept}/{count})"),
        _ => "–".to_owned(),
    }
}

/// A median as hours and minutes; a dash when there is none.
fn duration(d: &Duration, tr: &'static Strings) -> String {
    d.median_minutes.map_or_else(
        || "–".to_owned(),
        |m| fill(tr.duration_hm, &[("h", &(m / 60).to_string()), ("m", &(m % 60).to_string())]),
    )
}

/// Horizontal bars, one row per item: the first value dark, the second (a
/// part of it, e.g. resolved of received) lighter on top. Decoration only:
/// the table beside it says the same.
fn bars(rows: Vec<(String, u32, u32)>) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let row_h = 22_u32;
    let height = (rows.len() as u32).max(1) * row_h;
    let view_box = format!("0 0 320 {height}");
    view! {
        <svg class="chart" viewBox=view_box role="presentation" aria-hidden="true" focusable="false">
            {rows.into_iter().enumerate().map(|(i, (label, a, b))| {
                let y = i as u32 * row_h;
                let w = |n: u32| (u64::from(n) * 180 / u64::from(max)).to_string();
                view! {
                    <text x="0" y=(y + 15).to_string() class="chart-label">{label}</text>
                    <rect x="130" y=(y + 4).to_string() width=w(a) height="14" class="bar-a"></rect>
                    <rect x="130" y=(y + 4).to_string() width=w(b) height="14" class="bar-b"></rect>
                    <text x=(134 + u64::from(a) * 180 / u64::from(max)).to_string() y=(y + 15).to_string() class="chart-value">{a}</text>
                }
            }).collect_view()}
        </svg>
    }
}
