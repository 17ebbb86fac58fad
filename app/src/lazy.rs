//! A view built once its part of the WebAssembly has arrived (`wasm_split`):
//! the pages each have one (`parts`), and so do the report form's later
//! steps (`pages::report`).

use std::cell::Cell;
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

/// Where the first page the app builds is (see [`build_first_page_later`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstPage {
    /// Built at once, like every page after it.
    AtOnce,
    /// To be built in a task of its own, when [`loaded`] is first called.
    Later,
    /// Its task is on its way.
    Building,
}

thread_local! {
    static FIRST_PAGE: Cell<FirstPage> = const { Cell::new(FirstPage::AtOnce) };
}

/// The next page [`loaded`] builds is built in a task of its own, after the
/// rest of the view: on a cheap phone the app's frame and the page were one
/// long task, which kept a tap waiting (Lighthouse: blocking time). The app
/// builds its first view away from the page for that (`crate::start`), and
/// waits with [`first_page_building`].
pub fn build_first_page_later() {
    FIRST_PAGE.set(FirstPage::Later);
}

/// Whether that page's task has yet to run. A view without a part (home,
/// "not found", the configuration still loading) ends the wait at once.
pub fn first_page_building() -> bool {
    if FIRST_PAGE.get() == FirstPage::Later {
        FIRST_PAGE.set(FirstPage::AtOnce);
    }
    FIRST_PAGE.get() == FirstPage::Building
}

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
        let later = match FIRST_PAGE.get() {
            FirstPage::Later => {
                FIRST_PAGE.set(FirstPage::Building);
                true
            }
            // Built again before its task ran (the language changed, or
            // "back" was pressed): the first page's task is cancelled with
            // it, and this one is built at once, so the wait is over.
            FirstPage::Building => {
                FIRST_PAGE.set(FirstPage::AtOnce);
                false
            }
            FirstPage::AtOnce => false,
        };
        let part = Suspend::new(SendWrapper::new(async move {
            if later {
                crate::next_task().await;
            }
            let part = load().await;
            if later {
                FIRST_PAGE.set(FirstPage::AtOnce);
            }
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
