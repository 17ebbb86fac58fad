//! Two real `portal112 serve` processes on two ports over one PostgreSQL
//! database, as behind a load balancer: whatever a citizen or an operator
//! does on one instance holds on the other.

use std::time::{Duration, Instant};

use crate::common::PASSWORD;
use crate::common::pg::PgDatabase;
use crate::common::process::{Portal, staff_add_to};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn report(description: &str) -> Value {
    json!({
        "category": "banjir",
        "description": description,
        "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 15.0},
    })
}

/// Reads an event stream until an event with id `seq` arrives; returns its text.
async fn event_with_id(stream: &mut reqwest::Response, seq: i64, within: Duration) -> String {
    let mut seen = String::new();
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no event {seq} within {within:?}; got:\n{seen}"))
            .expect("the stream reads")
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(event) = seen.split("\n\n").find(|e| e.lines().any(|l| l == format!("id: {seq}"))) {
            return event.to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_over_one_database_behave_as_one() {
    let db = PgDatabase::create().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    // Behind a proxy both see the client's address in X-Forwarded-For, as
    // deploy/nginx.conf sets it.
    let flags = ["--report-rate", "5", "--trust-proxy"];
    let a = Portal::start_on(dir.path(), &db.url, &flags).await;
    let b = Portal::start_on(dir.path(), &db.url, &flags).await;
    assert_ne!(a.port, b.port);
    staff_add_to(dir.path(), &db.url, "operator.sari", "operator", PASSWORD);
    let http = Client::new();
    let citizen = "198.51.100.20";

    // A report made on A...
    let sent = http
        .post(format!("{}/api/v1/reports", a.base))
        .header("x-forwarded-for", citizen)
        .header("idempotency-key", "4b1d6c2e-3f0a-4e55-9d1c-1a2b3c4d5e6f")
        .json(&report("Air setinggi lutut menggenangi jalan di depan pasar."))
        .send()
        .await
        .expect("A answers");
    assert_eq!(sent.status(), StatusCode::CREATED);
    let code = sent.json::<Value>().await.expect("json")["code"].as_str().expect("code").to_owned();

    // ...is tracked on B.
    let seen_on_b = http.get(format!("{}/api/v1/tickets/{code}", b.base)).send().await.expect("B answers");
    assert_eq!(seen_on_b.status(), StatusCode::OK);
    let tracked: Value = seen_on_b.json().await.expect("json");
    assert_eq!((tracked["code"].as_str(), tracked["status"].as_str()), (Some(code.as_str()), Some("received")));

    // The same Idempotency-Key re-sent to B (the phone's retry landed on the
    // other instance) returns the same ticket; with another body it is refused.
    let resent = http
        .post(format!("{}/api/v1/reports", b.base))
        .header("x-forwarded-for", citizen)
        .header("idempotency-key", "4b1d6c2e-3f0a-4e55-9d1c-1a2b3c4d5e6f")
        .json(&report("Air setinggi lutut menggenangi jalan di depan pasar."))
        .send()
        .await
        .expect("B answers");
    assert_eq!(resent.status(), StatusCode::CREATED);
    assert_eq!(resent.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(resent.json::<Value>().await.expect("json")["code"].as_str(), Some(code.as_str()));
    let other = http
        .post(format!("{}/api/v1/reports", b.base))
        .header("x-forwarded-for", citizen)
        .header("idempotency-key", "4b1d6c2e-3f0a-4e55-9d1c-1a2b3c4d5e6f")
        .json(&report("Laporan lain dengan kunci yang sama, tidak boleh diterima."))
        .send()
        .await
        .expect("B answers");
    assert_eq!(other.status(), StatusCode::CONFLICT);

    // A tracker on B, B's view of the ticket cached, then an operator on A
    // verifies the ticket: the tracker on B hears of it within a second, and
    // B's cached view is not served any more.
    let mut stream_on_b = http.get(format!("{}/api/v1/tickets/{code}/events", b.base)).send().await.expect("B streams");
    assert_eq!(stream_on_b.status(), StatusCode::OK);
    event_with_id(&mut stream_on_b, 1, Duration::from_secs(10)).await;
    for _ in 0..2 {
        let cached: Value =
            http.get(format!("{}/api/v1/tickets/{code}", b.base)).send().await.expect("B").json().await.expect("json");
        assert_eq!(cached["status"], "received");
    }
    let session: Value = http
        .post(format!("{}/api/v1/staff/session", a.base))
        .json(&json!({"username": "operator.sari", "password": PASSWORD}))
        .send()
        .await
        .expect("A answers")
        .json()
        .await
        .expect("json");
    let token = session["token"].as_str().expect("a token");
    let changed_at = Instant::now();
    let changed = http
        .post(format!("{}/api/v1/staff/tickets/{code}/events", a.base))
        .bearer_auth(token)
        .json(&json!({"revision": 1, "status": "verified", "public_note": "Petugas BPBD menuju lokasi."}))
        .send()
        .await
        .expect("A answers");
    assert_eq!(changed.status(), StatusCode::CREATED);
    let event = event_with_id(&mut stream_on_b, 2, Duration::from_secs(1)).await;
    let latency = changed_at.elapsed();
    assert!(event.contains("event: timeline") && event.contains("verified"), "{event}");
    assert!(event.contains("Petugas BPBD menuju lokasi."), "{event}");
    let fresh: Value =
        http.get(format!("{}/api/v1/tickets/{code}", b.base)).send().await.expect("B").json().await.expect("json");
    assert_eq!(fresh["status"], "verified", "B's cached view went stale with A's change");
    eprintln!("status change on A -> SSE event on B: {latency:?}");

    // The report limit (5 a minute per client) counts over both instances:
    // a new client sends 3 to A and 2 to B, and the sixth is refused on
    // either, with the same Retry-After a single instance gives.
    let flooder = "203.0.113.7";
    for (i, portal) in [&a, &a, &a, &b, &b].iter().enumerate() {
        let r = http
            .post(format!("{}/api/v1/reports", portal.base))
            .header("x-forwarded-for", flooder)
            .json(&report(&format!("Banjir di jalan nomor {i}, air masuk ke rumah warga.")))
            .send()
            .await
            .expect("answers");
        assert_eq!(r.status(), StatusCode::CREATED, "report {} of 5", i + 1);
    }
    for portal in [&b, &a] {
        let r = http
            .post(format!("{}/api/v1/reports", portal.base))
            .header("x-forwarded-for", flooder)
            .json(&report("Satu laporan terlalu banyak dalam satu menit ini."))
            .send()
            .await
            .expect("answers");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = r.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((1..=12).contains(&wait), "one report per 12 s: Retry-After {wait}");
        assert_eq!(r.json::<Value>().await.expect("json")["error"]["code"], "rate_limited");
    }
    // The first client, with 3 of its 5 used, still gets through.
    let r = http
        .post(format!("{}/api/v1/reports", b.base))
        .header("x-forwarded-for", citizen)
        .json(&report("Pohon tumbang menutup jalan setelah hujan deras."))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), StatusCode::CREATED);

    // Neither instance logged the client addresses.
    for portal in [&a, &b] {
        let log = portal.log();
        assert!(!log.contains(flooder) && !log.contains(citizen), "an address in the log:\n{log}");
    }
}
