//! Any city from its file: the same build of the app, served with
//! `tests/cities/tomohon.toml`, shows Kota Tomohon everywhere — its name, its
//! emergency number (110), its service and its nine agencies — in the app,
//! the static shell that shows before the WebAssembly, the web manifest and
//! every public API answer, and nowhere the city the portal was first made for.

use std::io::Read as _;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use portal112_core::city::CityConfig;
use portal112_e2e::fixtures::{self, en, id};
use portal112_e2e::{Browser, Portal, Result};
use portal112_server::config;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// What must never show for another city.
const FIRST_CITY: &str = "Bitung";
/// Bitung's number, so a page still hard-coding it is caught.
const OTHER_NUMBER: &str = "112";

fn tomohon() -> Result<CityConfig> {
    Ok(config::load_city(&fixtures::tomohon())?)
}

/// Where in `text` the first city is named, with some context, for the message.
fn mentions(text: &str, word: &str) -> Vec<String> {
    text.match_indices(word)
        .map(|(at, _)| {
            let start = text.floor_char_boundary(at.saturating_sub(60));
            let end = text.ceil_char_boundary((at + word.len() + 60).min(text.len()));
            text[start..end].replace('\n', " ")
        })
        .collect()
}

fn never_says(what: &str, text: &str, word: &str) -> Result {
    let found = mentions(text, word);
    ensure!(found.is_empty(), "{what} says {word:?}:\n  {}", found.join("\n  "));
    Ok(())
}

/// The text a reader sees in `html`: no scripts, styles, tags or file names.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let skip_to = ["<script", "<style"]
            .iter()
            .zip(["</script>", "</style>"])
            .find(|(start, _)| tag.starts_with(**start))
            .and_then(|(_, end)| tag.find(end).map(|e| e + end.len()))
            .or_else(|| tag.find('>').map(|e| e + 1))
            .unwrap_or(tag.len());
        rest = &tag[skip_to..];
    }
    out.push_str(rest);
    out
}

/// GET `path` asking for `encoding`; the decoded body and the encoding sent.
async fn get_decoded(portal: &Portal, path: &str, encoding: &str) -> Result<(String, Option<String>)> {
    let response = reqwest::Client::new()
        .get(portal.url(path))
        .header("accept-encoding", encoding)
        .send()
        .await
        .with_context(|| format!("GET {path}"))?;
    ensure!(response.status().is_success(), "GET {path}: {}", response.status());
    let sent = response.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = response.bytes().await?;
    let mut text = String::new();
    match sent.as_deref() {
        Some("br") => {
            brotli::Decompressor::new(&bytes[..], 4096).read_to_string(&mut text)?;
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text)?;
        }
        None => text = String::from_utf8(bytes.to_vec())?,
        Some(other) => anyhow::bail!("GET {path}: unexpected content-encoding {other}"),
    }
    Ok((text, sent))
}

