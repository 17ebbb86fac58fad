//! A report body as the API reads it: the server's JSON reader never panics,
//! and whatever it decodes, core's validation judges without panicking; what
//! validation accepts stays within the documented limits.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portal112_core::city::CityConfig;
use portal112_core::dto::NewReport;
use portal112_core::validate::{ADDRESS_MAX, DESCRIPTION_MAX, validate_report};

fn city() -> &'static CityConfig {
    static CITY: OnceLock<CityConfig> = OnceLock::new();
    CITY.get_or_init(|| {
        portal112_server::config::parse_city(Path::new("bitung.toml"), include_str!("../../config/bitung.toml"))
            .expect("the city file loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(report) = portal112_server::extract::parse_json::<NewReport>(data) else { return };
    if let Ok(valid) = validate_report(&report, city()) {
        assert!(!valid.description.trim().is_empty());
        assert!(valid.description.chars().count() <= DESCRIPTION_MAX);
        assert!(valid.address.as_ref().is_none_or(|a| a.chars().count() <= ADDRESS_MAX));
        assert!(city().category(&valid.category).is_some());
        if valid.anonymous {
            assert!(valid.contact.is_none(), "anonymous reports keep no contact");
        }
    }
});
