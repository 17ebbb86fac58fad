//! Every way a report or a lookup can be wrong: each answered with the one
//! error envelope, the right status, code and field, never a 5xx, and
//! nothing written to the database.

use crate::common::{Multipart, TestApp, json_request, raw_request, valid_report};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The valid report with `edit` applied.
fn report_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut report = valid_report();
    edit(report.as_object_mut().expect("object"));
    report
}

fn post(body: &Value) -> Request<Body> {
    json_request(Method::POST, "/api/v1/reports", body)
}

fn post_raw(body: &str) -> Request<Body> {
    raw_request(Method::POST, "/api/v1/reports", "application/json", body.to_owned())
}

#[tokio::test]
async fn malformed_json_and_wrong_shapes() {
    let app = TestApp::new().await;
    let body =
        app.assert_refused(post_raw("{\"category\": \"sampah\","), StatusCode::BAD_REQUEST, "invalid_json", None).await;
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("tidak dapat dibaca"), "{body}");
    app.assert_refused(post_raw("not json at all"), StatusCode::BAD_REQUEST, "invalid_json", None).await;
    app.assert_refused(post_raw(""), StatusCode::BAD_REQUEST, "invalid_json", None).await;
    app.assert_refused(post_raw("[1, 2, 3]"), StatusCode::BAD_REQUEST, "invalid_json", None).await;

    // Wrong types name the field, dotted.
    let lat_as_text = report_with(|r| {
        r.insert("location".into(), json!({"lat": "satu koma empat", "lng": 125.19}));
    });
    app.assert_refused(post(&lat_as_text), UNPROCESSABLE, "invalid_value", Some("location.lat")).await;
    let description_as_number = report_with(|r| {
        r.insert("description".into(), json!(42));
    });
    app.assert_refused(post(&description_as_number), UNPROCESSABLE, "invalid_value", Some("description")).await;
    let anonymous_as_text = report_with(|r| {
        r.insert("anonymous".into(), json!("ya"));
    });
    app.assert_refused(post(&anonymous_as_text), UNPROCESSABLE, "invalid_value", Some("anonymous")).await;
    let phone_as_number = report_with(|r| {
        r.insert("contact".into(), json!({"phone": 81_234_567_890_i64}));
    });
    app.assert_refused(post(&phone_as_number), UNPROCESSABLE, "invalid_value", Some("contact.phone")).await;
}

#[tokio::test]
async fn unknown_and_missing_fields() {
    let app = TestApp::new().await;
    let unknown = report_with(|r| {
        r.insert("priority".into(), json!("high"));
    });
    app.assert_refused(post(&unknown), UNPROCESSABLE, "invalid_value", Some("priority")).await;
    let unknown_nested = report_with(|r| {
        r.insert("location".into(), json!({"lat": 1.4472, "lng": 125.1978, "altitude": 3}));
    });
    app.assert_refused(post(&unknown_nested), UNPROCESSABLE, "invalid_value", Some("location.altitude")).await;

    let no_description = report_with(|r| {
        r.remove("description");
    });
    let body = app.assert_refused(post(&no_description), UNPROCESSABLE, "required", Some("description")).await;
    assert_eq!(body["error"]["message"], "Wajib diisi.");
    let no_lng = report_with(|r| {
        r.insert("location".into(), json!({"lat": 1.4472}));
    });
    app.assert_refused(post(&no_lng), UNPROCESSABLE, "required", Some("location.lng")).await;
}

