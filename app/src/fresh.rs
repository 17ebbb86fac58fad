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
pub struct Fresh(Box<dyn FnOnce() -> FreshState + Send>);

/// What a [`Fresh`] view left in the DOM.
pub struct FreshState(Box<dyn Mountable>);

impl Fresh {
    /// Wraps a view; only its `build` is ever called.
    pub fn new<V>(view: V) -> Self
    where
        V: Render + Send + 'static,
        V::State: 'static,
    {
        Fresh(Box::new(move || FreshState(Box::new(view.build()))))
    }
}

/// `.fresh()` on any view, where `.fresh()` would also compile `rebuild`.
pub trait IntoFresh {
    /// Wraps the view in [`Fresh`].
    fn fresh(self) -> Fresh;
}

impl<V> IntoFresh for V
where
    V: Render + Send + 'static,
    V::State: 'static,
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

    fn build(self) -> FreshState {
        (self.0)()
    }

    fn rebuild(self, state: &mut FreshState) {
        let mut new = (self.0)();
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

/// The app renders only in the browser (client-side); the server-rendering
/// half of the trait is never called, so it renders nothing.
impl RenderHtml for Fresh {
    type AsyncOutput = Self;
    type Owned = Self;
    const MIN_LENGTH: usize = 0;

    fn dry_resolve(&mut self) {}

    async fn resolve(self) -> Self::AsyncOutput {
        self
    }

    fn to_html_with_buf(self, _: &mut String, _: &mut Position, _: bool, _: bool, _: Vec<AnyAttribute>) {}

    fn hydrate<const FROM_SERVER: bool>(self, _: &Cursor, _: &PositionState) -> Self::State {
        self.build()
    }

    fn into_owned(self) -> Self::Owned {
        self
    }
}
