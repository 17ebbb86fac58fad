//! Making a report on a phone: the whole journey with map and photo, a draft
//! that survives a reload, a send while the server is unreachable, a report
//! the server refuses and the citizen fixes or discards, and a report made
//! with the keyboard alone.

use std::time::Duration;

use anyhow::{Context as _, ensure};
use portal112_core::{Lang, Status, TicketCode};
use portal112_e2e::browser::eventually;
use portal112_e2e::fixtures::{self, id};
use portal112_e2e::{Browser, Portal, Result};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// Kota Bitung with Lembeh island and a margin of sea.
fn inside_bitung(lat: f64, lng: f64) -> bool {
    (1.39..=1.60).contains(&lat) && (125.02..=125.31).contains(&lng)
}

/// Waits until the form shows the step whose title is the app string `key`.
async fn on_step(b: &Browser, key: &str) -> Result<()> {
    let title = id(key);
    b.wait(
        &format!("the step {title:?}"),
        &format!("document.getElementById('langkah-judul')?.textContent.trim() === {}", json!(title)),
    )
    .await?;
    Ok(())
}

/// Presses the form's "Lanjut" button and waits for the next step.
async fn next(b: &Browser, then: &str) -> Result<()> {
    b.click_button(&id("next")).await?;
    on_step(b, then).await
}

/// Picks a category by tapping its label.
async fn pick_category(b: &Browser, code: &str) -> Result<()> {
    b.by_id(&format!("kategori-{code}")).await?;
    let label = b.driver().find(By::Css(format!("label[for='kategori-{code}']"))).await?;
    b.tap(&label).await?;
    b.wait("the category to be chosen", &format!("document.getElementById('kategori-{code}').checked")).await?;
    Ok(())
}

/// Types into a field found by id (the field gets the focus first, as a tap gives it).
async fn fill(b: &Browser, field: &str, text: &str) -> Result<()> {
    let el = b.by_id(field).await?;
    b.tap(&el).await?;
    el.send_keys(text).await?;
    Ok(())
}

