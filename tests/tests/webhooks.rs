//! Webhooks end to end: the real `portal112` binary, an endpoint added with
//! `portal112 webhook add` (its secret read from the last line it prints), a
//! receiver listening on 127.0.0.1, and the Python reference verifier of
//! Standard Webhooks checking every signature received.
//!
//! The server is killed with SIGKILL while deliveries are in flight (the
//! receiver holds them open) and started again on the same database: every
//! change must still arrive, repeats recognisable by their `webhook-id`.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use portal112_e2e::fixtures::workspace;
use serde_json::{Value, json};
use tokio::sync::watch;

/// The server binary, built from the server's own `main.rs` (see Cargo.toml).
const BIN: &str = env!("CARGO_BIN_EXE_portal112-e2e-server");
/// The reference verifier's pinned version, as `scripts/install-tools.sh` installs it.
const VERIFIER_VERSION: &str = "1.1.0";
const PASSWORD: &str = "kata-sandi-rahasia-112";
/// Tickets forwarded while the receiver holds deliveries open.
const TICKETS: usize = 6;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Debug, Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    /// While true, every request is recorded and then held open.
    hold: watch::Sender<bool>,
}

type ReceiverState = (Arc<Mutex<Vec<Received>>>, watch::Receiver<bool>);

async fn receive(State((got, mut hold)): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    got.lock().expect("lock").push(Received { headers, body });
    let _ = hold.wait_for(|holding| !holding).await;
    StatusCode::NO_CONTENT
}

impl Receiver {
    async fn start() -> anyhow::Result<Self> {
        let got = Arc::new(Mutex::new(Vec::new()));
        let (hold, holding) = watch::channel(false);
        let app = Router::new().route("/hook", post(receive)).with_state((got.clone(), holding));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { url: format!("http://{address}/hook"), got, hold })
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

/// The binary, with nothing from the environment deciding what it does.
fn portal112(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).stdin(Stdio::null());
    for (var, _) in std::env::vars() {
        if var.starts_with("PORTAL112_") || var == "DATABASE_URL" || var == "RUST_LOG" {
            command.env_remove(var);
        }
    }
    command.arg("--database").arg(database(dir)).arg("--config").arg(workspace().join("config/bitung.toml"));
    command
}

fn database(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("portal112.db").display())
}

