//! The compiled `portal112` binary: serving over real HTTP and stopping
//! cleanly on SIGTERM, and the command-line tools an administrator uses.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use portal112_core::dto::Role;
use portal112_server::auth::{secret_hash, verify_password};
use serde_json::{Value, json};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_portal112");

/// The binary, with nothing from the environment deciding where it writes.
fn portal112(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).stdin(Stdio::null());
    for var in [
        "DATABASE_URL",
        "PORTAL112_CONFIG",
        "PORTAL112_LISTEN",
        "PORTAL112_DIST",
        "PORTAL112_MEDIA",
        "PORTAL112_TRUST_PROXY",
        "PORTAL112_REPORT_RATE",
        "PORTAL112_LOGIN_RATE",
    ] {
        command.env_remove(var);
    }
    command
}

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("db").display())
}

/// A running server, killed if the test ends before it stops by itself.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = dir.join("server.log");
        let out = File::create(&log).expect("log file");
        let child = portal112(dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", &database_url(dir)])
            .arg("--media")
            .arg(dir.join("media"))
            .arg("--dist")
            .arg(dir.join("nodist"))
            .arg("--config")
            .arg(crate::common::city_file())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("the binary starts");
        let mut server = Self { child, base: format!("http://127.0.0.1:{port}"), log };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
                && r.status() == reqwest::StatusCode::OK
            {
                assert_eq!(r.json::<Value>().await.expect("JSON"), json!({"status": "ok"}));
                return server;
            }
            if let Some(status) = server.child.try_wait().expect("child state") {
                panic!("the server exited with {status} before it was ready:\n{}", server.log());
            }
            assert!(Instant::now() < deadline, "the server did not answer /healthz in 30 s:\n{}", server.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM and waits for the process to end.
    async fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().expect("kill runs");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("child state") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop within 20 s of SIGTERM:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn serves_over_http_and_stops_cleanly_on_sigterm() {
    let dir = TempDir::new().expect("temporary folder");
    let mut server = Server::start(dir.path()).await;
    let client = reqwest::Client::new();

    let created = client
        .post(format!("{}/api/v1/reports", server.base))
        .json(&crate::common::valid_report())
        .send()
        .await
        .expect("report sent");
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let location = created.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(created.headers()["x-content-type-options"], "nosniff");
    let code = created.json::<Value>().await.expect("JSON")["code"].as_str().expect("code").to_owned();
    assert_eq!(location, format!("/api/v1/tickets/{code}"));

    let photo = reqwest::multipart::Part::bytes(crate::common::jpeg_with_gps_exif(40, 30))
        .file_name("foto.jpg")
        .mime_str("image/jpeg")
        .expect("mime");
    let form =
        reqwest::multipart::Form::new().text("report", crate::common::valid_report().to_string()).part("photo", photo);
    let with_photo = client.post(format!("{}/api/v1/reports", server.base)).multipart(form).send().await.expect("sent");
    assert_eq!(with_photo.status(), reqwest::StatusCode::CREATED);
    let photo_url =
        with_photo.json::<Value>().await.expect("JSON")["ticket"]["photos"][0].as_str().expect("url").to_owned();
    let photo = client.get(format!("{}{photo_url}", server.base)).send().await.expect("photo");
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert!(!crate::common::contains(&photo.bytes().await.expect("bytes"), crate::common::GPS_MARKER));

    let ticket = client.get(format!("{}{location}", server.base)).send().await.expect("ticket");
    assert_eq!(ticket.status(), reqwest::StatusCode::OK);
    let ticket: Value = ticket.json().await.expect("JSON");
    assert_eq!(ticket["code"], code.as_str());
    assert_eq!(ticket["category"]["code"], "sampah");

    let missing = client.get(format!("{}/api/v1/nope", server.base)).send().await.expect("sent");
    assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.expect("JSON")["error"]["code"], "not_found");
    let no_app = client.get(format!("{}/melapor", server.base)).send().await.expect("sent");
    assert_eq!(no_app.status(), reqwest::StatusCode::NOT_FOUND, "without a built app only the API is served");

    // A tracker is connected when the signal comes: its stream ends, and the
    // server still stops promptly and cleanly.
    let mut tracker = client.get(format!("{}/api/v1/tickets/{code}/events", server.base)).send().await.expect("stream");
    assert_eq!(tracker.headers()["content-type"], "text/event-stream");
    let first = tokio::time::timeout(Duration::from_secs(10), tracker.chunk()).await.expect("an event in time");
    assert!(String::from_utf8_lossy(&first.expect("reads").expect("a chunk")).contains("event: timeline"));

    let status = server.terminate().await;
    assert_eq!(status.code(), Some(0), "{status}:\n{}", server.log());
    let log = server.log();
    assert!(log.contains("shutting down"), "{log}");
    let rest =
        tokio::time::timeout(Duration::from_secs(10), async { while let Ok(Some(_)) = tracker.chunk().await {} }).await;
    assert!(rest.is_ok(), "the event stream ended with the server");
    // The log never holds the reporter's words or a query string.
    assert!(!log.contains("Sampah menumpuk"), "{log}");
}

#[tokio::test]
async fn api_key_create_prints_only_the_key() {
    let dir = TempDir::new().expect("temporary folder");
    let out: Output = portal112(dir.path())
        .args(["api-key", "create", "--label", "dashboard-provinsi", "--database", &database_url(dir.path())])
        .arg("--config")
        .arg(crate::common::city_file())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let key = stdout.strip_suffix('\n').expect("one line");
    assert_eq!(key.len(), 64, "{stdout:?}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{stdout:?}");

    let store = portal112_server::store::open(&database_url(dir.path())).await.expect("database");
    assert_eq!(store.api_key(&secret_hash(key)).await.expect("query").as_deref(), Some("dashboard-provinsi"));
    assert_eq!(store.api_key(key).await.expect("query"), None, "only the hash is stored");

    let second = portal112(dir.path())
        .args(["api-key", "create", "--label", "dashboard-provinsi", "--database", &database_url(dir.path())])
        .output()
        .expect("runs");
    assert!(second.status.success());
    assert_ne!(String::from_utf8_lossy(&second.stdout), stdout, "every key is new");
    let blank = portal112(dir.path())
        .args(["api-key", "create", "--label", "  ", "--database", &database_url(dir.path())])
        .output()
        .expect("runs");
    assert!(!blank.status.success());
    assert!(blank.stdout.is_empty());
}

fn staff_add(dir: &Path, args: &[&str], password: &str) -> Output {
    let mut child = portal112(dir)
        .args(["staff", "add", "--database", &database_url(dir)])
        .arg("--config")
        .arg(crate::common::city_file())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // A command refused for its arguments may end before it reads the
    // password: the pipe is then closed, and its exit and message tell.
    match child.stdin.take().expect("stdin").write_all(password.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.expect("password written"),
    }
    child.wait_with_output().expect("ends")
}

#[tokio::test]
async fn staff_add_reads_the_password_from_stdin() {
    let dir = TempDir::new().expect("temporary folder");
    let out = staff_add(
        dir.path(),
        &["--username", "dlh.sari", "--role", "agency", "--agency", "dlh"],
        "kata-sandi-panjang-112\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "the password is never echoed");
    assert!(stderr.contains("dlh.sari"), "{stderr}");

    let store = portal112_server::store::open(&database_url(dir.path())).await.expect("database");
    let account = store.staff_by_username("dlh.sari").await.expect("query").expect("the account");
    assert_eq!((account.role, account.agency.as_deref()), (Role::Agency, Some("dlh")));
    assert!(verify_password("kata-sandi-panjang-112", &account.password_hash), "the newline is not part of it");
    assert!(!account.password_hash.contains("kata-sandi"));
    drop(store);

    let supervisor =
        staff_add(dir.path(), &["--username", "spv.malam", "--role", "supervisor"], "kata-sandi-panjang\n");
    assert!(supervisor.status.success(), "{}", String::from_utf8_lossy(&supervisor.stderr));
    let store = portal112_server::store::open(&database_url(dir.path())).await.expect("database");
    let account = store.staff_by_username("spv.malam").await.expect("query").expect("the account");
    assert_eq!((account.role, account.agency), (Role::Supervisor, None));
    drop(store);

    for (args, password, complaint) in [
        (vec!["--username", "pendek", "--role", "operator"], "pendek\n", "at least 10"),
        (vec!["--username", "dlh.andi", "--role", "agency"], "kata-sandi-panjang\n", "--agency"),
        (
            vec!["--username", "x.y", "--role", "agency", "--agency", "polisi"],
            "kata-sandi-panjang\n",
            "unknown agency 'polisi'",
        ),
        (vec!["--username", "a b", "--role", "operator"], "kata-sandi-panjang\n", "username"),
        (vec!["--username", "boss", "--role", "raja"], "kata-sandi-panjang\n", "not a role"),
        (vec!["--username", "spv.x", "--role", "supervisor", "--agency", "dlh"], "kata-sandi-panjang\n", "agency"),
    ] {
        let out = staff_add(dir.path(), &args, password);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr.contains(complaint), "{args:?}: {stderr}");
    }
}

#[test]
fn check_config_names_the_file_and_the_field() {
    let dir = TempDir::new().expect("temporary folder");
    let original = std::fs::read_to_string(crate::common::city_file()).expect("city file");

    let ok = portal112(dir.path())
        .arg("check-config")
        .arg("--config")
        .arg(crate::common::city_file())
        .output()
        .expect("runs");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stderr).contains("ok"));

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, original.replacen("zoom = 12", "zoom = \"dua belas\"", 1)).expect("written");
    let out = portal112(dir.path()).arg("check-config").arg("--config").arg(&broken).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&broken.display().to_string()), "{stderr}");
    assert!(stderr.contains("map.zoom"), "{stderr}");

    let inconsistent = dir.path().join("inconsistent.toml");
    std::fs::write(&inconsistent, original.replacen("agency = \"dlh\"", "agency = \"dinas-tidak-ada\"", 1))
        .expect("written");
    let out = portal112(dir.path()).arg("check-config").arg("--config").arg(&inconsistent).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&inconsistent.display().to_string()), "{stderr}");
    assert!(stderr.contains("].agency: names no agency"), "{stderr}");

    let missing = dir.path().join("tidak-ada.toml");
    let out = portal112(dir.path()).arg("check-config").arg("--config").arg(&missing).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tidak-ada.toml"));

    // The server refuses to start on it too.
    let out = portal112(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &database_url(dir.path())])
        .arg("--config")
        .arg(&broken)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("map.zoom"));
}

