//! One how-to video. Files play in a plain `<video preload="none">` with
//! captions; YouTube entries show a local facade and create the
//! youtube-nocookie player only after a tap, so nothing is fetched from
//! YouTube (and no data spent) until the citizen asks for it.

use leptos::prelude::*;

use crate::fresh::IntoFresh;
use portal112_core::Lang;
use portal112_core::dto::{Video, VideoSource};

use crate::i18n::{fill, use_i18n};

#[component]
pub fn VideoCard(video: Video) -> impl IntoView {
    let i18n = use_i18n();
    let tr = i18n.t();
    let lang = i18n.lang();
    let title = video.title.clone();
    let title2 = video.title.clone();
    let id = format!("vid-{}", video.id);
    let body = match video.source {
        VideoSource::File { url, mime, poster_url, captions, generated, .. } => view! {
            <video
                id=id.clone()
                controls
                preload="none"
                playsinline
                poster=poster_url
                width="360"
                height="640"
            >
                <source src=url type=mime/>
                {captions.into_iter().map(|c| {
                    let is_id = c.lang == Lang::Id;
                    view! {
                        <track
                            kind="captions"
                            src=c.url
                            srclang=c.lang.tag()
                            label=move || if is_id { tr.captions_id } else { tr.captions_en }
                            default=move || c.lang == lang
                        />
                    }
                }).collect_view()}
            </video>
            {generated.then(|| view! { <p class="small">{tr.made_from_portal}</p> })}
        }
        .fresh(),
        VideoSource::Youtube { youtube_id, poster_url } => {
            let playing = RwSignal::new(false);
            let src = format!("https://www.youtube-nocookie.com/embed/{youtube_id}?autoplay=1&rel=0");
            view! {
                {move || if playing.get() {
                    let t = title2.get(lang).to_owned();
                    view! {
                        <iframe
                            class="youtube"
                            src=src.clone()
                            title=t
                            allow="autoplay; encrypted-media; picture-in-picture"
                            allowfullscreen
                            referrerpolicy="strict-origin-when-cross-origin"
                        ></iframe>
                    }.fresh()
                } else {
                    let poster = poster_url.clone();
                    let label = fill(tr.play_video, &[("title", title2.get(lang))]);
                    view! {
                        <button type="button" class="youtube-facade" aria-label=label on:click=move |_| playing.set(true)>
                            {poster.map(|p| view! { <img src=p alt="" loading="lazy" width="480" height="270"/> })}
                            <span class="play" aria-hidden="true">"▶"</span>
                        </button>
                    }.fresh()
                }}
            }
            .fresh()
        }
    };
    view! {
        <article class="video">
            <h3>{title.get(lang).to_owned()}</h3>
            {body}
        </article>
    }
}
