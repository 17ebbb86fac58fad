//! One file per page. Which page an address shows is decided in
//! [`crate::route`]; the root (`crate::app`) builds the page.

pub mod home;
pub mod map;
pub mod not_found;
pub mod report;
pub mod stats;
pub mod track;
pub mod videos;
