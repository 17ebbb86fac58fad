//! Privacy: the reporter's contact and staff's internal notes are never
//! public, and a confidential case (violence against a child) shows nothing
//! but its status anywhere public, Open311 included.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::{Multipart, TestApp, jpeg, parse_xml};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

const NAME: &str = "Siti Rahmawati";
const PHONE: &str = "0813-9876-5432";
const EMAIL: &str = "siti.rahma@contoh.id";
const DESCRIPTION: &str = "Anak tetangga sering dipukul ayah tirinya di rumah nomor 7.";
const ADDRESS: &str = "Lorong Kenari nomor 7";
const INTERNAL: &str = "CATATAN-INTERNAL-PSIKOLOG";
const PUBLIC_NOTE: &str = "CATATAN-PUBLIK-PENDAMPINGAN";

/// Everything that must not appear in a public answer about the case.
fn secrets() -> Vec<&'static str> {
    vec![
        NAME,
        "Siti",
        PHONE,
        "9876",
        "+6281398765432",
        EMAIL,
        DESCRIPTION,
        "dipukul",
        ADDRESS,
        "Kenari",
        INTERNAL,
        "1.4512",
        "125.1834",
        "kekerasan",
        "dp3a",
        "DP3A",
        "Perlindungan Anak",
        "Girian",
        "71.72.06",
        "/api/v1/photos/",
    ]
}

fn assert_no_secret(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} leaks {s:?}: {text}");
    }
}

async fn file_confidential(app: &TestApp) -> String {
    let report = json!({
        "category": "kekerasan-anak",
        "description": DESCRIPTION,
        "location": {"lat": 1.4512, "lng": 125.1834, "accuracy_m": 5.0},
        "district": "71.72.06",
        "village": "71.72.06.1003",
        "address": ADDRESS,
        "contact": {"name": NAME, "phone": PHONE, "email": EMAIL},
    });
    let request = Multipart::new()
        .json("report", &report)
        .file("photo", "bukti.jpg", "image/jpeg", &crate::common::jpeg_with_gps_exif(48, 48))
        .request("/api/v1/reports");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_no_secret("the 201 answer", &response.text(), &secrets());
    response.json()["code"].as_str().expect("code").to_owned()
}

/// The body of an event stream up to its first complete event.
async fn first_events(app: &TestApp, code: &str) -> String {
    let response = app
        .send_streaming(Request::get(format!("/api/v1/tickets/{code}/events")).body(Body::empty()).expect("request"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("events in time")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).expect("UTF-8"));
        }
    }
    text
}

/// A confidential case moved along by staff (with notes and a hand-over),
/// and the strings that must not appear in public about it.
async fn confidential_case(app: &TestApp) -> (String, Vec<&'static str>) {
    let code = file_confidential(app).await;
    let first = json!({"status": "verified", "public_note": PUBLIC_NOTE, "internal_note": INTERNAL});
    app.move_ticket(&code, &first).await;
    app.move_ticket(&code, &json!({"status": "assigned", "agency": "dinsos"})).await;
    let mut secrets = secrets();
    secrets.extend([PUBLIC_NOTE, "dinsos", "Dinas Sosial"]);
    (code, secrets)
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().expect("an object").keys().map(String::as_str).collect()
}

#[tokio::test]
async fn a_confidential_case_shows_its_status_only() {
    let app = TestApp::new().await;
    let (code, secrets) = confidential_case(&app).await;

    // Staff see the whole case, which proves the secrets were stored at all.
    let staff = app.get_as(&app.operator().await, &format!("/api/v1/staff/tickets/{code}")).await.json();
    assert_eq!(staff["description"], DESCRIPTION);
    assert_eq!(staff["contact"]["name"], NAME);
    let photo = staff["photos"][0].as_str().expect("a stored photo").to_owned();

    let public = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_no_secret("the public ticket", &public.text(), &secrets);
    let t = public.json();
    let expected = ["code", "status", "status_label", "confidential", "created_at", "updated_at", "timeline"];
    assert_eq!(keys(&t), BTreeSet::from(expected), "{t}");
    assert_eq!(t["confidential"], true);
    assert_eq!(t["status"], "assigned");
    let timeline = t["timeline"].as_array().expect("timeline");
    let statuses: Vec<&str> = timeline.iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, vec!["received", "verified", "assigned"]);

    // The photo is not served to anyone asking by its URL.
    app.get(&photo).await.assert_error(StatusCode::NOT_FOUND, "not_found", None);

    let stream = first_events(&app, &code).await;
    assert_no_secret("the event stream", &stream, &secrets);
}

