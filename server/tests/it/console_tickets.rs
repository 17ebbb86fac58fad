//! What Konsol 112 relies on: revisions, priorities, assignees and the
//! standby roster, phone intake, the queue's filters and order, nearby
//! tickets, the live staff stream and the session it runs on.

use std::time::Duration;

use crate::common::{TestApp, parse_xml, valid_report};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use portal112_core::dto::Role;
use portal112_server::view::{now_millis, on_duty};
use serde_json::{Value, json};

fn events_uri(code: &str) -> String {
    format!("/api/v1/staff/tickets/{code}/events")
}

async fn put_json_as(app: &TestApp, token: &str, uri: &str, body: &Value) -> crate::common::TestResponse {
    let mut request = crate::common::json_request(Method::PUT, uri, body);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    app.send(request).await
}

/// A rubbish report (DLH) at a point.
fn rubbish_at(lat: f64, lng: f64, description: &str) -> Value {
    json!({"category": "sampah", "description": description, "location": {"lat": lat, "lng": lng}})
}

#[tokio::test]
async fn a_change_names_its_revision_and_a_stale_one_is_refused() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    app.post_json_as_raw(&op, &events_uri(&code), &json!({"status": "verified"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "required",
        Some("revision"),
    );
    let first = app.post_json_as_raw(&op, &events_uri(&code), &json!({"revision": 1, "status": "verified"})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    assert_eq!(first.json()["revision"], 2);
    // A second operator who saw revision 1 too.
    let second =
        app.post_json_as_raw(&op, &events_uri(&code), &json!({"revision": 1, "internal_note": "saya juga"})).await;
    let body = second.assert_error(StatusCode::CONFLICT, "revision_conflict", Some("revision"));
    assert_eq!(body["error"]["revision"], 2);
    let t = app.get_as(&op, &format!("/api/v1/staff/tickets/{code}")).await.json();
    assert_eq!((t["revision"].as_i64(), t["events"].as_array().map(Vec::len)), (Some(2), Some(2)), "nothing written");
}

#[tokio::test]
async fn priority_is_the_call_centres_and_on_hold_needs_a_reason() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let t = app.get_as(&op, &format!("/api/v1/staff/tickets/{code}")).await.json();
    assert_eq!((t["priority"].as_str(), t["channel"].as_str()), (Some("normal"), Some("web")));
    let moved = app.post_json_as(&op, &events_uri(&code), &json!({"priority": "darurat"})).await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());
    let moved = moved.json();
    assert_eq!(moved["priority"], "darurat");
    assert_eq!(moved["events"][1]["priority"], "darurat");
    app.post_json_as(&dlh, &events_uri(&code), &json!({"priority": "rendah"})).await.assert_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        Some("priority"),
    );
    app.post_json_as(&op, &events_uri(&code), &json!({"priority": "darurat"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing_to_change",
        None,
    );
    app.post_json_as(&op, &events_uri(&code), &json!({"priority": "sangat"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("priority"),
    );
    app.move_ticket(&code, &json!({"status": "verified"})).await;
    let body = app.post_json_as(&op, &events_uri(&code), &json!({"status": "on_hold"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
        Some("public_note"),
    );
    assert_eq!(body["error"]["message"], "Tulis alasannya untuk pelapor.");
    let held = app.move_ticket(&code, &json!({"status": "on_hold", "public_note": "Menunggu alat berat."})).await;
    assert_eq!(held["status"], "on_hold");
}

#[tokio::test]
async fn assignees_are_staff_of_the_tickets_agency_and_standby_takes_forwarded_tickets() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let op = app.operator().await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    app.add_staff("dlh.budi", Role::Agency, Some("dlh")).await;
    app.add_staff("bpbd.andi", Role::Agency, Some("bpbd")).await;
    for wrong in ["bpbd.andi", "fixture-operator", "nobody.here"] {
        app.post_json_as(&op, &events_uri(&code), &json!({"assignee": wrong})).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_staff",
            Some("assignee"),
        );
    }
    // Agency staff assign their own colleagues.
    let assigned = app.post_json_as(&dlh, &events_uri(&code), &json!({"assignee": "dlh.budi"})).await;
    assert_eq!(assigned.status, StatusCode::CREATED, "{}", assigned.text());
    assert_eq!(assigned.json()["assignee"], "dlh.budi");
    let list = app.get_as(&op, "/api/v1/staff/tickets").await.json();
    assert_eq!(list["tickets"][0]["assignee"], "dlh.budi");
    let cleared = app.post_json_as(&op, &events_uri(&code), &json!({"assignee": ""})).await.json();
    assert!(cleared.get("assignee").is_none(), "{cleared}");
    assert_eq!(cleared["events"].as_array().and_then(|e| e.last()).expect("event")["assignee"], "");

    // DLH's officer on duty now takes the ticket when it is forwarded.
    let (date, shift) = on_duty(&app.state.city, now_millis());
    let slot = json!({"agency": "dlh", "date": date, "shift": shift, "officers": ["dlh.sari", "dlh.budi"]});
    assert_eq!(put_json_as(&app, &admin, "/api/v1/staff/standby", &slot).await.status, StatusCode::OK);
    app.move_ticket(&code, &json!({"status": "verified"})).await;
    let forwarded = app.move_ticket(&code, &json!({"status": "assigned"})).await;
    assert_eq!(forwarded["assignee"], "dlh.sari");
    assert_eq!(forwarded["events"].as_array().and_then(|e| e.last()).expect("event")["assignee"], "dlh.sari");
    // Handed to BPBD, where nobody is on duty: DLH's officer no longer has it.
    let moved = app.move_ticket(&code, &json!({"agency": "bpbd"})).await;
    assert!(moved.get("assignee").is_none(), "{moved}");
    // Named with the hand-over, a BPBD officer takes it.
    let code2 = app.create_report(&valid_report()).await;
    let moved = app.move_ticket(&code2, &json!({"agency": "bpbd", "assignee": "bpbd.andi"})).await;
    assert_eq!(moved["assignee"], "bpbd.andi");
}

#[tokio::test]
async fn the_standby_roster() {
    let app = TestApp::new().await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let op = app.operator().await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    app.add_staff("bpbd.andi", Role::Agency, Some("bpbd")).await;
    let uri = "/api/v1/staff/standby";
    let slot = json!({"agency": "dlh", "date": "2026-12-24", "shift": "malam", "officers": ["dlh.sari"]});
    put_json_as(&app, &op, uri, &slot).await.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    let other = json!({"agency": "bpbd", "date": "2026-12-24", "shift": "malam", "officers": ["bpbd.andi"]});
    put_json_as(&app, &dlh, uri, &other).await.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    let stranger = json!({"agency": "dlh", "date": "2026-12-24", "shift": "malam", "officers": ["bpbd.andi"]});
    put_json_as(&app, &admin, uri, &stranger).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_staff",
        Some("officers"),
    );
    for date in ["2026-13-01", "24-12-2026", "2026-2-1", ""] {
        let bad = json!({"agency": "dlh", "date": date, "shift": "pagi", "officers": []});
        put_json_as(&app, &admin, uri, &bad).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("date"),
        );
    }
    let unknown = json!({"agency": "polisi", "date": "2026-12-24", "shift": "pagi", "officers": []});
    put_json_as(&app, &admin, uri, &unknown).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_agency",
        Some("agency"),
    );
    let set = put_json_as(&app, &dlh, uri, &slot).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    assert_eq!(set.json(), slot);
    let audit = app.store.audit_entries(1).await.expect("audit");
    assert_eq!((audit[0].actor.as_str(), audit[0].target.as_str()), ("dlh.sari", "dlh 2026-12-24 malam"));

    let roster = app.get_as(&op, "/api/v1/staff/standby?from=2026-12-23&days=2").await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.text());
    let roster = roster.json();
    let slots = roster.as_array().expect("slots");
    assert_eq!(slots.len(), 2 * 8 * 3, "two days, eight agencies, three shifts");
    assert!(slots.contains(&slot));
    let own = app.get_as(&dlh, "/api/v1/staff/standby?from=2026-12-24&days=1").await.json();
    assert_eq!(own.as_array().map(Vec::len), Some(3), "agency staff see their agency only");
    assert_eq!(app.get_as(&dlh, uri).await.json().as_array().map(Vec::len), Some(21), "seven days by default");
    for (query, field) in [
        ("days=0", "days"),
        ("days=32", "days"),
        ("days=x", "days"),
        ("from=2026-02-30", "from"),
        ("from=kemarin", "from"),
    ] {
        app.get_as(&op, &format!("{uri}?{query}")).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
    }

    // Right now: every agency, the shift running, its officers.
    let (date, shift) = on_duty(&app.state.city, now_millis());
    let now_slot = json!({"agency": "dlh", "date": date, "shift": shift, "officers": ["dlh.sari"]});
    assert_eq!(put_json_as(&app, &admin, uri, &now_slot).await.status, StatusCode::OK);
    let now = app.get_as(&dlh, "/api/v1/staff/standby/now").await.json();
    let now = now.as_array().expect("list");
    assert_eq!(now.len(), 8);
    let dlh_now = now.iter().find(|n| n["agency"] == "dlh").expect("dlh");
    assert_eq!(dlh_now, &json!({"agency": "dlh", "date": date, "shift": shift, "officers": ["dlh.sari"]}));
    assert_eq!(now.iter().find(|n| n["agency"] == "bpbd").expect("bpbd")["officers"], json!([]));
    app.get("/api/v1/staff/standby/now").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
}

