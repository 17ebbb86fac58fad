//! The domain of the call-centre portal, shared by the server and the browser app.
//!
//! No I/O lives here: ticket codes, the status machine, the city's
//! configuration types, validation, the API's bodies and its error envelope.
//! Compiling the same code into both sides is what lets the app tell a
//! citizen exactly what the server would, before anything is sent.

pub mod city;
pub mod dto;
pub mod error;
pub mod field;
pub mod geo;
pub mod html;
pub mod lang;
pub mod open;
pub mod service_level;
pub mod staff;
pub mod status;
pub mod ticket_code;
pub mod validate;

pub use error::{ApiError, ErrorEnvelope, ErrorKind};
pub use field::Field;
pub use lang::Lang;
pub use status::Status;
pub use ticket_code::{CodeError, TicketCode};