fn run(mut command: Command, stdin: Option<&str>) -> anyhow::Result<Output> {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    if let Some(input) = stdin {
        child.stdin.take().context("stdin")?.write_all(input.as_bytes())?;
    }
    drop(child.stdin.take());
    let out = child.wait_with_output()?;
    ensure!(out.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(out)
}

/// A running `portal112 serve`, killed when the test ends.
#[derive(Debug)]
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(dir: &Path, n: usize) -> anyhow::Result<Self> {
        let log = dir.join(format!("server-{n}.log"));
        let out = File::create(&log)?;
        let child = portal112(dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .arg("--dist")
            .arg(dir.join("nodist"))
            .arg("--media")
            .arg(dir.join("media"))
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let mut server = Self { child, base: String::new(), log };
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let address = std::fs::read_to_string(&server.log)?.lines().find_map(|l| {
                let l: Value = serde_json::from_str(l).ok()?;
                (l["message"] == "portal112 serving").then(|| l["address"].as_str().map(str::to_owned)).flatten()
            });
            if let Some(address) = address {
                server.base = format!("http://{address}");
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited with {status}: {}", std::fs::read_to_string(&server.log)?);
            }
            ensure!(Instant::now() < deadline, "the server did not start in 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no chance to finish or record anything.
    fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// Polls `condition` until it holds or `limit` passes.
async fn eventually(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !condition() {
        ensure!(Instant::now() < deadline, "{what} did not happen within {} s", limit.as_secs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn post_json(http: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> anyhow::Result<Value> {
    let mut request = http.post(url).json(body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    ensure!(status.is_success(), "{url}: {status} {body}");
    Ok(body)
}

/// The Python verifier's interpreter; the test fails without it.
fn verifier_python() -> anyhow::Result<PathBuf> {
    let tools = std::env::var_os("PORTAL112_TOOLS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/portal112/tools"),
        PathBuf::from,
    );
    let python =
        tools.parent().context("tools folder")?.join(format!("standardwebhooks-{VERIFIER_VERSION}/bin/python"));
    ensure!(
        python.is_file(),
        "{} is missing: run `scripts/install-tools.sh test` (or `make tools-test`) to install the \
         Python standardwebhooks {VERIFIER_VERSION} the signatures are checked with",
        python.display()
    );
    Ok(python)
}

/// Has the reference verifier check each message; returns which it accepted.
fn python_verify(secret: &str, messages: &[Received]) -> anyhow::Result<Vec<bool>> {
    let input: Vec<Value> = messages
        .iter()
        .map(|m| {
            let headers: HashMap<&str, &str> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
                .into_iter()
                .map(|h| (h, m.headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("")))
                .collect();
            json!({"headers": headers, "body": String::from_utf8_lossy(&m.body)})
        })
        .collect();
    let script = "import json, sys\n\
                  from standardwebhooks.webhooks import Webhook\n\
                  hook = Webhook(sys.argv[1])\n\
                  for m in json.load(sys.stdin):\n\
                  \x20   try:\n\
                  \x20       hook.verify(m['body'], m['headers'])\n\
                  \x20       print('ok')\n\
                  \x20   except Exception as e:\n\
                  \x20       print('rejected', type(e).__name__)\n";
    let mut child = Command::new(verifier_python()?)
        .args(["-c", script, secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child.stdin.take().context("stdin")?.write_all(serde_json::to_string(&input)?.as_bytes())?;
    let out = child.wait_with_output()?;
    ensure!(out.status.success(), "the verifier failed: {}", String::from_utf8_lossy(&out.stderr));
    let verdicts: Vec<bool> = String::from_utf8(out.stdout)?.lines().map(|l| l == "ok").collect();
    ensure!(verdicts.len() == messages.len(), "one verdict per message");
    Ok(verdicts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_arrives_signed_even_when_the_server_is_killed_mid_delivery() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let receiver = Receiver::start().await?;

    let mut add = portal112(dir.path());
    add.args(["webhook", "add", "--agency", "dlh", "--url", &receiver.url]);
    let out = run(add, None)?;
    let stdout = String::from_utf8(out.stdout)?;
    let secret = stdout.lines().last().context("a last line")?.trim().to_owned();
    ensure!(secret.starts_with("whsec_"), "the secret on the last line: {stdout:?}");
    let mut staff = portal112(dir.path());
    staff.args(["staff", "add", "--username", "operator.e2e", "--role", "operator"]);
    run(staff, Some(&format!("{PASSWORD}\n")))?;

    let mut server = Server::start(dir.path(), 0).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(30)).build()?;
    let session = post_json(
        &http,
        &format!("{}/api/v1/staff/session", server.base),
        None,
        &json!({"username": "operator.e2e", "password": PASSWORD}),
    )
    .await?;
    let token = session["token"].as_str().context("token")?.to_owned();

    // The receiver holds every delivery open while tickets are forwarded.
    receiver.hold.send_replace(true);
    let mut codes = BTreeSet::new();
    for i in 0..TICKETS {
        let report = json!({
            "category": "sampah",
            "description": format!("Sampah menumpuk di depan pasar, laporan nomor {i}."),
            "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 12.0},
            "contact": {"name": "Maria Wenas", "phone": "081234567890"},
        });
        let created = post_json(&http, &format!("{}/api/v1/reports", server.base), None, &report).await?;
        let code = created["code"].as_str().context("code")?.to_owned();
        let events = format!("{}/api/v1/staff/tickets/{code}/events", server.base);
        post_json(&http, &events, Some(&token), &json!({"revision": 1, "status": "verified"})).await?;
        post_json(&http, &events, Some(&token), &json!({"revision": 2, "status": "assigned", "agency": "dlh"})).await?;
        codes.insert(code);
    }
    eventually(Duration::from_secs(30), "deliveries in flight", || !receiver.received().is_empty()).await?;
    server.kill()?;
    let in_flight = receiver.received().len();
    receiver.hold.send_replace(false);

    // Started again on the same database: what the killed process claimed
    // but never recorded is sent again, and the rest for the first time.
    let _server = Server::start(dir.path(), 1).await?;
    let expected: BTreeSet<(String, String)> = codes
        .iter()
        .flat_map(|c| [(c.clone(), "ticket.changed".to_owned()), (c.clone(), "ticket.forwarded".to_owned())])
        .collect();
    let arrived = |received: &[Received]| -> BTreeSet<(String, String)> {
        received
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .map(|b| (b["data"]["code"].as_str().unwrap_or("").to_owned(), b["type"].as_str().unwrap_or("").to_owned()))
            .collect()
    };
    eventually(Duration::from_mins(1), "every change delivered", || arrived(&receiver.received()) == expected).await?;

    let got = receiver.received();
    // A repeat is the same message under the same webhook-id: one id per
    // change, and every copy of an id carries the same body.
    let mut by_id: HashMap<String, Bytes> = HashMap::new();
    for r in &got {
        let id = r.headers.get("webhook-id").context("webhook-id")?.to_str()?.to_owned();
        ensure!(id.starts_with("msg_"), "{id}");
        if let Some(body) = by_id.insert(id.clone(), r.body.clone()) {
            ensure!(body == r.body, "two different bodies under {id}");
        }
        let text = std::str::from_utf8(&r.body)?;
        ensure!(!text.contains("081234567890") && !text.contains("Maria Wenas"), "contact sent: {text}");
    }
    ensure!(by_id.len() == expected.len(), "{} ids for {} changes", by_id.len(), expected.len());
    eprintln!("{in_flight} requests in flight at the kill; {} received in all for {} changes", got.len(), by_id.len());

    // The reference verifier accepts every signature received, and rejects a
    // body that was changed on the way (so it really checks).
    let verdicts = python_verify(&secret, &got)?;
    ensure!(verdicts.iter().all(|ok| *ok), "the reference verifier rejected a signature: {verdicts:?}");
    let mut tampered = got[0].clone();
    tampered.body = Bytes::from(String::from_utf8_lossy(&tampered.body).replace("sampah", "sampai"));
    ensure!(python_verify(&secret, &[tampered])? == [false], "a changed body must not verify");
    Ok(())
}