#[tokio::test]
async fn a_phone_call_becomes_a_ticket_once() {
    let app = TestApp::new().await;
    let op = app.operator().await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let call = json!({
        "category": "sampah",
        "description": "Penelepon melaporkan sampah dibakar di lapangan.",
        "district": "71.72.07",
        "address": "Lapangan Maesa",
        "caller_name": "Ibu Mince",
        "caller_phone": "0812 3456 7890",
        "priority": "tinggi",
    });
    let uri = "/api/v1/staff/tickets";
    app.post_json_as(&dlh, uri, &call).await.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    let mut request = crate::common::json_request(Method::POST, uri, &call);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {op}").parse().expect("header"));
    request.headers_mut().insert("idempotency-key", "telepon-0001-abc".parse().expect("header"));
    let first = app.send(request).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let t = first.json();
    assert_eq!((t["channel"].as_str(), t["priority"].as_str()), (Some("telepon"), Some("tinggi")));
    assert_eq!(t["contact"], json!({"name": "Ibu Mince", "phone": "+6281234567890"}));
    assert_eq!(t["events"][0]["actor"], "fixture-operator");
    assert_eq!(t["revision"], 1);
    // Enter pressed twice: the same ticket, not a second one.
    let mut again = crate::common::json_request(Method::POST, uri, &call);
    again.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {op}").parse().expect("header"));
    again.headers_mut().insert("idempotency-key", "telepon-0001-abc".parse().expect("header"));
    let again = app.send(again).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json()["code"], t["code"]);
    // The same key at another priority is another call, not a replay.
    let mut body = call.clone();
    body["priority"] = json!("darurat");
    let mut other = crate::common::json_request(Method::POST, uri, &body);
    other.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {op}").parse().expect("header"));
    other.headers_mut().insert("idempotency-key", "telepon-0001-abc".parse().expect("header"));
    app.send(other).await.assert_error(StatusCode::CONFLICT, "idempotency_conflict", Some("Idempotency-Key"));
    assert_eq!(app.ticket_total().await, 1);
    let audit = app.store.audit_entries(10).await.expect("audit");
    assert!(audit.iter().any(|a| a.actor == "fixture-operator" && a.action.as_str() == "phone_intake"), "{audit:?}");

    for (change, code, field) in [
        (json!({"caller_phone": "12345"}), "phone_invalid", "caller_phone"),
        (json!({"caller_name": "x".repeat(101)}), "too_long", "caller_name"),
        (json!({"category": "roket"}), "unknown_category", "category"),
        (json!({"priority": "segera"}), "invalid_json", ""),
    ] {
        let mut body = call.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let response = app.post_json_as(&op, uri, &body).await;
        if field.is_empty() {
            assert!(response.status.is_client_error(), "{}", response.text());
        } else {
            response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
        }
    }
    assert_eq!(app.ticket_total().await, 1, "refused calls store nothing");
}

