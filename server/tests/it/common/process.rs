//! The compiled `portal112` binary as a real process: started on a port the
//! kernel picks (read back from its first log line, so no port can be taken
//! in between), killed or stopped like an operator or a power cut would.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_portal112");

/// The binary, with nothing from the environment deciding what it does.
#[must_use]
pub fn portal112(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).stdin(Stdio::null());
    for (var, _) in std::env::vars() {
        if var.starts_with("PORTAL112_") || var == "DATABASE_URL" || var == "RUST_LOG" {
            command.env_remove(var);
        }
    }
    command
}

/// The database of a test folder.
#[must_use]
pub fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("portal112.db").display())
}

/// `portal112 staff add` with the password on stdin, as an administrator runs it.
pub fn staff_add(dir: &Path, username: &str, role: &str, password: &str) {
    staff_add_to(dir, &database_url(dir), username, role, password);
}

/// [`staff_add`] on the database `database`.
pub fn staff_add_to(dir: &Path, database: &str, username: &str, role: &str, password: &str) {
    let mut child = portal112(dir)
        .args(["staff", "add", "--username", username, "--role", role, "--database", database])
        .arg("--config")
        .arg(super::city_file())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("portal112 staff add starts");
    child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("password written");
    let out = child.wait_with_output().expect("portal112 staff add ends");
    assert!(out.status.success(), "staff add failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A running `portal112 serve`, killed if the test ends while it runs.
#[derive(Debug)]
pub struct Portal {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Its port.
    pub port: u16,
    log: PathBuf,
}

impl Drop for Portal {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Portal {
    /// Starts the server over the folder's database (JSON logs into a new
    /// file in the folder) and waits until `/healthz` answers. `extra` serve
    /// flags come last; without `--dist` no app is served.
    pub async fn start(dir: &Path, extra: &[&str]) -> Self {
        Self::start_on(dir, &database_url(dir), extra).await
    }

    /// [`Self::start`] over the database `database` (another instance's, say).
    pub async fn start_on(dir: &Path, database: &str, extra: &[&str]) -> Self {
        let n = (0..1000).find(|n| !dir.join(format!("server-{n}.log")).exists()).expect("a free log name");
        let log = dir.join(format!("server-{n}.log"));
        let out = File::create(&log).expect("log file");
        let mut command = portal112(dir);
        command
            .args(["--database", database])
            .arg("--config")
            .arg(super::city_file())
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .arg("--media")
            .arg(dir.join("media"));
        if !extra.contains(&"--dist") {
            command.arg("--dist").arg(dir.join("nodist"));
        }
        let child = command
            .args(extra)
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("the binary starts");
        let mut portal = Self { child, base: String::new(), port: 0, log };
        let deadline = Instant::now() + Duration::from_mins(1);
        let address = loop {
            if let Some(address) = portal.log_lines().iter().find_map(|l| {
                (l["message"] == "portal112 serving").then(|| l["address"].as_str().map(str::to_owned)).flatten()
            }) {
                break address;
            }
            if let Some(status) = portal.child.try_wait().expect("child state") {
                panic!("the server exited with {status} before it was ready:\n{}", portal.log());
            }
            assert!(Instant::now() < deadline, "the server did not start in 60 s:\n{}", portal.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        portal.port = address.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port in the address");
        portal.base = format!("http://127.0.0.1:{}", portal.port);
        let health = reqwest::get(format!("{}/healthz", portal.base)).await.expect("healthz answers");
        assert_eq!(health.status(), reqwest::StatusCode::OK);
        portal
    }

    /// Everything it logged so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its log lines as JSON (lines that are not JSON are left out).
    #[must_use]
    pub fn log_lines(&self) -> Vec<Value> {
        self.log().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// SIGKILL: the process ends at once, with no chance to flush or clean up.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL sent");
        let status = self.child.wait().expect("the process ends");
        assert!(!status.success(), "a killed server does not exit cleanly: {status}");
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}
