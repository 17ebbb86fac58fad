//! Signed webhooks to the agencies' systems: outbox rows written with the
//! change they announce, sent to a real HTTP receiver, signed so the
//! specification's own crate verifies them, retried with growing waits (time
//! moved by the test, never slept), failed after a day and sent again, and
//! never carrying a reporter's contact or another agency's ticket.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::post;
use portal112_core::dto::Role;
use portal112_core::staff::DeliveryState;
use portal112_server::store::{DeliveryRecord, Millis};
use portal112_server::usecases::webhooks::add_webhook;
use portal112_server::view::now_millis;
use portal112_server::webhooks::{Deliverer, GIVE_UP_AFTER, next_attempt};
use serde_json::{Value, json};

use crate::common::{TestApp, json_request, valid_report};

const NAME: &str = "Maria Wenas Pelapor";
const PHONE: &str = "081234567890";
const EMAIL: &str = "maria.pelapor@example.com";

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn id(&self) -> String {
        self.headers["webhook-id"].to_str().expect("ascii").to_owned()
    }
}

/// How a receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Status(u16),
    /// Never answers.
    Hang,
}

#[derive(Debug, Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<Mutex<Answer>>,
}

impl Receiver {
    /// A real HTTP server on a free port of 127.0.0.1.
    async fn start() -> Self {
        let got = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(Answer::Status(204)));
        let app = Router::new().route("/hook", post(receive)).with_state((got.clone(), answer.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let address: SocketAddr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
        Self { url: format!("http://{address}/hook"), got, answer }
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().expect("lock") = answer;
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

type ReceiverState = (Arc<Mutex<Vec<Received>>>, Arc<Mutex<Answer>>);

async fn receive(State((got, answer)): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    got.lock().expect("lock").push(Received { headers, body });
    let answer = *answer.lock().expect("lock");
    match answer {
        Answer::Status(code) => StatusCode::from_u16(code).expect("a status"),
        Answer::Hang => {
            std::future::pending::<()>().await;
            StatusCode::OK
        }
    }
}

/// An endpoint for `agency` at `receiver`, added as the CLI adds it; its secret.
async fn endpoint(app: &TestApp, agency: &str, receiver: &Receiver) -> (i64, String) {
    let (e, secret) = add_webhook(app.store.as_ref(), &app.state.city, "cli", agency, &receiver.url, now_millis())
        .await
        .expect("endpoint added");
    (e.id, secret)
}

/// A DLH ticket with the reporter's contact, verified and forwarded to DLH.
async fn forwarded_ticket(app: &TestApp) -> String {
    let mut report = valid_report();
    report["contact"] = json!({"name": NAME, "phone": PHONE, "email": EMAIL});
    let code = app.create_report(&report).await;
    app.move_ticket(&code, &json!({"revision": 1, "status": "verified"})).await;
    app.move_ticket(&code, &json!({"revision": 2, "status": "assigned", "agency": "dlh"})).await;
    code
}

async fn all_deliveries(app: &TestApp) -> Vec<DeliveryRecord> {
    app.store.deliveries(None, 500).await.expect("deliveries read")
}

fn verify(secret: &str, r: &Received) {
    let hook = standardwebhooks::Webhook::new(secret).expect("a whsec_ secret");
    hook.verify(&r.body, &r.headers).expect("the signature verifies with the specification's crate");
    let signature = r.headers["webhook-signature"].to_str().expect("ascii");
    assert!(signature.starts_with("v1,"), "{signature}");
}

fn assert_no_contact(body: &str) {
    for secret in [NAME, PHONE, EMAIL, "contact"] {
        assert!(!body.contains(secret), "a webhook body carried {secret:?}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_ticket_reaches_its_agency_signed_and_without_contact() {
    let app = TestApp::new().await;
    let dlh = Receiver::start().await;
    let dinkes = Receiver::start().await;
    let (_, dlh_secret) = endpoint(&app, "dlh", &dlh).await;
    let (_, dinkes_secret) = endpoint(&app, "dinkes", &dinkes).await;

    let code = forwarded_ticket(&app).await;
    // Verifying and forwarding: one message each for DLH (the ticket was DLH's
    // from the start), nothing for Dinas Kesehatan.
    let rows = all_deliveries(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|d| d.agency == "dlh" && d.state.0 == DeliveryState::Pending));

    let deliverer = Deliverer::new(app.store.clone()).expect("client");
    assert_eq!(deliverer.deliver_due(now_millis(), 100).await.expect("sent"), 2);
    assert!(all_deliveries(&app).await.iter().all(|d| d.state.0 == DeliveryState::Delivered && d.attempts == 1));
    let got = dlh.received();
    assert_eq!(got.len(), 2);
    let mut types: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().expect("type").to_owned()).collect();
    types.sort();
    assert_eq!(types, ["ticket.changed", "ticket.forwarded"]);
    for r in &got {
        verify(&dlh_secret, r);
        assert_no_contact(std::str::from_utf8(&r.body).expect("utf-8"));
        let body = r.json();
        assert_eq!(body["data"]["code"], code.as_str());
        assert!(body["timestamp"].as_str().expect("timestamp").ends_with('Z'));
        assert_eq!(r.headers["content-type"], "application/json");
    }
    let forwarded = got.iter().find(|r| r.json()["type"] == "ticket.forwarded").expect("forwarded");
    assert_eq!(forwarded.json()["data"]["agency"]["code"], "dlh");
    assert_eq!(forwarded.json()["data"]["description"], valid_report()["description"]);
    assert!(dinkes.received().is_empty());

    // Re-routed to Dinas Kesehatan: it hears of the whole ticket; DLH only
    // that the ticket is no longer its own.
    app.move_ticket(&code, &json!({"revision": 3, "agency": "dinkes"})).await;
    assert_eq!(deliverer.deliver_due(now_millis(), 100).await.expect("sent"), 2);
    let to_dinkes = dinkes.received();
    assert_eq!(to_dinkes.len(), 1);
    verify(&dinkes_secret, &to_dinkes[0]);
    assert_eq!(to_dinkes[0].json()["type"], "ticket.forwarded");
    assert_eq!(to_dinkes[0].json()["data"]["agency"]["code"], "dinkes");
    assert_no_contact(std::str::from_utf8(&to_dinkes[0].body).expect("utf-8"));
    let to_dlh = dlh.received();
    assert_eq!(to_dlh.len(), 3);
    let away = to_dlh[2].json();
    assert_eq!(away["type"], "ticket.changed");
    assert_eq!(away["data"]["moved_away"], true);
    // Sorted: whether serde_json keeps insertion order depends on the features the workspace enables.
    let mut keys: Vec<&String> = away["data"].as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["code", "moved_away", "revision", "updated_at"], "nothing of the ticket beyond its code");
    let text = String::from_utf8_lossy(&to_dlh[2].body).into_owned();
    assert!(!text.contains("dinkes") && !text.contains("Sampah"), "{text}");

    // Later changes reach only the ticket's agency.
    app.move_ticket(&code, &json!({"revision": 4, "internal_note": "tim berangkat"})).await;
    assert_eq!(deliverer.deliver_due(now_millis(), 100).await.expect("sent"), 1);
    assert_eq!(dlh.received().len(), 3);
    assert_eq!(dinkes.received().len(), 2);
    assert_eq!(dinkes.received()[1].json()["type"], "ticket.changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confidential_ticket_reaches_its_agency_without_contact() {
    let app = TestApp::new().await;
    let dp3a = Receiver::start().await;
    let (_, secret) = endpoint(&app, "dp3a", &dp3a).await;
    let report = json!({
        "category": "kekerasan-anak",
        "description": "Anak tetangga sering dipukul, terdengar setiap malam.",
        "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 12.0},
        "contact": {"name": NAME, "phone": PHONE, "email": EMAIL},
    });
    let code = app.create_report(&report).await;
    app.move_ticket(&code, &json!({"revision": 1, "status": "verified"})).await;
    Deliverer::new(app.store.clone()).expect("client").deliver_due(now_millis(), 10).await.expect("sent");
    let got = dp3a.received();
    assert_eq!(got.len(), 1);
    verify(&secret, &got[0]);
    assert_eq!(got[0].json()["data"]["confidential"], true);
    assert_no_contact(std::str::from_utf8(&got[0].body).expect("utf-8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_changes_write_no_message() {
    let app = TestApp::new().await;
    let dlh = Receiver::start().await;
    endpoint(&app, "dlh", &dlh).await;
    let code = app.create_report(&valid_report()).await;
    let token = app.operator().await;
    // An illegal move and a stale revision: refused inside the transaction.
    for update in [json!({"revision": 1, "status": "closed"}), json!({"revision": 7, "status": "verified"})] {
        let r = app.post_json_as(&token, &format!("/api/v1/staff/tickets/{code}/events"), &update).await;
        assert!(r.status.is_client_error(), "{}", r.text());
    }
    assert!(all_deliveries(&app).await.is_empty());
    app.move_ticket(&code, &json!({"revision": 1, "status": "verified"})).await;
    assert_eq!(all_deliveries(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_wait_longer_each_time_then_fail_after_a_day_and_can_be_sent_again() {
    let app = TestApp::new().await;
    let dlh = Receiver::start().await;
    let (_, secret) = endpoint(&app, "dlh", &dlh).await;
    let code = app.create_report(&valid_report()).await;
    app.move_ticket(&code, &json!({"revision": 1, "status": "verified"})).await;
    dlh.answer(Answer::Status(500));
    let deliverer = Deliverer::new(app.store.clone()).expect("client");

    let first = now_millis();
    let mut now = first;
    let mut waits: Vec<Millis> = Vec::new();
    loop {
        assert_eq!(deliverer.deliver_due(now, 10).await.expect("sent"), 1, "due at {now}");
        let d = all_deliveries(&app).await.remove(0);
        assert_eq!(d.last_status, Some(500));
        if d.state.0 == DeliveryState::Failed {
            break;
        }
        assert_eq!(d.state.0, DeliveryState::Pending);
        // Nothing goes out a moment before it is due.
        assert_eq!(deliverer.deliver_due(d.next_attempt_at - 1, 10).await.expect("none"), 0);
        waits.push(d.next_attempt_at - now);
        now = d.next_attempt_at;
        assert!(waits.len() < 50, "never gave up");
    }
    assert_eq!(&waits[..4], &[30_000, 120_000, 600_000, 1_800_000], "{waits:?}");
    // Each wait at least as long as the one before, but the last: cut short at the day's end.
    assert!(waits[..waits.len() - 1].windows(2).all(|w| w[1] >= w[0]), "{waits:?}");
    assert_eq!(now - first, GIVE_UP_AFTER.as_millis() as i64, "the last attempt is a day after the first");
    let failed = all_deliveries(&app).await.remove(0);
    assert_eq!(failed.attempts, waits.len() as i64 + 1);
    assert_eq!(dlh.received().len(), waits.len() + 1);
    // Every attempt is the same message.
    let ids: std::collections::HashSet<String> = dlh.received().iter().map(Received::id).collect();
    assert_eq!(ids.len(), 1);

    // Staff see it failed and send it again; it goes out at once.
    dlh.answer(Answer::Status(200));
    let admin = app.staff("admin.webhook", Role::Admin, None).await;
    let listed = app.get_as(&admin, "/api/v1/staff/webhooks/deliveries?state=failed").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    assert_eq!(listed.json()[0]["id"], failed.id.as_str());
    assert_eq!(listed.json()[0]["state"], "failed");
    let uri = format!("/api/v1/staff/webhooks/deliveries/{}/resend", failed.id);
    let again = app.post_json_as(&admin, &uri, &json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["state"], "pending");
    // Pending already: nothing to do twice.
    app.post_json_as(&admin, &uri, &json!({})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing_to_change",
        None,
    );
    assert_eq!(deliverer.deliver_due(now_millis(), 10).await.expect("sent"), 1);
    let sent = all_deliveries(&app).await.remove(0);
    assert_eq!(sent.state.0, DeliveryState::Delivered);
    let last = dlh.received().pop().expect("received");
    assert_eq!(last.id(), failed.id, "sent again under the same webhook-id");
    verify(&secret, &last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_hangs_or_is_down_is_retried() {
    let app = TestApp::new().await;
    let dlh = Receiver::start().await;
    endpoint(&app, "dlh", &dlh).await;
    dlh.answer(Answer::Hang);
    let code = app.create_report(&valid_report()).await;
    app.move_ticket(&code, &json!({"revision": 1, "status": "verified"})).await;
    let deliverer = Deliverer::with_timeouts(app.store.clone(), Duration::from_secs(1), Duration::from_millis(300))
        .expect("client");
    let now = now_millis();
    deliverer.deliver_due(now, 10).await.expect("attempted");
    let d = all_deliveries(&app).await.remove(0);
    assert_eq!(d.state.0, DeliveryState::Pending);
    assert_eq!(d.last_error.as_deref(), Some("timed out"));
    assert_eq!(d.next_attempt_at, now + 30_000);

    // A receiver that is gone: nobody listens on the port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let gone = format!("http://{}/hook", closed.local_addr().expect("address"));
    drop(closed);
    let (e, _) =
        add_webhook(app.store.as_ref(), &app.state.city, "cli", "dlh", &gone, now_millis()).await.expect("added");
    app.move_ticket(&code, &json!({"revision": 2, "internal_note": "cek"})).await;
    deliverer.deliver_due(now + 30_000, 10).await.expect("attempted");
    let to_gone = all_deliveries(&app).await.into_iter().find(|d| d.endpoint_id == e.id).expect("a row");
    assert_eq!(to_gone.state.0, DeliveryState::Pending);
    assert_eq!(to_gone.last_error.as_deref(), Some("could not connect"));
    assert!(!to_gone.last_error.unwrap_or_default().contains("127.0.0.1"), "no URL in the error");
}

#[test]
fn waits_grow_and_end_a_day_after_the_first_attempt() {
    let day = GIVE_UP_AFTER.as_millis() as i64;
    assert_eq!(next_attempt(0, None, 1_000), Some(31_000));
    assert_eq!(next_attempt(1, Some(0), 100), Some(120_100));
    assert_eq!(next_attempt(30, Some(0), day - 10), Some(day));
    assert_eq!(next_attempt(30, Some(0), day), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_endpoints_and_others_may_not() {
    let app = TestApp::new().await;
    let admin = app.staff("admin.webhook", Role::Admin, None).await;
    let operator = app.operator().await;
    let body = json!({"agency": "dlh", "url": "https://dlh.example.go.id/portal112"});
    app.post_json_as(&operator, "/api/v1/staff/webhooks", &body).await.assert_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let added = app.post_json_as(&admin, "/api/v1/staff/webhooks", &body).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let secret = added.json()["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    standardwebhooks::Webhook::new(&secret).expect("a usable secret");
    let id = added.json()["endpoint"]["id"].as_i64().expect("id");

    let listed = app.get_as(&admin, "/api/v1/staff/webhooks").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.text().contains(&secret["whsec_".len()..]), "the secret is never listed");
    assert_eq!(listed.json()[0]["state"], "active");
    assert_eq!(app.get_as(&operator, "/api/v1/staff/webhooks").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&operator, "/api/v1/staff/webhooks/deliveries").await.status, StatusCode::FORBIDDEN);

    for (bad, code, field) in [
        (json!({"agency": "dinas-hantu", "url": "https://x.example"}), "unknown_agency", "agency"),
        (json!({"agency": "dlh", "url": "ftp://x.example/a"}), "invalid_value", "url"),
        (json!({"agency": "dlh", "url": "bukan url"}), "invalid_value", "url"),
        (json!({"agency": "dlh", "url": "https://user:pw@x.example/"}), "invalid_value", "url"),
        (json!({"agency": "dlh", "url": ""}), "required", "url"),
    ] {
        app.post_json_as(&admin, "/api/v1/staff/webhooks", &bad).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some(field),
        );
    }
    // English on request, like every other error.
    let mut english = json_request(Method::POST, "/api/v1/staff/webhooks", &json!({"agency": "x", "url": "y"}));
    english.headers_mut().insert("authorization", format!("Bearer {admin}").parse().expect("header"));
    english.headers_mut().insert("accept-language", "en".parse().expect("header"));
    let r = app.send(english).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["message"], "Unknown agency.");

    let remove = |id: String| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let request = axum::http::Request::builder()
                .method(Method::DELETE)
                .uri(format!("/api/v1/staff/webhooks/{id}"))
                .header("authorization", format!("Bearer {admin}"))
                .body(axum::body::Body::empty())
                .expect("request");
            app.send(request).await
        }
    };
    assert_eq!(remove(id.to_string()).await.status, StatusCode::NO_CONTENT);
    remove(id.to_string()).await.assert_error(StatusCode::NOT_FOUND, "not_found", Some("id"));
    remove("abc".into()).await.assert_error(StatusCode::NOT_FOUND, "not_found", Some("id"));
    assert_eq!(app.get_as(&admin, "/api/v1/staff/webhooks").await.json()[0]["state"], "removed");
    app.get_as(&admin, "/api/v1/staff/webhooks/deliveries?state=lost").await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("status"),
    );
    let audit = app.store.audit_entries(10).await.expect("audit");
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"webhook_add") && actions.contains(&"webhook_remove"), "{actions:?}");
}