#[tokio::test]
async fn the_queue_filters_and_orders() {
    let app = TestApp::new().await;
    let op = app.operator().await;
    let old = app.create_report(&rubbish_at(1.4472, 125.1978, "Sampah 100% menumpuk di pasar")).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let urgent = app.create_report(&rubbish_at(1.4473, 125.1979, "Kebakaran tumpukan SAMPAH dekat sekolah")).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let done = app.create_report(&rubbish_at(1.4474, 125.1980, "Sampah liar sudah lama")).await;
    app.move_ticket(&urgent, &json!({"priority": "darurat"})).await;
    app.move_ticket(&done, &json!({"status": "rejected", "public_note": "Laporan ganda."})).await;
    let codes = |page: &Value| -> Vec<String> {
        page["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .map(|t| t["code"].as_str().expect("code").to_owned())
            .collect()
    };
    let list = |q: &str| {
        let op = op.clone();
        let app = &app;
        let q = q.to_owned();
        async move {
            let response = app.get_as(&op, &format!("/api/v1/staff/tickets?{q}")).await;
            assert_eq!(response.status, StatusCode::OK, "{q}: {}", response.text());
            response.json()
        }
    };
    assert_eq!(codes(&list("").await), [done.clone(), urgent.clone(), old.clone()], "newest first");
    assert_eq!(codes(&list("sort=queue").await), [urgent.clone(), old.clone(), done.clone()], "urgent, then oldest");
    assert_eq!(codes(&list("open=true&sort=queue").await), [urgent.clone(), old.clone()]);
    assert_eq!(codes(&list("priority=darurat").await), [urgent.as_str()]);
    assert_eq!(codes(&list("channel=web").await).len(), 3);
    assert_eq!(list("channel=telepon").await["total"], 0);
    let lower = urgent.to_lowercase();
    assert_eq!(codes(&list(&format!("q={lower}")).await), [urgent.as_str()], "a code, any case");
    assert_eq!(codes(&list(&format!("q={}", lower.replace('-', ""))).await), [urgent.as_str()], "without dashes");
    assert_eq!(codes(&list("q=sampah%20SEKOLAH").await), [urgent.as_str()], "every word, any case");
    assert_eq!(codes(&list("q=100%25").await), [old.as_str()], "a percent sign is a character");
    assert_eq!(list("q=_").await["total"], 0, "so is an underscore");
    let district = list("district=71.72.06").await;
    assert_eq!(district["total"], 0);
    for (q, field) in [
        ("channel=fax", "channel"),
        ("priority=urgent", "priority"),
        ("sort=oldest", "sort"),
        ("open=yes", "open"),
        ("district=99.99", "district"),
    ] {
        app.get_as(&op, &format!("/api/v1/staff/tickets?{q}")).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
    }
    app.get_as(&op, &format!("/api/v1/staff/tickets?q={}", "a".repeat(201))).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_long",
        Some("q"),
    );
}

