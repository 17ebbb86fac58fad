//! A ticket's service-level clock on screen: the time left in its stage,
//! late in red, or stopped while on hold. The counting moves with the
//! shell's clock, so every row and screen agrees on "now".

use leptos::prelude::*;
use portal112_core::service_level::{TicketClock, format_span, format_when};

use crate::app::use_ctx;

/// The clock of a ticket: "Verifikasi · 2 j 5 m lagi", "Terlambat 1 j ·
/// Verifikasi" or "Jam berhenti (ditunda) · sisa 3 hr 2 j".
#[component]
pub fn Due(clock: TicketClock, #[prop(optional)] with_time: bool) -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let stage = clock.stage.label(lang);
    let due_words = clock.due_at.as_deref().map(|d| format_when(d, lang));
    let text = {
        let clock = clock.clone();
        move || {
            let now = ctx.now.get();
            match (clock.paused, clock.due_ms) {
                (true, _) | (_, None) => {
                    let left = clock.remaining_s.map(|s| format!(" · {} {}", w.due_left, format_span(s, lang)));
                    format!("{stage} · {}{}", w.due_paused, left.unwrap_or_default())
                }
                (false, Some(due)) => {
                    let seconds = ((due as f64 - now) / 1000.0) as i64;
                    if seconds <= 0 {
                        format!("{} {} · {stage}", w.due_late, format_span(seconds, lang))
                    } else {
                        format!("{stage} · {} {}", format_span(seconds, lang), w.due_in)
                    }
                }
            }
        }
    };
    let late = {
        let due = clock.due_ms;
        move || !clock.paused && due.is_some_and(|d| d as f64 <= ctx.now.get())
    };
    view! {
        <span class="due" class:late=late class:paused=clock.paused>{text}</span>
        {with_time.then(|| due_words.map(|d| view! { <span class="due-at">{format!(" ({} {d})", w.due_by)}</span> }))}
    }
}
