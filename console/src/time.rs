//! Times as staff read them: ages ("12 mnt") and local clock times. The
//! server writes RFC 3339 in the city's offset; the browser parses it.

use portal112_core::Lang;

/// Milliseconds since the epoch of an RFC 3339 time (NaN if unreadable).
fn millis(rfc3339: &str) -> f64 {
    js_sys::Date::parse(rfc3339)
}

/// How long ago, short: `baru`, `12 mnt`, `3 jam`, `4 hari`.
#[must_use]
pub fn age(rfc3339: &str, lang: Lang) -> String {
    let then = millis(rfc3339);
    if then.is_nan() {
        return String::new();
    }
    let minutes = ((js_sys::Date::now() - then) / 60_000.0).max(0.0) as u64;
    let (n, id, en) = match minutes {
        0 => return if lang == Lang::Id { "baru saja".into() } else { "just now".into() },
        1..=59 => (minutes, "mnt", "min"),
        60..=2879 => (minutes / 60, "jam", "h"),
        _ => (minutes / 1440, "hari", "d"),
    };
    format!("{n} {}", if lang == Lang::Id { id } else { en })
}

/// The clock time as written by the server, shortened: `2026-12-01 14:05`.
#[must_use]
pub fn clock(rfc3339: &str) -> String {
    let t = rfc3339.replace('T', " ");
    t.get(..16).map_or(t.clone(), str::to_owned)
}

/// Today's date in the city's time, `YYYY-MM-DD`, from its UTC offset.
#[must_use]
pub fn local_date(offset_minutes: i32, days_ahead: i32) -> String {
    let ms = js_sys::Date::now() + f64::from(offset_minutes) * 60_000.0 + f64::from(days_ahead) * 86_400_000.0;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:04}-{:02}-{:02}", d.get_utc_full_year(), d.get_utc_month() + 1, d.get_utc_date())
}