#[tokio::test]
async fn nearby_open_tickets_of_the_same_category() {
    let app = TestApp::new().await;
    let op = app.operator().await;
    let here = app.create_report(&rubbish_at(1.4472, 125.1978, "Sampah di sini")).await;
    // About 111 m north, and about 55 m east.
    let north = app.create_report(&rubbish_at(1.4482, 125.1978, "Sampah agak ke utara")).await;
    let east = app.create_report(&rubbish_at(1.4472, 125.1983, "Sampah sedikit ke timur")).await;
    // About 330 m away, another category, and a closed one.
    app.create_report(&rubbish_at(1.4502, 125.1978, "Sampah jauh")).await;
    app.create_report(&json!({"category": "pohon-tumbang", "description": "Pohon tumbang", "location": {"lat": 1.4473, "lng": 125.1978}})).await;
    let closed = app.create_report(&rubbish_at(1.4473, 125.1978, "Sampah ditolak")).await;
    app.move_ticket(&closed, &json!({"status": "rejected", "public_note": "Iseng."})).await;
    let response = app.get_as(&op, &format!("/api/v1/staff/tickets/{here}/nearby")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let found = response.json();
    let found = found.as_array().expect("list");
    let codes: Vec<&str> = found.iter().filter_map(|t| t["code"].as_str()).collect();
    assert_eq!(codes, [east.as_str(), north.as_str()], "nearest first");
    let d = found[1]["distance_m"].as_f64().expect("distance");
    assert!((100.0..120.0).contains(&d), "{d}");
    assert_eq!(found[0]["summary"], "Sampah sedikit ke timur");
    app.get_as(&op, &format!("/api/v1/staff/tickets/{}/nearby", crate::common::random_code())).await.assert_error(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        None,
    );
}

#[tokio::test]
async fn the_session_tells_who_is_signed_in() {
    let app = TestApp::new().await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let me = app.get_as(&dlh, "/api/v1/staff/session").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    let me = me.json();
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str(), me["agency"].as_str()),
        (Some("dlh.sari"), Some("agency"), Some("dlh"))
    );
    assert!(me["expires_at"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{me}");
    app.get("/api/v1/staff/session").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    app.get_as(&"0".repeat(64), "/api/v1/staff/session").await.assert_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
}

#[tokio::test]
async fn open311_answers_name_the_channel() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let json = app.get(&format!("/open311/v2/requests/{code}.json")).await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.text());
    assert_eq!(json.json()[0]["channel"], "web");
    let xml = parse_xml(&app.get(&format!("/open311/v2/requests/{code}.xml")).await.text());
    assert_eq!(xml.child("request").and_then(|r| r.text_of("channel")), Some("web"));
}

