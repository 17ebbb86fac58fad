//! The city file loader: any text is either a checked city or an error that
//! names the file — never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match portal112_server::config::parse_city(Path::new("fuzz.toml"), text) {
        Ok(city) => assert!(city.check().is_empty()),
        Err(e) => assert!(e.to_string().starts_with("fuzz.toml"), "{e}"),
    }
});
