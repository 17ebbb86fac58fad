//! The rest of what a citizen meets: the language switch, a ticket that
//! updates itself, the agencies' videos with captions, and every page checked
//! with axe-core and for script errors.

use std::time::Duration;

use anyhow::{Context as _, ensure};
use portal112_core::{Lang, Status};
use portal112_e2e::fixtures::{self, en, id};
use portal112_e2e::{Browser, Portal, Result};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// A report that passes every check: rubbish in Kota Bitung (`config/bitung.toml`), on the map.
fn report() -> Value {
    json!({
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
        "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 12.0},
    })
}

/// The visible text of the first element matching `selector`, as JavaScript.
fn text_of(selector: &str) -> String {
    format!("document.querySelector({})?.textContent.trim()", json!(selector))
}

/// Waits until the page's `<h1>` reads `title`.
async fn titled(b: &Browser, title: &str) -> Result<()> {
    b.wait(&format!("the page {title:?}"), &format!("{} === {}", text_of("main h1"), json!(title))).await?;
    Ok(())
}

/// Captions of the uploaded test video, a cue a second.
const CAPTIONS_ID: [&str; 3] =
    ["Sampah menumpuk? Laporkan ke 112.", "Foto dan tandai lokasinya.", "Simpan kode tiket."];
const CAPTIONS_EN: [&str; 3] =
    ["Rubbish piling up? Report it to 112.", "Take a photo and mark the place.", "Keep the code."];

