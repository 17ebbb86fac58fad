//! The harness of the end-to-end tests: the real server, started in-process
//! over a real SQLite file and serving the built app from `dist/`, and real
//! headless Chromium driven through chromedriver at a phone's 360×740.
//!
//! Every wait polls a condition until a deadline; nothing sleeps and hopes.

pub mod browser;
pub mod fixtures;
pub mod portal;

pub use browser::Browser;
pub use portal::Portal;

/// What the tests return: any failure, with its context.
pub type Result<T = ()> = anyhow::Result<T>;
