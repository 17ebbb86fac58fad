//! Beranda: call the emergency number, start a report, track a code, the agencies' videos, and
//! the reports sent from this phone.

use leptos::prelude::*;

use crate::components::code_form::CodeForm;
use crate::components::my_reports::MyReports;
use crate::config::use_config;
use crate::i18n::{fill_city, use_i18n};
use crate::route::Page;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let config = use_config();
    view! {
        <section class="hero">
            <h1>{tr.hero_title}</h1>
            <p>{config.with_value(|c| fill_city(tr.hero_text, c, lang))}</p>
            <a href=Page::Report.path() class="button button-primary button-big">{tr.start_report}</a>
            <p class="small">{config.with_value(|c| fill_city(tr.call_now_long, c, lang))}</p>
        </section>

        <section class="card" aria-labelledby="lacak-judul">
            <h2 id="lacak-judul">{tr.track_title}</h2>
            <p>{tr.track_text}</p>
            <CodeForm initial=String::new()/>
        </section>

        <MyReports/>

        <section class="card" aria-labelledby="video-judul">
            <h2 id="video-judul">{tr.videos_title}</h2>
            <p>{tr.videos_text}</p>
            <ul class="agency-list">
                {config.with_value(|c| c.city.agencies.clone()).into_iter().map(|a| {
                        let href = Page::Videos(Some(a.code.clone())).path();
                        view! {
                            <li>
                                <a href=href>
                                    <strong>{a.short_name.clone()}</strong>
                                    <span>{a.name.get(lang).to_owned()}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
            </ul>
            <a href=Page::Videos(None).path() class="button">{tr.all_videos}</a>
        </section>
    }
}