/// `portal112 webhook ...` on the test folder's database.
fn webhook(dir: &Path, args: &[&str]) -> Output {
    portal112(dir)
        .args(["webhook", "--database", &database_url(dir)])
        .arg("--config")
        .arg(crate::common::city_file())
        .args(args)
        .output()
        .expect("runs")
}

#[tokio::test]
async fn webhook_endpoints_are_added_listed_and_removed_on_the_command_line() {
    let dir = TempDir::new().expect("temporary folder");
    let out = webhook(dir.path(), &["add", "--agency", "dlh", "--url", "https://sistem.dlh.example.go.id/masuk"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let secret = stdout.lines().last().expect("a last line");
    assert!(secret.starts_with("whsec_"), "{stdout:?}");
    standardwebhooks::Webhook::new(secret).expect("a secret the specification's crate takes");
    assert!(String::from_utf8_lossy(&out.stderr).contains("only"), "warned that it is shown once");

    let list = webhook(dir.path(), &["list"]);
    assert!(list.status.success());
    let listed = String::from_utf8(list.stdout).expect("UTF-8");
    assert!(listed.starts_with("id\tagency\turl\tcreated\tstate\n"), "{listed}");
    assert!(listed.contains("1\tdlh\thttps://sistem.dlh.example.go.id/masuk\t"), "{listed}");
    assert!(listed.trim_end().ends_with("\tactive"), "{listed}");
    assert!(!listed.contains(&secret["whsec_".len()..]), "the secret is never listed");

    let unknown = webhook(dir.path(), &["add", "--agency", "dinas-hantu", "--url", "https://x.example/"]);
    assert!(!unknown.status.success());
    let why = String::from_utf8_lossy(&unknown.stderr);
    assert!(why.contains("--agency") && why.contains("dlh, "), "names the known agencies: {why}");
    let bad_url = webhook(dir.path(), &["add", "--agency", "dlh", "--url", "ftp://x.example/"]);
    assert!(!bad_url.status.success());
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("--url"));
    assert!(bad_url.stdout.is_empty() && unknown.stdout.is_empty());

    let removed = webhook(dir.path(), &["remove", "1"]);
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let again = webhook(dir.path(), &["remove", "1"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no active webhook endpoint"));
    let listed = String::from_utf8(webhook(dir.path(), &["list"]).stdout).expect("UTF-8");
    assert!(listed.trim_end().ends_with("\tremoved"), "{listed}");

    let store = portal112_server::store::open(&database_url(dir.path())).await.expect("database");
    let actions: Vec<&str> =
        store.audit_entries(10).await.expect("audit").iter().map(|e| e.action.as_str()).collect::<Vec<_>>();
    assert_eq!(actions, ["webhook_remove", "webhook_add"]);
}
