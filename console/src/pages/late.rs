//! Late work: every ticket past its stage's due time, by agency and stage,
//! most overdue first, refreshed as tickets change.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal112_core::staff::LateReport;

use crate::api;
use crate::app::use_ctx;
use crate::due::Due;
use crate::route::{Link, Page};

#[component]
pub fn LatePage() -> impl IntoView {
    let ctx = use_ctx();
    let w = ctx.w();
    let lang = ctx.lang.get_untracked();
    let report = RwSignal::new(None::<LateReport>);
    let error = RwSignal::new(None::<String>);

    let load = move || {
        spawn_local(async move {
            match api::late().await {
                Ok(r) => {
                    let _ = report.try_set(Some(r));
                    let _ = error.try_set(None);
                }
                Err(e) => {
                    let _ = error.try_set(Some(e.message(lang)));
                }
            }
        });
    };
    // Tickets turn late as time passes, not only when they change: read
    // the list again with every tick of the shell's clock.
    Effect::new(move || {
        ctx.now.track();
        load();
    });

    view! {
        <section class="panel late" aria-labelledby="terlambat-judul">
            <h1 id="terlambat-judul">{w.late}</h1>
            <p>{w.late_intro}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || report.get().map(|r| {
                if r.groups.is_empty() {
                    return view! { <p class="empty">{w.late_none}</p> }.into_any();
                }
                view! {
                    <p aria-live="polite">{format!("{} {}", r.total, w.tickets_count)}</p>
                    {r.groups.into_iter().map(|g| {
                        let heading = format!("{} · {} ({})", g.agency.name.get(lang), g.stage.label(lang), g.tickets.len());
                        view! {
                            <section class="late-group">
                                <h2>{heading}</h2>
                                <ul class="rows">
                                    {g.tickets.into_iter().map(|t| {
                                        let code = t.code.to_string();
                                        let category = ctx.category_name(&t.category);
                                        view! {
                                            <li class=format!("row prio-{}", t.priority.as_str())>
                                                <Link page=Page::Queue(Some(code.clone()))>
                                                    <span class="row-top">
                                                        <span class=format!("badge prio prio-{}", t.priority.as_str())>{t.priority.label(lang)}</span>
                                                        <span class="code">{code.clone()}</span>
                                                        <span class=format!("badge status st-{}", t.status.as_str())>{t.status.label(lang)}</span>
                                                    </span>
                                                    <span class="row-mid">{category}</span>
                                                    <span class="row-sum">{t.summary.clone()}</span>
                                                    <span class="row-meta">{t.clock.map(|c| view! { <Due clock=c with_time=true/> })}</span>
                                                </Link>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </section>
                        }
                    }).collect_view()}
                }.into_any()
            })}
        </section>
    }
}
