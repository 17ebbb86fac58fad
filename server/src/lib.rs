//! Portal 112 server: the public API (native JSON and Open311 GeoReport v2),
//! the staff API, and the static browser app, over an embedded SQLite store.

pub mod auth;
pub mod cache;
pub mod clock;
pub mod config;
pub mod drain;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod open_data;
pub mod openapi;
pub mod pages;
pub mod photos;
pub mod ratelimit;
pub mod routes;
pub mod serve;
pub mod service_level;
pub mod state;
pub mod stats;
pub mod store;
pub mod usecases;
pub mod view;
pub mod webhooks;

pub use routes::router;
pub use state::{AppState, Settings};
