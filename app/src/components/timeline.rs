//! A ticket's public history, newest first.

use leptos::prelude::*;
use portal112_core::dto::TimelineEntry;

use crate::i18n::{fill, use_i18n};

/// `2026-11-28T21:04:05+08:00` -> `28-11-2026 21:04 WITA` (the server sends
/// city time; no date library is needed to show it).
#[must_use]
pub fn format_time(rfc3339: &str) -> String {
    let (date, rest) = rfc3339.split_once('T').unwrap_or((rfc3339, ""));
    let mut d = date.split('-');
    let (Some(y), Some(m), Some(day)) = (d.next(), d.next(), d.next()) else { return rfc3339.to_owned() };
    let hm = rest.get(0..5).unwrap_or("");
    let zone = match rest.get(8..) {
        Some("+08:00") => " WITA",
        Some("+07:00") => " WIB",
        Some("+09:00") => " WIT",
        _ => "",
    };
    format!("{day}-{m}-{y} {hm}{zone}")
}

#[component]
pub fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let mut entries = entries;
    entries.reverse();
    view! {
        <ol class="timeline">
            {entries.into_iter().map(|e| {
                let status = e.status;
                let agency = e.agency.clone();
                let dup = e.duplicate_of.clone();
                view! {
                    <li>
                        <p class="when">{format_time(&e.at)}</p>
                        <p><span class=format!("badge status-{}", status.as_str())>{status.label(lang)}</span></p>
                        {agency.map(|a| view! { <p>{move || fill(tr.handed_to, &[("agency", a.name.get(lang))])}</p> })}
                        {dup.map(|c| view! { <p>{move || fill(tr.duplicate_of, &[("code", &c)])}</p> })}
                        {e.note.map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn city_time_reads_naturally() {
        assert_eq!(format_time("2026-11-28T21:04:05+08:00"), "28-11-2026 21:04 WITA");
        assert_eq!(format_time("garbage"), "garbage");
    }
}
