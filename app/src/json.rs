//! JSON through the browser's own parser: `JSON.parse`/`JSON.stringify` plus
//! `serde-wasm-bindgen`. Measured against `serde_json`, this keeps a JSON parser
//! and printer out of the WebAssembly, which citizens download on prepaid data.

use portal112_core::dto::PublicConfig;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast as _;

/// Decodes JSON text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// Decodes `GET /api/v1/config`. Its `limits` sit beside the city's fields
/// (serde's `flatten` on the server); reading them apart here keeps serde's
/// code for `flatten` — the largest single function the app had — out of
/// the WebAssembly `/` loads.
pub fn public_config(text: &str) -> Option<PublicConfig> {
    let value = js_sys::JSON::parse(text).ok()?;
    let key = wasm_bindgen::JsValue::from_str("limits");
    let limits = js_sys::Reflect::get(&value, &key).ok()?;
    js_sys::Reflect::delete_property(value.dyn_ref::<js_sys::Object>()?, &key).ok()?;
    Some(PublicConfig {
        city: serde_wasm_bindgen::from_value(value).ok()?,
        limits: serde_wasm_bindgen::from_value(limits).ok()?,
    })
}

/// Encodes as JSON text (objects for maps, `null` for `None`).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}
