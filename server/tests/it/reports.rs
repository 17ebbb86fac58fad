//! Filing reports: the city configuration the form needs, JSON and multipart
//! reports with real photos, and the Idempotency-Key.

use crate::common::{
    Multipart, TestApp, contains, jpeg, jpeg_with_gps_exif, json_request, png_with_alpha, valid_report, webp,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

#[tokio::test]
async fn config_describes_the_city_and_the_form_limits() {
    let app = TestApp::new().await;
    let response = app.get("/api/v1/config").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let config = response.json();

    assert_eq!(config["city"]["name"], "Kota Bitung");
    assert_eq!(config["city"]["emergency_number"], "112");
    assert_eq!(config["city"]["timezone"], "Asia/Makassar");
    let districts = config["districts"].as_array().expect("districts");
    assert_eq!(districts.len(), 8);
    let names: Vec<&str> = districts.iter().filter_map(|d| d["name"].as_str()).collect();
    for name in ["Aertembaga", "Girian", "Lembeh Selatan", "Lembeh Utara", "Madidir", "Maesa", "Matuari", "Ranowulu"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let villages: usize = districts.iter().map(|d| d["villages"].as_array().expect("villages").len()).sum();
    assert_eq!(villages, 69);

    let agencies = config["agencies"].as_array().expect("agencies");
    assert_eq!(agencies.len(), 8);
    let categories = config["categories"].as_array().expect("categories");
    for agency in agencies {
        let code = agency["code"].as_str().expect("agency code");
        let n = categories.iter().filter(|c| c["agency"] == code).count();
        assert!(n >= 3, "agency {code} has only {n} categories");
        assert!(!agency["name"]["id"].as_str().unwrap_or_default().is_empty());
        assert!(!agency["name"]["en"].as_str().unwrap_or_default().is_empty());
    }
    let child = categories.iter().find(|c| c["code"] == "kekerasan-anak").expect("kekerasan-anak");
    assert_eq!(child["confidential"], true);

    assert_eq!(
        config["limits"],
        json!({
            "description_max_chars": 4000,
            "address_max_chars": 300,
            "max_photos": 3,
            "photo_max_bytes": 5 * 1024 * 1024,
        })
    );
    assert!(config["boundary"].as_array().is_some_and(|b| b.len() >= 3));
}

/// The app's copy of the configuration (postcard, fields by position) says
/// exactly what the JSON says: made again from the JSON, it is the same bytes.
#[tokio::test]
async fn the_apps_configuration_is_the_json_one_in_postcard() {
    let app = TestApp::new().await;
    let binary = app.get("/api/v1/config.postcard").await;
    assert_eq!(binary.status, StatusCode::OK);
    assert_eq!(binary.header("content-type"), Some("application/x-postcard"));
    let mut city = app.get("/api/v1/config").await.json();
    let limits = city.as_object_mut().and_then(|c| c.remove("limits")).expect("limits");
    let json = portal112_core::dto::PublicConfig {
        city: serde_json::from_value(city).expect("the JSON's city reads"),
        limits: serde_json::from_value(limits).expect("the JSON's limits read"),
    };
    assert_eq!(binary.body, json.to_postcard().expect("encodes"));
    // Smaller than the JSON it stands for.
    assert!(binary.body.len() < serde_json::to_vec(&json).expect("JSON").len(), "{} bytes", binary.body.len());
}

#[tokio::test]
async fn openapi_document_is_openapi_3_and_lists_the_report_endpoint() {
    let app = TestApp::new().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = response.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/reports"));
    assert!(paths["/api/v1/reports"].get("post").is_some());
    for path in ["/api/v1/config", "/api/v1/tickets/{code}", "/api/v1/tickets/{code}/events", "/api/v1/staff/session"] {
        assert!(paths.contains_key(path), "{path} missing");
    }
}

#[tokio::test]
async fn json_report_is_stored_and_readable_by_its_code() {
    let app = TestApp::new().await;
    let report = json!({
        "category": "pohon-tumbang",
        "description": "  Pohon besar tumbang menutup jalan dekat SD Inpres.  ",
        "location": {"lat": 1.4405, "lng": 125.1612, "accuracy_m": 8.5},
        "district": "71.72.06",
        "village": "71.72.06.1001",
        "address": "Jl. Raya Girian, depan SD Inpres",
    });
    let response = app.post_json("/api/v1/reports", &report).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let created = response.json();
    let code = created["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 11, "three groups of three: {code}");
    assert_eq!(response.header("location"), Some(format!("/api/v1/tickets/{code}").as_str()));
    assert!(response.header("idempotent-replayed").is_none());
    assert_eq!(created["ticket"]["code"], code.as_str());
    assert_eq!(created["ticket"]["status"], "received");

    let ticket = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert_eq!(ticket.status, StatusCode::OK);
    assert_eq!(ticket.header("cache-control"), Some("no-cache"));
    let t = ticket.json();
    // The 201 shows the reporter what they sent; anyone holding the code sees
    // the same less the description, landmark and photos until staff verify.
    let mut sent = created["ticket"].clone();
    assert_eq!(sent["address"], "Jl. Raya Girian, depan SD Inpres");
    assert_eq!(sent["description"], "Pohon besar tumbang menutup jalan dekat SD Inpres.", "trimmed");
    for private_until_verified in ["address", "description"] {
        sent.as_object_mut().expect("object").remove(private_until_verified);
    }
    assert_eq!(t, sent, "the public view before verification");
    app.move_ticket(&code, &json!({"status": "verified"})).await;
    let t = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    assert_eq!(t["status"], "verified");
    assert_eq!(t["status_label"], json!({"id": "Diverifikasi", "en": "Verified"}));
    assert_eq!(t["confidential"], false);
    assert_eq!(t["category"]["code"], "pohon-tumbang");
    assert_eq!(t["category"]["name"]["id"], "Pohon tumbang atau rawan tumbang");
    assert_eq!(t["agency"]["code"], "dlh");
    assert_eq!(t["agency"]["name"]["id"], "Dinas Lingkungan Hidup");
    assert_eq!(t["location"], json!({"lat": 1.4405, "lng": 125.1612}));
    assert_eq!(t["district"], json!({"code": "71.72.06", "name": "Girian"}));
    assert_eq!(t["village"], json!({"code": "71.72.06.1001", "name": "Girian Atas"}));
    assert_eq!(t["address"], "Jl. Raya Girian, depan SD Inpres");
    assert_eq!(t["description"], "Pohon besar tumbang menutup jalan dekat SD Inpres.", "trimmed");
    assert!(t["created_at"].as_str().is_some_and(|s| s.ends_with("+08:00")), "WITA times: {}", t["created_at"]);
    let timeline = t["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0]["seq"], 1);
    assert_eq!(timeline[0]["status"], "received");
    assert_eq!(timeline[0]["agency"]["code"], "dlh");
    assert_eq!(timeline[1]["status"], "verified");

    // Codes are read the way people type them: lower case, without dashes.
    let typed = code.replace('-', "%20").to_lowercase();
    let again = app.get(&format!("/api/v1/tickets/{typed}")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["code"], code.as_str());
    assert_eq!(app.ticket_total().await, 1);
}

#[tokio::test]
async fn report_by_district_and_address_without_a_map_point() {
    let app = TestApp::new().await;
    let code = app
        .create_report(&json!({
            "category": "lampu-jalan",
            "description": "Lampu jalan mati sepanjang 200 meter.",
            "district": "71.72.07",
            "address": "Jl. Sam Ratulangi dekat masjid",
        }))
        .await;
    let t = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    assert_eq!(t["district"]["name"], "Maesa");
    assert_eq!(t["agency"]["code"], "dishub");
    assert!(t.get("location").is_none());
}

#[tokio::test]
async fn multipart_report_with_jpeg_png_and_webp_photos() {
    let app = TestApp::new().await;
    let photos = [jpeg_with_gps_exif(64, 48), png_with_alpha(40, 30), webp(50, 20)];
    let request = Multipart::new()
        .file("photo", "IMG_0001.jpg", "image/jpeg", &photos[0])
        .json("report", &valid_report())
        .file("photo", "screenshot.png", "image/png", &photos[1])
        .file("photo", "whatsapp.webp", "image/webp", &photos[2])
        .request("/api/v1/reports");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let code = response.json()["code"].as_str().expect("code").to_owned();
    assert!(response.header("location").is_some_and(|l| l.ends_with(&code)));

    // The photos are public once staff verified the report.
    assert!(app.get(&format!("/api/v1/tickets/{code}")).await.json().get("photos").is_none());
    app.move_ticket(&code, &json!({"status": "verified"})).await;
    let t = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    let urls: Vec<String> =
        t["photos"].as_array().expect("photos").iter().map(|u| u.as_str().expect("url").to_owned()).collect();
    assert_eq!(urls.len(), 3);

    let expected = [("image/jpeg", 64, 48), ("image/png", 40, 30), ("image/jpeg", 50, 20)];
    for (url, (mime, w, h)) in urls.iter().zip(expected) {
        assert!(url.starts_with("/api/v1/photos/"), "{url}");
        let photo = app.get(url).await;
        assert_eq!(photo.status, StatusCode::OK, "{url}");
        assert_eq!(photo.header("content-type"), Some(mime), "{url}");
        let decoded = image::load_from_memory(&photo.body).expect("a real picture comes back");
        assert_eq!((decoded.width(), decoded.height()), (w, h), "{url}");
        assert!(!contains(&photo.body, crate::common::GPS_MARKER), "GPS metadata must be removed: {url}");
        assert!(!contains(&photo.body, b"Exif"), "no EXIF segment at all: {url}");
    }
    // The original upload had the marker; the stored JPEG does not.
    assert!(contains(&photos[0], crate::common::GPS_MARKER));
}

#[tokio::test]
async fn large_photos_are_shrunk_before_storing() {
    let app = TestApp::new().await;
    let request = Multipart::new()
        .json("report", &valid_report())
        .file("photo", "big.jpg", "image/jpeg", &jpeg(3000, 1500))
        .request("/api/v1/reports");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let url = response.json()["ticket"]["photos"][0].as_str().expect("photo url").to_owned();
    let photo = image::load_from_memory(&app.get(&url).await.body).expect("decodes");
    assert_eq!((photo.width(), photo.height()), (2048, 1024));
}

fn with_key(body: &Value, key: &str) -> Request<Body> {
    let mut request = json_request(Method::POST, "/api/v1/reports", body);
    request.headers_mut().insert("idempotency-key", key.parse().expect("header"));
    request
}

#[tokio::test]
async fn idempotency_key_replays_the_same_ticket() {
    let app = TestApp::new().await;
    let key = "5f0c1f7e-2b7d-4c1e-9a55-0d4b8c7e1a22";
    let first = app.send(with_key(&valid_report(), key)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert!(first.header("idempotent-replayed").is_none());
    let code = first.json()["code"].clone();

    // The phone lost the answer and sends again: same key, same report.
    let second = app.send(with_key(&valid_report(), key)).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json()["code"], code);
    assert_eq!(second.header("location"), first.header("location"));

    // Key order and whitespace in the JSON do not make it another request.
    let reordered = r#"{ "location": {"lng": 125.1978, "accuracy_m": 12.0, "lat": 1.4472},
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.", "category": "sampah" }"#;
    let mut third = crate::common::raw_request(Method::POST, "/api/v1/reports", "application/json", reordered);
    third.headers_mut().insert("idempotency-key", key.parse().expect("header"));
    let third = app.send(third).await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.text());
    assert_eq!(third.json()["code"], code);

    assert_eq!(app.ticket_total().await, 1, "exactly one ticket for the key");
}

#[tokio::test]
async fn idempotency_key_reused_for_another_report_conflicts() {
    let app = TestApp::new().await;
    let key = "report-key-0001";
    let first = app.send(with_key(&valid_report(), key)).await;
    assert_eq!(first.status, StatusCode::CREATED);

    let mut other = valid_report();
    other["description"] = json!("Sesuatu yang lain sama sekali.");
    let response = app.send(with_key(&other, key)).await;
    response.assert_error(StatusCode::CONFLICT, "idempotency_conflict", Some("Idempotency-Key"));
    assert_eq!(app.ticket_total().await, 1);

    // The same photos decide sameness too.
    let with_photo = |bytes: &[u8]| {
        let mut r = Multipart::new()
            .json("report", &valid_report())
            .file("photo", "a.jpg", "image/jpeg", bytes)
            .request("/api/v1/reports");
        r.headers_mut().insert("idempotency-key", "photo-key-0001".parse().expect("header"));
        r
    };
    let a = app.send(with_photo(&jpeg(20, 20))).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let again = app.send(with_photo(&jpeg(20, 20))).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    app.send(with_photo(&jpeg(21, 20))).await.assert_error(
        StatusCode::CONFLICT,
        "idempotency_conflict",
        Some("Idempotency-Key"),
    );
    assert_eq!(app.ticket_total().await, 2);
}

#[tokio::test]
async fn unusable_idempotency_keys_are_refused() {
    let app = TestApp::new().await;
    for key in ["short", "has space inside", "semi;colon-key", "ключ-ключ-ключ", &"x".repeat(129)] {
        let mut request = json_request(Method::POST, "/api/v1/reports", &valid_report());
        let value = axum::http::HeaderValue::from_bytes(key.as_bytes()).expect("header bytes");
        request.headers_mut().insert("idempotency-key", value);
        app.assert_refused(request, StatusCode::BAD_REQUEST, "idempotency_key_invalid", Some("Idempotency-Key")).await;
    }
    assert_eq!(app.ticket_total().await, 0);
}

#[tokio::test]
async fn english_speakers_get_english_messages() {
    let app = TestApp::new().await;
    let mut report = valid_report();
    report["location"] = json!({"lat": -6.2, "lng": 106.8});
    let mut request = json_request(Method::POST, "/api/v1/reports", &report);
    request.headers_mut().insert(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9".parse().expect("header"));
    let response = app.send(request).await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "location_outside_city", Some("location"));
    assert_eq!(body["error"]["message"], "The location is outside Kota Bitung.");
    assert_eq!(response.header("content-language"), Some("en"));

    let response = app.post_json("/api/v1/reports", &report).await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "location_outside_city", Some("location"));
    assert_eq!(body["error"]["message"], "Lokasi di luar wilayah Kota Bitung.");
    assert_eq!(response.header("content-language"), Some("id"));
}

#[tokio::test]
async fn reports_are_rate_limited_per_client_address() {
    let app = TestApp::with_settings(|s| {
        s.report_rate_per_minute = 3;
        s.trust_proxy = true;
    })
    .await;
    let from = |address: &str| {
        let mut request = json_request(Method::POST, "/api/v1/reports", &valid_report());
        request.headers_mut().insert("x-forwarded-for", address.parse().expect("header"));
        request
    };
    for _ in 0..3 {
        assert_eq!(app.send(from("203.0.113.7")).await.status, StatusCode::CREATED);
    }
    let limited = app.send(from("203.0.113.7")).await;
    let body = limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", None);
    let retry_after: u64 = limited.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&format!("{retry_after} detik")), "{message}");
    assert_eq!(app.ticket_total().await, 3, "the refused report was not stored");

    // The proxy appends the real client last: only that address counts.
    assert_eq!(app.send(from("198.51.100.23")).await.status, StatusCode::CREATED);
    assert_eq!(app.send(from("203.0.113.7, 198.51.100.99")).await.status, StatusCode::CREATED);
    app.send(from("198.51.100.99, 203.0.113.7")).await.assert_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        None,
    );
}

