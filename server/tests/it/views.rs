//! Public ticket views and the city configuration are served from memory,
//! compressed ahead of time: every encoding holds the same JSON, and a view is
//! never older than a change that was already acknowledged.

use std::io::Read as _;

use crate::common::{TestApp, TestResponse, valid_report};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

async fn get_encoded(app: &TestApp, uri: &str, accept: &str) -> TestResponse {
    app.send(Request::get(uri).header(header::ACCEPT_ENCODING, accept).body(Body::empty()).expect("request")).await
}

fn decoded(r: &TestResponse) -> Value {
    let mut out = Vec::new();
    match r.header("content-encoding") {
        Some("br") => brotli::BrotliDecompress(&mut &r.body[..], &mut out).expect("brotli"),
        Some("gzip") => {
            flate2::read::GzDecoder::new(&r.body[..]).read_to_end(&mut out).expect("gzip");
        }
        None => out.extend_from_slice(&r.body),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    serde_json::from_slice(&out).expect("JSON")
}

#[tokio::test]
async fn every_encoding_carries_the_same_json() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    for uri in [format!("/api/v1/tickets/{code}"), "/api/v1/config".to_owned()] {
        let plain = get_encoded(&app, &uri, "identity").await;
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.header("content-encoding"), None);
        assert!(plain.header("content-type").is_some_and(|t| t.starts_with("application/json")));
        let json = plain.json();
        for (accept, expected) in [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip;q=0.8", "gzip")] {
            let r = get_encoded(&app, &uri, accept).await;
            assert_eq!(r.status, StatusCode::OK, "{uri} {accept}");
            assert_eq!(r.header("content-encoding"), Some(expected), "{uri} {accept}");
            assert_eq!(r.header("vary"), Some("accept-encoding"), "{uri}");
            assert!(r.body.len() < plain.body.len(), "{uri} {accept}: smaller");
            assert_eq!(decoded(&r), json, "{uri} {accept}");
        }
    }
    // No Accept-Encoding at all: plain JSON.
    assert_eq!(app.get(&format!("/api/v1/tickets/{code}")).await.header("content-encoding"), None);
}

#[tokio::test]
async fn an_acknowledged_change_is_in_the_very_next_read() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let other = app.create_report(&valid_report()).await;
    let uri = format!("/api/v1/tickets/{code}");
    let read = |accept: &'static str| {
        let (app, uri) = (&app, &uri);
        async move { decoded(&get_encoded(app, uri, accept).await) }
    };
    // Readers keep the view warm all along.
    assert_eq!(read("br").await["timeline"].as_array().map(Vec::len), Some(1));
    for (i, status) in ["verified", "assigned", "in_progress", "resolved", "closed"].into_iter().enumerate() {
        let note = format!("Langkah {i}");
        app.move_ticket(&code, &json!({"status": status, "public_note": note})).await;
        for accept in ["br", "gzip", "identity"] {
            let view = read(accept).await;
            assert_eq!(view["status"], status, "{accept} after step {i}");
            assert_eq!(view["timeline"].as_array().map(Vec::len), Some(i + 2), "{accept} after step {i}");
            assert_eq!(view["timeline"][i + 1]["note"], note.as_str());
        }
        // The other ticket's view is untouched by this one's changes.
        let untouched = decoded(&get_encoded(&app, &format!("/api/v1/tickets/{other}"), "br").await);
        assert_eq!(untouched["status"], "received");
    }
}
