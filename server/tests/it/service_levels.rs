//! Service levels end to end over real HTTP and real databases: every
//! ticket's clock as staff and citizens read it, a hold that stops it, late
//! work that escalates once and rises in the queue, and two instances over
//! one PostgreSQL database that escalate each late stage exactly once. Time
//! comes from a clock the tests set; nobody sleeps waiting for a deadline.

use axum::http::StatusCode;
use portal112_core::dto::Role;
use portal112_server::clock::Clock;
use portal112_server::store::Millis;
use portal112_server::usecases::service_levels::escalate_late;
use portal112_server::{AppState, Settings, config, router};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::common::pg::PgDatabase;
use crate::common::{TestApp, city_file, valid_report};

const HOUR: Millis = 3_600_000;

/// An instant written in WITA, e.g. `wita("2026-12-07 09:00")`.
fn wita(s: &str) -> Millis {
    let t =
        time::PrimitiveDateTime::parse(s, time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"))
            .expect("a WITA time");
    let t = t.assume_offset(time::macros::offset!(+8));
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).expect("fits")
}

async fn staff_ticket(app: &TestApp, token: &str, code: &str) -> Value {
    let response = app.get_as(token, &format!("/api/v1/staff/tickets/{code}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

async fn public_ticket(app: &TestApp, code: &str) -> Value {
    let response = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

async fn change(app: &TestApp, token: &str, code: &str, mut update: Value) -> Value {
    update["revision"] = staff_ticket(app, token, code).await["revision"].clone();
    let response = app.post_json_as(token, &format!("/api/v1/staff/tickets/{code}/events"), &update).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

#[tokio::test]
async fn a_ticket_knows_its_stage_and_its_promise() {
    // Monday 7 December 2026, 09:00 WITA: an ordinary complaint.
    let app = TestApp::at(wita("2026-12-07 09:00")).await;
    let code = app.create_report(&valid_report()).await;
    let op = app.staff("sari", Role::Operator, None).await;

    let staff = staff_ticket(&app, &op, &code).await;
    assert_eq!(staff["clock"]["stage"], "verify", "{staff}");
    assert_eq!(staff["clock"]["due_at"], "2026-12-08T09:00:00+08:00", "one working day to verify");
    assert_eq!(staff["clock"]["late"], false);
    // The citizen reads when the call centre forwards it: 3 working days.
    let public = public_ticket(&app, &code).await;
    assert_eq!(public["promise"]["stage"], "forward", "{public}");
    assert_eq!(public["promise"]["due_at"], "2026-12-10T09:00:00+08:00");

    change(&app, &op, &code, json!({"status": "verified"})).await;
    let staff = staff_ticket(&app, &op, &code).await;
    assert_eq!(staff["clock"]["stage"], "forward");
    assert_eq!(staff["clock"]["due_at"], "2026-12-10T09:00:00+08:00", "counted from the report's arrival");

    // Forwarded on Wednesday 14:00: the agency has one working day to take
    // it up and five to answer, both from the forwarding.
    app.state.clock.set(wita("2026-12-09 14:00"));
    let op = app.sign_in("sari").await;
    change(&app, &op, &code, json!({"status": "assigned"})).await;
    let staff = staff_ticket(&app, &op, &code).await;
    assert_eq!(staff["clock"]["stage"], "acknowledge");
    assert_eq!(staff["clock"]["due_at"], "2026-12-10T14:00:00+08:00");
    let public = public_ticket(&app, &code).await;
    assert_eq!(public["promise"]["stage"], "answer");
    assert_eq!(public["promise"]["due_at"], "2026-12-16T14:00:00+08:00", "5 working days, over a weekend");

    let dlh = app.staff("budi.dlh", Role::Agency, Some("dlh")).await;
    change(&app, &dlh, &code, json!({"status": "in_progress"})).await;
    assert_eq!(staff_ticket(&app, &dlh, &code).await["clock"]["stage"], "answer");
    change(&app, &dlh, &code, json!({"public_note": "Petugas kebersihan dijadwalkan besok pagi."})).await;
    let staff = staff_ticket(&app, &dlh, &code).await;
    assert_eq!(staff["clock"]["stage"], "resolve", "the citizen heard from the agency");
    assert_eq!(staff["clock"]["due_at"], "2027-02-05T09:00:00+08:00", "60 days from the arrival");

    change(&app, &dlh, &code, json!({"status": "resolved", "public_note": "Sampah sudah diangkut."})).await;
    assert!(staff_ticket(&app, &dlh, &code).await.get("clock").is_none(), "a resolved ticket waits for no one");
    assert!(public_ticket(&app, &code).await.get("promise").is_none());
}

#[tokio::test]
async fn a_hold_stops_the_clock_and_it_runs_on_after() {
    let app = TestApp::at(wita("2026-12-07 09:00")).await;
    let code = app.create_report(&valid_report()).await;
    let op = app.staff("sari", Role::Operator, None).await;
    change(&app, &op, &code, json!({"status": "verified"})).await;

    // On hold on Tuesday 09:00, with two of the three working days left.
    app.state.clock.set(wita("2026-12-08 09:00"));
    let op = app.sign_in("sari").await;
    change(&app, &op, &code, json!({"status": "on_hold", "public_note": "Mohon kirim foto lokasi yang lebih jelas."}))
        .await;
    let staff = staff_ticket(&app, &op, &code).await;
    assert_eq!(staff["clock"]["paused"], true, "{staff}");
    assert_eq!(staff["clock"]["remaining_s"], 2 * 24 * 3600);
    assert!(staff["clock"].get("due_at").is_none());
    let public = public_ticket(&app, &code).await;
    assert_eq!(public["promise"]["paused"], true, "{public}");

    // A week later nothing is late: the clock stood still.
    app.state.clock.set(wita("2026-12-15 09:00"));
    assert!(escalate_late(&app.state, app.state.clock.now()).await.expect("runs").is_empty());

    // Back to work on Tuesday 15 December 09:00: due two working days later.
    let op = app.sign_in("sari").await;
    change(&app, &op, &code, json!({"status": "verified"})).await;
    let staff = staff_ticket(&app, &op, &code).await;
    assert_eq!(staff["clock"]["stage"], "forward");
    assert_eq!(staff["clock"]["due_at"], "2026-12-17T09:00:00+08:00");
}

#[tokio::test]
async fn a_late_stage_escalates_once_and_rises_in_the_queue() {
    let app = TestApp::at(wita("2026-12-07 09:00")).await;
    let late = app.create_report(&valid_report()).await;
    app.add_staff("rina", Role::Supervisor, None).await;
    assert!(escalate_late(&app.state, app.state.clock.now()).await.expect("runs").is_empty(), "nothing due yet");

    // Tuesday 10:00: the verification was due at 09:00. A report that
    // arrives now is urgent but on time.
    app.state.clock.set(wita("2026-12-08 10:00"));
    let fresh = app.create_report(&valid_report()).await;
    let sup = app.sign_in("rina").await;
    change(&app, &sup, &fresh, json!({"priority": "tinggi"})).await;

    // DLH's own system listens: it hears of the escalation too.
    let admin = app.staff("admin", Role::Admin, None).await;
    let hook = json!({"agency": "dlh", "url": "https://dlh.example.go.id/portal112"});
    assert_eq!(app.post_json_as(&admin, "/api/v1/staff/webhooks", &hook).await.status, StatusCode::CREATED);

    let escalated = escalate_late(&app.state, app.state.clock.now()).await.expect("runs");
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].ticket.code.to_string(), late);
    // Looking again, now or later, records nothing new.
    assert!(escalate_late(&app.state, app.state.clock.now()).await.expect("runs").is_empty());
    app.state.clock.advance(std::time::Duration::from_mins(30));
    assert!(escalate_late(&app.state, app.state.clock.now()).await.expect("runs").is_empty());

    // Staff read it in the history, marked as the system's, late in red.
    let staff = staff_ticket(&app, &sup, &late).await;
    assert_eq!(staff["clock"]["late"], true);
    let events = staff["events"].as_array().expect("events");
    let notes: Vec<&Value> = events.iter().filter(|e| e["actor"] == "sistem").collect();
    assert_eq!(notes.len(), 1, "{events:?}");
    let note = notes[0]["internal_note"].as_str().expect("an internal note");
    assert!(note.contains("Verifikasi") && note.contains("Selasa, 8 Des 2026 pukul 09.00 WITA"), "{note}");
    // The citizen sees no such entry.
    let public = public_ticket(&app, &late).await;
    assert_eq!(public["timeline"].as_array().expect("timeline").len(), 1, "{public}");

    // In the queue the late ticket comes before the more urgent one on time.
    let queue = app.get_as(&sup, "/api/v1/staff/tickets?open=true&sort=queue").await.json();
    let order: Vec<&str> = queue["tickets"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(order, [late.as_str(), fresh.as_str()]);
    let only_late = app.get_as(&sup, "/api/v1/staff/tickets?late=true").await.json();
    assert_eq!(only_late["total"], 1);
    app.get_as(&sup, "/api/v1/staff/tickets?late=maybe").await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("late"),
    );

    // The supervisors' list: by agency and stage.
    let report = app.get_as(&sup, "/api/v1/staff/late").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let report = report.json();
    assert_eq!(report["total"], 1);
    assert_eq!(report["groups"][0]["agency"]["code"], "dlh");
    assert_eq!(report["groups"][0]["stage"], "verify");
    assert_eq!(report["groups"][0]["tickets"][0]["code"], late.as_str());

    // One message to the agency's system, written with the escalation.
    let deliveries = app.get_as(&admin, "/api/v1/staff/webhooks/deliveries").await.json();
    let escalations: Vec<&Value> =
        deliveries.as_array().expect("a list").iter().filter(|d| d["event_type"] == "ticket.escalated").collect();
    assert_eq!(escalations.len(), 1, "{deliveries}");

    // And the audit log names it once.
    let audit = app.get_as(&sup, "/api/v1/staff/audit?action=ticket_escalate").await.json();
    assert_eq!(audit["total"], 1, "{audit}");

    // An agency reads its own late tickets; another agency none.
    let dinkes = app.staff("ani.dinkes", Role::Agency, Some("dinkes")).await;
    assert_eq!(app.get_as(&dinkes, "/api/v1/staff/late").await.json()["total"], 0);
    assert_eq!(app.get("/api/v1/staff/late").await.status, StatusCode::UNAUTHORIZED);
}

/// An instance of the portal over the shared database, with its own clock.
async fn instance(url: &str, at: Millis) -> (AppState, watch::Sender<bool>) {
    let city = config::load_city(&city_file()).expect("city");
    let store = portal112_server::store::open(url).await.expect("opens");
    let (stop, stop_rx) = watch::channel(false);
    let mut state = AppState::new(city, store, Settings::default(), stop_rx);
    state.clock = Clock::manual(at);
    (state, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_escalate_each_late_stage_exactly_once() {
    let db = PgDatabase::create().await;
    let start = wita("2026-12-07 09:00");
    let (a, _stop_a) = instance(&db.url, start).await;
    let (b, _stop_b) = instance(&db.url, start).await;
    let app = router(a.clone());
    let mut codes = Vec::new();
    for _ in 0..12 {
        let response = tower::ServiceExt::oneshot(
            app.clone(),
            crate::common::json_request(axum::http::Method::POST, "/api/v1/reports", &valid_report()),
        )
        .await
        .expect("answers");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes();
        let body: Value = serde_json::from_slice(&body).expect("json");
        codes.push(body["code"].as_str().expect("code").to_owned());
    }

    // Both instances notice at the same moment, several times over.
    let later = start + 30 * HOUR;
    let mut written = 0;
    for _ in 0..3 {
        let (x, y) = tokio::join!(escalate_late(&a, later), escalate_late(&b, later));
        written += x.expect("A looks").len() + y.expect("B looks").len();
    }
    assert_eq!(written, codes.len(), "every late stage escalated, none twice");

    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.expect("connects");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM escalations").fetch_one(&mut conn).await.expect("count");
    assert_eq!(rows, 12);
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_events WHERE actor = 'sistem'")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(entries, 12, "one history entry per late stage");
    let audits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'ticket_escalate'")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(audits, 12);
}