#[tokio::test]
async fn forwarded_addresses_are_ignored_unless_the_proxy_is_trusted() {
    let app = TestApp::with_settings(|s| s.report_rate_per_minute = 1).await;
    let from = |address: &str| {
        let mut request = json_request(Method::POST, "/api/v1/reports", &valid_report());
        request.headers_mut().insert("x-forwarded-for", address.parse().expect("header"));
        request
    };
    assert_eq!(app.send(from("203.0.113.7")).await.status, StatusCode::CREATED);
    // A made-up header does not buy a fresh allowance.
    app.send(from("198.51.100.23")).await.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", None);
}

#[tokio::test]
async fn concurrent_sends_with_one_key_make_one_ticket() {
    let app = TestApp::new().await;
    let sends = (0..6).map(|_| app.send(with_key(&valid_report(), "flaky-network-retry-01")));
    let responses = futures_util::future::join_all(sends).await;
    let mut codes: Vec<String> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            r.json()["code"].as_str().expect("code").to_owned()
        })
        .collect();
    codes.dedup();
    assert_eq!(codes.len(), 1, "{codes:?}");
    let replayed = responses.iter().filter(|r| r.header("idempotent-replayed") == Some("true")).count();
    assert_eq!(replayed, 5);
    assert_eq!(app.ticket_total().await, 1);
}
