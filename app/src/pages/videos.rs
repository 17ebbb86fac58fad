//! Video: each agency's how-to videos, or one agency's.

use leptos::prelude::*;

use crate::fresh::IntoFresh;
use leptos::task::spawn_local;
use portal112_core::dto::Video;

use crate::api::{self, AbortOnDrop};
use crate::components::video_card::VideoCard;
use crate::config::use_config;
use crate::i18n::{fill, fill_city, use_i18n};
use crate::route::Page;

/// The catalogue the page starts with, if it is already known: fetched
/// before the app replaced the page the server rendered with it (so the app's
/// first view shows the same list), or given to `prerender`. Used
/// once; the page asks the server itself on later visits.
#[derive(Debug, Clone, Copy)]
pub struct FirstVideos(pub StoredValue<Option<Vec<Video>>>);

#[component]
pub fn VideosPage(agency: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let config = use_config();
    let agencies: Vec<_> = config
        .with_value(|c| c.city.agencies.clone())
        .into_iter()
        .filter(|a| agency.as_ref().is_none_or(|only| *only == a.code))
        .collect();
    let first = use_context::<FirstVideos>().and_then(|FirstVideos(v)| v.try_update_value(Option::take).flatten());
    let known = first.is_some();
    let videos = RwSignal::new(first.map(Ok::<_, ()>));
    let abort = StoredValue::new_local(AbortOnDrop::new());
    let load = move || {
        videos.set(None);
        spawn_local(async move {
            let Some(signal) = abort.try_with_value(AbortOnDrop::signal) else { return };
            let result = api::videos(signal).await;
            videos.try_set(Some(result.map_err(|_| ())));
        });
    };
    if !known {
        load();
    }

    let chips = config.with_value(|c| c.city.agencies.clone()).into_iter().map(|a| {
        let here = (agency.as_deref() == Some(a.code.as_str())).then_some("page");
        view! { <a href=Page::Videos(Some(a.code.clone())).path() aria-current=here>{a.short_name}</a> }
    });

    // One section per agency; the list inside fills in when the catalogue arrives.
    let sections = agencies.into_iter().map(|a| {
        let heading_id = format!("video-{}", a.code);
        let code = a.code.clone();
        let list = move || {
            videos.with(|v| match v {
                None => view! { <p role="status">{tr.loading}</p> }.fresh(),
                Some(Err(())) => view! {
                    <p class="field-error" role="alert">{tr.config_failed}</p>
                    <button type="button" class="button" on:click=move |_| load()>{tr.retry}</button>
                }
                .fresh(),
                Some(Ok(all)) => {
                    let mine: Vec<Video> = all.iter().filter(|v| v.agency == code).cloned().collect();
                    if mine.is_empty() {
                        view! { <p>{tr.no_videos}</p> }.fresh()
                    } else {
                        view! {
                            <ul class="video-list">
                                {mine.into_iter().map(|v| view! { <li><VideoCard video=v/></li> }).collect_view()}
                            </ul>
                        }
                        .fresh()
                    }
                }
            })
        };
        view! {
            <section class="card" aria-labelledby=heading_id.clone()>
                <h2 id=heading_id.clone()>{fill(tr.agency_videos, &[("agency", &a.short_name)])}</h2>
                <p class="small">{a.description.get(lang).to_owned()}</p>
                {list}
            </section>
        }
    });

    view! {
        <section class="card">
            <h1>{tr.videos_page_title}</h1>
            <p>{config.with_value(|c| fill_city(tr.videos_intro, c, lang))}</p>
            <nav class="chips" aria-label=tr.videos_page_title>
                <a href=Page::Videos(None).path() aria-current=agency.is_none().then_some("page")>{tr.all_videos}</a>
                {chips.collect_view()}
            </nav>
            <p class="small">{tr.youtube_notice}</p>
        </section>
        {sections.collect_view()}
    }
}