/// GET `path` as is (no compression asked for).
async fn get_text(portal: &Portal, path: &str) -> Result<String> {
    Ok(get_decoded(portal, path, "identity").await?.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_and_the_manifest_are_filled_from_the_city_file() -> Result {
    let city = tomohon()?;
    let portal = Portal::start_city(&fixtures::tomohon()).await?;
    let dist = fixtures::dist_dir();
    ensure!(dist.join("index.html.br").is_file(), "`make app` precompresses dist/ (index.html.br)");
    let built = std::fs::read_to_string(dist.join("index.html"))?;
    ensure!(built.contains("{number}"), "the built shell is a template: {built}");

    // Every way of asking for the shell, in every encoding: never the built
    // file as it is, nor its precompressed copies.
    for path in ["/", "/index.html", "/lapor", "/lacak", "/lacak/K7M-2QX-94R", "/video", "/video/dlh", "/tidak-ada"] {
        for encoding in ["br", "gzip", "identity"] {
            let (html, sent) = get_decoded(&portal, path, encoding).await?;
            let what = format!("the shell at {path} ({encoding}, sent {sent:?})");
            never_says(&what, &html, FIRST_CITY)?;
            for placeholder in ["{service}", "{city}", "{number}", "{agencies}", "{short_name}"] {
                ensure!(!html.contains(placeholder), "{what} still holds {placeholder}");
            }
            let text = visible_text(&html);
            never_says(&what, &text, OTHER_NUMBER)?;
            ensure!(html.contains("tel:110"), "{what} calls 110: {html}");
            // Each page is rendered ahead with the city's words: the header and footer everywhere.
            for expected in ["Call Center 110 Kota Tomohon", "Darurat? Telepon 110", "Pemerintah Kota Tomohon"] {
                ensure!(text.contains(expected), "{what} says {expected:?}: {text}");
            }
            if matches!(path, "/" | "/index.html") {
                for expected in ["ditangani bersama 9 dinas Kota Tomohon.", "telepon 110."] {
                    ensure!(text.contains(expected), "{what} says {expected:?}: {text}");
                }
            }
        }
    }
    // The boot script still runs under the page's policy (allowed by hash):
    // the browser tests below load the app from this shell.
    let (html, _) = get_decoded(&portal, "/", "br").await?;
    ensure!(html.contains("<title>Call Center 110 Kota Tomohon</title>"), "{html}");

    for encoding in ["br", "gzip", "identity"] {
        let (text, sent) = get_decoded(&portal, "/manifest.webmanifest", encoding).await?;
        let what = format!("the manifest ({encoding}, sent {sent:?})");
        never_says(&what, &text, FIRST_CITY)?;
        let manifest: Value = serde_json::from_str(&text).with_context(|| format!("{what}: {text}"))?;
        assert_eq!(manifest["name"], city.city.service_name.id.as_str(), "{what}");
        assert_eq!(manifest["short_name"], "110 Tomohon", "{what}");
        ensure!(manifest["description"].as_str().is_some_and(|d| d.contains("Kota Tomohon")), "{what}: {manifest:#}");
        ensure!(manifest["icons"].as_array().is_some_and(|i| i.len() >= 2), "{what}: {manifest:#}");
    }
    // The icon (favicon and home screen) carries the number, too.
    let (icon, _) = get_decoded(&portal, "/icons/icon.svg", "br").await?;
    ensure!(icon.contains(">110</text>") && !icon.contains("112") && !icon.contains('{'), "the icon: {icon}");

    // A browser revalidates the shell: the same filled page is not sent again.
    let response = reqwest::Client::new().get(portal.url("/")).send().await?;
    let etag = response.headers().get("etag").context("an ETag on the shell")?.clone();
    let again = reqwest::Client::new().get(portal.url("/")).header("if-none-match", etag).send().await?;
    assert_eq!(again.status(), 304);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_api_answer_names_another_city() -> Result {
    let portal = Portal::start_city(&fixtures::tomohon()).await?;
    let code = portal
        .create_report(&json!({
            "category": "sampah",
            "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
            "location": {"lat": 1.3235, "lng": 124.8405},
            "district": "71.73.02",
        }))
        .await?;
    let ticket = get_text(&portal, &format!("/api/v1/tickets/{code}")).await?;
    let mut answers = vec![(format!("/api/v1/tickets/{code}"), ticket.clone())];
    for path in [
        "/api/v1/config",
        "/api/v1/openapi.json",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/discovery.json",
        "/open311/v2/discovery.xml",
    ] {
        answers.push((path.to_owned(), get_text(&portal, path).await?));
    }
    let mut problems = Vec::new();
    for (path, body) in &answers {
        if let Err(e) = never_says(path, body, FIRST_CITY) {
            problems.push(e.to_string());
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));

    let config: Value = serde_json::from_str(&answers[1].1)?;
    assert_eq!(config["city"]["name"], "Kota Tomohon");
    assert_eq!(config["city"]["emergency_number"], "110");
    assert_eq!(config["agencies"].as_array().map(Vec::len), Some(9));
    let discovery = &answers[5].1;
    ensure!(discovery.contains("Call Center 110 Kota Tomohon") && discovery.contains("110"), "{discovery}");
    ensure!(ticket.contains("Tomohon Tengah"), "the ticket names its kecamatan: {ticket}");
    Ok(())
}

/// Waits until the page's `<h1>` reads `title`.
async fn titled(b: &Browser, title: &str) -> Result<()> {
    b.wait(
        &format!("the page {title:?}"),
        &format!("document.querySelector('main h1')?.textContent.trim() === {}", json!(title)),
    )
    .await?;
    Ok(())
}

/// The page's whole text and markup never name the first city nor its number.
async fn names_only_tomohon(b: &Browser, page: &str, lang: &str) -> Result {
    let text = b.js("return document.body.innerText").await?;
    let text = text.as_str().unwrap_or_default();
    never_says(page, text, FIRST_CITY)?;
    never_says(page, text, OTHER_NUMBER)?;
    let html = b.js("return document.documentElement.outerHTML").await?;
    never_says(page, html.as_str().unwrap_or_default(), FIRST_CITY)?;
    let city = tomohon()?;
    let service =
        city.city.service_name.get(if lang == "en" { portal112_core::Lang::En } else { portal112_core::Lang::Id });
    let header = b
        .js("return { mark: document.querySelector('.brand-mark')?.textContent, \
                      name: document.querySelector('.brand-name')?.textContent, \
                      call: document.querySelector('a.call')?.getAttribute('href'), \
                      callText: document.querySelector('a.call')?.textContent, \
                      footer: document.querySelector('footer')?.textContent, \
                      title: document.title }")
        .await?;
    assert_eq!(header["mark"], "110", "{page}: {header:#}");
    assert_eq!(header["name"], service, "{page}: {header:#}");
    assert_eq!(header["call"], "tel:110", "{page}: {header:#}");
    ensure!(header["callText"].as_str().is_some_and(|t| t.contains("110")), "{page}: {header:#}");
    ensure!(
        header["footer"].as_str().is_some_and(|t| t.contains("Kota Tomohon") && t.contains("110")),
        "{page}: {header:#}"
    );
    assert_eq!(header["title"], service, "{page}: {header:#}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_shows_the_city_of_its_file() -> Result {
    let portal = Portal::start_city(&fixtures::tomohon()).await?;
    let mut b = Browser::start(&portal.base()).await?;

    b.open("/").await?;
    titled(&b, &id("hero_title")).await?;
    b.wait("the footer", "document.querySelector('footer')?.textContent.includes('Tomohon')").await?;
    names_only_tomohon(&b, "/", "id").await?;
    let hero = b.js("return document.querySelector('.hero')?.innerText").await?;
    ensure!(
        hero.as_str().is_some_and(|h| h.contains("9 dinas Kota Tomohon") && h.contains("telepon 110")),
        "the home page's introduction: {hero}"
    );
    b.screenshot("tomohon-beranda").await?;

    b.open("/lapor").await?;
    titled(&b, &id("report_title")).await?;
    // An urgent category: the form says to call the city's number, too.
    let label = b.driver().find(By::Css("label[for='kategori-kebakaran']")).await?;
    let badge = label.find(By::Css(".badge-urgent")).await?.text().await?;
    assert_eq!(badge, "110", "urgent categories carry the emergency number");
    b.tap(&label).await?;
    b.wait(
        "the call-now notice",
        "(() => { const n = document.querySelector('.notice-urgent'); \
                  return n && n.offsetParent !== null && n.querySelector('a[href=\"tel:110\"]'); })()",
    )
    .await?;
    names_only_tomohon(&b, "/lapor", "id").await?;
    b.screenshot("tomohon-lapor").await?;
    b.click_button(&id("next")).await?;
    b.wait(
        "the kecamatan of Tomohon",
        "[...document.querySelectorAll('#kecamatan option')].some(o => o.textContent === 'Tomohon Tengah')",
    )
    .await?;
    names_only_tomohon(&b, "/lapor (location)", "id").await?;

    b.open("/lacak").await?;
    titled(&b, &id("track_page_title")).await?;
    names_only_tomohon(&b, "/lacak", "id").await?;

    b.open("/video").await?;
    titled(&b, &id("videos_page_title")).await?;
    b.wait("the catalogue", "!document.querySelector('main p[role=status]')").await?;
    b.wait("Damkar, Tomohon's ninth agency", "document.getElementById('video-damkar')").await?;
    names_only_tomohon(&b, "/video", "id").await?;
    b.screenshot("tomohon-video").await?;

    // In English, too.
    b.open("/").await?;
    let switch = b.driver().find(By::Css("header button.lang")).await?;
    b.tap(&switch).await?;
    titled(&b, &en("hero_title")).await?;
    names_only_tomohon(&b, "/ (English)", "en").await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_static_shell_shows_the_city_without_webassembly() -> Result {
    let portal = Portal::start_city(&fixtures::tomohon()).await?;
    let mut b = Browser::start(&portal.base()).await?;
    // A phone that never gets the WebAssembly keeps the shell.
    let cdp = b.driver().cdp();
    cdp.send_raw("Network.enable", json!({})).await?;
    cdp.send_raw("Network.setBlockedURLs", json!({"urls": ["*.wasm"]})).await?;
    b.driver().goto(portal.url("/")).await?;
    b.wait("the page rendered ahead", "document.querySelector('main h1') && document.querySelector('a.call')").await?;
    // Give the blocked app its moment to (not) start.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shell = b
        .js("return { text: document.body.innerText, call: document.querySelector('a.call').getAttribute('href'), \
                      mark: document.querySelector('.brand-mark').textContent, title: document.title, \
                      app: document.documentElement.hasAttribute('data-app') }")
        .await?;
    assert_eq!(shell["app"], false, "the app did not start: {shell:#}");
    assert_eq!(shell["call"], "tel:110", "{shell:#}");
    assert_eq!(shell["mark"], "110", "{shell:#}");
    assert_eq!(shell["title"], "Call Center 110 Kota Tomohon", "{shell:#}");
    let text = shell["text"].as_str().unwrap_or_default();
    never_says("the shell", text, FIRST_CITY)?;
    never_says("the shell", text, OTHER_NUMBER)?;
    ensure!(text.contains("9 dinas Kota Tomohon"), "{text}");
    b.screenshot("tomohon-shell").await?;
    // The blocked WebAssembly is this test's doing, not the page's.
    let _ = b.take_errors().await;
    b.finish().await
}

/// `make lint` checks the city files against idn-area-data; so does this,
/// for the test city the browser tests depend on.
#[test]
fn the_test_city_has_the_official_kecamatan_and_kelurahan() -> Result {
    let root = fixtures::workspace();
    let output = std::process::Command::new("node")
        .current_dir(&root)
        .args(["scripts/gen-areas.mjs", "tests/cities/tomohon.toml", "--check"])
        .output()
        .context("running node (scripts/install-tools.sh installs it)")?;
    ensure!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let city = tomohon()?;
    assert_eq!(city.city.code, "71.73");
    assert_eq!(city.districts.len(), 5, "Tomohon has five kecamatan");
    Ok(())
}