#[tokio::test]
async fn open311_shows_a_confidential_case_by_its_status_only() {
    let app = TestApp::new().await;
    let (code, secrets) = confidential_case(&app).await;
    let only = ["service_request_id", "status", "requested_datetime", "updated_datetime"];

    for uri in
        [format!("/open311/v2/requests/{code}.json"), format!("/open311/v2/requests.json?service_request_id={code}")]
    {
        let r = app.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_no_secret(&uri, &r.text(), &secrets);
        let item = r.json()[0].clone();
        assert_eq!(keys(&item), BTreeSet::from(only), "{uri}");
        assert_eq!(item["status"], "open");
    }
    let xml = app.get(&format!("/open311/v2/requests/{code}.xml")).await;
    assert_no_secret("Open311 XML", &xml.text(), &secrets);
    let request = parse_xml(&xml.text()).children.remove(0);
    let names: BTreeSet<&str> = request.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(only));

    // Listings leave the case out entirely, whatever the filter.
    for uri in [
        "/open311/v2/requests.json",
        "/open311/v2/requests.json?service_code=kekerasan-anak",
        "/open311/v2/requests.json?status=open",
        "/open311/v2/requests.xml",
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(!r.text().contains(&code), "{uri} lists the case");
        assert_no_secret(uri, &r.text(), &secrets);
    }
}

#[tokio::test]
async fn contact_and_internal_notes_never_reach_public_answers() {
    let app = TestApp::new().await;
    let request = Multipart::new()
        .json(
            "report",
            &json!({
                "category": "sampah",
                "description": "Sampah menumpuk di depan pasar.",
                "location": {"lat": 1.4472, "lng": 125.1978},
                "contact": {"name": NAME, "phone": PHONE, "email": EMAIL},
            }),
        )
        .file("photo", "a.jpg", "image/jpeg", &jpeg(24, 24))
        .request("/api/v1/reports");
    let created = app.send(request).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let code = created.json()["code"].as_str().expect("code").to_owned();
    app.move_ticket(&code, &json!({"status": "verified", "public_note": PUBLIC_NOTE, "internal_note": INTERNAL})).await;
    app.move_ticket(&code, &json!({"internal_note": format!("{INTERNAL}-2")})).await;
    let secrets = [NAME, "Siti", PHONE, "9876", "+6281398765432", EMAIL, INTERNAL];

    let mut answers: Vec<(String, String)> = vec![("the 201 answer".into(), created.text())];
    for uri in [
        format!("/api/v1/tickets/{code}"),
        format!("/open311/v2/requests/{code}.json"),
        format!("/open311/v2/requests/{code}.xml"),
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests.json?service_request_id={code}"),
    ] {
        let r = app.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        answers.push((uri, r.text()));
    }
    answers.push(("the event stream".into(), first_events(&app, &code).await));
    for (what, text) in &answers {
        assert_no_secret(what, text, &secrets);
    }
    // The public parts are there: the note, the description, the photo.
    let t: Value = serde_json::from_str(&answers[1].1).expect("JSON");
    assert_eq!(t["timeline"][1]["note"], PUBLIC_NOTE);
    assert_eq!(t["description"], "Sampah menumpuk di depan pasar.");
    let photo = t["photos"][0].as_str().expect("photo");
    assert_eq!(app.get(photo).await.status, StatusCode::OK);
    assert!(answers[2].1.contains(PUBLIC_NOTE), "status_notes carries the public note");
}
