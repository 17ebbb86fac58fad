//! A ticket's life: the status machine as staff drive it, the public
//! timeline it leaves, and the live stream trackers read it from.

use std::time::Duration;

use crate::common::{HAPPY_PATH, TestApp, valid_report};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

fn events_uri(code: &str) -> String {
    format!("/api/v1/staff/tickets/{code}/events")
}

async fn public(app: &TestApp, code: &str) -> Value {
    let response = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert_eq!(response.status, StatusCode::OK);
    response.json()
}

#[tokio::test]
async fn happy_path_from_received_to_closed() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    for (i, status) in HAPPY_PATH.iter().enumerate().skip(1) {
        let note = format!("Langkah {i}: {}", status.label(portal112_core::Lang::Id));
        let staff_view = app.move_ticket(&code, &json!({"status": status.as_str(), "public_note": note})).await;
        assert_eq!(staff_view["status"], status.as_str());
        let events = staff_view["events"].as_array().expect("events");
        assert_eq!(events.len(), i + 1);
        assert_eq!(events[i]["from_status"], HAPPY_PATH[i - 1].as_str());
        assert_eq!(events[i]["to_status"], status.as_str());
        assert_eq!(events[i]["public_note"], note.as_str());
        assert_eq!(public(&app, &code).await["status"], status.as_str());
    }
    let t = public(&app, &code).await;
    assert_eq!(t["status_label"], json!({"id": "Ditutup", "en": "Closed"}));
    let timeline = t["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), HAPPY_PATH.len());
    for (i, (entry, status)) in timeline.iter().zip(HAPPY_PATH).enumerate() {
        assert_eq!(entry["seq"], i + 1);
        assert_eq!(entry["status"], status.as_str());
        if i > 0 {
            assert_eq!(entry["previous_status"], HAPPY_PATH[i - 1].as_str());
            assert!(entry["note"].as_str().is_some_and(|n| n.starts_with(&format!("Langkah {i}"))));
        }
    }
    // Closed is the end: no move is left, so `allowed` is absent.
    let op = app.operator().await;
    let body = app.post_json_as(&op, &events_uri(&code), &json!({"status": "in_progress"})).await.assert_error(
        StatusCode::CONFLICT,
        "illegal_transition",
        Some("status"),
    );
    assert!(body["error"].get("allowed").is_none(), "{body}");
}

#[tokio::test]
async fn illegal_moves_name_the_legal_ones() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    let body = app.post_json_as(&op, &events_uri(&code), &json!({"status": "closed"})).await.assert_error(
        StatusCode::CONFLICT,
        "illegal_transition",
        Some("status"),
    );
    assert_eq!(body["error"]["allowed"], json!(["verified", "rejected", "duplicate", "on_hold"]));
    assert_eq!(body["error"]["message"], "Status tidak dapat diubah dari \"Diterima\" menjadi \"Ditutup\".");
    app.post_json_as(&op, &events_uri(&code), &json!({"status": "received"})).await.assert_error(
        StatusCode::CONFLICT,
        "illegal_transition",
        Some("status"),
    );

    for status in ["verified", "assigned", "in_progress"] {
        app.move_ticket(&code, &json!({"status": status})).await;
    }
    // Work that has begun is never rejected.
    let body = app
        .post_json_as(&op, &events_uri(&code), &json!({"status": "rejected", "public_note": "Bukan kewenangan kami."}))
        .await
        .assert_error(StatusCode::CONFLICT, "illegal_transition", Some("status"));
    assert_eq!(body["error"]["allowed"], json!(["resolved", "duplicate", "on_hold"]));
    assert_eq!(public(&app, &code).await["status"], "in_progress", "a refused move changes nothing");

    // A citizen says it is not fixed: resolved goes back to in progress.
    app.move_ticket(&code, &json!({"status": "resolved"})).await;
    app.move_ticket(&code, &json!({"status": "in_progress", "public_note": "Dibuka kembali."})).await;
    assert_eq!(public(&app, &code).await["status"], "in_progress");
}

#[tokio::test]
async fn rejecting_needs_a_reason_the_reporter_can_read() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    for update in [json!({"status": "rejected"}), json!({"status": "rejected", "public_note": "   "})] {
        let body = app.post_json_as(&op, &events_uri(&code), &update).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            Some("public_note"),
        );
        assert_eq!(body["error"]["message"], "Tulis alasannya untuk pelapor.");
    }
    let reason = "Laporan iseng: lokasi tidak ditemukan.";
    app.move_ticket(&code, &json!({"status": "rejected", "public_note": reason})).await;
    let t = public(&app, &code).await;
    assert_eq!(t["status"], "rejected");
    assert_eq!(t["timeline"][1]["note"], reason);
}

