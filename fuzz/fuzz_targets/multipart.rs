//! A `multipart/form-data` report body as the server reads it: parts, limits,
//! the `report` JSON and the photos' content checks, then each photo through
//! the cleaner — never a panic.
#![no_main]

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use libfuzzer_sys::fuzz_target;

const BOUNDARY: &str = "fuzzboundary";

fuzz_target!(|data: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    runtime.block_on(async {
        let request = Request::post("/api/v1/reports")
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(data.to_vec()))
            .expect("request");
        let Ok(multipart) = Multipart::from_request(request, &()).await else { return };
        if let Ok((_report, photos)) = portal112_server::routes::reports::read_multipart(multipart).await {
            assert!(photos.len() <= portal112_core::validate::MAX_PHOTOS);
            for photo in photos {
                assert!(photo.len() <= portal112_core::validate::PHOTO_MAX_BYTES);
                let _ = portal112_server::photos::clean(&photo);
            }
        }
    });
});
