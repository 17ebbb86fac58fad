//! A view built once its part of the WebAssembly has arrived (`wasm_split`):
//! the pages each have one (`parts`), and so do the report form's later
//! steps (`pages::report`).

use std::pin::Pin;
use std::sync::Arc;

use leptos::either::Either;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;

use crate::fresh::{Fresh, IntoFresh};
use crate::i18n::use_i18n;

/// A part of the WebAssembly did not arrive.
#[derive(Debug, Clone, Copy)]
pub struct LoadFailed;

impl From<SplitLoaderError> for LoadFailed {
    fn from(_: SplitLoaderError) -> Self {
        LoadFailed
    }
}

/// A view from a part, or why there is none.
pub type Part = Result<Fresh, LoadFailed>;

/// How a page's module is fetched and the page built, boxed: [`loaded`] and
/// the suspense in it are compiled once, not once per page.
pub type PartLoad = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Part>>> + Send + Sync>;

/// A page built by `load` once its module has arrived: nothing while it loads
/// (the module is usually fetched ahead, so the page is there at once), and a
/// message with "try again" if it cannot be fetched.
pub fn loaded(load: PartLoad) -> Fresh {
    let i18n = use_i18n();
    let tr = i18n.t();
    let attempt = RwSignal::new(0_u32);
    let loading = RwSignal::new(true);
    (move || {
        attempt.track();
        loading.set(true);
        let load = load.clone();
        let part = Suspend::new(SendWrapper::new(async move {
            let part = load().await;
            loading.set(false);
            match part {
                Ok(page) => Either::Left(page),
                Err(LoadFailed) => Either::Right(view! {
                    <section class="card">
                        <p role="alert">{tr.part_failed}</p>
                        <button type="button" class="button" on:click=move |_| attempt.update(|n| *n += 1)>
                            {tr.retry}
                        </button>
                    </section>
                }),
            }
        }));
        view! {
            // Only while it loads: pages (and the tests) take a status line in
            // `main` to mean that something is still on its way.
            {move || loading.get().then(|| view! { <p role="status" class="part-loading">{tr.loading}</p> })}
            {part}
        }
        .fresh()
    })
    .fresh()
}
