//! Video: each agency's how-to videos, or one agency's.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portal112_core::dto::Video;

use crate::api::{self, AbortOnDrop};
use crate::app::use_city;
use crate::components::video_card::VideoCard;
use crate::i18n::{fill, use_i18n};
use crate::pages::Page;

#[component]
pub fn VideosPage() -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let city = use_city();
    let params = use_params_map();
    let only = move || params.with(|p| p.get("agency"));
    let videos = RwSignal::new(None::<Result<Vec<Video>, ()>>);
    let abort = StoredValue::new_local(AbortOnDrop::new());
    let load = move || {
        videos.set(None);
        spawn_local(async move {
            let Some(signal) = abort.try_with_value(AbortOnDrop::signal) else { return };
            let result = api::videos(signal).await;
            videos.try_set(Some(result.map_err(|_| ())));
        });
    };
    load();

    view! {
        <section class="card">
            <h1>{tr.videos_page_title}</h1>
            <p>{tr.videos_intro}</p>
            <nav class="chips" aria-label=tr.videos_page_title>
                <A href=Page::Videos(None).path() exact=true>{tr.all_videos}</A>
                {move || {
                    let agencies = city.config.with(|c| c.as_ref().map(|c| c.city.agencies.clone()).unwrap_or_default());
                    agencies.into_iter().map(|a| {
                        view! { <A href=Page::Videos(Some(a.code.clone())).path()>{a.short_name.clone()}</A> }
                    }).collect_view()
                }}
            </nav>
            <p class="small">{tr.youtube_notice}</p>
        </section>
        {move || {
            let lang = lang;
            let only = only();
            match videos.get() {
                None => view! { <p class="card" role="status">{tr.loading}</p> }.into_any(),
                Some(Err(())) => view! {
                    <div class="card">
                        <p class="field-error" role="alert">{tr.config_failed}</p>
                        <button type="button" class="button" on:click=move |_| load()>{tr.retry}</button>
                    </div>
                }.into_any(),
                Some(Ok(list)) => city.config.with(|c| {
                    let Some(c) = c else { return view! { <p class="card">{tr.loading}</p> }.into_any() };
                    c.city.agencies.iter().filter(|a| only.as_ref().is_none_or(|o| *o == a.code)).map(|a| {
                        let mine: Vec<Video> = list.iter().filter(|v| v.agency == a.code).cloned().collect();
                        let heading_id = format!("video-{}", a.code);
                        view! {
                            <section class="card" aria-labelledby=heading_id.clone()>
                                <h2 id=heading_id.clone()>{fill(tr.agency_videos, &[("agency", &a.short_name)])}</h2>
                                <p class="small">{a.description.get(lang).to_owned()}</p>
                                {if mine.is_empty() {
                                    view! { <p>{tr.no_videos}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="video-list">
                                            {mine.into_iter().map(|v| view! { <li><VideoCard video=v/></li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }
                    }).collect_view().into_any()
                }),
            }
        }}
    }
}