/// Uploads a freshly made WebM with captions in both languages for DLH, as an admin.
async fn upload_dlh_video(portal: &Portal) -> Result<Value> {
    let dir = tempfile::tempdir()?;
    let video = dir.path().join("panduan.webm");
    fixtures::write_webm(&video)?;
    let admin = portal.admin().await?;
    let meta = json!({"agency": "dlh", "title": {"id": "Cara melapor sampah", "en": "How to report rubbish"}});
    portal.upload_video(&admin, &meta, &video, &fixtures::webvtt(&CAPTIONS_ID), &fixtures::webvtt(&CAPTIONS_EN)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_is_remembered() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/").await?;
    titled(&b, &id("hero_title")).await?;
    assert_eq!(b.js("return document.documentElement.lang").await?, "id");

    let switch = b.driver().find(By::Css("header button.lang")).await?;
    assert_eq!(switch.text().await?, id("switch_to"));
    b.tap(&switch).await?;
    titled(&b, &en("hero_title")).await?;
    assert_eq!(b.js("return document.documentElement.lang").await?, "en");
    // The title is the service's name, from the city file.
    let city = portal112_server::config::load_city(&fixtures::workspace().join("config/bitung.toml"))?;
    assert_eq!(b.js("return document.title").await?, city.city.service_name.en.as_str());
    let nav = b.js("return [...document.querySelectorAll('nav.nav a')].map(a => a.textContent.trim())").await?;
    assert_eq!(
        nav,
        json!([en("nav_home"), en("nav_report"), en("nav_track"), en("nav_videos"), en("nav_map"), en("nav_stats")])
    );
    assert_eq!(b.js(&format!("return {}", text_of("header button.lang"))).await?, en("switch_to").as_str());
    b.screenshot("beranda-en").await?;

    b.reload().await?;
    titled(&b, &en("hero_title")).await?;
    assert_eq!(b.js("return document.documentElement.lang").await?, "en", "English is remembered");
    // The other pages follow, too.
    b.open("/lapor").await?;
    titled(&b, &en("report_title")).await?;

    let switch = b.driver().find(By::Css("header button.lang")).await?;
    b.tap(&switch).await?;
    titled(&b, &id("report_title")).await?;
    assert_eq!(b.js("return document.documentElement.lang").await?, "id");
    b.finish().await
}

/// English's words are a part of the app of their own: when it cannot be
/// fetched, the page stays whole in Indonesian and says so in both languages,
/// and the next tap fetches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_that_does_not_arrive_leaves_the_page_in_indonesian() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    let cdp = b.driver().cdp();
    cdp.send_raw("Network.enable", json!({})).await?;
    // Not even from the service worker's copy.
    cdp.send_raw("Network.setBypassServiceWorker", json!({"bypass": true})).await?;
    cdp.send_raw("Network.setBlockedURLs", json!({"urls": ["*split_english*"]})).await?;
    b.open("/").await?;
    let switch = b.driver().find(By::Css("header button.lang")).await?;
    b.tap(&switch).await?;
    let notice = ".banner[role=alert]";
    b.wait("the notice", &format!("({}).includes({})", text_of(notice), json!(id("lang_failed")))).await?;
    let page = b
        .js(&format!(
            "return {{ notice: {}, lang: document.documentElement.lang, title: {} }}",
            text_of(notice),
            text_of("main h1")
        ))
        .await?;
    ensure!(page["notice"].as_str().is_some_and(|n| n.contains(&id("lang_failed_in_other"))), "{page:#}");
    assert_eq!(page["lang"], "id", "{page:#}");
    assert_eq!(page["title"], id("hero_title"), "{page:#}");
    b.screenshot("bahasa-gagal").await?;
    // The loader reports the blocked fetch.
    ensure!(!b.take_errors().await.is_empty(), "the blocked part was not fetched");

    cdp.send_raw("Network.setBlockedURLs", json!({"urls": []})).await?;
    let switch = b.driver().find(By::Css("header button.lang")).await?;
    b.tap(&switch).await?;
    titled(&b, &en("hero_title")).await?;
    assert_eq!(b.js("return document.documentElement.lang").await?, "en");
    assert_eq!(b.js(&format!("return document.querySelectorAll('{notice}').length")).await?, 0);
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_change_appears_live_on_the_tracking_page() -> Result {
    let portal = Portal::start().await?;
    let code = portal.create_report(&report()).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open(&format!("/lacak/{code}")).await?;
    b.wait("the ticket", &format!("{} === {}", text_of(".ticket .ticket-code"), json!(code))).await?;
    b.wait("the status", &format!("{} === {}", text_of(".ticket .badge"), json!(Status::Received.label(Lang::Id))))
        .await?;
    b.wait("the live feed", &format!("{} === {}", text_of(".live-state"), json!(id("live")))).await?;
    // Marks this very document: a reload would lose it.
    b.js("window.__samePage = true").await?;

    let note = "Petugas DLH dijadwalkan mengangkut sampah besok pagi.";
    portal.add_event(&code, &json!({"status": "verified", "public_note": note})).await?;
    b.wait("the new status", &format!("{} === {}", text_of(".ticket .badge"), json!(Status::Verified.label(Lang::Id))))
        .await?;
    b.wait(
        "the public note",
        &format!(
            "[...document.querySelectorAll('.timeline .note')].some(n => n.textContent.trim() === {})",
            json!(note)
        ),
    )
    .await?;
    assert_eq!(b.js("return window.__samePage === true").await?, true, "updated without a reload");
    b.screenshot("lacak-tiket-diperbarui").await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_video_plays_with_captions() -> Result {
    let portal = Portal::start().await?;
    let video = upload_dlh_video(&portal).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/video/dlh").await?;
    let selector = format!("#vid-{}", video["id"].as_str().context("video id")?);
    b.wait("the video", &format!("document.querySelector({})", json!(selector))).await?;
    let el = b.driver().find(By::Css(&selector)).await?;
    b.js_with("arguments[0].scrollIntoView({ block: 'center' })", vec![el.to_json()?]).await?;
    b.screenshot("video-dlh").await?;

    let tracks = b
        .js_with(
            "return [...arguments[0].textTracks].map(t => ({ kind: t.kind, lang: t.language, label: t.label }))",
            vec![el.to_json()?],
        )
        .await?;
    let tracks = tracks.as_array().context("text tracks")?;
    ensure!(
        tracks.iter().any(|t| t["kind"] == "captions" && t["lang"] == "id"),
        "an Indonesian captions track: {tracks:?}"
    );

    // What the play button does (the autoplay policy of the test browser
    // allows it from a script).
    let played = b
        .driver()
        .execute_async(
            "const [v, done] = arguments; v.play().then(() => done('playing'), (e) => done(String(e)));",
            vec![el.to_json()?],
        )
        .await?;
    assert_eq!(played.json(), "playing");
    let script = format!("document.querySelector({}).currentTime > 1.2", json!(selector));
    b.wait_for("playback to advance", &script, Duration::from_secs(15)).await?;
    // The Indonesian captions show (the page is in Indonesian) and follow the video.
    let cue = b
        .wait(
            "a caption on screen",
            &format!(
                "(() => {{ const t = [...document.querySelector({}).textTracks].find(t => t.language === 'id'); \
                 return t.mode === 'showing' && t.activeCues && t.activeCues.length > 0 && t.activeCues[0].text; }})()",
                json!(selector)
            ),
        )
        .await?;
    ensure!(CAPTIONS_ID.contains(&cue.as_str().unwrap_or_default()), "a cue of the file: {cue}");
    b.finish().await
}

/// Visits every page of the portal as a citizen would, making a report on
/// the way; with `axe`, runs axe-core on each and returns what it found.
async fn every_page(b: &mut Browser, code: &str, axe: bool) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut check = async |b: &Browser, page: &str| -> Result<()> {
        if axe {
            for v in b.axe().await? {
                found.push(format!("{page}: {v}"));
            }
        }
        Ok(())
    };

    b.open("/").await?;
    titled(b, &id("hero_title")).await?;
    check(b, "/").await?;

    b.open("/lapor").await?;
    titled(b, &id("report_title")).await?;
    check(b, "/lapor (category)").await?;
    let label = b.driver().find(By::Css("label[for='kategori-sampah']")).await?;
    b.tap(&label).await?;
    b.click_button(&id("next")).await?;
    b.wait("the map", "document.querySelector('.map.leaflet-container .leaflet-map-pane')").await?;
    let map = b.driver().find(By::Css(".map.leaflet-container")).await?;
    b.js_with("arguments[0].scrollIntoView({ block: 'center' })", vec![map.to_json()?]).await?;
    b.driver().action_chain().move_to_element_with_offset(&map, 0, 0).click().perform().await?;
    b.wait("the marker", "document.querySelector('.leaflet-marker-icon')").await?;
    check(b, "/lapor (location)").await?;
    b.click_button(&id("next")).await?;
    let description = b.by_id("keterangan").await?;
    b.tap(&description).await?;
    description.send_keys("Sampah menumpuk di depan pasar sejak tiga hari.").await?;
    check(b, "/lapor (details)").await?;
    b.click_button(&id("next")).await?;
    b.by_id("anonim").await?;
    check(b, "/lapor (contact)").await?;
    b.click_button(&id("next")).await?;
    b.wait("the review", "document.querySelector('.review')").await?;
    check(b, "/lapor (review)").await?;
    b.click_button(&id("send")).await?;
    b.wait_for("the ticket code", "document.querySelector('.ticket-code')", Duration::from_secs(30)).await?;
    check(b, "/lapor (sent)").await?;

    b.open("/lacak").await?;
    titled(b, &id("track_page_title")).await?;
    b.by_id("kode-tiket").await?;
    b.screenshot("lacak").await?;
    check(b, "/lacak").await?;

    b.open(&format!("/lacak/{code}")).await?;
    b.wait("the ticket", &format!("{} === {}", text_of(".ticket .ticket-code"), json!(code))).await?;
    b.wait("the live feed", &format!("{} === {}", text_of(".live-state"), json!(id("live")))).await?;
    check(b, "/lacak/{code}").await?;

    b.open("/video").await?;
    titled(b, &id("videos_page_title")).await?;
    b.wait("the catalogue", "document.querySelector('video') && !document.querySelector('main p[role=status]')")
        .await?;
    b.screenshot("video").await?;
    check(b, "/video").await?;

    b.open("/video/dlh").await?;
    b.wait("the DLH videos", "document.querySelector('video') && document.querySelector('.youtube-facade')").await?;
    check(b, "/video/dlh").await?;

    b.open("/tidak-ada").await?;
    titled(b, &id("not_found_title")).await?;
    b.screenshot("tidak-ada").await?;
    check(b, "/tidak-ada (404)").await?;

    // Back home: the browser now revalidates the cached page.
    b.open("/").await?;
    titled(b, &id("hero_title")).await?;
    b.wait("the new ticket in Laporan saya", "document.querySelector('.my-reports .code')").await?;
    check(b, "/ (again)").await?;
    Ok(found)
}

/// A portal with a ticket, an uploaded video with captions and a YouTube entry.
async fn furnished_portal() -> Result<(Portal, String)> {
    let portal = Portal::start().await?;
    let code = portal.create_report(&report()).await?;
    upload_dlh_video(&portal).await?;
    let admin = portal.admin().await?;
    portal
        .add_youtube(
            &admin,
            &json!({"agency": "dlh", "title": {"id": "Jadwal angkut sampah", "en": "Rubbish collection"}, "youtube_id": "dQw4w9WgXcQ"}),
        )
        .await?;
    Ok((portal, code))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_serious_violation_on_any_page() -> Result {
    let (portal, code) = furnished_portal().await?;
    let mut b = Browser::start(&portal.base()).await?;
    let found = every_page(&mut b, &code, true).await?;
    assert!(found.is_empty(), "axe-core found serious or critical violations:\n{}", found.join("\n"));
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_logs_a_script_error() -> Result {
    let (portal, code) = furnished_portal().await?;
    let mut b = Browser::start(&portal.base()).await?;
    every_page(&mut b, &code, false).await?;
    let errors = b.take_errors().await;
    assert!(errors.is_empty(), "script errors:\n{}", errors.join("\n"));
    b.finish().await
}

/// The two detectors above would pass a broken page if they never fired:
/// show that they do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_catch_what_they_look_for() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/tidak-ada").await?;
    titled(&b, &id("not_found_title")).await?;
    b.js("const main = document.querySelector('main'); \
          main.insertAdjacentHTML('beforeend', '<button type=button></button><img src=/icons/icon.svg>');")
        .await?;
    let found = b.axe().await?;
    ensure!(found.iter().any(|v| v.contains("button-name")), "axe reports a button without a name: {found:?}");
    ensure!(found.iter().any(|v| v.contains("image-alt")), "axe reports an image without alt: {found:?}");

    // From timers, as the app's own callbacks would run them. Chromium mutes
    // errors of WebDriver-injected code ("Script error.") and sends no
    // `unhandledrejection` for its promises, so that event is dispatched as
    // the browser would; a foreign image breaks the page's CSP.
    b.js("setTimeout(() => { throw new Error('thrown on purpose'); }); \
          setTimeout(() => console.error('logged on purpose')); \
          const p = Promise.reject(new Error('rejected on purpose')); p.catch(() => {}); \
          window.dispatchEvent(new PromiseRejectionEvent('unhandledrejection', { promise: p, reason: new Error('rejected on purpose') })); \
          document.querySelector('main').insertAdjacentHTML('beforeend', '<img alt=x src=https://tile.example.org/1.png>');")
        .await?;
    b.wait("the recorder", "window.__p112Errors.length >= 4").await?;
    let errors = b.take_errors().await;
    for what in ["uncaught error", "rejected on purpose", "logged on purpose", "CSP violation: img-src"] {
        ensure!(errors.iter().any(|e| e.contains(what)), "the recorder caught {what:?}: {errors:?}");
    }
    b.finish().await
}

/// Installed before any page script: what the page showed before the app
/// took it over (at `DOMContentLoaded`, when the WebAssembly has not run yet),
/// and every layout shift from the first paint on.
const PAINT_RECORDER: &str = r"
(() => {
  if (window.__p112Paint) return;
  const paint = { shift: 0, shifts: [], before: null };
  Object.defineProperty(window, '__p112Paint', { value: paint });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      paint.shift += e.value;
      paint.shifts.push(e.value);
    }
  }).observe({ type: 'layout-shift', buffered: true });
  paint.lcp = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      paint.lcp.push({ at: Math.round(e.startTime), size: e.size, what: (e.element?.textContent || '').trim().slice(0, 40) });
    }
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  new MutationObserver((_, o) => {
    if (document.documentElement.hasAttribute('data-app')) { paint.app = Math.round(performance.now()); o.disconnect(); }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-app'] });
  document.addEventListener('DOMContentLoaded', () => {
    const h1 = document.querySelector('main h1');
    const r = h1 && h1.getBoundingClientRect();
    paint.before = {
      app: document.documentElement.hasAttribute('data-app'),
      h1: h1 && h1.textContent.trim(),
      top: r && r.top,
      footer: document.querySelector('footer.footer p')?.textContent.trim(),
      text: document.querySelector('main').innerText.length,
      ticket: document.querySelector('.ticket-code')?.textContent.trim() ?? null,
    };
  });
})();
";

