//! Ticket codes as people type them: parsing never panics, and every code it
//! accepts reads back to itself in both of its written forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portal112_core::TicketCode;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(code) = TicketCode::parse(text) {
        let shown = code.to_string();
        assert_eq!(shown.len(), 11, "{shown}");
        assert_eq!(TicketCode::parse(&shown), Ok(code));
        assert_eq!(TicketCode::parse(code.compact()), Ok(code));
        assert_eq!(TicketCode::parse(&shown.to_lowercase()), Ok(code));
    }
    if let Some(bytes) = data.get(..5) {
        let drawn = TicketCode::from_random_bytes(bytes.try_into().expect("5 bytes"));
        assert_eq!(TicketCode::parse(&drawn.to_string()), Ok(drawn));
    }
});