/// Chooses the district in the no-map fields and writes an address.
async fn place_without_map(b: &Browser, district: &str, address: &str) -> Result<()> {
    let select = b.by_id("kecamatan").await?;
    b.tap(&select).await?;
    select.find(By::Css(format!("option[value='{district}']"))).await?.click().await?;
    b.wait("the district", &format!("document.getElementById('kecamatan').value === {}", json!(district))).await?;
    fill(b, "alamat", address).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_with_map_and_photo_gets_a_ticket() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    let photo_dir = tempfile::tempdir()?;
    let photo = photo_dir.path().join("sampah.jpg");
    fixtures::write_jpeg(&photo, 1200, 900)?;

    b.open("/").await?;
    let screen = b.js("return [window.innerWidth, window.innerHeight, window.devicePixelRatio]").await?;
    assert_eq!(screen, json!([360, 740, 2]), "a phone's screen");
    b.screenshot("beranda").await?;
    let start = b.by_text("a", &id("start_report")).await?;
    b.tap(&start).await?;

    on_step(&b, "step_category").await?;
    b.screenshot("lapor-1-kategori").await?;
    pick_category(&b, "sampah").await?;
    next(&b, "step_location").await?;

    // Leaflet comes from /leaflet/; the tiles fail (no internet), the map works.
    b.wait("the map to be ready", "document.querySelector('.map.leaflet-container .leaflet-map-pane')").await?;
    let map = b.driver().find(By::Css(".map.leaflet-container")).await?;
    b.js_with("arguments[0].scrollIntoView({ block: 'center' })", vec![map.to_json()?]).await?;
    b.driver().action_chain().move_to_element_with_offset(&map, 30, -20).click().perform().await?;
    let placed = id("pin_placed");
    let prefix = placed.split('{').next().unwrap_or_default().trim();
    b.wait("the pin to be placed", &format!("document.body.innerText.includes({})", json!(prefix))).await?;
    b.wait("the marker on the map", "document.querySelector('.leaflet-marker-icon')").await?;
    b.screenshot("lapor-2-lokasi").await?;
    next(&b, "step_details").await?;

    fill(&b, "keterangan", "Sampah menumpuk di depan pasar sejak tiga hari, baunya sampai ke jalan.").await?;
    b.by_id("foto-input").await?.send_keys(photo.display().to_string()).await?;
    b.wait("the photo preview", "document.querySelector('.photo-list img[src^=\"blob:\"]')").await?;
    b.screenshot("lapor-3-cerita").await?;
    next(&b, "step_contact").await?;

    fill(&b, "nama", "Maria Lontoh").await?;
    fill(&b, "telepon", "0812 3456 7890").await?;
    b.screenshot("lapor-4-kontak").await?;
    next(&b, "step_review").await?;

    let review = b.js("return document.querySelector('.review').innerText").await?;
    let review = review.as_str().unwrap_or_default().to_owned();
    ensure!(review.contains("Maria Lontoh"), "the review shows the contact: {review}");
    b.screenshot("lapor-5-periksa").await?;
    b.click_button(&id("send")).await?;

    let code = b
        .wait_for(
            "the ticket code",
            "document.querySelector('.ticket-code')?.textContent.trim()",
            Duration::from_secs(30),
        )
        .await?;
    let code = code.as_str().context("code text")?.to_owned();
    ensure!(TicketCode::parse(&code).is_ok(), "a valid ticket code: {code}");
    b.screenshot("lapor-selesai").await?;

    let ticket = portal.staff_ticket(&code).await?;
    assert_eq!(ticket["code"], code.as_str(), "{ticket:#}");
    assert_eq!(ticket["category"]["code"], "sampah", "{ticket:#}");
    let (lat, lng) = (ticket["location"]["lat"].as_f64(), ticket["location"]["lng"].as_f64());
    let (Some(lat), Some(lng)) = (lat, lng) else { panic!("a location: {ticket:#}") };
    assert!(inside_bitung(lat, lng), "the pin is in Bitung: {lat}, {lng}");
    ensure!(review.contains(&format!("{lat:.5}, {lng:.5}")), "the review showed where the pin went: {review}");
    let photos = ticket["photos"].as_array().context("photos")?;
    assert_eq!(photos.len(), 1, "one photo: {ticket:#}");
    let photo = reqwest::get(portal.url(photos[0].as_str().context("photo url")?)).await?;
    assert!(photo.status().is_success());
    assert_eq!(photo.headers()["content-type"], "image/jpeg");

    let track = b.by_text("a", &id("track_this")).await?;
    b.tap(&track).await?;
    b.wait("the tracking page", &format!("location.pathname === '/lacak/{code}'")).await?;
    let received = Status::Received.label(Lang::Id);
    b.wait(
        "the status",
        &format!("document.querySelector('.ticket .badge')?.textContent.trim() === {}", json!(received)),
    )
    .await?;
    b.screenshot("lacak-tiket").await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_survives_a_reload_until_started_over() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    let description = "Lampu jalan mati di depan gereja, gelap sekali setiap malam.";

    b.open("/lapor").await?;
    on_step(&b, "step_category").await?;
    pick_category(&b, "sampah").await?;
    next(&b, "step_location").await?;
    place_without_map(&b, "71.72.02", "Jl. Yos Sudarso, depan Pasar Madidir").await?;
    next(&b, "step_details").await?;
    fill(&b, "keterangan", description).await?;
    // A photo the phone keeps for the draft, which starting over deletes.
    let kept = b
        .driver()
        .execute_async(
            "const done = arguments[0];
            const draft = JSON.parse(localStorage.getItem('p112.draft'));
            draft.photo_ids = ['foto-lama'];
            localStorage.setItem('p112.draft', JSON.stringify(draft));
            const open = indexedDB.open('portal112', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('photos');
            open.onsuccess = () => {
                const tx = open.result.transaction('photos', 'readwrite');
                tx.objectStore('photos').put(new Blob([new Uint8Array(64)], { type: 'image/jpeg' }), 'foto-lama');
                tx.oncomplete = () => { open.result.close(); done(true); };
            };",
            Vec::new(),
        )
        .await?;
    ensure!(kept.json() == &json!(true), "the photo could not be put on the phone");

    b.reload().await?;
    on_step(&b, "step_details").await?;
    b.wait("the photo in the draft", "JSON.parse(localStorage.getItem('p112.draft')).photo_ids[0] === 'foto-lama'")
        .await?;
    let kept = b.by_id("keterangan").await?.prop("value").await?.unwrap_or_default();
    assert_eq!(kept, description, "the description is back after a reload");
    b.click_button(&id("back")).await?;
    on_step(&b, "step_location").await?;
    let address = b.by_id("alamat").await?.prop("value").await?.unwrap_or_default();
    assert_eq!(address, "Jl. Yos Sudarso, depan Pasar Madidir");
    assert_eq!(b.by_id("kecamatan").await?.prop("value").await?.as_deref(), Some("71.72.02"));
    b.click_button(&id("back")).await?;
    on_step(&b, "step_category").await?;
    assert_eq!(b.by_id("kategori-sampah").await?.prop("checked").await?.as_deref(), Some("true"));

    // "Mulai ulang" asks first, then empties the form.
    b.click_button(&id("start_over")).await?;
    let confirm =
        eventually("the confirmation", Duration::from_secs(5), || async { Ok(b.driver().get_alert_text().await.ok()) })
            .await?;
    assert_eq!(confirm, id("start_over_confirm"));
    b.driver().accept_alert().await?;
    on_step(&b, "step_category").await?;
    b.wait("no category chosen", "!document.querySelector('input[name=kategori]:checked')").await?;
    eventually("the draft's photo deleted", Duration::from_secs(10), || async {
        Ok((!photo_on_phone(&b, "foto-lama").await?).then_some(()))
    })
    .await?;

    b.reload().await?;
    on_step(&b, "step_category").await?;
    b.wait("still no category after a reload", "!document.querySelector('input[name=kategori]:checked')").await?;
    pick_category(&b, "sampah").await?;
    next(&b, "step_location").await?;
    let address = b.by_id("alamat").await?.prop("value").await?.unwrap_or_default();
    assert_eq!(address, "", "the old address is gone");
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_sent_while_the_server_is_down_arrives_once() -> Result {
    let mut portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;

    b.open("/lapor").await?;
    on_step(&b, "step_category").await?;
    pick_category(&b, "sampah").await?;
    next(&b, "step_location").await?;
    place_without_map(&b, "71.72.05", "Pasar Winenet, dekat jembatan").await?;
    next(&b, "step_details").await?;
    fill(&b, "keterangan", "Sampah menumpuk di selokan, air tidak bisa mengalir.").await?;
    next(&b, "step_contact").await?;
    next(&b, "step_review").await?;

    // The city's server goes away; the phone still believes it is online.
    portal.stop().await?;
    b.click_button(&id("send")).await?;
    let waiting = id("saved_waiting");
    b.wait_for(
        "the saved-and-waiting message",
        &format!("document.getElementById('selesai-judul')?.textContent.trim() === {}", json!(waiting)),
        Duration::from_secs(30),
    )
    .await?;
    b.screenshot("lapor-tersimpan").await?;

    // Back on the same port with the same database. The phone notices the
    // signal coming back (the 'online' event; otherwise its 20 s retry).
    portal.resume().await?;
    let cdp = b.driver().cdp();
    let network = cdp.network();
    network.enable().await?;
    for offline in [true, false] {
        network
            .emulate_network_conditions(thirtyfour::cdp::domains::network::NetworkConditions {
                offline,
                latency: 0,
                download_throughput: -1,
                upload_throughput: -1,
                connection_type: None,
            })
            .await?;
    }
    let delivered = id("delivered_notice");
    let prefix = delivered.split('{').next().unwrap_or_default().trim().to_owned();
    b.wait_for(
        "the delivered notice",
        &format!("document.querySelector('.banner-ok')?.textContent.includes({})", json!(prefix)),
        Duration::from_secs(40),
    )
    .await?;

    let page = portal.staff_tickets().await?;
    assert_eq!(page["total"], 1, "exactly one ticket: {page:#}");
    let code = page["tickets"][0]["code"].as_str().context("code")?.to_owned();
    let ticket = portal.staff_ticket(&code).await?;
    assert_eq!(ticket["district"]["code"], "71.72.05", "{ticket:#}");

    b.open("/").await?;
    b.wait(
        "the ticket in Laporan saya",
        &format!(
            "[...document.querySelectorAll('.my-reports .code')].some(e => e.textContent.trim() === {})",
            json!(code)
        ),
    )
    .await?;
    b.wait("no report waiting any more", "!document.querySelector('.my-reports li.pending')").await?;
    // A reload flushes the outbox again: still one ticket.
    b.reload().await?;
    b.wait("the home page", "document.querySelector('.my-reports')").await?;
    assert_eq!(portal.ticket_total().await?, 1, "no second ticket after a reload");
    b.finish().await
}

/// Whether the photo `id` is in the app's IndexedDB store on the phone.
async fn photo_on_phone(b: &Browser, id: &str) -> Result<bool> {
    let script = "const [id, done] = arguments;
        const open = indexedDB.open('portal112');
        open.onerror = () => done(null);
        open.onsuccess = () => {
            const get = open.result.transaction('photos').objectStore('photos').get(id);
            get.onsuccess = () => { open.result.close(); done(get.result !== undefined); };
        };";
    let found = b.driver().execute_async(script, vec![json!(id)]).await?.json().clone();
    found.as_bool().context("IndexedDB could not be read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_reports_go_back_to_the_form_or_away_with_their_photos() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/").await?;

    // Two reports waiting on the phone, each with a photo the phone kept
    // broken (64 zero bytes, no picture): the server refuses both for good.
    let stored = b
        .driver()
        .execute_async(
            "const done = arguments[0];
            const waiting = ['lampu', 'selokan'].map(what => {
                const draft = { key: 'laporan-' + what, step: 4, category: 'sampah', location: null,
                    district: '71.72.05', village: '', address: 'Pasar Winenet',
                    description: 'Masalah ' + what + ' sejak seminggu, belum ditangani.', photo_ids: ['foto-' + what],
                    anonymous: true, name: '', phone: '', email: '' };
                return { key: draft.key, draft, queued_at: Date.now(), attempts: 0, refused: null };
            });
            localStorage.setItem('p112.outbox', JSON.stringify(waiting));
            const open = indexedDB.open('portal112', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('photos');
            open.onsuccess = () => {
                const tx = open.result.transaction('photos', 'readwrite');
                for (const p of waiting) {
                    tx.objectStore('photos').put(new Blob([new Uint8Array(64)], { type: 'image/jpeg' }), p.draft.photo_ids[0]);
                }
                tx.oncomplete = () => { open.result.close(); done(true); };
            };",
            Vec::new(),
        )
        .await?;
    ensure!(stored.json() == &json!(true), "the waiting reports could not be put on the phone");
    for photo in ["foto-lampu", "foto-selokan"] {
        ensure!(photo_on_phone(&b, photo).await?, "{photo} is on the phone");
    }

    // Opening the portal tries to send them; the refusals wait for the citizen.
    b.reload().await?;
    let refused = id("refused_title");
    let message = b
        .wait(
            "both refused reports in Laporan saya",
            &format!(
                "document.querySelectorAll('.my-reports li.refused').length === 2 \
                 && [...document.querySelectorAll('.my-reports li.refused .badge')].every(e => e.textContent.trim() === {}) \
                 && document.querySelector('.my-reports li.refused .field-error').textContent.trim()",
                json!(refused)
            ),
        )
        .await?;
    ensure!(message.as_str().is_some_and(|m| !m.is_empty()), "the server's reason is shown: {message}");
    b.screenshot("laporan-ditolak").await?;

    // "Perbaiki": the first goes back into the form, at its last step, with what was written.
    b.click_button(&id("edit_again")).await?;
    on_step(&b, "step_review").await?;
    b.wait(
        "the report's own words in the form",
        "document.querySelector('main').textContent.includes('Masalah lampu sejak seminggu')",
    )
    .await?;
    ensure!(photo_on_phone(&b, "foto-lampu").await?, "the photo of the report being fixed stays");

    // "Hapus": the other leaves the phone, and its photo with it.
    b.open("/").await?;
    b.wait("one refused report left", "document.querySelectorAll('.my-reports li.refused').length === 1").await?;
    b.click_button(&id("discard")).await?;
    b.wait("the report gone from Laporan saya", "!document.querySelector('.my-reports li.refused')").await?;
    let outbox = b.js("return localStorage.getItem('p112.outbox')").await?;
    assert_eq!(outbox, json!("[]"), "nothing waits on the phone any more");
    eventually("the discarded photo to leave the phone", Duration::from_secs(10), || async {
        Ok((!photo_on_phone(&b, "foto-selokan").await?).then_some(()))
    })
    .await?;
    ensure!(photo_on_phone(&b, "foto-lampu").await?, "the photo of the report in the form stays");
    assert_eq!(portal.ticket_total().await?, 0, "a refused report makes no ticket");
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_made_with_the_keyboard_alone() -> Result {
    let portal = Portal::start().await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.open("/lapor").await?;
    on_step(&b, "step_category").await?;

    let is = |id: &'static str| move |f: &Value| f["id"] == id;
    let button = |text: String| move |f: &Value| f["tag"] == "button" && f["text"] == text.as_str();

    // Search the categories, then move into the list and pick "sampah".
    b.tab_until("the category search", 20, is("cari-kategori")).await?;
    b.type_here("sampah").await?;
    // What does not match goes, and so do agencies left without a match.
    b.wait(
        "the search to hide what does not match",
        "document.getElementById('kategori-banjir').closest('fieldset').hidden \
         && !document.getElementById('kategori-sampah').closest('label').hidden \
         && [...document.querySelectorAll('label.category:not([hidden])')].length < 5",
    )
    .await?;
    let mut focused = b.tab_until("a category", 5, |f| f["name"] == "kategori").await?;
    for _ in 0..20 {
        if focused["id"] == "kategori-sampah" {
            break;
        }
        b.press(Key::Down).await?;
        focused = b.focused().await?;
    }
    ensure!(focused["id"] == "kategori-sampah", "arrow keys reach sampah: {focused}");
    if !focused["checked"].as_bool().unwrap_or(false) {
        b.press(Key::Space).await?;
    }
    b.wait("sampah chosen", "document.getElementById('kategori-sampah').checked").await?;
    b.tab_until("Lanjut", 80, button(id("next"))).await?;
    b.press(Key::Enter).await?;
    on_step(&b, "step_location").await?;

    // No map: the "Tanpa peta" link jumps to the fields for a district and address.
    b.tab_until("the no-map link", 20, |f| f["tag"] == "a" && f["text"] == id("no_map_title").as_str()).await?;
    b.js("document.getElementById('kecamatan').__beforeJump = true").await?;
    b.press(Key::Enter).await?;
    b.wait("the jump", "location.hash === '#tanpa-peta'").await?;
    assert_eq!(
        b.js("return document.getElementById('kecamatan').__beforeJump === true").await?,
        true,
        "the jump to the no-map fields keeps the page (and the keyboard's place in it)"
    );
    b.tab_until("the district", 2, is("kecamatan")).await?;
    // Typing a name on a closed <select> picks the matching option.
    b.press("Girian").await?;
    b.wait("Girian chosen", "document.getElementById('kecamatan').value === '71.72.06'").await?;
    b.tab_until("the address", 5, is("alamat")).await?;
    b.type_here("Jl. Sam Ratulangi, depan Pasar Girian").await?;
    b.tab_until("Lanjut", 10, button(id("next"))).await?;
    b.press(Key::Enter).await?;
    on_step(&b, "step_details").await?;

    b.tab_until("the description", 10, is("keterangan")).await?;
    b.type_here("Sampah berserakan di trotoar, menghalangi pejalan kaki.").await?;
    b.tab_until("Lanjut", 15, button(id("next"))).await?;
    b.press(Key::Enter).await?;
    on_step(&b, "step_contact").await?;

    b.tab_until("the anonymous switch", 10, is("anonim")).await?;
    b.press(Key::Space).await?;
    b.wait("anonymous on", "document.getElementById('anonim').checked").await?;
    b.tab_until("Lanjut", 15, button(id("next"))).await?;
    b.press(Key::Enter).await?;
    on_step(&b, "step_review").await?;

    b.tab_until("Kirim laporan", 20, button(id("send"))).await?;
    b.press(Key::Enter).await?;
    let code = b
        .wait_for(
            "the ticket code",
            "document.querySelector('.ticket-code')?.textContent.trim()",
            Duration::from_secs(30),
        )
        .await?;
    let code = code.as_str().context("code")?.to_owned();

    let ticket = portal.staff_ticket(&code).await?;
    assert_eq!(ticket["category"]["code"], "sampah", "{ticket:#}");
    assert_eq!(ticket["district"]["code"], "71.72.06", "{ticket:#}");
    assert_eq!(ticket["address"], "Jl. Sam Ratulangi, depan Pasar Girian", "{ticket:#}");
    assert!(ticket.get("location").is_none(), "no location: {ticket:#}");
    b.finish().await
}
