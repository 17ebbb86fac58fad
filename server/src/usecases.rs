//! What the portal does, one function each: file a report, sign in and out,
//! change a ticket or add its "after" photos, add or change a staff account,
//! add an API key, keep reply templates, add or remove a video, connect an
//! agency's system by webhook and send a delivery again.
//!
//! A use case checks its input with `core`, writes the change together with
//! its audit entry in one transaction (the store's methods take the entry),
//! and returns the new state. HTTP routes, the command line and background
//! jobs only translate to and from these functions; none of them writes on
//! its own. Time comes in as an argument, so tests choose it.

pub mod public;
pub mod report;
pub mod service_levels;
pub mod session;
pub mod staff;
pub mod standby;
pub mod templates;
pub mod tickets;
pub mod videos;
pub mod webhooks;
