//! The WebAssembly entry: starts the app (see the library, `lib.rs`).

fn main() {
    portal112_app::start();
}
