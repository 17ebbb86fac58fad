//! The real server, in-process: `portal112_server::router` over a real SQLite
//! file in a temporary folder, serving the built app from `dist/` on
//! 127.0.0.1. It can be stopped and started again on the same port with the
//! same database, as when the city's server is briefly unreachable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use portal112_core::dto::Role;
use portal112_server::auth::hash_password;
use portal112_server::clock::Clock;
use portal112_server::store::{AuditAction, AuditEntry, Millis, NewStaff, SharedStore};
use portal112_server::view::now_millis;
use portal112_server::{AppState, Settings, config, router, store};
use reqwest::multipart;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpSocket;
use tokio::sync::{OnceCell, oneshot, watch};
use tokio::task::JoinHandle;

use crate::fixtures;

/// Password of every staff account the tests create.
pub const PASSWORD: &str = "kata-sandi-rahasia-112";

/// A running (or stopped) portal on its own database.
#[derive(Debug)]
pub struct Portal {
    /// The database and the media folder; removed when the test ends.
    dir: TempDir,
    /// The city file it serves, as `portal112 serve --config` takes it.
    city: PathBuf,
    addr: SocketAddr,
    running: Option<Running>,
    http: reqwest::Client,
    operator: OnceCell<String>,
    admin: OnceCell<String>,
    /// The server's "now": the system's, or one the test sets.
    clock: Clock,
}

