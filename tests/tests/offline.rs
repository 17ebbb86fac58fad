//! Installable and offline: the manifest is there, and once the portal has
//! been opened, it opens again without any network — form, drafts and the
//! last known status of tickets work from the phone.

use std::time::Duration;

use anyhow::ensure;
use portal112_e2e::fixtures::id;
use portal112_e2e::{Browser, Portal, Result};
use serde_json::json;
use thirtyfour::By;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_opens_and_works_without_network() -> Result {
    let mut portal = Portal::start().await?;
    let code = portal
        .create_report(&json!({
            "category": "banjir",
            "description": "Air setinggi lutut di Jl. Ahmad Yani.",
            "district": "71.72.07",
            "address": "Jl. Ahmad Yani, depan Gereja",
        }))
        .await?;
    let mut b = Browser::start(&portal.base()).await?;

    let manifest = portal.get_json("/manifest.webmanifest").await?;
    ensure!(manifest["icons"].as_array().is_some_and(|i| i.len() >= 2), "manifest icons: {manifest:#}");
    ensure!(manifest["start_url"] == "/" && manifest["display"] == "standalone", "{manifest:#}");

    // First visit with a signal: the service worker takes the shell, and the
    // tracking page keeps the ticket's state on the phone.
    b.open(&format!("/lacak/{code}")).await?;
    b.wait("the ticket", "document.querySelector('.ticket .ticket-code')").await?;
    b.wait_for(
        "the service worker to control the page",
        // It claims open pages when it activates (sw.js), no reload needed.
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null",
        Duration::from_secs(30),
    )
    .await?;
    b.wait_for(
        "the shell in the cache",
        "caches.keys().then(async ks => { for (const k of ks) { const c = await caches.open(k); \
         if (await c.match('/') && await c.match('/leaflet/leaflet.js')) return true; } return false; })",
        Duration::from_secs(30),
    )
    .await?;

    // The city's server is gone (no network at all for this phone).
    portal.stop().await?;

    b.open("/lapor").await?;
    b.wait(
        "the report form without network",
        &format!("document.getElementById('langkah-judul')?.textContent.trim() === {}", json!(id("step_category"))),
    )
    .await?;
    b.screenshot("offline-lapor").await?;
    // The map step too: Leaflet comes from the phone when the network fails.
    let label = b.driver().find(By::Css("label[for='kategori-sampah']")).await?;
    b.tap(&label).await?;
    b.wait("the category to be chosen", "document.getElementById('kategori-sampah').checked").await?;
    b.click_button(&id("next")).await?;
    b.wait("the map without network", "document.querySelector('.map.leaflet-container .leaflet-map-pane')").await?;

    b.open(&format!("/lacak/{code}")).await?;
    b.wait(
        "the offline notice with the last known status",
        &format!("document.querySelector('.notice')?.textContent.includes({})", json!(id("track_offline"))),
    )
    .await?;
    b.wait(
        "the cached ticket",
        &format!("document.querySelector('.ticket-code')?.textContent.trim() === {}", json!(code)),
    )
    .await?;
    b.screenshot("offline-lacak").await?;
    b.finish().await
}
