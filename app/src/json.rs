//! JSON through the browser's own parser: `JSON.parse`/`JSON.stringify` plus
//! `serde-wasm-bindgen`. Measured against `serde_json`, this keeps a JSON parser
//! and printer out of the WebAssembly, which citizens download on prepaid data.
//! The city configuration, the largest thing the app reads, comes as postcard
//! instead ([`config`]).
//!
//! A value that does not fit its type is `None` here, never a message: the
//! workspace builds `serde-wasm-bindgen` with its error messages left
//! unformatted (vendor/README.md), which keeps serde's message text and
//! Rust's float printer out of every page.

use portal112_core::dto::PublicConfig;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes JSON text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// Reads the city configuration's bytes (`PublicConfig::to_postcard`).
/// Outside the browser there are none to read: pages rendered ahead get the
/// server's own configuration.
pub fn config(bytes: &[u8]) -> Option<PublicConfig> {
    #[cfg(target_arch = "wasm32")]
    return PublicConfig::from_postcard(bytes);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = bytes;
        None
    }
}

/// Encodes as JSON text (objects for maps, `null` for `None`).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}
