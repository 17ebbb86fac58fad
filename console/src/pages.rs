//! One module per screen of the console.

pub mod admin;
pub mod intake;
pub mod late;
pub mod queue;
pub mod standby;
pub mod ticket;
pub mod webhooks;
