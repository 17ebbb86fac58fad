//! The citizens' pages rendered ahead: plain HTTP (no JavaScript) gets each
//! public page's words and layout, rendered from the app's own components with
//! the city file the server runs with, inside the built `index.html`.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::common::TestApp;

/// A built `index.html` as Trunk leaves it: a boot script in the head and a
/// stand-in body the server replaces.
const INDEX: &str = "<!doctype html><html lang=\"id\"><head><title>{service}</title>\
    <script type=\"module\">boot()</script></head><body><p>stand-in {number}</p></body></html>";

async fn portal(city_file: &Path) -> (TestApp, tempfile::TempDir) {
    let dist = tempfile::tempdir().expect("dist folder");
    std::fs::write(dist.path().join("index.html"), INDEX).expect("index.html");
    let dist_dir = dist.path().to_owned();
    let app = TestApp::for_city(city_file, |s| s.dist_dir = Some(dist_dir)).await;
    (app, dist)
}

async fn page(app: &TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{path}");
    let html = r.text();
    assert!(html.starts_with("<!doctype html><html lang=\"id\"><head>"), "{path}: {html}");
    assert!(!html.contains("stand-in"), "{path}: the rendered page replaces the stand-in");
    assert_eq!(html.matches("<script").count(), 1, "{path}: nothing but the boot script");
    html
}

#[tokio::test]
async fn each_public_page_is_rendered_ahead_with_the_citys_words() {
    let (app, _dist) = portal(&crate::common::city_file()).await;
    // A generated how-to video, as `make videos` leaves it.
    let generated = app.state.settings.media_dir.join("generated/dlh");
    std::fs::create_dir_all(&generated).expect("media folder");
    std::fs::write(
        generated.join("video.json"),
        r#"{"title": {"id": "Cara melapor sampah", "en": "Reporting trash"}, "duration_s": 9.5}"#,
    )
    .expect("video.json");
    std::fs::write(generated.join("video.webm"), b"webm").expect("video.webm");

    let home = page(&app, "/").await;
    for words in [
        "<title>Call Center 112 Kota Bitung</title>",
        "class=\"brand-name\">Call Center 112 Kota Bitung</span>",
        "href=\"tel:112\"",
        "Laporkan masalah di sekitar Anda",
        "8 dinas Kota Bitung",
        "Satpol PP",
        "BPBD",
        "Pemerintah Kota Bitung",
    ] {
        assert!(home.contains(words), "/ says {words:?}: {home}");
    }
    assert!(home.contains("<noscript>"), "what needs the app says so");

    let videos = page(&app, "/video").await;
    for words in ["<h1>Video panduan</h1>", "Cara melapor sampah", "src=\"/media/generated/dlh/video.webm\"", "<video"]
    {
        assert!(videos.contains(words), "/video says {words:?}: {videos}");
    }
    assert!(!videos.contains("<noscript>"), "the videos play without JavaScript");
    let dlh = page(&app, "/video/dlh").await;
    assert!(dlh.contains("Cara melapor sampah") && !dlh.contains("id=\"video-bpbd\""), "{dlh}");

    let report = page(&app, "/lapor").await;
    assert!(report.contains("Apa yang terjadi?"), "{report}");
    assert!(report.contains("<noscript><p class=\"card notice\">Formulir laporan membutuhkan JavaScript."), "{report}");

    for (path, heading) in [("/peta", "Peta laporan"), ("/statistik", "Statistik layanan"), ("/lacak", "Lacak laporan")]
    {
        let html = page(&app, path).await;
        assert!(html.contains(heading) && html.contains("<noscript>"), "{path}: {html}");
    }
    // A code no ticket has gets the tracking frame: nothing of it, not even the code.
    let code = portal112_core::TicketCode::from_random_bytes([7, 1, 9, 2, 8]);
    let track = page(&app, &format!("/lacak/{code}")).await;
    assert!(track.contains("Lacak laporan") && track.contains("Memuat…"), "{track}");
    assert!(!track.contains(code.compact()) && !track.contains(&code.to_string()), "{track}");
    let other = portal112_core::TicketCode::from_random_bytes([1, 2, 3, 4, 5]);
    assert_eq!(track, page(&app, &format!("/lacak/{other}")).await, "every code gets the same page");
    // A name no file system holds is no file, not a server error.
    let long = page(&app, &format!("/lacak/{}", "A".repeat(5000))).await;
    assert!(long.contains("Lacak laporan"), "{long}");
    assert_eq!(app.get(&format!("/{}.js", "a".repeat(300))).await.status, StatusCode::NOT_FOUND);
    let odd = page(&app, "/lacak/%3Cimg%20src%3Dx%3E").await;
    assert!(!odd.contains("<img src=x>") && !odd.contains("&lt;img"), "{odd}");
}