#[tokio::test]
async fn description_rules() {
    let app = TestApp::new().await;
    for empty in ["", "   \n\t  "] {
        let report = report_with(|r| {
            r.insert("description".into(), json!(empty));
        });
        let body = app.assert_refused(post(&report), UNPROCESSABLE, "description_empty", Some("description")).await;
        assert_eq!(body["error"]["message"], "Ceritakan apa yang terjadi.");
    }
    let long = report_with(|r| {
        r.insert("description".into(), json!("a".repeat(4001)));
    });
    let body = app.assert_refused(post(&long), UNPROCESSABLE, "too_long", Some("description")).await;
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("4000"), "{body}");
    // 4000 characters (not bytes) is still fine, even in a script of several bytes each.
    let longest = report_with(|r| {
        r.insert("description".into(), json!("é".repeat(4000)));
    });
    assert_eq!(app.send(post(&longest)).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn category_rules() {
    let app = TestApp::new().await;
    let unknown = report_with(|r| {
        r.insert("category".into(), json!("ufo"));
    });
    app.assert_refused(post(&unknown), UNPROCESSABLE, "unknown_category", Some("category")).await;
    let blank = report_with(|r| {
        r.insert("category".into(), json!(" "));
    });
    app.assert_refused(post(&blank), UNPROCESSABLE, "required", Some("category")).await;
    let missing = report_with(|r| {
        r.remove("category");
    });
    app.assert_refused(post(&missing), UNPROCESSABLE, "required", Some("category")).await;
}

#[tokio::test]
async fn location_rules() {
    let app = TestApp::new().await;
    // Jakarta: a real place, not in Bitung.
    let outside = report_with(|r| {
        r.insert("location".into(), json!({"lat": -6.2, "lng": 106.8}));
    });
    let body = app.assert_refused(post(&outside), UNPROCESSABLE, "location_outside_city", Some("location")).await;
    assert_eq!(body["error"]["message"], "Lokasi di luar wilayah Kota Bitung.");
    let mut english = post(&outside);
    english.headers_mut().insert(header::ACCEPT_LANGUAGE, "en".parse().expect("header"));
    let body = app.assert_refused(english, UNPROCESSABLE, "location_outside_city", Some("location")).await;
    assert_eq!(body["error"]["message"], "The location is outside Kota Bitung.");

    for (lat, lng) in [(91.0, 125.0), (1.44, 181.0), (-90.5, 0.0), (1e300, 1e300)] {
        let off_earth = report_with(|r| {
            r.insert("location".into(), json!({"lat": lat, "lng": lng}));
        });
        app.assert_refused(post(&off_earth), UNPROCESSABLE, "invalid_coordinates", Some("location")).await;
    }
    // JSON has no NaN: a number too big for a float is refused naming the field.
    let overflowing = r#"{"category": "sampah", "description": "x", "location": {"lat": 1e999, "lng": 125.1}}"#;
    app.assert_refused(post_raw(overflowing), UNPROCESSABLE, "invalid_value", Some("location.lat")).await;
    let null_lat = report_with(|r| {
        r.insert("location".into(), json!({"lat": null, "lng": 125.1}));
    });
    app.assert_refused(post(&null_lat), UNPROCESSABLE, "invalid_value", Some("location.lat")).await;
    let negative_accuracy = report_with(|r| {
        r.insert("location".into(), json!({"lat": 1.4472, "lng": 125.1978, "accuracy_m": -5}));
    });
    app.assert_refused(post(&negative_accuracy), UNPROCESSABLE, "invalid_value", Some("location.accuracy_m")).await;
}

#[tokio::test]
async fn place_without_a_map_point() {
    let app = TestApp::new().await;
    let nowhere = report_with(|r| {
        r.remove("location");
    });
    let body = app.assert_refused(post(&nowhere), UNPROCESSABLE, "location_required", Some("district")).await;
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("kecamatan"), "{body}");
    let district_only = report_with(|r| {
        r.remove("location");
        r.insert("district".into(), json!("71.72.06"));
    });
    app.assert_refused(post(&district_only), UNPROCESSABLE, "location_required", Some("address")).await;
    let blank_address = report_with(|r| {
        r.remove("location");
        r.insert("district".into(), json!("71.72.06"));
        r.insert("address".into(), json!("   "));
    });
    app.assert_refused(post(&blank_address), UNPROCESSABLE, "location_required", Some("address")).await;
    let unknown_district = report_with(|r| {
        r.insert("district".into(), json!("71.71.01"));
    });
    app.assert_refused(post(&unknown_district), UNPROCESSABLE, "unknown_district", Some("district")).await;
    let village_elsewhere = report_with(|r| {
        r.insert("district".into(), json!("71.72.06"));
        r.insert("village".into(), json!("71.72.01.1001"));
    });
    app.assert_refused(post(&village_elsewhere), UNPROCESSABLE, "unknown_village", Some("village")).await;
    let village_without_district = report_with(|r| {
        r.insert("village".into(), json!("71.72.06.1001"));
    });
    app.assert_refused(post(&village_without_district), UNPROCESSABLE, "required", Some("district")).await;
    let long_address = report_with(|r| {
        r.insert("address".into(), json!("jalan ".repeat(61)));
    });
    app.assert_refused(post(&long_address), UNPROCESSABLE, "too_long", Some("address")).await;
}

