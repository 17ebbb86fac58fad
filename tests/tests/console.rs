//! Konsol 112 in real Chromium against the real server and the built apps:
//! a phone call taken by keyboard alone, a citizen's report arriving live,
//! a ticket's way from the call centre to DLH and back to the citizen's
//! tracking page (with the reporter's words hidden from the public by the
//! operator), what another agency cannot see, an ended session, two
//! operators on one ticket, the officer on standby — and every screen
//! checked with axe-core and photographed at 1280 and 360 px.

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use portal112_core::dto::Role;
use portal112_e2e::{Browser, Portal, Result, portal::PASSWORD};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// Rubbish by the market of Madidir, on the map (a DLH category).
fn report() -> Value {
    json!({
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
        "location": {"lat": 1.4472, "lng": 125.1978},
        "contact": {"name": "Maria Lontoh", "phone": "0812 3456 7890"},
    })
}

/// Signs in through the console's form.
async fn sign_in(b: &mut Browser, username: &str) -> Result<()> {
    b.open_console("/petugas/").await?;
    b.by_id("masuk-nama").await?.send_keys(username).await?;
    b.by_id("masuk-sandi").await?.send_keys(PASSWORD).await?;
    b.press(Key::Enter).await?;
    b.wait("the console after sign-in", "document.querySelector('header.bar') && document.querySelector('main h1')")
        .await?;
    Ok(())
}

/// Fails with axe-core's findings, if any are serious or critical.
async fn axe_clean(b: &Browser, screen: &str) -> Result<()> {
    let found = b.axe().await?;
    ensure!(found.is_empty(), "axe-core on {screen}:\n{}", found.join("\n"));
    Ok(())
}

/// Photographs the screen at 1280 × 800 and at 360 × 740.
async fn shots(b: &mut Browser, name: &str) -> Result<()> {
    b.resize(1280, 800).await?;
    b.screenshot(&format!("konsol-{name}-1280")).await?;
    b.resize(360, 740).await?;
    b.screenshot(&format!("konsol-{name}-360")).await?;
    b.resize(1280, 800).await?;
    Ok(())
}