/// Each public page is rendered ahead: its heading and words are there before
/// the WebAssembly runs, and the app takes the page over without moving
/// anything (cumulative layout shift 0) or changing what it says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_paint_before_the_webassembly_and_the_app_takes_over_without_a_shift() -> Result {
    let (portal, code) = furnished_portal().await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.driver().cdp().page().add_script_to_evaluate_on_new_document(PAINT_RECORDER).await?;
    // A slow phone line (about Lighthouse's slow 4G): the page paints long
    // before the WebAssembly is there, as on the phones the portal is for.
    b.driver().cdp().send_raw("Network.enable", json!({})).await?;
    // Every page a first visit: nothing from the HTTP cache or the service worker.
    b.driver().cdp().send_raw("Network.setCacheDisabled", json!({"cacheDisabled": true})).await?;
    b.driver().cdp().send_raw("Network.setBypassServiceWorker", json!({"bypass": true})).await?;
    b.driver()
        .cdp()
        .send_raw(
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 100_000}),
        )
        .await?;
    let ticket_page = format!("/lacak/{code}");
    for (path, title) in [
        ("/", id("hero_title")),
        ("/lapor", id("report_title")),
        ("/lacak", id("track_page_title")),
        // A ticket's page, rendered with the ticket (its live state then
        // appears in a line kept free for it).
        (ticket_page.as_str(), id("track_page_title")),
        ("/video", id("videos_page_title")),
        ("/video/dlh", id("videos_page_title")),
        ("/peta", id("map_title")),
        ("/statistik", id("stats_title")),
    ] {
        // A fresh visit each time: nothing kept on the phone.
        b.js("try { localStorage.clear(); } catch (e) {}").await?;
        b.open(path).await?;
        titled(&b, &title).await?;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let paint = b.js("return window.__p112Paint").await?;
        let before = &paint["before"];
        ensure!(before["app"] == false, "{path}: the app had not run at DOMContentLoaded: {paint:#}");
        ensure!(before["h1"] == json!(title), "{path}: the heading is there before the WebAssembly: {paint:#}");
        ensure!(before["footer"].as_str().is_some_and(|f| f.contains("Kota Bitung")), "{path}: {paint:#}");
        if path == ticket_page {
            ensure!(before["ticket"] == json!(code), "{path}: the ticket is there before the WebAssembly: {paint:#}");
        }
        let after = b
            .js("const r = document.querySelector('main h1').getBoundingClientRect(); return { top: r.top, \
                 footer: document.querySelector('footer.footer p')?.textContent.trim() }")
            .await?;
        ensure!(after["top"] == before["top"] && after["footer"] == before["footer"], "{path}: {paint:#} -> {after:#}");
        ensure!(paint["shift"].as_f64() == Some(0.0), "{path}: cumulative layout shift {}", paint["shift"]);
        // The largest paint is the page rendered ahead, not the app's copy of it.
        let lcp = paint["lcp"].as_array().cloned().unwrap_or_default();
        eprintln!("{path}: largest paints {}, the app took over at {} ms", json!(lcp), paint["app"]);
        ensure!(
            lcp.last().is_some_and(|l| l["at"].as_f64() < paint["app"].as_f64()),
            "{path}: the largest paint comes before the app: {paint:#}"
        );
        let shot =
            if path == ticket_page { "lacak-tiket".to_owned() } else { path.trim_matches('/').replace('/', "-") };
        b.screenshot(&format!("dirender-{shot}")).await?;
    }
    b.finish().await
}

