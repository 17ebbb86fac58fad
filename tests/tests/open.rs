//! Open by default, in a real browser: the public map with its filters, the
//! report form's "someone already reported this" ending in "Laporan saya",
//! and the statistics with their tables — each checked with axe-core and
//! photographed at 360 px.

use anyhow::ensure;
use portal112_e2e::fixtures::id;
use portal112_e2e::{Browser, Portal, Result};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

fn report(category: &str, description: &str, lat: f64, lng: f64) -> Value {
    json!({"category": category, "description": description, "location": {"lat": lat, "lng": lng}})
}

async fn no_serious_violations(b: &Browser, page: &str) -> Result<()> {
    let found = b.axe().await?;
    ensure!(found.is_empty(), "axe-core on {page}:\n{}", found.join("\n"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_map_lists_and_filters_reports() -> Result {
    let portal = Portal::start().await?;
    let rubbish = portal.create_report(&report("sampah", "Sampah di depan pasar", 1.4472, 125.1978)).await?;
    portal.add_event(&rubbish, &json!({"status": "verified"})).await?;
    let flood = portal.create_report(&report("banjir", "Banjir setinggi lutut", 1.45, 125.2)).await?;
    portal.create_report(&report("kekerasan-anak", "RAHASIA-JANGAN-TAMPIL", 1.45, 125.2)).await?;
    let mut b = Browser::start(&portal.base()).await?;
    // From the report form's map, which loads the smaller Leaflet: the public
    // map then loads the one with popups over it.
    b.open("/lapor").await?;
    let label = b.driver().find(By::Css("label[for='kategori-sampah']")).await?;
    b.tap(&label).await?;
    b.click_button(&id("next")).await?;
    b.wait("the form's map", "document.querySelector('.map.leaflet-container .leaflet-map-pane')").await?;
    ensure!(b.js("return typeof L.Popup").await? == json!("undefined"), "the form's map loaded the smaller Leaflet");
    let to_map = b.driver().find(By::Css("header a[href='/peta']")).await?;
    b.tap(&to_map).await?;
    b.wait(
        "the page",
        &format!("document.querySelector('main h1')?.textContent.trim() === {}", json!(id("map_title"))),
    )
    .await?;
    b.wait("two reports in the list", "document.querySelectorAll('.map-list li').length === 2").await?;
    b.wait("the dots on the map", "document.querySelectorAll('.public-map path.leaflet-interactive').length === 2")
        .await?;
    let text = b.js("return document.querySelector('main').textContent").await?;
    ensure!(!text.as_str().unwrap_or_default().contains("RAHASIA"), "a confidential report on the map page");
    ensure!(text.as_str().unwrap_or_default().contains("Sampah di depan pasar"), "the verified text is shown");
    no_serious_violations(&b, "/peta").await?;
    b.screenshot("peta").await?;

    // A dot tells its report's code and status, a link to its tracking page.
    let dot = b.driver().find(By::Css(".public-map path.leaflet-interactive")).await?;
    b.tap(&dot).await?;
    let link =
        b.wait("the dot's popup", "document.querySelector('.leaflet-popup-content a')?.getAttribute('href')").await?;
    ensure!([&rubbish, &flood].iter().any(|code| link == json!(format!("/lacak/{code}"))), "the popup links to {link}");

    let filter = b.by_id("saring-kategori").await?;
    filter.find(By::Css("option[value='banjir']")).await?.click().await?;
    b.wait("the flood alone", "document.querySelectorAll('.map-list li').length === 1").await?;
    b.screenshot("peta-disaring").await?;
    let link = b.driver().find(By::Css(".map-list li a")).await?;
    b.tap(&link).await?;
    b.wait("its tracking page", &format!("location.pathname === {}", json!(format!("/lacak/{flood}")))).await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_already_reported_this_ends_in_my_reports() -> Result {
    let portal = Portal::start().await?;
    // At the map's centre, where a tap in the middle of the map lands.
    let earlier = portal.create_report(&report("sampah", "Sampah menumpuk di pasar", 1.4472, 125.1978)).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/lapor").await?;
    let label = b.driver().find(By::Css("label[for='kategori-sampah']")).await?;
    b.tap(&label).await?;
    b.click_button(&id("next")).await?;
    b.wait("the map", "document.querySelector('.map.leaflet-container .leaflet-map-pane')").await?;
    let map = b.driver().find(By::Css(".map.leaflet-container")).await?;
    b.js_with("arguments[0].scrollIntoView({ block: 'center' })", vec![map.to_json()?]).await?;
    b.driver().action_chain().move_to_element_with_offset(&map, 0, 0).click().perform().await?;
    b.wait("the offer", &format!("document.querySelector('.nearby')?.textContent.includes({})", json!(earlier)))
        .await?;
    no_serious_violations(&b, "/lapor (nearby)").await?;
    b.js_with(
        "arguments[0].scrollIntoView({ block: 'start' })",
        vec![b.driver().find(By::Css(".nearby")).await?.to_json()?],
    )
    .await?;
    b.screenshot("lapor-sudah-dilaporkan").await?;
    // "Kirim laporan baru" is one tap away; "Saya juga" joins the earlier report.
    b.by_text("button", &id("send_new_instead")).await?;
    b.click_button(&id("me_too")).await?;
    b.wait(
        "the report in Laporan saya",
        &format!("document.querySelector('.my-reports')?.textContent.includes({})", json!(earlier)),
    )
    .await?;
    b.screenshot("laporan-saya-juga").await?;
    let ticket = portal.staff_ticket(&earlier).await?;
    ensure!(ticket["supporters"] == 1, "staff see one supporter: {ticket}");
    ensure!(portal.ticket_total().await? == 1, "no second ticket was made");
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_have_tables_to_read() -> Result {
    let portal = Portal::start().await?;
    for (category, text) in [("sampah", "Sampah satu"), ("sampah", "Sampah dua"), ("banjir", "Banjir")] {
        portal.create_report(&report(category, text, 1.45, 125.2)).await?;
    }
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/statistik").await?;
    b.wait("the tables", "document.querySelectorAll('main table').length >= 4").await?;
    let dlh = b
        .js("return [...document.querySelectorAll('#per-dinas ~ div table tbody tr')].find(r => r.querySelector('th').textContent === 'DLH')?.querySelector('td').textContent")
        .await?;
    ensure!(dlh == "2", "DLH received two: {dlh}");
    // The share within the service level: a column, explained under the table;
    // nothing answered yet, so a dash rather than a percentage.
    let in_time = b
        .js("const t = document.querySelector('#per-dinas ~ div table'); const i = [...t.querySelectorAll('thead th')].findIndex(h => h.textContent === 'Tepat waktu'); const r = [...t.querySelectorAll('tbody tr')].find(r => r.querySelector('th').textContent === 'DLH'); return i < 0 ? 'no column' : r.children[i].textContent")
        .await?;
    ensure!(in_time == "–", "DLH answered nothing yet: {in_time}");
    let note = b.js("return document.querySelector('#per-dinas ~ p.small')?.textContent || ''").await?;
    ensure!(note.as_str().is_some_and(|n| n.starts_with("Tepat waktu:")), "the column is explained: {note}");
    let hidden = b
        .js("return [...document.querySelectorAll('svg.chart')].every(s => s.getAttribute('aria-hidden') === 'true')")
        .await?;
    ensure!(hidden == true, "the charts are decoration beside their tables");
    no_serious_violations(&b, "/statistik").await?;
    b.screenshot("statistik").await?;
    b.finish().await
}