/// Types into whatever has the focus (one "action": the operator typing a field).
async fn type_text(b: &Browser, text: &str) -> Result<()> {
    b.type_here(text).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_takes_a_call_to_a_forwarded_ticket_by_keyboard_alone() -> Result {
    let portal = Portal::start().await?;
    portal.add_staff("siti", Role::Operator, None).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.resize(1280, 800).await?;
    sign_in(&mut b, "siti").await?;

    // The clock runs from the first key of the call to the forwarded ticket.
    let started = Instant::now();
    // Each key press, and each field typed, is one action of the operator.
    let mut actions = 0_u32;
    b.press("n").await?;
    actions += 1;
    b.wait("the intake form", "document.activeElement && document.activeElement.id === 'telp-nama'").await?;
    type_text(&b, "Budi Rumengan").await?;
    actions += 1;
    b.press(Key::Tab).await?;
    actions += 1;
    type_text(&b, "0812 4455 6677").await?;
    actions += 1;
    b.press(Key::Tab).await?;
    actions += 1;
    type_text(&b, "sampah").await?;
    actions += 1;
    b.press(Key::Enter).await?;
    actions += 1;
    b.wait("the focus moves on to the district", "document.activeElement?.id === 'telp-kecamatan'").await?;
    type_text(&b, "Madidir").await?;
    actions += 1;
    b.press(Key::Tab).await?;
    actions += 1;
    type_text(&b, "Madidir Ure").await?;
    actions += 1;
    b.press(Key::Tab).await?;
    actions += 1;
    type_text(&b, "Depan Pasar Girian, dekat pangkalan ojek").await?;
    actions += 1;
    b.press(Key::Tab).await?;
    actions += 1;
    type_text(&b, "Tumpukan sampah menutup jalan, bau menyengat.").await?;
    actions += 1;
    b.press_with_ctrl(Key::Enter).await?;
    actions += 1;
    let code = b.wait("the ticket's code", "document.querySelector('.created .code.huge')?.textContent").await?;
    let code = code.as_str().context("code")?.to_owned();
    let spelled = b.js("return document.querySelector('.created .spelled').textContent").await?;
    ensure!(spelled.as_str().is_some_and(|s| s.split(" — ").count() == 3), "the code is spelled out: {spelled}");
    b.wait("the focus waits on forwarding", "document.activeElement?.id === 'telp-teruskan'").await?;
    b.press(Key::Enter).await?;
    actions += 1;
    b.wait("the ticket forwarded", "document.querySelector('.created .ok')").await?;
    let seconds = started.elapsed().as_secs_f64();

    let ticket = portal.staff_ticket(&code).await?;
    assert_eq!(ticket["status"], "assigned");
    assert_eq!(ticket["agency"]["code"], "dlh");
    assert_eq!(ticket["channel"], "telepon");
    assert_eq!(ticket["contact"]["name"], "Budi Rumengan");
    assert_eq!(ticket["district"]["name"], "Madidir");
    ensure!(actions <= 25, "{actions} actions, at most 25");
    ensure!(seconds <= 60.0, "{seconds:.1} s, at most 60");
    // `make bench` records these.
    eprintln!("phone intake: {seconds:.1} s, {actions} actions");
    let dir = portal112_e2e::fixtures::workspace().join("target");
    std::fs::write(dir.join("konsol-intake.json"), json!({"seconds": seconds, "actions": actions}).to_string())?;
    axe_clean(&b, "phone intake, done").await?;
    shots(&mut b, "telepon-selesai").await?;
    b.press("n").await?;
    b.wait("a fresh form", "document.activeElement && document.activeElement.id === 'telp-nama'").await?;
    axe_clean(&b, "phone intake").await?;
    shots(&mut b, "telepon").await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_arrives_live_and_travels_to_dlh_and_back_to_the_citizen() -> Result {
    let portal = Portal::start().await?;
    portal.add_staff("siti", Role::Operator, None).await?;
    portal.add_staff("dlh-andre", Role::Agency, Some("dlh")).await?;
    portal.add_staff("dinkes-rina", Role::Agency, Some("dinkes")).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.resize(1280, 800).await?;
    sign_in(&mut b, "siti").await?;
    b.wait("the live stream", "document.querySelector('.live:not(.off)')").await?;

    // A citizen files a report: it is in the queue within 2 s, marked new.
    let code = portal.create_report(&report()).await?;
    let filed = Instant::now();
    b.wait_for(
        "the report in the queue, marked new",
        &format!("[...document.querySelectorAll('.row.fresh .code')].some(e => e.textContent === {})", json!(code)),
        Duration::from_secs(2),
    )
    .await?;
    eprintln!("live in the queue after {:?}", filed.elapsed());
    axe_clean(&b, "queue").await?;
    shots(&mut b, "antrean").await?;

    // Open it with the keyboard, verify, forward to DLH.
    b.press("j").await?;
    b.press("k").await?;
    b.press(Key::Enter).await?;
    b.wait(
        "the ticket open",
        &format!("document.querySelector('#tiket-judul')?.textContent.includes({})", json!(code)),
    )
    .await?;
    ensure!(
        b.js("return document.querySelector('.contact')?.textContent || ''")
            .await?
            .as_str()
            .is_some_and(|t| t.contains("Maria Lontoh")),
        "operators see the reporter's contact"
    );
    // The map of the place shows its marker (Leaflet's image, found through
    // its style sheet: loaded before the marker is made).
    b.wait(
        "the marker's image on the ticket's map",
        "[...document.querySelectorAll('img.leaflet-marker-icon')].some(i => i.complete && i.naturalWidth > 0)",
    )
    .await?;
    axe_clean(&b, "ticket").await?;
    shots(&mut b, "tiket").await?;
    b.press("v").await?;
    b.wait("the verify form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("verified", "document.querySelector('.ticket-head .st-verified')").await?;
    b.wait("the focus returns to the actions", "document.activeElement?.id === 'tiket-aksi'").await?;
    b.press("f").await?;
    b.wait("the forward form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    axe_clean(&b, "forward form").await?;
    shots(&mut b, "teruskan").await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("assigned", "document.querySelector('.ticket-head .st-assigned')").await?;
    // The reporter's words name a place too precisely: the operator hides them from the public.
    b.by_id("detail-publik").await?.click().await?;
    b.wait("hidden from the public", "document.querySelector('.public-details .secret')").await?;
    axe_clean(&b, "ticket with hidden details").await?;
    shots(&mut b, "tiket-disembunyikan").await?;

    // The citizen follows it on the tracking page, without the hidden words.
    let mut citizen = Browser::start_second(&portal.base()).await?;
    citizen.open(&format!("/lacak/{code}")).await?;
    citizen.wait("the citizen sees it forwarded", "document.body.innerText.includes('Diteruskan ke dinas')").await?;
    ensure!(
        citizen.js("return !document.body.innerText.includes('di depan pasar sejak tiga hari')").await? == true,
        "hidden details are not on the public tracking page"
    );

    // DLH works it from its inbox, without the reporter's contact.
    let mut dlh = Browser::start_second(&portal.base()).await?;
    dlh.resize(768, 1024).await?;
    sign_in(&mut dlh, "dlh-andre").await?;
    dlh.by_text("span", &code).await?;
    axe_clean(&dlh, "agency inbox").await?;
    shots(&mut dlh, "kotak-masuk-dinas").await?;
    dlh.press("j").await?;
    dlh.press("k").await?;
    dlh.press(Key::Enter).await?;
    dlh.wait("the ticket at DLH", "document.querySelector('#tiket-judul')").await?;
    ensure!(dlh.js("return !document.querySelector('.contact')").await? == true, "agencies never see the contact");
    ensure!(
        dlh.js(
            "return !!document.querySelector('.public-details .secret') && !document.querySelector('#detail-publik')"
        )
        .await?
            == true,
        "agencies see that the details are hidden, and cannot change it"
    );
    for (key, status) in [("m", None), ("s", Some("st-in_progress"))] {
        dlh.press(key).await?;
        dlh.wait("the form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
        dlh.press_with_ctrl(Key::Enter).await?;
        if let Some(s) = status {
            dlh.wait(s, &format!("document.querySelector('.ticket-head .{s}')")).await?;
        } else {
            dlh.wait("taken", "document.querySelector('.facts')?.innerText.includes('dlh-andre')").await?;
        }
    }
    dlh.press("r").await?;
    dlh.wait("the resolve form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    dlh.type_here("Sampah sudah diangkut truk DLH pagi ini.").await?;
    dlh.press_with_ctrl(Key::Enter).await?;
    dlh.wait("resolved", "document.querySelector('.ticket-head .st-resolved')").await?;
    citizen
        .wait(
            "the citizen sees it resolved, live",
            "document.body.innerText.includes('Sampah sudah diangkut truk DLH pagi ini.')",
        )
        .await?;

    // Another agency: not in its inbox, and not found when asked directly.
    let dinkes = portal.sign_in("dinkes-rina").await?;
    let status = portal.http_status(&format!("/api/v1/staff/tickets/{code}"), &dinkes).await?;
    assert_eq!(status, 404);
    let mut other = Browser::start_second(&portal.base()).await?;
    sign_in(&mut other, "dinkes-rina").await?;
    other.open_console(&format!("/petugas/tiket/{code}")).await?;
    other.wait("not found for another agency", "document.querySelector('.ticket .error')").await?;
    ensure!(
        other.js(&format!("return !document.body.innerText.includes({})", json!("Sampah menumpuk"))).await? == true
    );

    // The operator closes it.
    b.press("c").await?;
    b.wait("the close form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("closed", "document.querySelector('.ticket-head .st-closed')").await?;
    other.finish().await?;
    dlh.finish().await?;
    citizen.finish().await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_keeps_what_was_typed_and_two_operators_never_overwrite() -> Result {
    let portal = Portal::start().await?;
    portal.add_staff("siti", Role::Operator, None).await?;
    let code = portal.create_report(&report()).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.resize(1280, 800).await?;
    b.open_console("/petugas/").await?;
    axe_clean(&b, "sign-in").await?;
    shots(&mut b, "masuk").await?;
    // A wrong password is told next to the form, and the name typed stays.
    b.by_id("masuk-nama").await?.send_keys("siti").await?;
    b.by_id("masuk-sandi").await?.send_keys("salah-sandi-123").await?;
    b.press(Key::Enter).await?;
    b.wait("the refusal", "document.getElementById('masuk-galat').textContent.length > 0").await?;
    assert_eq!(b.js("return document.getElementById('masuk-nama').value").await?, "siti");
    sign_in(&mut b, "siti").await?;
    b.open_console(&format!("/petugas/tiket/{code}")).await?;
    b.wait("the ticket", "document.querySelector('#tiket-aksi')").await?;

    // Start a public note; the session then ends on the server.
    b.press("u").await?;
    b.wait("the note form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.type_here("Petugas kami akan datang besok pagi.").await?;
    let token = b.js("return sessionStorage.getItem('konsol112.token')").await?;
    portal.sign_out(token.as_str().context("token")?).await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("sign-in over the screen", "document.querySelector('[role=dialog] form.signin')").await?;
    axe_clean(&b, "session ended").await?;
    shots(&mut b, "sesi-berakhir").await?;
    b.by_id("masuk-sandi").await?.send_keys(PASSWORD).await?;
    b.press(Key::Enter).await?;
    b.wait("the dialog gone", "!document.querySelector('[role=dialog]')").await?;
    b.wait("the keyboard back in the note", "document.activeElement?.id === 'aksi-pertama'").await?;
    let kept = b.js("return document.getElementById('aksi-pertama').value").await?;
    assert_eq!(kept, "Petugas kami akan datang besok pagi.");

    // Meanwhile a colleague verifies it: sending now is a conflict that shows the change.
    let other = portal.operator().await?;
    portal
        .add_event_as(
            &other,
            &code,
            &json!({"revision": 1, "status": "verified", "internal_note": "Dicek lewat telepon"}),
        )
        .await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("the conflict", "document.querySelector('.problem')?.innerText.includes('Dicek lewat telepon')").await?;
    axe_clean(&b, "conflict").await?;
    shots(&mut b, "konflik").await?;
    // Nothing was overwritten; sending again now names the new revision.
    b.press_with_ctrl(Key::Enter).await?;
    b.wait(
        "the note saved",
        "document.querySelector('.timeline')?.innerText.includes('Petugas kami akan datang besok pagi.')",
    )
    .await?;
    let ticket = portal.staff_ticket(&code).await?;
    assert_eq!(ticket["status"], "verified");

    // An illegal move lists the allowed ones from the server's 409.
    let illegal =
        portal.add_event_raw(&other, &code, &json!({"revision": ticket["revision"], "status": "closed"})).await?;
    assert_eq!(illegal.0, 409);
    ensure!(illegal.1["error"]["allowed"].as_array().is_some_and(|a| !a.is_empty()));
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_ticket_reaches_the_officer_on_standby_and_admins_keep_the_house() -> Result {
    let portal = Portal::start().await?;
    portal.add_staff("siti", Role::Operator, None).await?;
    portal.add_staff("dlh-andre", Role::Agency, Some("dlh")).await?;
    portal.add_staff("dlh-yohan", Role::Agency, Some("dlh")).await?;
    portal.add_staff("root", Role::Admin, None).await?;
    let mut b = Browser::start(&portal.base()).await?;
    b.resize(1280, 800).await?;

    // DLH names its officer for the shift running now.
    let mut dlh = Browser::start_second(&portal.base()).await?;
    dlh.resize(1280, 800).await?;
    sign_in(&mut dlh, "dlh-yohan").await?;
    dlh.open_console("/petugas/siaga").await?;
    dlh.wait("the roster", "document.querySelector('table.roster')").await?;
    let now = portal.standby_now_shift().await?;
    let cell = format!(
        "[...document.querySelectorAll('table.roster tbody tr')].find(r => r.querySelector('th').textContent === {}).children[{}]",
        json!(now.0),
        now.1 + 1
    );
    dlh.js(&format!("{cell}.querySelector('button').click()")).await?;
    dlh.wait("the officer list", "document.querySelector('fieldset.pick')").await?;
    dlh.js("[...document.querySelectorAll('fieldset.pick label')].find(l => l.textContent.includes('dlh-andre')).querySelector('input').click()").await?;
    dlh.js("document.querySelector('fieldset.pick .btn-primary').click()").await?;
    dlh.wait("saved", &format!("{cell}.textContent.includes('dlh-andre')")).await?;
    axe_clean(&dlh, "standby").await?;
    shots(&mut dlh, "siaga").await?;

    // The operator sees who is on standby while forwarding, and the ticket goes to them.
    sign_in(&mut b, "siti").await?;
    let code = portal.create_report(&report()).await?;
    b.open_console(&format!("/petugas/tiket/{code}")).await?;
    b.wait("the ticket", "document.querySelector('#tiket-aksi')").await?;
    b.press("f").await?;
    b.wait("the forward form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.wait(
        "standby shown",
        "document.querySelector('#aksi-pertama').selectedOptions[0].textContent.includes('dlh-andre')",
    )
    .await?;
    // Verify first: forwarding straight from "received" is not a legal move.
    b.press(Key::Escape).await?;
    b.press("v").await?;
    b.wait("the verify form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("verified", "document.querySelector('.ticket-head .st-verified')").await?;
    b.press("f").await?;
    b.wait("the forward form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.press_with_ctrl(Key::Enter).await?;
    b.wait("assigned", "document.querySelector('.ticket-head .st-assigned')").await?;
    let ticket = portal.staff_ticket(&code).await?;
    assert_eq!(ticket["assignee"], "dlh-andre");

    // An agency with no one on standby is flagged before forwarding to it.
    b.press("f").await?;
    b.wait("the forward form", "document.activeElement && document.activeElement.id === 'aksi-pertama'").await?;
    b.js("const s = document.getElementById('aksi-pertama'); s.value = 'bpbd'; s.dispatchEvent(new Event('change'))")
        .await?;
    b.wait("the warning", "document.querySelector('.composer .warn')").await?;
    b.press(Key::Escape).await?;

    // Admin screens.
    let mut admin = Browser::start_second(&portal.base()).await?;
    admin.resize(1280, 800).await?;
    sign_in(&mut admin, "root").await?;
    for (path, name) in [
        ("/petugas/akun", "akun"),
        ("/petugas/templat", "templat"),
        ("/petugas/video", "video"),
        ("/petugas/audit", "audit"),
    ] {
        admin.open_console(path).await?;
        admin.wait(name, "document.querySelector('main h1') && !document.body.innerText.includes('Memuat')").await?;
        axe_clean(&admin, name).await?;
        shots(&mut admin, name).await?;
    }
    // Webhooks: an endpoint for DLH added in the console shows its secret
    // once; a ticket change then waits for delivery (this portal runs no
    // sender), and removing a second endpoint after its confirmation fails
    // what waited for it, marked in the list.
    admin.open_console("/petugas/webhook").await?;
    admin.wait("webhooks", "document.querySelector('main h1') && document.getElementById('webhook-url')").await?;
    for url in ["http://127.0.0.1:9/dlh", "http://127.0.0.1:9/cadangan"] {
        admin.js("const s = document.getElementById('webhook-dinas'); s.value = 'dlh'; s.dispatchEvent(new Event('change'))").await?;
        admin.by_id("webhook-url").await?.send_keys(url).await?;
        admin.js("document.querySelector('.inline-form .btn-primary').click()").await?;
        admin
            .wait(
                "the secret shown once",
                &format!(
                    "document.getElementById('webhook-kunci') && document.getElementById('webhook-kunci').value.startsWith('whsec_') \
                     && document.activeElement.id === 'webhook-kunci' && document.body.innerText.includes({})",
                    json!(url)
                ),
            )
            .await?;
    }
    axe_clean(&admin, "webhook, secret shown").await?;
    shots(&mut admin, "webhook-kunci").await?;
    admin.js("[...document.querySelectorAll('.secret-box button')][0].click()").await?;
    admin.wait("the secret gone", "!document.getElementById('webhook-kunci')").await?;
    let ticket = portal.staff_ticket(&code).await?;
    portal.add_event(&code, &json!({"revision": ticket["revision"], "internal_note": "cek lokasi"})).await?;
    admin.js("[...document.querySelectorAll('button')].find(b => b.textContent === 'Muat ulang').click()").await?;
    admin.wait("two pending deliveries", "document.querySelectorAll('.badge.delivery-pending').length === 2").await?;
    admin.js("[...document.querySelectorAll('tbody tr')].find(r => r.textContent.includes('/cadangan')).querySelector('button').click()").await?;
    admin
        .wait("the confirmation", "document.activeElement && document.activeElement.id.startsWith('webhook-yakin-')")
        .await?;
    axe_clean(&admin, "webhook, removing").await?;
    admin.press(Key::Enter).await?;
    admin
        .wait("one delivery failed", "document.querySelectorAll('tr.failed .badge.delivery-failed').length === 1")
        .await?;
    axe_clean(&admin, "webhook").await?;
    shots(&mut admin, "webhook").await?;

    // A new supervisor account, made in the console.
    admin.open_console("/petugas/akun").await?;
    admin.by_id("akun-nama").await?.send_keys("sup-malam").await?;
    admin.by_id("akun-sandi").await?.send_keys(PASSWORD).await?;
    admin.js("const s = document.getElementById('akun-peran'); s.value = 'supervisor'; s.dispatchEvent(new Event('change'))").await?;
    admin.js("document.querySelector('.inline-form .btn-primary').click()").await?;
    admin
        .wait(
            "the account listed",
            "[...document.querySelectorAll('table th')].some(t => t.textContent === 'sup-malam')",
        )
        .await?;
    portal.sign_in("sup-malam").await?;
    admin.finish().await?;
    dlh.finish().await?;
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_work_is_red_in_the_queue_and_listed_for_the_supervisor() -> Result {
    const DAY: i64 = 86_400_000;
    // The server's clock is a fortnight behind while the first report comes in.
    let now = portal112_server::view::now_millis();
    let portal = Portal::start_at(now - 14 * DAY).await?;
    portal.add_staff("rina", Role::Supervisor, None).await?;
    let late = portal.create_report(&report()).await?;
    portal.clock().set(now);
    let on_time = portal.create_report(&report()).await?;
    ensure!(portal.escalate().await? == 1, "the fortnight-old report is late");
    ensure!(portal.escalate().await? == 0, "a late stage escalates once");

    let mut b = Browser::start(&portal.base()).await?;
    b.resize(1280, 800).await?;
    sign_in(&mut b, "rina").await?;
    b.wait(
        "the late ticket first in the queue, its clock in red",
        &format!(
            "(() => {{ const r = document.querySelector('.rows .row'); \
             return r && r.textContent.includes('{late}') && r.querySelector('.due.late'); }})()"
        ),
    )
    .await?;
    b.wait(
        "the time left on the report that is on time",
        &format!(
            "[...document.querySelectorAll('.rows .row')].some(r => r.textContent.includes('{on_time}') \
             && r.querySelector('.due:not(.late)') && r.textContent.includes('lagi'))"
        ),
    )
    .await?;
    shots(&mut b, "antrean-terlambat").await?;

    b.js("document.querySelector('nav.menu a[href$=\"/terlambat\"]').click()").await?;
    let heading = b.wait("the late list", "document.querySelector('.late-group h2')?.textContent").await?;
    let heading = heading.as_str().unwrap_or_default();
    ensure!(heading.contains("Dinas Lingkungan Hidup") && heading.contains("Verifikasi"), "{heading}");
    ensure!(
        b.js(&format!("return document.querySelector('.late-group').textContent.includes('{late}')")).await?
            == Value::Bool(true),
        "the late ticket is listed"
    );
    axe_clean(&b, "Terlambat").await?;
    shots(&mut b, "terlambat").await?;

    // The citizen reads the promise in plain words.
    b.resize(360, 740).await?;
    b.open(&format!("/lacak/{on_time}")).await?;
    let promise = b.wait("the promise", "document.querySelector('.promise')?.textContent").await?;
    let promise = promise.as_str().unwrap_or_default();
    ensure!(promise.contains("diteruskan ke dinas paling lambat") && promise.contains("WITA"), "{promise}");
    b.screenshot("lacak-janji-360").await?;
    b.finish().await
}
