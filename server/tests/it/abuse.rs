//! Hostile and careless clients against the real binary over real TCP: one
//! client holding hundreds of slow connections must not stop anyone else (nor
//! may a tracker's long event stream be taken for one), and nothing personal
//! a citizen or staff member sends ends up in the log.

use std::time::{Duration, Instant};

use crate::common::process::{Portal, staff_add};
use serde_json::json;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Slow connections one client opens.
const SLOW: usize = 200;
/// The server's header timeout in this test.
const HEADER_TIMEOUT_S: u64 = 2;

/// Sends the start of a request, then one more header byte every 300 ms —
/// never finishing — until the server closes the connection. Returns when
/// that happened, measured from `started`.
async fn slowloris(mut stream: TcpStream, started: Instant) -> Duration {
    let _ = stream.write_all(b"GET /api/v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await;
    let mut buf = [0_u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {} // a 408 or similar before the close is fine
            },
            () = tokio::time::sleep(Duration::from_millis(300)) => {
                if stream.write_all(b"a").await.is_err() {
                    return started.elapsed();
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_slow_connections_do_not_stop_other_clients() {
    let dir = TempDir::new().expect("temporary folder");
    staff_add(dir.path(), "operator.sabar", "operator", STAFF_PASSWORD);
    let portal = Portal::start(dir.path(), &["--header-timeout", &HEADER_TIMEOUT_S.to_string()]).await;
    let address = format!("127.0.0.1:{}", portal.port);
    let client = reqwest::Client::new();

    // A tracker's event stream: a long answer, not a slow request, so the
    // header timeout must leave it alone.
    let created =
        client.post(format!("{}/api/v1/reports", portal.base)).json(&crate::common::valid_report()).send().await;
    let code = created.expect("report").json::<serde_json::Value>().await.expect("JSON")["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let mut tracker =
        client.get(format!("{}/api/v1/tickets/{code}/events", portal.base)).send().await.expect("stream opens");
    let first = tokio::time::timeout(Duration::from_secs(10), tracker.chunk()).await.expect("in time");
    assert!(String::from_utf8_lossy(&first.expect("reads").expect("a chunk")).contains("event: timeline"));

    let started = Instant::now();
    let mut slow = Vec::with_capacity(SLOW + 1);
    for _ in 0..SLOW {
        let stream = TcpStream::connect(&address).await.expect("connects");
        slow.push(tokio::spawn(slowloris(stream, started)));
    }
    // One that sends nothing at all.
    let mut silent = TcpStream::connect(&address).await.expect("connects");
    slow.push(tokio::spawn(async move {
        let mut buf = [0_u8; 64];
        let _ = silent.read(&mut buf).await;
        started.elapsed()
    }));

    // Everyone else is served, and served quickly, while those hang on.
    for round in 0..5 {
        let asked = Instant::now();
        let health = client.get(format!("{}/healthz", portal.base)).send().await.expect("healthz answers");
        assert_eq!(health.status(), reqwest::StatusCode::OK);
        let report = client.post(format!("{}/api/v1/reports", portal.base)).json(&crate::common::valid_report()).send();
        assert_eq!(report.await.expect("report answered").status(), reqwest::StatusCode::CREATED);
        let took = asked.elapsed();
        assert!(took < Duration::from_secs(1), "round {round}: a normal client waited {took:?}");
    }
    assert!(
        slow.iter().all(|t| !t.is_finished()),
        "the normal requests were served while every slow connection was still open"
    );

    // The slow ones are cut off once the header timeout has passed.
    let deadline = Duration::from_secs(HEADER_TIMEOUT_S + 8);
    for task in slow {
        let closed_after = tokio::time::timeout(deadline, task).await.expect("closed by the server").expect("task");
        assert!(
            closed_after >= Duration::from_millis(HEADER_TIMEOUT_S * 1000 - 200),
            "closed early, after {closed_after:?}"
        );
    }

    // The tracker, open since before all that, still hears of a change.
    let session: serde_json::Value = client
        .post(format!("{}/api/v1/staff/session", portal.base))
        .json(&json!({"username": "operator.sabar", "password": STAFF_PASSWORD}))
        .send()
        .await
        .expect("sign-in")
        .json()
        .await
        .expect("JSON");
    let moved = client
        .post(format!("{}/api/v1/staff/tickets/{code}/events", portal.base))
        .bearer_auth(session["token"].as_str().expect("token"))
        .json(&json!({"revision": 1, "status": "verified"}))
        .send()
        .await
        .expect("change sent");
    assert_eq!(moved.status(), reqwest::StatusCode::CREATED);
    let next = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let chunk = tracker.chunk().await.expect("the stream is still open").expect("a chunk");
            let text = String::from_utf8_lossy(&chunk).into_owned();
            if text.contains("event: timeline") {
                return text;
            }
        }
    })
    .await
    .expect("the change arrives");
    assert!(next.contains("\"status\":\"verified\""), "{next}");
    drop(portal);
}

const NAME: &str = "Yohanes Mandagi";
const PHONE: &str = "0812-7788-9900";
const EMAIL: &str = "yohanes.mandagi@contoh.id";
const DESCRIPTION: &str = "Kabel listrik putus melintang di depan rumah Pak Yohanes.";
const ADDRESS: &str = "Jalan Sam Ratulangi nomor 41";
const STAFF_PASSWORD: &str = "rahasia-staf-Bitung-2026";

#[tokio::test]
async fn nothing_personal_reaches_the_log() {
    let dir = TempDir::new().expect("temporary folder");
    staff_add(dir.path(), "operator.log", "operator", STAFF_PASSWORD);
    let portal = Portal::start(dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", portal.base);

    let mut report = crate::common::valid_report();
    report["description"] = json!(DESCRIPTION);
    report["address"] = json!(ADDRESS);
    report["contact"] = json!({"name": NAME, "phone": PHONE, "email": EMAIL});
    let created = client.post(api("/reports")).header("idempotency-key", "log-test-0001").json(&report).send().await;
    let created = created.expect("sent");
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let code = created.json::<serde_json::Value>().await.expect("JSON")["code"].as_str().expect("code").to_owned();
    // Refused reports carry personal data too.
    report["location"] = json!({"lat": 0.5, "lng": 100.0});
    let refused = client.post(api("/reports")).json(&report).send().await.expect("sent");
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = client
        .post(api("/staff/session"))
        .json(&json!({"username": "operator.log", "password": "salah-Bitung-2026"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), reqwest::StatusCode::UNAUTHORIZED);
    let session: serde_json::Value = client
        .post(api("/staff/session"))
        .json(&json!({"username": "operator.log", "password": STAFF_PASSWORD}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let token = session["token"].as_str().expect("token").to_owned();
    let full = client.get(api(&format!("/staff/tickets/{code}"))).bearer_auth(&token).send().await.expect("sent");
    assert_eq!(full.json::<serde_json::Value>().await.expect("JSON")["contact"]["name"], NAME);
    let note = client
        .post(api(&format!("/staff/tickets/{code}/events")))
        .bearer_auth(&token)
        .json(&json!({"revision": 1, "status": "verified", "internal_note": "Pelapor Yohanes minta ditelepon balik"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(note.status(), reqwest::StatusCode::CREATED);
    // A query string may hold an API key or a search: never logged either.
    let _ = client.get(format!("{}/open311/v2/requests.json?api_key=KUNCI-RAHASIA-123", portal.base)).send().await;

    let lines = portal.log_lines();
    // The server's own address is logged once at start; nobody else's ever.
    let log: String =
        portal.log().lines().filter(|l| !l.contains("\"portal112 serving\"")).collect::<Vec<_>>().join("\n");
    assert!(lines.iter().any(|l| l["message"] == "report received"), "the log does record events:\n{log}");
    assert!(lines.iter().filter(|l| l["message"] == "request").count() >= 6, "one line per request:\n{log}");
    // What the server says (every line, JSON or not), without its own clock
    // readings: a timestamp's or a duration's digits may spell "7788" by chance.
    let said = log
        .lines()
        .map(|line| match serde_json::from_str::<serde_json::Value>(line) {
            Ok(mut l) => {
                if let Some(fields) = l.as_object_mut() {
                    fields.remove("timestamp");
                    fields.remove("ms");
                }
                l.to_string()
            }
            Err(_) => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    for secret in [
        NAME,
        "Yohanes",
        PHONE,
        "7788",
        "+6281277889900",
        EMAIL,
        "mandagi",
        DESCRIPTION,
        "Kabel listrik",
        ADDRESS,
        "Ratulangi",
        "minta ditelepon",
        STAFF_PASSWORD,
        "salah-Bitung",
        &token,
        "KUNCI-RAHASIA",
        "log-test-0001",
        "127.0.0.1",
    ] {
        assert!(!said.contains(&secret.to_lowercase()), "the log holds {secret:?}:\n{log}");
    }
}

/// Sends `head` and then all of `body` before reading anything, as Python's
/// urllib or a phone uploading does, and returns the status and the JSON body
/// of the answer.
fn send_everything_then_read(port: u16, head: &str, body: &[u8]) -> (u16, serde_json::Value) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream.set_read_timeout(Some(Duration::from_mins(1))).expect("timeout");
    stream.write_all(head.as_bytes()).expect("headers sent");
    // Were the connection closed while this is still being written, the
    // write would fail here with a reset and the answer would never be read.
    stream.write_all(body).expect("the whole body is taken");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the answer arrives");
    let text = String::from_utf8_lossy(&answer);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let json = text.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).expect("a JSON body");
    (status, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_everything_first_hears_why_it_was_refused() {
    let dir = TempDir::new().expect("temporary folder");
    let portal = Portal::start(dir.path(), &[]).await;
    let port = portal.port;
    let twelve_mb = 12 * 1024 * 1024;

    // 12 MB of JSON where 1 MB is the limit.
    let json = tokio::task::spawn_blocking(move || {
        let mut body = br#"{"category":"sampah","description":""#.to_vec();
        body.resize(twelve_mb, b'a');
        body.extend_from_slice(br#""}"#);
        let head = format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Accept-Language: en\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        send_everything_then_read(port, &head, &body)
    })
    .await
    .expect("client");
    assert_eq!(json.0, 413, "{}", json.1);
    assert_eq!(json.1["error"]["code"], "body_too_large");
    assert_eq!(json.1["error"]["message"], "Request too large: at most 1 MB.");

    // A 12 MB photo where a photo may have 5 MB: refused part-way through the upload.
    let photo = tokio::task::spawn_blocking(move || {
        let boundary = "----portal112-plain-client";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n",
            crate::common::valid_report()
        )
        .into_bytes();
        body.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        body.resize(body.len() + twelve_mb, 0);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let head = format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        send_everything_then_read(port, &head, &body)
    })
    .await
    .expect("client");
    assert_eq!(photo.0, 413, "{}", photo.1);
    assert_eq!(
        (photo.1["error"]["code"].as_str(), photo.1["error"]["field"].as_str()),
        (Some("photo_too_large"), Some("photo[0]"))
    );
    // Nothing was stored on the way.
    let listed = reqwest::get(format!("{}/open311/v2/requests.json", portal.base)).await.expect("lists");
    assert_eq!(listed.json::<serde_json::Value>().await.expect("json"), json!([]));
}
