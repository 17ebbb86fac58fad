//! Crash durability: 500 citizens report at once, the server dies by SIGKILL
//! in the middle of it (no shutdown, no flush), comes back on the same
//! database, and the citizens' phones re-send what was never acknowledged,
//! each with its Idempotency-Key. Afterwards every report ever answered 2xx
//! is there and readable, and every key made exactly one ticket.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::process::{Portal, staff_add};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::watch;

const REPORTS: usize = 500;
/// Phones sending at the same time.
const CONCURRENCY: usize = 48;
/// The server is killed once this many reports have been acknowledged.
const KILL_AFTER: usize = 150;
/// Rate limits out of the way: all 500 come from 127.0.0.1.
const SERVE_FLAGS: [&str; 4] = ["--report-rate", "1000000", "--login-rate", "1000"];

fn key(i: usize) -> String {
    format!("crash-test-report-{i:04}")
}

fn report(i: usize) -> Value {
    json!({
        "category": "banjir",
        "description": format!("Air naik setinggi lutut di jalan, laporan uji nomor {i}."),
        "location": {"lat": 1.4472 + (i as f64) * 1e-5, "lng": 125.1978},
    })
}

/// How one send ended: the ticket code of a 2xx, or nothing (refused
/// connection, reset, no answer) — never a 4xx or 5xx, which fail the test.
async fn send(client: &reqwest::Client, base: &str, i: usize) -> Option<(String, bool)> {
    let response = client
        .post(format!("{base}/api/v1/reports"))
        .header("idempotency-key", key(i))
        .json(&report(i))
        .send()
        .await
        .ok()?;
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let body = response.bytes().await.ok()?;
    assert!(status.is_success(), "report {i} answered {status}: {}", String::from_utf8_lossy(&body));
    let body: Value = serde_json::from_slice(&body).expect("a 2xx carries JSON");
    Some((body["code"].as_str().expect("a code").to_owned(), replayed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_reports_survive_sigkill_and_resends_make_no_duplicates() {
    let dir = TempDir::new().expect("temporary folder");
    let client = reqwest::Client::builder().timeout(Duration::from_mins(1)).build().expect("client");

    // Round 1: everyone sends; the server dies once KILL_AFTER are acknowledged.
    let mut portal = Portal::start(dir.path(), &SERVE_FLAGS).await;
    let acked = Arc::new(AtomicUsize::new(0));
    let (progress, mut watch_progress) = watch::channel(0_usize);
    let base = portal.base.clone();
    let senders = futures_util::stream::iter(0..REPORTS)
        .map(|i| {
            let (client, base, acked, progress) = (&client, &base, acked.clone(), &progress);
            async move {
                let outcome = send(client, base, i).await;
                if outcome.is_some() {
                    progress.send_replace(acked.fetch_add(1, Ordering::SeqCst) + 1);
                }
                (i, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>();
    let killer = async {
        watch_progress.wait_for(|n| *n >= KILL_AFTER).await.expect("progress");
        portal.kill();
        acked.load(Ordering::SeqCst)
    };
    let (first_round, acked_at_kill) = tokio::join!(senders, killer);

    let before_crash: BTreeMap<usize, String> =
        first_round.iter().filter_map(|(i, o)| o.as_ref().map(|(code, _)| (*i, code.clone()))).collect();
    let unanswered: Vec<usize> = first_round.iter().filter(|(_, o)| o.is_none()).map(|(i, _)| *i).collect();
    assert!(before_crash.len() >= KILL_AFTER, "{} acknowledged before the kill", before_crash.len());
    assert!(acked_at_kill < REPORTS && !unanswered.is_empty(), "the kill came in the middle ({acked_at_kill} acked)");
    assert_eq!(before_crash.len() + unanswered.len(), REPORTS);

    // Round 2: the server is back on the same database; the phones re-send
    // everything that was not acknowledged.
    let portal = Portal::start(dir.path(), &SERVE_FLAGS).await;
    let resent = futures_util::stream::iter(unanswered.clone())
        .map(|i| {
            let (client, base) = (&client, &portal.base);
            async move { (i, send(client, base, i).await.expect("the restarted server answers")) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut codes: BTreeMap<usize, String> = before_crash.clone();
    let mut stored_unanswered = 0;
    for (i, (code, replayed)) in resent {
        stored_unanswered += usize::from(replayed);
        codes.insert(i, code);
    }
    eprintln!(
        "{} acknowledged when the kill came, {} before the server died; {} re-sent, of which {} had been stored \
         but not answered",
        acked_at_kill,
        before_crash.len(),
        unanswered.len(),
        stored_unanswered
    );
    assert_eq!(codes.len(), REPORTS);
    let distinct: BTreeSet<&String> = codes.values().collect();
    assert_eq!(distinct.len(), REPORTS, "every report has its own ticket");

    // A phone that never heard its answer sends once more: same ticket, not a new one.
    for (i, code) in &before_crash {
        let (again, replayed) = send(&client, &portal.base, *i).await.expect("answered");
        assert_eq!(&again, code, "report {i}: the key still names the ticket acknowledged before the crash");
        assert!(replayed, "report {i}: answered as a replay");
    }

    // Every report answered 2xx is there and readable by its code.
    for (i, code) in &codes {
        let response = client.get(format!("{}/api/v1/tickets/{code}", portal.base)).send().await.expect("sent");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "ticket {code} of report {i}");
        let ticket: Value = response.json().await.expect("JSON");
        assert_eq!(ticket["status"], "received");
    }

    // Exactly one ticket per key: the staff list holds these 500 and no more.
    staff_add(dir.path(), "crash.operator", "operator", "kata-sandi-operator-112");
    let session: Value = client
        .post(format!("{}/api/v1/staff/session", portal.base))
        .json(&json!({"username": "crash.operator", "password": "kata-sandi-operator-112"}))
        .send()
        .await
        .expect("sign-in sent")
        .json()
        .await
        .expect("JSON");
    let token = session["token"].as_str().expect("a token").to_owned();
    // Staff read what each report said (the public sees it once verified).
    let mut listed = BTreeMap::new();
    for page in 1..=3 {
        let page: Value = client
            .get(format!("{}/api/v1/staff/tickets?page={page}&page_size=200", portal.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(page["total"], REPORTS, "{page}");
        for t in page["tickets"].as_array().expect("tickets") {
            listed.insert(t["code"].as_str().expect("code").to_owned(), t["summary"].clone());
        }
    }
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), codes.values().cloned().collect::<BTreeSet<_>>());
    for (i, code) in &codes {
        assert_eq!(listed[code], report(*i)["description"], "ticket {code} holds report {i}");
    }
    drop(portal);
}
