//! Uploaded photo bytes: recognised by content, decoded under limits and
//! re-encoded — or refused — without panicking or running away with memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portal112_server::photos::{MAX_SIDE, clean};

fuzz_target!(|data: &[u8]| {
    if let Ok(photo) = clean(data) {
        assert!(photo.width <= MAX_SIDE && photo.height <= MAX_SIDE);
        assert!(photo.mime == "image/jpeg" || photo.mime == "image/png");
        assert!(!photo.bytes.windows(4).any(|w| w == b"Exif"), "no metadata survives");
    }
});