#[tokio::test]
async fn a_tickets_page_is_rendered_with_what_the_public_may_see_of_it() {
    let (app, _dist) = portal(&crate::common::city_file()).await;
    let code = app.create_report(&crate::common::valid_report()).await;
    let track = page(&app, &format!("/lacak/{code}")).await;
    for words in [
        format!("class=\"ticket-code\">{code}</p>"),
        "Diterima".to_owned(),
        "<p class=\"promise\">Laporan Anda diteruskan ke dinas paling lambat".to_owned(),
        "<dd>Sampah menumpuk</dd>".to_owned(),
        "<dd>Dinas Lingkungan Hidup</dd>".to_owned(),
        "Riwayat".to_owned(),
    ] {
        assert!(track.contains(&words), "the ticket's page says {words:?}: {track}");
    }
    assert!(!track.contains("Memuat…"), "nothing waits for the app: {track}");
    assert!(!track.contains("menumpuk di depan pasar"), "no text before staff verified it: {track}");
    // Every request reads the ticket as it now stands.
    app.move_ticket(&code, &serde_json::json!({"status": "verified"})).await;
    let moved = page(&app, &format!("/lacak/{code}")).await;
    assert!(moved.contains("class=\"badge status-verified\">Diverifikasi</span>"), "{moved}");

    // A confidential case: its status, nothing else.
    let secret = serde_json::json!({
        "category": "kekerasan-anak",
        "description": "Anak tetangga sering dipukul.",
        "location": {"lat": 1.4512, "lng": 125.1834},
        "contact": {"name": "Siti Rahma", "phone": "081398765432"},
    });
    let confidential = app.create_report(&secret).await;
    let html = page(&app, &format!("/lacak/{confidential}")).await;
    assert!(html.contains(&confidential) && html.contains("Diterima"), "{html}");
    for leak in ["kekerasan", "Kekerasan", "DP3A", "Siti", "0813", "dipukul", "1.4512"] {
        assert!(!html.contains(leak), "a confidential page shows {leak:?}: {html}");
    }
}

#[tokio::test]
async fn the_language_chosen_on_the_phone_is_rendered() {
    let (app, _dist) = portal(&crate::common::city_file()).await;
    let english = |path: &str| {
        Request::get(path).header(header::COOKIE, "a=b; p112.lang=en").body(Body::empty()).expect("request")
    };
    let r = app.send(english("/")).await;
    let html = r.text();
    assert!(html.starts_with("<!doctype html><html lang=\"en\">"), "{html}");
    assert!(html.contains("Report a problem around you") && html.contains("Bitung City Call Center 112"), "{html}");
    assert!(r.header("vary").is_some_and(|v| v.contains("cookie")), "caches keep the languages apart");
    let report = app.send(english("/lapor")).await.text();
    assert!(report.contains("The report form needs JavaScript."), "{report}");
    // Without the cookie, Indonesian.
    assert!(page(&app, "/").await.contains("Laporkan masalah di sekitar Anda"));
}

#[tokio::test]
async fn another_city_gets_its_own_words_from_its_file() {
    let tomohon = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cities/tomohon.toml");
    let (app, _dist) = portal(&tomohon).await;
    for path in ["/", "/video", "/lapor"] {
        let html = page(&app, path).await;
        assert!(html.contains("Call Center 110 Kota Tomohon") && html.contains("href=\"tel:110\""), "{path}: {html}");
        assert!(!html.contains("Bitung"), "{path} names another city: {html}");
    }
    assert!(page(&app, "/").await.contains("9 dinas Kota Tomohon"));
}