/// Server-sent events read from a streaming body.
struct Stream {
    body: Body,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, token: &str) -> Self {
        let request = Request::get("/api/v1/staff/stream")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let response = app.send_streaming(request).await;
        assert_eq!(response.status(), StatusCode::OK);
        Self { body: response.into_body(), buffer: String::new() }
    }

    /// The next named event and its data; `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        v.trim().clone_into(&mut name);
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if name.is_empty() {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).expect("JSON data")));
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), self.body.frame()).await.expect("in time")?;
            if let Ok(data) = frame.expect("frame").into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).expect("UTF-8"));
            }
        }
    }
}

#[tokio::test]
async fn the_staff_stream_shows_what_the_account_may_see_until_the_session_ends() {
    let app = TestApp::with_settings(|s| s.session_check_every = Duration::from_millis(100)).await;
    let op = app.operator().await;
    let bpbd = app.staff("bpbd.andi", Role::Agency, Some("bpbd")).await;
    app.get("/api/v1/staff/stream").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    let mut all = Stream::open(&app, &op).await;
    let mut agency = Stream::open(&app, &bpbd).await;

    let code = app.create_report(&valid_report()).await;
    let (name, event) = all.next().await.expect("an event");
    assert_eq!(name, "ticket");
    assert_eq!((event["created"].as_bool(), event["ticket"]["code"].as_str()), (Some(true), Some(code.as_str())));
    app.move_ticket(&code, &json!({"internal_note": "hanya staf"})).await;
    let (_, event) = all.next().await.expect("an event");
    assert_eq!((event["created"].as_bool(), event["ticket"]["revision"].as_i64()), (Some(false), Some(2)));
    // BPBD hears of the DLH ticket only once it is theirs...
    app.move_ticket(&code, &json!({"agency": "bpbd"})).await;
    let (_, event) = agency.next().await.expect("an event");
    assert_eq!((event["ticket"]["agency"].as_str(), event["ticket"]["revision"].as_i64()), (Some("bpbd"), Some(3)));
    // ...and once more when it leaves them, then no more.
    app.move_ticket(&code, &json!({"agency": "dlh"})).await;
    app.move_ticket(&code, &json!({"internal_note": "kembali ke DLH"})).await;
    let (_, event) = agency.next().await.expect("an event");
    // The stream reads the ticket when it relays the notice: the note made
    // right after may already be in it (revision 5), never anything before 4.
    assert_eq!(event["ticket"]["agency"].as_str(), Some("dlh"));
    assert!(event["ticket"]["revision"].as_i64().is_some_and(|r| r >= 4), "{event}");
    let other = app.create_report(&valid_report()).await;
    let mut bpbd_report = valid_report();
    bpbd_report["category"] = json!("banjir");
    let flood = app.create_report(&bpbd_report).await;
    let (_, event) = agency.next().await.expect("an event");
    assert_eq!(event["ticket"]["code"].as_str(), Some(flood.as_str()), "not {other}, nor revision 5 of {code}");

    // Signed out: the stream says so and ends.
    let mut out =
        Request::builder().method(Method::DELETE).uri("/api/v1/staff/session").body(Body::empty()).expect("request");
    out.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {bpbd}").parse().expect("header"));
    assert_eq!(app.send(out).await.status, StatusCode::NO_CONTENT);
    let (name, _) = agency.next().await.expect("the last event");
    assert_eq!(name, "session_ended");
    assert!(agency.next().await.is_none(), "and the stream ends");
}
