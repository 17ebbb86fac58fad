//! [`Fresh`]: a view that is built anew, never diffed, when the reactive
//! closure around it runs again.
//!
//! Leptos compiles a `rebuild` (diff) function for every view type returned
//! from a reactive closure, alongside its `build`. For whole pages and form
//! steps, which are replaced rather than patched, that code is never worth
//! its size: wrapping them in `Fresh` keeps only `build` (measured on this app:
//! tens of kilobytes of WebAssembly less, brotli).

use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::renderer::types::{Element, Node};
use leptos::tachys::view::{Mountable, Position, PositionState, Render, RenderHtml};

/// A type-erased view that replaces, rather than patches, its previous self.
///
/// In the browser it holds only how to build the view; natively (the server
/// renders pages ahead, see `prerender`) only how to write its HTML, so
/// neither side carries the other's code.
pub struct Fresh(
    #[cfg(target_arch = "wasm32")] Box<dyn FnOnce() -> FreshState + Send>,
    #[cfg(not(target_arch = "wasm32"))] WriteHtml,
);

/// Writes a view's HTML (`RenderHtml::to_html_with_buf` without extra attributes).
#[cfg(not(target_arch = "wasm32"))]
type WriteHtml = Box<dyn FnOnce(&mut String, &mut Position, bool, bool) + Send>;

/// What a [`Fresh`] view left in the DOM.
pub struct FreshState(Box<dyn Mountable>);

impl Fresh {
    /// Wraps a view; only its `build` is ever called.
    #[cfg(target_arch = "wasm32")]
    pub fn new<V>(view: V) -> Self
    where
        V: Render + Send + 'static,
        V::State: 'static,
    {
        Fresh(Box::new(move || FreshState(Box::new(view.build()))))
    }

    /// Wraps a view; only its HTML is ever written.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new<V>(view: V) -> Self
    where
        V: RenderHtml + Send + 'static,
    {
        Fresh(Box::new(move |buf, position, escape, mark_branches| {
            view.to_html_with_buf(buf, position, escape, mark_branches, Vec::new());
        }))
    }
}

/// `.fresh()` on any view, where `.fresh()` would also compile `rebuild`.
pub trait IntoFresh {
    /// Wraps the view in [`Fresh`].
    fn fresh(self) -> Fresh;
}

#[cfg(target_arch = "wasm32")]
impl<V> IntoFresh for V
where
    V: Render + Send + 'static,
    V::State: 'static,
{
    fn fresh(self) -> Fresh {
        Fresh::new(self)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<V> IntoFresh for V
where
    V: RenderHtml + Send + 'static,
{
    fn fresh(self) -> Fresh {
        Fresh::new(self)
    }
}

impl std::fmt::Debug for Fresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fresh")
    }
}

impl Render for Fresh {
    type State = FreshState;

    #[cfg(target_arch = "wasm32")]
    fn build(self) -> FreshState {
        (self.0)()
    }

    /// Outside the browser there is no DOM to build into.
    #[cfg(not(target_arch = "wasm32"))]
    fn build(self) -> FreshState {
        unreachable!("views are built only in the browser")
    }

    fn rebuild(self, state: &mut FreshState) {
        let mut new = self.build();
        state.insert_before_this(&mut new);
        state.unmount();
        *state = new;
    }
}

impl Mountable for FreshState {
    fn unmount(&mut self) {
        self.0.unmount();
    }

    fn mount(&mut self, parent: &Element, marker: Option<&Node>) {
        self.0.mount(parent, marker);
    }

    fn insert_before_this(&self, child: &mut dyn Mountable) -> bool {
        self.0.insert_before_this(child)
    }

    fn elements(&self) -> Vec<Element> {
        self.0.elements()
    }
}

leptos::tachys::no_attrs!(Fresh);

/// In the browser the app renders client-side only, so the HTML half of the
/// trait writes nothing there; natively it writes the view's HTML.
impl RenderHtml for Fresh {
    type AsyncOutput = Self;
    type Owned = Self;
    const MIN_LENGTH: usize = 0;

    fn dry_resolve(&mut self) {}

    async fn resolve(self) -> Self::AsyncOutput {
        self
    }

    #[cfg(target_arch = "wasm32")]
    fn to_html_with_buf(self, _: &mut String, _: &mut Position, _: bool, _: bool, _: Vec<AnyAttribute>) {}

    #[cfg(not(target_arch = "wasm32"))]
    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        _: Vec<AnyAttribute>,
    ) {
        (self.0)(buf, position, escape, mark_branches);
    }

    fn hydrate<const FROM_SERVER: bool>(self, _: &Cursor, _: &PositionState) -> Self::State {
        self.build()
    }

    fn into_owned(self) -> Self::Owned {
        self
    }
}