#[derive(Debug)]
struct Running {
    state: AppState,
    store: SharedStore,
    /// Ends event streams (they follow the state's shutdown flag).
    streams: watch::Sender<bool>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Portal {
    /// A portal for Kota Bitung (`config/bitung.toml`) on a fresh database and a free port.
    pub async fn start() -> crate::Result<Self> {
        Self::start_city(&fixtures::workspace().join("config/bitung.toml")).await
    }

    /// A portal for the city of `city_file`, on a fresh database and a free port.
    pub async fn start_city(city_file: &Path) -> crate::Result<Self> {
        Self::start_with(city_file, Clock::system()).await
    }

    /// A portal for Kota Bitung whose clock stands at `at` until the test
    /// moves it ([`Portal::clock`]): deadlines pass without waiting.
    pub async fn start_at(at: Millis) -> crate::Result<Self> {
        Self::start_with(&fixtures::workspace().join("config/bitung.toml"), Clock::manual(at)).await
    }

    async fn start_with(city_file: &Path, clock: Clock) -> crate::Result<Self> {
        let dir = tempfile::tempdir()?;
        let http = reqwest::Client::builder()
            // A restarted server must not be asked over a connection of the old one.
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()?;
        let mut portal = Self {
            dir,
            city: city_file.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            running: None,
            http,
            operator: OnceCell::new(),
            admin: OnceCell::new(),
            clock,
        };
        portal.resume().await?;
        Ok(portal)
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The absolute URL of `path`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// Starts serving again on the same port with the same database.
    pub async fn resume(&mut self) -> crate::Result<()> {
        ensure!(self.running.is_none(), "the portal is already running");
        let city = config::load_city(&self.city)?;
        let db = self.dir.path().join("portal112.db");
        let store = store::open(&format!("sqlite://{}", db.display())).await?;
        let settings = Settings {
            media_dir: self.dir.path().join("media"),
            dist_dir: Some(fixtures::dist_dir()),
            // Tests send many reports and sign-ins from one address.
            report_rate_per_minute: 10_000,
            login_rate_per_minute: 10_000,
            ..Settings::default()
        };
        let (streams, streams_rx) = watch::channel(false);
        let mut state = AppState::new(city, store.clone(), settings, streams_rx);
        state.clock = self.clock.clone();
        let app = router(state.clone());
        let socket = TcpSocket::new_v4()?;
        // The port of the stopped server may still have connections in TIME_WAIT.
        socket.set_reuseaddr(true)?;
        socket.bind(self.addr).with_context(|| format!("binding {}", self.addr))?;
        let listener = socket.listen(1024)?;
        self.addr = listener.local_addr()?;
        let (stop, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                })
                .await
        });
        self.running = Some(Running { state, store, streams, stop, task });
        self.wait_healthy().await
    }

    /// Stops serving: the port refuses connections, the database file stays.
    pub async fn stop(&mut self) -> crate::Result<()> {
        let Some(running) = self.running.take() else { bail!("the portal is not running") };
        let _ = running.streams.send(true);
        let _ = running.stop.send(());
        let mut task = running.task;
        let Ok(result) = tokio::time::timeout(Duration::from_secs(10), &mut task).await else {
            task.abort();
            bail!("the server did not stop within 10 s (a connection stayed open)");
        };
        result??;
        drop(running.store);
        // Make sure nothing answers any more.
        ensure!(
            tokio::net::TcpStream::connect(self.addr).await.is_err(),
            "the port still accepts connections after stopping"
        );
        Ok(())
    }

    async fn wait_healthy(&self) -> crate::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match self.http.get(self.url("/healthz")).send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                _ if tokio::time::Instant::now() > deadline => bail!("the server did not become healthy"),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// The server's clock.
    #[must_use]
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Looks for late stages once, as a serving instance does every 30 s;
    /// returns how many it escalated.
    pub async fn escalate(&self) -> crate::Result<usize> {
        let state = &self.running.as_ref().context("the portal is not running")?.state;
        let escalated = portal112_server::usecases::service_levels::escalate_late(state, state.clock.now())
            .await
            .map_err(|e| anyhow::anyhow!("escalating: {e}"))?;
        Ok(escalated.len())
    }

    fn store(&self) -> crate::Result<&SharedStore> {
        Ok(&self.running.as_ref().context("the portal is not running")?.store)
    }

    /// A staff account created in the store, as `portal112 staff add` does.
    pub async fn add_staff(&self, username: &str, role: Role, agency: Option<&str>) -> crate::Result<()> {
        let hash = hash_password(PASSWORD)?;
        let staff = NewStaff { username: username.into(), password_hash: hash, role, agency: agency.map(Into::into) };
        let entry = AuditEntry::new(now_millis(), "cli", AuditAction::StaffAdd, username);
        self.store()?.add_staff(&staff, entry).await?;
        Ok(())
    }

    /// Signs in through the API (POST /api/v1/staff/session); the bearer token.
    pub async fn sign_in(&self, username: &str) -> crate::Result<String> {
        let body = self
            .send_json(
                self.http
                    .post(self.url("/api/v1/staff/session"))
                    .json(&json!({"username": username, "password": PASSWORD})),
                201,
            )
            .await?;
        Ok(body["token"].as_str().context("a token")?.to_owned())
    }

    /// The token of a signed-in call-centre operator (created on first use).
    pub async fn operator(&self) -> crate::Result<String> {
        let token = self
            .operator
            .get_or_try_init(|| async {
                self.add_staff("operator-e2e", Role::Operator, None).await?;
                self.sign_in("operator-e2e").await
            })
            .await?;
        Ok(token.clone())
    }

    /// The token of a signed-in admin (created on first use).
    pub async fn admin(&self) -> crate::Result<String> {
        let token = self
            .admin
            .get_or_try_init(|| async {
                self.add_staff("admin-e2e", Role::Admin, None).await?;
                self.sign_in("admin-e2e").await
            })
            .await?;
        Ok(token.clone())
    }

    async fn send_json(&self, request: reqwest::RequestBuilder, expect: u16) -> crate::Result<Value> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        ensure!(status == expect, "expected {expect}, got {status}: {text}");
        if text.is_empty() { Ok(Value::Null) } else { Ok(serde_json::from_str(&text)?) }
    }

    /// GET of a JSON API path, expecting 200.
    pub async fn get_json(&self, path: &str) -> crate::Result<Value> {
        self.send_json(self.http.get(self.url(path)), 200).await
    }

    /// A ticket's public view, as anyone holding the code sees it.
    pub async fn ticket(&self, code: &str) -> crate::Result<Value> {
        self.get_json(&format!("/api/v1/tickets/{code}")).await
    }

    /// A page of the staff ticket list (operator's view).
    pub async fn staff_tickets(&self) -> crate::Result<Value> {
        let token = self.operator().await?;
        self.send_json(self.http.get(self.url("/api/v1/staff/tickets?page_size=50")).bearer_auth(token), 200).await
    }

    /// How many tickets the database holds, as the staff list counts them.
    pub async fn ticket_total(&self) -> crate::Result<u64> {
        self.staff_tickets().await?["total"].as_u64().context("total")
    }

    /// Files a report as JSON through the public API; its ticket code.
    pub async fn create_report(&self, report: &Value) -> crate::Result<String> {
        let body = self.send_json(self.http.post(self.url("/api/v1/reports")).json(report), 201).await?;
        Ok(body["code"].as_str().context("a code")?.to_owned())
    }

    /// Moves a ticket along as the operator (POST .../events).
    pub async fn add_event(&self, code: &str, update: &Value) -> crate::Result<Value> {
        let token = self.operator().await?;
        // A change names the revision it was made on: the one the operator sees now.
        let mut update = update.clone();
        if update.get("revision").is_none() {
            let current = self
                .send_json(self.http.get(self.url(&format!("/api/v1/staff/tickets/{code}"))).bearer_auth(&token), 200)
                .await?;
            update["revision"] = current["revision"].clone();
        }
        let path = format!("/api/v1/staff/tickets/{code}/events");
        self.send_json(self.http.post(self.url(&path)).bearer_auth(token).json(&update), 201).await
    }

    /// A ticket's full staff record, as an operator reads it.
    pub async fn staff_ticket(&self, code: &str) -> crate::Result<Value> {
        let token = self.operator().await?;
        self.send_json(self.http.get(self.url(&format!("/api/v1/staff/tickets/{code}"))).bearer_auth(token), 200).await
    }

    /// The HTTP status of a GET with `token`.
    pub async fn http_status(&self, path: &str, token: &str) -> crate::Result<u16> {
        Ok(self.http.get(self.url(path)).bearer_auth(token).send().await?.status().as_u16())
    }

    /// Ends the session of `token` on the server (as signing out elsewhere does).
    pub async fn sign_out(&self, token: &str) -> crate::Result<()> {
        self.send_json(self.http.delete(self.url("/api/v1/staff/session")).bearer_auth(token), 204).await?;
        Ok(())
    }

    /// A change to a ticket with `token`, expecting it to be recorded.
    pub async fn add_event_as(&self, token: &str, code: &str, update: &Value) -> crate::Result<Value> {
        let path = format!("/api/v1/staff/tickets/{code}/events");
        self.send_json(self.http.post(self.url(&path)).bearer_auth(token).json(update), 201).await
    }

    /// A change to a ticket with `token`: the status and the body, whatever they are.
    pub async fn add_event_raw(&self, token: &str, code: &str, update: &Value) -> crate::Result<(u16, Value)> {
        let path = format!("/api/v1/staff/tickets/{code}/events");
        let response = self.http.post(self.url(&path)).bearer_auth(token).json(update).send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// The standby shift running now in the city's time (WITA): its date and
    /// its column (0 pagi, 1 sore, 2 malam), as `GET /api/v1/staff/standby/now` reports it.
    pub async fn standby_now_shift(&self) -> crate::Result<(String, usize)> {
        let token = self.operator().await?;
        let now = self.send_json(self.http.get(self.url("/api/v1/staff/standby/now")).bearer_auth(token), 200).await?;
        let first = &now[0];
        let column = match first["shift"].as_str() {
            Some("pagi") => 0,
            Some("sore") => 1,
            _ => 2,
        };
        Ok((first["date"].as_str().context("date")?.to_owned(), column))
    }

    /// Uploads a video with captions as an admin (multipart POST /api/v1/staff/videos).
    pub async fn upload_video(
        &self,
        admin: &str,
        meta: &Value,
        video: &Path,
        captions_id: &str,
        captions_en: &str,
    ) -> crate::Result<Value> {
        let vtt = |text: &str, name: &str| {
            multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned()).mime_str("text/vtt")
        };
        let form = multipart::Form::new()
            .part("meta", multipart::Part::text(meta.to_string()).mime_str("application/json")?)
            .part(
                "video",
                multipart::Part::bytes(std::fs::read(video)?).file_name("video.webm").mime_str("video/webm")?,
            )
            .part("captions_id", vtt(captions_id, "id.vtt")?)
            .part("captions_en", vtt(captions_en, "en.vtt")?);
        self.send_json(self.http.post(self.url("/api/v1/staff/videos")).bearer_auth(admin).multipart(form), 201).await
    }

    /// Adds a YouTube entry to the catalogue as an admin.
    pub async fn add_youtube(&self, admin: &str, meta: &Value) -> crate::Result<Value> {
        self.send_json(self.http.post(self.url("/api/v1/staff/videos")).bearer_auth(admin).json(meta), 201).await
    }
}
