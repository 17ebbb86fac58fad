//! Abuse and security through the router: account lock-out after failed
//! sign-ins, session expiry and revocation, the security headers of the app's
//! pages, hostile uploads, and the audit trail of staff actions.

use std::time::{Duration, Instant};

use crate::common::{Multipart, PASSWORD, TestApp, json_request, valid_report};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use portal112_core::dto::Role;
use portal112_server::ratelimit::BackoffPolicy;
use serde_json::json;
use sha2::{Digest as _, Sha256};

fn sign_in(username: &str, password: &str) -> Request<Body> {
    json_request(Method::POST, "/api/v1/staff/session", &json!({"username": username, "password": password}))
}

#[tokio::test]
async fn failed_sign_ins_lock_the_account_with_growing_waits() {
    let app = TestApp::with_settings(|s| {
        s.login_rate_per_minute = 1000;
        s.login_backoff = BackoffPolicy {
            failures_before_lock: 3,
            first_lock: Duration::from_millis(100),
            max_lock: Duration::from_mins(15),
        };
    })
    .await;
    app.add_staff("operator.budi", Role::Operator, None).await;
    app.add_staff("operator.sari", Role::Operator, None).await;

    for _ in 0..3 {
        app.send(sign_in("operator.budi", "tebakan-salah")).await.assert_error(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            None,
        );
    }
    // Locked now: even the right password is not looked at.
    let locked = app.send(sign_in("operator.budi", PASSWORD)).await;
    let body = locked.assert_error(StatusCode::TOO_MANY_REQUESTS, "login_locked", None);
    let retry_after: u64 = locked.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert_eq!(retry_after, 1, "100 ms, in whole seconds");
    assert_eq!(
        body["error"]["message"],
        "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Demi keamanan, coba lagi dalam 1 detik."
    );
    let mut english = sign_in("operator.budi", PASSWORD);
    english.headers_mut().insert(header::ACCEPT_LANGUAGE, "en".parse().expect("header"));
    let english = app.send(english).await;
    let body = english.assert_error(StatusCode::TOO_MANY_REQUESTS, "login_locked", None);
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("try again in 1 seconds")), "{body}");

    // Case and spaces do not make another account; other accounts are untouched.
    app.send(sign_in(" Operator.BUDI ", PASSWORD)).await.assert_error(
        StatusCode::TOO_MANY_REQUESTS,
        "login_locked",
        None,
    );
    assert_eq!(app.send(sign_in("operator.sari", PASSWORD)).await.status, StatusCode::CREATED);
    // Unknown names are locked alike, so a lock does not tell which accounts exist.
    for _ in 0..3 {
        app.send(sign_in("tidak.ada", PASSWORD)).await.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials", None);
    }
    app.send(sign_in("tidak.ada", PASSWORD)).await.assert_error(StatusCode::TOO_MANY_REQUESTS, "login_locked", None);

    // After the wait the right password works, and the slate is clean again.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(app.send(sign_in("operator.budi", PASSWORD)).await.status, StatusCode::CREATED);
    for _ in 0..2 {
        app.send(sign_in("operator.budi", "tebakan-salah")).await.assert_error(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            None,
        );
    }
    assert_eq!(app.send(sign_in("operator.budi", PASSWORD)).await.status, StatusCode::CREATED);

    // Each failure past the limit doubles the lock: 100 ms, 200 ms, 400 ms.
    for _ in 0..2 {
        app.send(sign_in("operator.budi", "tebakan-salah")).await;
    }
    let mut locks = Vec::new();
    for round in 0..3 {
        app.send(sign_in("operator.budi", "tebakan-salah")).await.assert_error(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            None,
        );
        // The right password while locked is refused and does not reset anything.
        let probe = app.send(sign_in("operator.budi", PASSWORD)).await;
        probe.assert_error(StatusCode::TOO_MANY_REQUESTS, "login_locked", None);
        let newest = app.store.audit_entries(2).await.expect("audit");
        assert_eq!((newest[0].action.as_str(), newest[1].action.as_str()), ("login_refused", "login_locked"));
        locks.push(newest[1].target.clone());
        if round < 2 {
            let wait: u64 = probe.header("retry-after").and_then(|s| s.parse().ok()).expect("Retry-After");
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
    }
    assert_eq!(locks, vec!["100 ms", "200 ms", "400 ms"]);
}