/// With JavaScript off the pages still read: the home page and the videos
/// (which play without it); what needs the app says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_read_with_javascript_off() -> Result {
    let (portal, _) = furnished_portal().await?;
    let b = Browser::start(&portal.base()).await?;
    b.driver().cdp().send_raw("Emulation.setScriptExecutionDisabled", json!({"value": true})).await?;
    for (path, title, note) in [
        ("/", id("hero_title"), true),
        ("/video", id("videos_page_title"), false),
        ("/lapor", id("report_title"), true),
        ("/peta", id("map_title"), true),
    ] {
        b.driver().goto(portal.url(path)).await?;
        let h1 = b.driver().find(By::Css("main h1")).await?.text().await?;
        ensure!(h1 == title, "{path}: {h1:?}");
        let main = b.driver().find(By::Css("main")).await?.text().await?;
        ensure!(main.contains("JavaScript") == note, "{path}: the note on what needs the app: {main}");
        if path == "/video" {
            let video = b.driver().find(By::Css("video source")).await?.attr("src").await?;
            ensure!(video.is_some_and(|s| s.starts_with("/media/")), "a video plays without JavaScript");
        }
        b.screenshot(&format!("tanpa-js-{}", if path == "/" { "beranda" } else { path.trim_matches('/') })).await?;
    }
    Ok(())
}