#[tokio::test]
async fn duplicates_point_at_an_existing_original() {
    let app = TestApp::new().await;
    let original = app.create_report(&valid_report()).await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    let uri = events_uri(&code);

    let body = app.post_json_as(&op, &uri, &json!({"status": "duplicate"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_of_required",
        Some("duplicate_of"),
    );
    assert_eq!(body["error"]["message"], "Sebutkan kode tiket aslinya.");
    let missing = crate::common::random_code().to_string();
    app.post_json_as(&op, &uri, &json!({"status": "duplicate", "duplicate_of": missing})).await.assert_error(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        Some("duplicate_of"),
    );
    app.post_json_as(&op, &uri, &json!({"status": "duplicate", "duplicate_of": code})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_of_self",
        Some("duplicate_of"),
    );
    app.post_json_as(&op, &uri, &json!({"status": "duplicate", "duplicate_of": crate::common::with_typo(&original)}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "ticket_code_typo", Some("duplicate_of"));
    app.post_json_as(&op, &uri, &json!({"status": "verified", "duplicate_of": original})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("duplicate_of"),
    );
    assert_eq!(public(&app, &code).await["status"], "received");

    // Written the way a caller dictates it, it is still the same code.
    let typed = original.to_lowercase().replace('-', " ");
    app.move_ticket(&code, &json!({"status": "duplicate", "duplicate_of": typed, "public_note": "Sudah dilaporkan."}))
        .await;
    let t = public(&app, &code).await;
    assert_eq!(t["status"], "duplicate");
    assert_eq!(t["timeline"][1]["duplicate_of"], original.as_str());
    assert_eq!(t["timeline"][1]["note"], "Sudah dilaporkan.");
}

#[tokio::test]
async fn updates_that_say_nothing_or_too_much_are_refused() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    let uri = events_uri(&code);
    for (update, status, code_, field) in [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY, "nothing_to_change", None),
        (json!({"public_note": "  "}), StatusCode::UNPROCESSABLE_ENTITY, "nothing_to_change", None),
        (json!({"status": "done"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", Some("status")),
        (
            json!({"status": "verified", "urgent": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("urgent"),
        ),
        (json!({"public_note": "x".repeat(2001)}), StatusCode::UNPROCESSABLE_ENTITY, "too_long", Some("public_note")),
        (
            json!({"internal_note": "x".repeat(2001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
            Some("internal_note"),
        ),
    ] {
        app.post_json_as(&op, &uri, &update).await.assert_error(status, code_, field);
    }
    let raw = Request::post(&uri)
        .header(header::AUTHORIZATION, format!("Bearer {op}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"status\":"))
        .expect("request");
    app.send(raw).await.assert_error(StatusCode::BAD_REQUEST, "invalid_json", None);
    let missing = crate::common::random_code();
    app.post_json_as(&op, &events_uri(&missing.to_string()), &json!({"status": "verified"})).await.assert_error(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        None,
    );
    app.post_json_as(&op, &events_uri(&crate::common::with_typo(&code)), &json!({"status": "verified"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "ticket_code_typo", Some("code"));
    app.get_as(&op, "/api/v1/staff/tickets/xyz").await.assert_error(
        StatusCode::BAD_REQUEST,
        "ticket_code_malformed",
        Some("code"),
    );
    assert_eq!(public(&app, &code).await["timeline"].as_array().map(Vec::len), Some(1), "nothing was recorded");
}

#[tokio::test]
async fn handing_a_ticket_to_its_own_agency_changes_nothing() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    app.post_json_as(&op, &events_uri(&code), &json!({"agency": "dlh"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing_to_change",
        None,
    );
    let staff = app.get_as(&op, &format!("/api/v1/staff/tickets/{code}")).await.json();
    assert_eq!(staff["events"].as_array().map(Vec::len), Some(1), "no empty step in the history: {staff}");
    // With a note it is a step after all.
    let moved = app.move_ticket(&code, &json!({"agency": "dlh", "internal_note": "tetap DLH"})).await;
    assert_eq!(moved["events"].as_array().map(Vec::len), Some(2));
    assert!(moved["events"][1].get("agency").is_none(), "no hand-over was recorded");
}

#[tokio::test]
async fn internal_notes_stay_inside_and_public_notes_reach_the_timeline() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let internal = "RAHASIA-INTERNAL: pelapor sering iseng";
    let staff = app.move_ticket(&code, &json!({"internal_note": internal})).await;
    assert_eq!(staff["events"][1]["internal_note"], internal);
    assert_eq!(staff["status"], "received", "a note alone changes no status");
    let t = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert!(!t.text().contains("RAHASIA-INTERNAL"), "{}", t.text());
    assert_eq!(t.json()["timeline"].as_array().map(Vec::len), Some(1), "a note-only step is not public");

    let public_note = "Petugas DLH dijadwalkan besok pagi.";
    let second_internal = "RAHASIA-INTERNAL-2: truk rusak";
    app.move_ticket(
        &code,
        &json!({"status": "verified", "public_note": public_note, "internal_note": second_internal}),
    )
    .await;
    let t = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert!(!t.text().contains("RAHASIA-INTERNAL"), "{}", t.text());
    let t = t.json();
    let timeline = t["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[1]["seq"], 3, "the hidden step keeps its place in the numbering");
    assert_eq!(timeline[1]["note"], public_note);
    assert_eq!(timeline[1]["status"], "verified");
    assert!(timeline[1].get("internal_note").is_none());

    // A public note without a status change is public too.
    app.move_ticket(&code, &json!({"public_note": "Mohon bersabar."})).await;
    let t = public(&app, &code).await;
    let last = t["timeline"].as_array().and_then(|t| t.last()).expect("entry").clone();
    assert_eq!(last["note"], "Mohon bersabar.");
    assert!(last.get("previous_status").is_none());
}

/// One server-sent event.
#[derive(Debug)]
struct Sse {
    event: String,
    id: String,
    data: Value,
}

/// Reads events off a streaming body as they arrive.
struct EventReader {
    body: Body,
    buffer: String,
}

impl EventReader {
    async fn open(app: &TestApp, uri: &str, last_event_id: Option<&str>) -> Self {
        let mut request = Request::get(uri);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = app.send_streaming(request.body(Body::empty()).expect("request")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        assert_eq!(content_type, Some("text/event-stream"));
        Self { body: response.into_body(), buffer: String::new() }
    }

    /// The next event that carries data (keep-alive comments are skipped).
    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse { event: String::new(), id: String::new(), data: Value::Null };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        v.trim().clone_into(&mut event.event);
                    } else if let Some(v) = line.strip_prefix("id:") {
                        v.trim().clone_into(&mut event.id);
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                event.data = serde_json::from_str(&data).expect("event data is JSON");
                return event;
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), self.body.frame())
                .await
                .expect("an event within 10 s")
                .expect("the stream stays open")
                .expect("the stream reads");
            if let Ok(bytes) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&bytes).expect("UTF-8"));
            }
        }
    }
}

#[tokio::test]
async fn live_timeline_reaches_trackers() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let uri = format!("/api/v1/tickets/{code}/events");
    let mut tracker = EventReader::open(&app, &uri, None).await;

    let first = tracker.next().await;
    assert_eq!((first.event.as_str(), first.id.as_str()), ("timeline", "1"));
    assert_eq!(first.data["status"], "received");
    assert_eq!(first.data["seq"], 1);

    app.move_ticket(&code, &json!({"status": "verified", "public_note": "Laporan sudah kami cek."})).await;
    let second = tracker.next().await;
    assert_eq!((second.event.as_str(), second.id.as_str()), ("timeline", "2"));
    assert_eq!(second.data["status"], "verified");
    assert_eq!(second.data["previous_status"], "received");
    assert_eq!(second.data["note"], "Laporan sudah kami cek.");

    // A step with only an internal note (seq 3) is never sent; the next public one (seq 4) is.
    app.move_ticket(&code, &json!({"internal_note": "RAHASIA: jangan dikirim"})).await;
    app.move_ticket(&code, &json!({"status": "assigned", "agency": "bpbd"})).await;
    let fourth = tracker.next().await;
    assert_eq!(fourth.id, "4");
    assert_eq!(fourth.data["status"], "assigned");
    assert_eq!(fourth.data["agency"]["code"], "bpbd");
    assert!(!fourth.data.to_string().contains("RAHASIA"));

    // Another ticket's changes do not reach this tracker.
    let other = app.create_report(&valid_report()).await;
    app.move_ticket(&other, &json!({"status": "verified"})).await;
    app.move_ticket(&code, &json!({"status": "in_progress"})).await;
    let fifth = tracker.next().await;
    assert_eq!((fifth.id.as_str(), fifth.data["status"].as_str()), ("5", Some("in_progress")));
}

#[tokio::test]
async fn trackers_resume_where_they_left_off() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    app.move_ticket(&code, &json!({"status": "verified", "public_note": "satu"})).await;
    app.move_ticket(&code, &json!({"internal_note": "tidak untuk umum"})).await;
    app.move_ticket(&code, &json!({"status": "assigned", "public_note": "dua"})).await;
    let uri = format!("/api/v1/tickets/{code}/events");

    let mut resumed = EventReader::open(&app, &uri, Some("2")).await;
    let next = resumed.next().await;
    assert_eq!((next.id.as_str(), next.data["note"].as_str()), ("4", Some("dua")));

    let mut by_query = EventReader::open(&app, &format!("{uri}?after=1"), None).await;
    let next = by_query.next().await;
    assert_eq!((next.id.as_str(), next.data["note"].as_str()), ("2", Some("satu")));
    assert_eq!(by_query.next().await.id, "4");

    // The header wins over the query, as a reconnecting browser sends both.
    let mut both = EventReader::open(&app, &format!("{uri}?after=1"), Some("2")).await;
    assert_eq!(both.next().await.id, "4");

    // Caught up, the stream then waits for what happens next.
    app.move_ticket(&code, &json!({"status": "in_progress", "public_note": "tiga"})).await;
    let live = resumed.next().await;
    assert_eq!((live.id.as_str(), live.data["note"].as_str()), ("5", Some("tiga")));
}

#[tokio::test]
async fn streams_end_when_the_server_shuts_down() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let mut tracker = EventReader::open(&app, &format!("/api/v1/tickets/{code}/events"), None).await;
    assert_eq!(tracker.next().await.id, "1");
    app.shutdown.send(true).expect("streams are listening");
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match tracker.body.frame().await {
                None => return,
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("the stream broke instead of ending: {e}"),
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the stream did not end on shutdown");
}