#[tokio::test]
async fn sessions_expire_and_sign_out_revokes_only_that_session() {
    let ttl = Duration::from_millis(1500);
    let app = TestApp::with_settings(|s| s.session_ttl = ttl).await;
    app.add_staff("operator.budi", Role::Operator, None).await;
    let first = app.sign_in("operator.budi").await;
    let second = app.sign_in("operator.budi").await;
    let signed_in_by = Instant::now();
    assert_ne!(first, second, "every sign-in is its own session");

    let out = Request::delete("/api/v1/staff/session")
        .header(header::AUTHORIZATION, format!("Bearer {first}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(out).await.status, StatusCode::NO_CONTENT);
    app.get_as(&first, "/api/v1/staff/tickets").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    assert_eq!(app.get_as(&second, "/api/v1/staff/tickets").await.status, StatusCode::OK, "the other session lives");

    // The server set the expiry before it answered: past `ttl` from then, it is over.
    tokio::time::sleep((signed_in_by + ttl).saturating_duration_since(Instant::now())).await;
    let expired = app.get_as(&second, "/api/v1/staff/tickets").await;
    expired.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    assert_eq!(expired.header("www-authenticate"), Some("Bearer"));
}

/// A built app whose `index.html` boots with an inline script, as Trunk's does.
const INDEX: &str = "<!doctype html><html><head><title>Portal 112</title>\
    <script type=\"module\">import init from '/app.js'; init('/app_bg.wasm');</script>\
    <script src=\"/leaflet/leaflet.js\"></script></head><body><a href=\"tel:112\">112</a></body></html>";
const BOOT: &str = "import init from '/app.js'; init('/app_bg.wasm');";

#[tokio::test]
async fn every_html_page_carries_the_csp_with_the_inline_scripts_hash() {
    let dist = tempfile::tempdir().expect("dist folder");
    std::fs::write(dist.path().join("index.html"), INDEX).expect("index.html");
    std::fs::write(dist.path().join("app.js"), "export default function init() {}").expect("app.js");
    let app = TestApp::with_settings(|s| s.dist_dir = Some(dist.path().to_owned())).await;
    let hash = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(BOOT)));
    let injected = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest("alert(document.cookie)"))
    );

    for path in ["/", "/index.html", "/lapor", "/lacak/K7M-2QX-94R", "/video/bpbd", "/halaman/yang/tidak/ada"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{path}");
        // The head (the boot script) byte for byte; the body is the page rendered ahead, with no script.
        let (head, _) = INDEX.split_once("<body>").expect("a body");
        let text = page.text();
        assert!(text.starts_with(head), "{path}: {text}");
        assert!(text.contains("class=\"brand-name\""), "{path}: the page is rendered ahead: {text}");
        assert!(!text[head.len()..].contains("<script"), "{path}: the page adds no script: {text}");
        let csp = page.header("content-security-policy").unwrap_or_else(|| panic!("{path} has no CSP"));
        let directive =
            |name: &str| csp.split(';').map(str::trim).find(|d| d.split(' ').next() == Some(name)).map(str::to_owned);
        let script_src = directive("script-src").unwrap_or_else(|| panic!("{path}: no script-src in {csp}"));
        assert!(script_src.contains(&hash), "{path}: the boot script is allowed by its hash: {csp}");
        assert!(!script_src.contains(&injected), "{path}");
        assert!(!script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"), "{path}: {csp}");
        assert_eq!(directive("object-src").as_deref(), Some("object-src 'none'"), "{path}");
        assert_eq!(directive("frame-ancestors").as_deref(), Some("frame-ancestors 'none'"), "{path}");
        assert_eq!(directive("base-uri").as_deref(), Some("base-uri 'self'"), "{path}");
        assert_eq!(directive("default-src").as_deref(), Some("default-src 'self'"), "{path}");
        assert_security_headers(path, &page);
    }

    // Other answers: the same headers, and a CSP that allows nothing at all.
    for path in ["/app.js", "/api/v1/config", "/api/v1/tidak-ada"] {
        let r = app.get(path).await;
        assert!(!r.header("content-type").unwrap_or_default().starts_with("text/html"), "{path}");
        assert_eq!(r.header("content-security-policy"), Some("default-src 'none'; frame-ancestors 'none'"), "{path}");
        assert_security_headers(path, &r);
    }
}

fn assert_security_headers(path: &str, r: &crate::common::TestResponse) {
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
    assert_eq!(r.header("referrer-policy"), Some("strict-origin-when-cross-origin"), "{path}");
    assert_eq!(r.header("cross-origin-opener-policy"), Some("same-origin"), "{path}");
    let permissions = r.header("permissions-policy").unwrap_or_default();
    assert!(permissions.contains("microphone=()") && permissions.contains("geolocation=(self)"), "{path}");
}

/// A PNG whose header claims `w` x `h` pixels, with a valid checksum.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::new(1, 1).write_to(&mut png, image::ImageFormat::Png).expect("PNG");
    let mut bytes = png.into_inner();
    bytes[16..20].copy_from_slice(&w.to_be_bytes());
    bytes[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A JPEG whose frame header claims `w` x `h` pixels.
fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut bytes = crate::common::jpeg(16, 16);
    let sof = bytes.windows(2).position(|m| m == [0xFF, 0xC0]).expect("a baseline frame header");
    bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    bytes
}