#[tokio::test]
async fn contact_rules() {
    let app = TestApp::new().await;
    for phone in ["12345", "+1 202 555 0100", "0812-ABCD-7890"] {
        let report = report_with(|r| {
            r.insert("contact".into(), json!({"name": "Budi", "phone": phone}));
        });
        let body = app.assert_refused(post(&report), UNPROCESSABLE, "phone_invalid", Some("contact.phone")).await;
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains("0812"), "{body}");
    }
    for email in ["budi@", "budi at contoh.id", "budi@contoh"] {
        let report = report_with(|r| {
            r.insert("contact".into(), json!({"email": email}));
        });
        app.assert_refused(post(&report), UNPROCESSABLE, "email_invalid", Some("contact.email")).await;
    }
    let long_name = report_with(|r| {
        r.insert("contact".into(), json!({"name": "n".repeat(101)}));
    });
    app.assert_refused(post(&long_name), UNPROCESSABLE, "too_long", Some("contact.name")).await;
    // An anonymous reporter's contact is dropped unread, so it cannot be wrong.
    let anonymous = report_with(|r| {
        r.insert("anonymous".into(), json!(true));
        r.insert("contact".into(), json!({"phone": "12345"}));
    });
    assert_eq!(app.send(post(&anonymous)).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn photo_rules() {
    let app = TestApp::new().await;
    let photo = crate::common::jpeg(16, 16);
    let mut four = Multipart::new().json("report", &valid_report());
    for i in 0..4 {
        four = four.file("photo", &format!("{i}.jpg"), "image/jpeg", &photo);
    }
    let body = app
        .assert_refused(
            four.request("/api/v1/reports"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_photos",
            Some("photo"),
        )
        .await;
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains('3'), "{body}");

    // Over 5 MB: refused by size before anything looks inside.
    let mut huge = crate::common::jpeg(8, 8);
    huge.resize(5 * 1024 * 1024 + 1, 0);
    let request = Multipart::new()
        .json("report", &valid_report())
        .file("photo", "big.jpg", "image/jpeg", &huge)
        .request("/api/v1/reports");
    app.assert_refused(request, StatusCode::PAYLOAD_TOO_LARGE, "photo_too_large", Some("photo[0]")).await;

    // A PDF called .jpg: the content decides.
    let request = Multipart::new()
        .json("report", &valid_report())
        .file("photo", "a.jpg", "image/jpeg", &photo)
        .file("photo", "surat.jpg", "image/jpeg", b"%PDF-1.7\n1 0 obj << >> endobj\n")
        .request("/api/v1/reports");
    app.assert_refused(request, StatusCode::UNSUPPORTED_MEDIA_TYPE, "photo_unsupported", Some("photo[1]")).await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let request = Multipart::new()
        .json("report", &valid_report())
        .file("photo", "anim.gif", "image/gif", gif)
        .request("/api/v1/reports");
    app.assert_refused(request, StatusCode::UNSUPPORTED_MEDIA_TYPE, "photo_unsupported", Some("photo[0]")).await;

    // Starts like a JPEG, but is not one.
    let mut corrupt = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    corrupt.extend_from_slice(b"JFIF\0 this is not really a picture");
    let request = Multipart::new()
        .json("report", &valid_report())
        .file("photo", "rusak.jpg", "image/jpeg", &corrupt)
        .request("/api/v1/reports");
    app.assert_refused(request, UNPROCESSABLE, "photo_unreadable", Some("photo[0]")).await;
}

#[tokio::test]
async fn body_limits() {
    let app = TestApp::new().await;
    // JSON reports carry no photos: 1 MB is plenty.
    let padded = format!(r#"{{"category": "sampah", "description": "x", "pad": "{}"}}"#, "x".repeat(1024 * 1024));
    let body = app.assert_refused(post_raw(&padded), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", None).await;
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("1 MB"), "{body}");

    // Multipart: three 5 MB photos fit, but not a body past the upload limit.
    let filler = vec![b'z'; 17 * 1024 * 1024];
    let request = Multipart::new()
        .json("report", &valid_report())
        .file("extra", "filler.bin", "application/octet-stream", &filler)
        .request("/api/v1/reports");
    app.assert_refused(request, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", None).await;

    // Three photos of exactly 5 MB each (real JPEGs, padded after their end marker).
    let mut full = crate::common::jpeg(64, 64);
    full.resize(5 * 1024 * 1024, 0);
    let mut request = Multipart::new().json("report", &valid_report());
    for i in 0..3 {
        request = request.file("photo", &format!("{i}.jpg"), "image/jpeg", &full);
    }
    let response = app.send(request.request("/api/v1/reports")).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(response.json()["ticket"]["photos"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn content_type_rules() {
    let app = TestApp::new().await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
        let request = raw_request(Method::POST, "/api/v1/reports", content_type, "category=sampah");
        app.assert_refused(request, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None).await;
    }
    let untyped = Request::post("/api/v1/reports").body(Body::from("{}")).expect("request");
    app.assert_refused(untyped, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None).await;

    let no_report =
        Multipart::new().file("photo", "a.jpg", "image/jpeg", &crate::common::jpeg(8, 8)).request("/api/v1/reports");
    app.assert_refused(no_report, StatusCode::BAD_REQUEST, "invalid_multipart", Some("report")).await;
    let broken = raw_request(
        Method::POST,
        "/api/v1/reports",
        "multipart/form-data; boundary=XYZ",
        "--XYZ\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{}",
    );
    app.assert_refused(broken, StatusCode::BAD_REQUEST, "invalid_multipart", None).await;
    let no_boundary = raw_request(Method::POST, "/api/v1/reports", "multipart/form-data", "whatever");
    app.assert_refused(no_boundary, StatusCode::BAD_REQUEST, "invalid_multipart", None).await;
    let bad_report_part = Multipart::new().json("report", &json!({"category": "sampah"})).request("/api/v1/reports");
    app.assert_refused(bad_report_part, UNPROCESSABLE, "required", Some("description")).await;
}

#[tokio::test]
async fn ticket_code_lookups() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;

    for malformed in ["abc", "K7M-2QX-94R-XYZ", "K7M-2QX-9!R", "UUU-UUU-UUU"] {
        let body = app.get(&format!("/api/v1/tickets/{malformed}")).await.assert_error(
            StatusCode::BAD_REQUEST,
            "ticket_code_malformed",
            Some("code"),
        );
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains("9 huruf"), "{body}");
    }
    let typo = crate::common::with_typo(&code);
    let body = app.get(&format!("/api/v1/tickets/{typo}")).await.assert_error(
        StatusCode::BAD_REQUEST,
        "ticket_code_typo",
        Some("code"),
    );
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("salah ketik"), "{body}");
    app.get(&format!("/api/v1/tickets/{typo}/events")).await.assert_error(
        StatusCode::BAD_REQUEST,
        "ticket_code_typo",
        Some("code"),
    );

    let unknown = crate::common::random_code().to_string();
    app.get(&format!("/api/v1/tickets/{unknown}")).await.assert_error(StatusCode::NOT_FOUND, "ticket_not_found", None);
    app.get(&format!("/api/v1/tickets/{unknown}/events")).await.assert_error(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        None,
    );
    app.get("/api/v1/photos/not-a-photo").await.assert_error(StatusCode::NOT_FOUND, "not_found", None);
    app.get(&format!("/api/v1/photos/{}", "0".repeat(32))).await.assert_error(StatusCode::NOT_FOUND, "not_found", None);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_the_envelope() {
    let app = TestApp::new().await;
    let response = app.get("/api/v1/nothing-here").await;
    response.assert_error(StatusCode::NOT_FOUND, "not_found", None);
    let response = app.get("/api/v1/tickets").await;
    response.assert_error(StatusCode::NOT_FOUND, "not_found", None);

    let response = app.get("/api/v1/reports").await;
    let body = response.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None);
    assert_eq!(body["error"]["message"], "Metode HTTP ini tidak didukung di alamat ini.");
    let delete =
        Request::delete("/api/v1/config").header(header::ACCEPT_LANGUAGE, "en").body(Body::empty()).expect("request");
    let response = app.send(delete).await;
    let body = response.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None);
    assert_eq!(body["error"]["message"], "This HTTP method is not supported at this address.");
    let put = json_request(Method::PUT, "/api/v1/staff/session", &json!({}));
    app.send(put).await.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None);
    assert_eq!(app.ticket_total().await, 0);
}
