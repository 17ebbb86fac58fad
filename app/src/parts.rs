//! The pages that load their own part of the WebAssembly when they open.
//!
//! `/` needs only the header, the home page and the app's plumbing; the
//! report form (with its map step), tracking, the videos, the public map and
//! the statistics are each split into a module of their own by the build
//! (`scripts/build-app-wasm.sh`: cargo, then `wasm-split-cli`, then
//! wasm-bindgen). A call to one of the functions below first fetches its
//! module (once), then builds the page.
//!
//! Loads are `fallible`: on a flaky connection a module may fail to arrive,
//! and that must show "try again" rather than abort the whole app (a failed
//! load is not remembered, so trying again fetches anew). Outside the browser
//! (`cargo test`) the functions are plain calls.

// The page functions cannot fail, but `fallible` needs a `Result` to return
// a failed load in.
#![allow(clippy::unnecessary_wraps, reason = "a fallible split function returns Result")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::wasm_split::wasm_split;
use portal112_core::dto::{PublicTicket, Video};
use portal112_core::{Lang, TicketCode};

use crate::fresh::{Fresh, IntoFresh};
use crate::lazy::{LoadFailed, Part, loaded};
use crate::pages;
use crate::route::Page;

#[wasm_split(report, wasm_split_path = ::leptos::wasm_split, preload(preload_report), fallible)]
fn report_page() -> Part {
    Ok(pages::report::ReportForm().fresh())
}

#[wasm_split(track, wasm_split_path = ::leptos::wasm_split, preload(preload_track), fallible)]
fn track_page(code: Option<String>) -> Part {
    Ok(view! { <pages::track::TrackPage code=code/> }.fresh())
}

/// The ticket a first visit to `/lacak/{code}` shows at once (fetched before
/// the app takes over the rendered page): read in the tracking part, which
/// holds the code that reads it, so `/` does not.
#[wasm_split(track, wasm_split_path = ::leptos::wasm_split, fallible)]
fn first_ticket(code: TicketCode, lang: Lang) -> Result<TicketLoad, LoadFailed> {
    Ok(Box::pin(pages::track::first_ticket(code, lang)))
}

type TicketLoad = Pin<Box<dyn Future<Output = Option<PublicTicket>>>>;

/// [`first_ticket`], or none when its part or the ticket did not arrive (the
/// page then asks for it itself).
pub async fn ticket_first(code: TicketCode, lang: Lang) -> Option<PublicTicket> {
    first_ticket(code, lang).await.ok()?.await
}

#[wasm_split(videos, wasm_split_path = ::leptos::wasm_split, preload(preload_videos), fallible)]
fn videos_page(agency: Option<String>) -> Part {
    Ok(view! { <pages::videos::VideosPage agency=agency/> }.fresh())
}

/// The video list a first visit to `/video` shows at once (fetched before
/// the app takes over the rendered page): read in the videos' part, which
/// holds the code that reads it, so `/` does not.
#[wasm_split(videos, wasm_split_path = ::leptos::wasm_split, fallible)]
fn first_videos() -> Result<VideosLoad, LoadFailed> {
    Ok(Box::pin(async { crate::api::videos(None).await.ok() }))
}

type VideosLoad = Pin<Box<dyn Future<Output = Option<Vec<Video>>>>>;

/// [`first_videos`], or none when its part did not arrive (the page then
/// loads the list itself).
pub async fn videos_list() -> Option<Vec<Video>> {
    first_videos().await.ok()?.await
}

#[wasm_split(map, wasm_split_path = ::leptos::wasm_split, preload(preload_map), fallible)]
fn map_page() -> Part {
    Ok(pages::map::MapPage().fresh())
}

#[wasm_split(stats, wasm_split_path = ::leptos::wasm_split, preload(preload_stats), fallible)]
fn stats_page() -> Part {
    Ok(pages::stats::StatsPage().fresh())
}

/// Fetches the module `page` needs, without building it: before the app
/// replaces the page the server sent (so the page's words never give way to
/// "Memuat…"), and ahead of a page the citizen is likely to open next.
pub async fn preload(page: &Page) -> Result<(), LoadFailed> {
    match page {
        Page::Home | Page::NotFound => Ok(()),
        Page::Report => Ok(preload_report().await?),
        Page::Track(_) => Ok(preload_track().await?),
        Page::Videos(_) => Ok(preload_videos().await?),
        Page::Map => Ok(preload_map().await?),
        Page::Stats => Ok(preload_stats().await?),
    }
}

/// The view of `page`: at once for the home page, else once its module is here.
pub fn page_view(page: Page) -> Fresh {
    match page {
        Page::Home => pages::home::Home().fresh(),
        Page::NotFound => pages::not_found::NotFound().fresh(),
        Page::Report => loaded(Arc::new(|| Box::pin(report_page()))),
        Page::Track(code) => loaded(Arc::new(move || Box::pin(track_page(code.clone())))),
        Page::Videos(agency) => loaded(Arc::new(move || Box::pin(videos_page(agency.clone())))),
        Page::Map => loaded(Arc::new(|| Box::pin(map_page()))),
        Page::Stats => loaded(Arc::new(|| Box::pin(stats_page()))),
    }
}