#[tokio::test]
async fn decompression_bombs_and_disguised_files_are_refused_over_http() {
    let app = TestApp::new().await;
    let upload = |name: &str, content_type: &str, bytes: &[u8]| {
        Multipart::new()
            .json("report", &valid_report())
            .file("photo", name, content_type, bytes)
            .request("/api/v1/reports")
    };
    // Tiny files that would need gigabytes once decoded: refused from their header.
    for (name, bytes) in [
        ("bomb.png", png_claiming(50_000, 50_000)),
        ("wide.png", png_claiming(12_001, 1)),
        ("bomb.jpg", jpeg_claiming(65_000, 65_000)),
    ] {
        assert!(bytes.len() < 2048, "{name} is small");
        let started = Instant::now();
        app.assert_refused(
            upload(name, "image/png", &bytes),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_unreadable",
            Some("photo[0]"),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(5), "{name} was refused without decoding it");
    }
    // An HTML page or a script named like a photo: the content decides, not the name or type.
    for (name, bytes) in [
        ("foto.jpg", &b"<html><script>alert(1)</script></html>"[..]),
        ("foto.png", &b"#!/bin/sh\nrm -rf /\n"[..]),
        ("foto.webp", &b"RIFF\x10\x00\x00\x00WAVEfmt "[..]),
    ] {
        app.assert_refused(
            upload(name, "image/jpeg", bytes),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "photo_unsupported",
            Some("photo[0]"),
        )
        .await;
    }
    // A real photo still goes through, and nothing it carried is served back.
    let response = app.send(upload("ok.jpg", "image/jpeg", &crate::common::jpeg_with_gps_exif(64, 48))).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let url = response.json()["ticket"]["photos"][0].as_str().expect("a photo").to_owned();
    let photo = app.get(&url).await;
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    assert_eq!(photo.header("x-content-type-options"), Some("nosniff"));
    assert!(!crate::common::contains(&photo.body, crate::common::GPS_MARKER));
}

#[tokio::test]
async fn every_staff_action_is_in_the_audit_trail() {
    let app = TestApp::with_settings(|s| {
        s.login_backoff = BackoffPolicy {
            failures_before_lock: 2,
            first_lock: Duration::from_mins(1),
            max_lock: Duration::from_mins(1),
        };
    })
    .await;
    app.add_staff("admin.rina", Role::Admin, None).await;
    let code = app.create_report(&valid_report()).await;

    for _ in 0..2 {
        app.send(sign_in("admin.rina", "bukan-ini")).await.assert_error(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            None,
        );
    }
    app.send(sign_in("admin.rina", PASSWORD)).await.assert_error(StatusCode::TOO_MANY_REQUESTS, "login_locked", None);
    app.state.login_backoff.succeeded("admin.rina").await.expect("in memory");
    let token = app.sign_in("admin.rina").await;
    let moved =
        app.post_json_as(&token, &format!("/api/v1/staff/tickets/{code}/events"), &json!({"status": "verified"})).await;
    assert_eq!(moved.status, StatusCode::CREATED);
    let video = app
        .post_json_as(
            &token,
            "/api/v1/staff/videos",
            &json!({"agency": "bpbd", "title": {"id": "Siaga banjir", "en": "Flood ready"}, "youtube_id": "dQw4w9WgXcQ"}),
        )
        .await;
    assert_eq!(video.status, StatusCode::CREATED, "{}", video.text());
    let video_id = video.json()["id"].as_str().expect("id").to_owned();
    let removed = Request::delete(format!("/api/v1/staff/videos/{video_id}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(removed).await.status, StatusCode::NO_CONTENT);
    let out = Request::delete("/api/v1/staff/session")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(out).await.status, StatusCode::NO_CONTENT);

    let mut trail: Vec<(String, String, String)> = app
        .store
        .audit_entries(100)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| (a.actor, a.action.as_str().to_owned(), a.target))
        .collect();
    trail.reverse();
    let compact = code.replace('-', "");
    let expected: Vec<(String, String, String)> = [
        ("cli", "staff_add", "admin.rina (admin)"),
        ("admin.rina", "login_failed", ""),
        ("admin.rina", "login_failed", ""),
        ("admin.rina", "login_locked", "60000 ms"),
        ("admin.rina", "login_refused", "account locked"),
        ("admin.rina", "login", ""),
        ("admin.rina", "ticket_event", &format!("{compact}#2")),
        ("admin.rina", "video_add", &video_id),
        ("admin.rina", "video_remove", &video_id),
        ("admin.rina", "logout", ""),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(trail, expected);
    let times: Vec<i64> = app.store.audit_entries(100).await.expect("audit").iter().map(|a| a.at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    // The audit trail is append-only, down in the database.
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.dir.path().join("t.db").display()))
        .await
        .expect("the database opens");
    for statement in ["DELETE FROM audit_log", "UPDATE audit_log SET actor = 'someone else'"] {
        let refused = sqlx::query(statement).execute(&db).await.expect_err("the trail cannot be rewritten");
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
}
