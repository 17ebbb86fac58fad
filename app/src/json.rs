//! JSON through the browser's own parser: `JSON.parse`/`JSON.stringify` plus
//! `serde-wasm-bindgen`. Measured against `serde_json`, this keeps a JSON parser
//! and printer out of the WebAssembly, which citizens download on prepaid data.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes JSON text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// Encodes as JSON text (objects for maps, `null` for `None`).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}
