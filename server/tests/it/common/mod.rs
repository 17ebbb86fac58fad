//! Fixtures of the integration tests: the real router over a real SQLite file
//! in a temporary folder, plus helpers to send JSON and multipart requests,
//! create staff and API keys through the store, and make real photos.
//!
//! Every test file includes this module; not every file uses every helper.
#![allow(dead_code, reason = "each test crate uses a different subset of the fixtures")]

pub mod pg;
pub mod process;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use portal112_core::dto::{NewReport, Role};
use portal112_core::{Status, TicketCode};
use portal112_server::auth::random_bytes;
use portal112_server::clock::Clock;
use portal112_server::store::{Created, Millis, NewTicket, SharedStore};
use portal112_server::usecases::staff::NewAccount;
use portal112_server::view::now_millis;
use portal112_server::{AppState, Settings, config, router, store, usecases};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{OnceCell, watch};
use tower::ServiceExt as _;

/// Password of every account the fixtures create.
pub const PASSWORD: &str = "kata-sandi-rahasia-112";

/// Every source file of the server, as (path under `src/`, text).
pub fn server_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 10, "found the server's sources");
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(&root).expect("under src").display().to_string();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect()
}

/// The city file of the repository.
#[must_use]
pub fn city_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/bitung.toml")
}

/// A portal on its own database, ready to answer requests.
#[derive(Debug)]
pub struct TestApp {
    /// Holds the database and media folder; removed when the test ends.
    pub dir: TempDir,
    pub state: AppState,
    pub router: Router,
    pub store: SharedStore,
    /// Kept so event streams run until the test ends (they stop when it turns true).
    pub shutdown: watch::Sender<bool>,
    operator_token: OnceCell<String>,
    /// The PostgreSQL database of [`TestApp::on_postgres`], dropped with the app.
    pg: Option<pg::PgDatabase>,
}

impl TestApp {
    /// A portal with the default settings (media in the temporary folder).
    pub async fn new() -> Self {
        Self::with_settings(|_| {}).await
    }

    /// A portal whose clock stands at `at` until the test moves it
    /// (`app.state.clock.set(...)`), so deadlines pass without sleeping.
    pub async fn at(at: Millis) -> Self {
        Self::build(|_| {}, Clock::manual(at)).await
    }

    /// A portal whose settings `adjust` changes first.
    pub async fn with_settings(adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::build(adjust, Clock::system()).await
    }

    /// A portal like [`TestApp::with_settings`] on a PostgreSQL database of
    /// its own (on the server `scripts/with-postgres.sh` starts), for
    /// behaviour that must be the same on both backends.
    pub async fn on_postgres(adjust: impl FnOnce(&mut Settings)) -> Self {
        let db = pg::PgDatabase::create().await;
        let mut app = Self::build_on(&city_file(), Some(db.url.clone()), adjust, Clock::system()).await;
        app.pg = Some(db);
        app
    }

    /// A portal for the city of `city_file`, its settings changed by `adjust`.
    pub async fn for_city(city_file: &Path, adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::build_on(city_file, None, adjust, Clock::system()).await
    }

    async fn build(adjust: impl FnOnce(&mut Settings), clock: Clock) -> Self {
        Self::build_on(&city_file(), None, adjust, clock).await
    }

    /// The city of `city_file` on `database`, or on a SQLite file in the temporary folder.
    async fn build_on(
        city_file: &Path,
        database: Option<String>,
        adjust: impl FnOnce(&mut Settings),
        clock: Clock,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let city = config::load_city(city_file).expect("the city file loads");
        let url = database.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("t.db").display()));
        let store = store::open(&url).await.expect("database opens");
        let mut settings = Settings { media_dir: dir.path().join("media"), ..Settings::default() };
        adjust(&mut settings);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut state = AppState::new(city, store.clone(), settings, shutdown_rx);
        state.clock = clock;
        Self { dir, router: router(state.clone()), state, store, shutdown, operator_token: OnceCell::new(), pg: None }
    }

    /// Sends one request through the router, as a client would.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body reads").to_bytes();
        TestResponse { status, headers, body }
    }

    /// Sends a request and returns the response with its body still streaming.
    pub async fn send_streaming(&self, request: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(request).await.expect("the router never fails")
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Request::get(uri).body(Body::empty()).expect("request")).await
    }

    /// A GET with a bearer token.
    pub async fn get_as(&self, token: &str, uri: &str) -> TestResponse {
        self.send(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> TestResponse {
        self.send(json_request(Method::POST, uri, body)).await
    }

    /// A POST of JSON with a bearer token. A staff change without a
    /// `revision` is sent on the ticket's current one, as a console would
    /// ([`Self::post_json_as_raw`] sends the body untouched).
    pub async fn post_json_as(&self, token: &str, uri: &str, body: &Value) -> TestResponse {
        let mut body = body.clone();
        if let Some(code) = uri.strip_prefix("/api/v1/staff/tickets/").and_then(|r| r.strip_suffix("/events"))
            && body.is_object()
            && body.get("revision").is_none()
            && let Ok(code) = TicketCode::parse(code)
        {
            let current = self.store.ticket(&code).await.expect("reads").map_or(1, |t| t.revision);
            body["revision"] = json!(current);
        }
        self.post_json_as_raw(token, uri, &body).await
    }

    /// A POST of JSON with a bearer token, the body as given.
    pub async fn post_json_as_raw(&self, token: &str, uri: &str, body: &Value) -> TestResponse {
        let mut request = json_request(Method::POST, uri, body);
        request.headers_mut().insert(header::AUTHORIZATION, bearer(token));
        self.send(request).await
    }

    /// Files a report as JSON and returns its ticket code (asserting the 201).
    pub async fn create_report(&self, report: &Value) -> String {
        let response = self.post_json("/api/v1/reports", report).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json()["code"].as_str().expect("code").to_owned()
    }

    /// A staff account created directly in the store, as `portal112 staff add` does.
    /// An account added as `portal112 staff add` adds it.
    pub async fn add_staff(&self, username: &str, role: Role, agency: Option<&str>) -> i64 {
        let account =
            NewAccount { username: username.into(), password: PASSWORD.into(), role, agency: agency.map(Into::into) };
        usecases::staff::add_staff(self.store.as_ref(), &self.state.city, account, "cli", now_millis())
            .await
            .expect("staff added")
    }

    /// Signs in through the API and returns the bearer token.
    pub async fn sign_in(&self, username: &str) -> String {
        let response =
            self.post_json("/api/v1/staff/session", &json!({"username": username, "password": PASSWORD})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json()["token"].as_str().expect("token").to_owned()
    }

    /// An account of `role` (and `agency`) that is signed in.
    pub async fn staff(&self, username: &str, role: Role, agency: Option<&str>) -> String {
        self.add_staff(username, role, agency).await;
        self.sign_in(username).await
    }

    /// The token of an operator the fixtures keep for looking at the database.
    pub async fn operator(&self) -> String {
        self.operator_token
            .get_or_init(|| async { self.staff("fixture-operator", Role::Operator, None).await })
            .await
            .clone()
    }

    /// An Open311 API key created directly in the store, as `portal112 api-key create` does.
    pub async fn add_api_key(&self, label: &str) -> String {
        usecases::staff::create_api_key(self.store.as_ref(), label, "cli", now_millis()).await.expect("key added")
    }

    /// How many tickets the database holds, as the staff list counts them.
    pub async fn ticket_total(&self) -> u64 {
        let token = self.operator().await;
        let response = self.get_as(&token, "/api/v1/staff/tickets?page_size=1").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()["total"].as_u64().expect("total")
    }

    /// Writes a ticket straight into the store with a chosen creation time
    /// (for date filters); returns its code in display form.
    pub async fn insert_ticket_at(&self, report: &Value, created_at: Millis) -> String {
        let report: NewReport = serde_json::from_value(report.clone()).expect("a NewReport");
        let valid = portal112_core::validate::validate_report(&report, &self.state.city).expect("a valid report");
        let ticket = NewTicket {
            code: random_code(),
            report: valid.clone(),
            photos: Vec::new(),
            source: "web".into(),
            channel: portal112_core::staff::Channel::Web,
            priority: portal112_core::staff::Priority::default(),
            actor: "web".into(),
            audit: None,
            created_at,
            idempotency: None,
            open311_token: None,
            clock: self.state.service.first(&valid.category, portal112_core::staff::Priority::default(), created_at),
        };
        match self.store.create_ticket(ticket).await.expect("stored") {
            Created::New(t) => t.code.to_string(),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Moves a ticket along as an operator; asserts the 201.
    pub async fn move_ticket(&self, code: &str, update: &Value) -> Value {
        let token = self.operator().await;
        let response = self.post_json_as(&token, &format!("/api/v1/staff/tickets/{code}/events"), update).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json()
    }

    /// Sends a report that must be refused; asserts the error and that nothing was stored.
    pub async fn assert_refused(
        &self,
        request: Request<Body>,
        status: StatusCode,
        code: &str,
        field: Option<&str>,
    ) -> Value {
        let before = self.ticket_total().await;
        let response = self.send(request).await;
        let body = response.assert_error(status, code, field);
        assert_eq!(self.ticket_total().await, before, "a refused report must not be stored");
        body
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body when it is not.
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the one error envelope with this status, code and field; returns the body.
    pub fn assert_error(&self, status: StatusCode, code: &str, field: Option<&str>) -> Value {
        assert!(self.status.as_u16() < 500, "a client mistake answered with {}: {}", self.status, self.text());
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.header("content-type").is_some_and(|c| c.starts_with("application/json")),
            "error bodies are JSON: {:?}",
            self.headers
        );
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(body["error"]["field"].as_str(), field, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.len() > 5, "a sentence for people: {body}");
        body
    }
}

fn bearer(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("Bearer {token}")).expect("header value")
}

/// A JSON request.
#[must_use]
pub fn json_request(method: Method, uri: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).expect("JSON")))
        .expect("request")
}

/// A request with a raw body and content type.
#[must_use]
pub fn raw_request(method: Method, uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("request")
}

/// A report that passes every check: rubbish in Girian, on the map.
#[must_use]
pub fn valid_report() -> Value {
    json!({
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
        "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 12.0},
    })
}

/// A `multipart/form-data` body, built by hand.
#[derive(Debug)]
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    #[must_use]
    pub fn new() -> Self {
        Self { boundary: "----portal112-test-boundary-7MA4YWxkTrZu0gW".into(), body: Vec::new() }
    }

    /// A text part holding JSON, as the app sends the `report`.
    #[must_use]
    pub fn json(self, name: &str, value: &Value) -> Self {
        self.part(name, None, "application/json", &serde_json::to_vec(value).expect("JSON"))
    }

    /// A file part.
    #[must_use]
    pub fn file(self, name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Self {
        self.part(name, Some(file_name), content_type, bytes)
    }

    fn part(mut self, name: &str, file_name: Option<&str>, content_type: &str, bytes: &[u8]) -> Self {
        let disposition = match file_name {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The finished body as a POST to `uri`.
    #[must_use]
    pub fn request(mut self, uri: &str) -> Request<Body> {
        self.body.extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        raw_request(Method::POST, uri, &format!("multipart/form-data; boundary={}", self.boundary), self.body)
    }
}

fn picture(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 120]))
}

/// A real JPEG photo.
#[must_use]
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(w, h).write_to(&mut out, image::ImageFormat::Jpeg).expect("JPEG encodes");
    out.into_inner()
}

/// A real PNG with transparency (kept as PNG by the server).
#[must_use]
pub fn png_with_alpha(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 60, 200]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("PNG encodes");
    out.into_inner()
}

/// A real (lossless) WebP photo.
#[must_use]
pub fn webp(w: u32, h: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(w, h).write_to(&mut out, image::ImageFormat::WebP).expect("WebP encodes");
    out.into_inner()
}

/// The marker the EXIF segment of [`jpeg_with_gps_exif`] carries.
pub const GPS_MARKER: &[u8] = b"GPS-SECRET-1.4472N-125.1978E";

/// A JPEG with an EXIF APP1 segment right after SOI that holds [`GPS_MARKER`].
#[must_use]
pub fn jpeg_with_gps_exif(w: u32, h: u32) -> Vec<u8> {
    let plain = jpeg(w, h);
    let mut payload = b"Exif\0\0MM\0*\0\0\0\x08\0\0".to_vec();
    payload.extend_from_slice(GPS_MARKER);
    let len = u16::try_from(payload.len() + 2).expect("small segment");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    assert!(contains(&out, GPS_MARKER));
    out
}

/// Whether `needle` occurs in `haystack`.
#[must_use]
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A valid ticket code no ticket has (2^40 of them: a clash is not a concern).
#[must_use]
pub fn random_code() -> TicketCode {
    let mut bytes = [0_u8; portal112_core::ticket_code::RANDOM_BYTES];
    random_bytes(&mut bytes);
    TicketCode::from_random_bytes(bytes)
}

/// The same code with one symbol changed: what a typo makes of it.
#[must_use]
pub fn with_typo(code: &str) -> String {
    let mut symbols: Vec<char> = code.chars().collect();
    let i = symbols.iter().position(char::is_ascii_alphanumeric).expect("a symbol");
    // Any other symbol of the alphabet; 'O'/'I'/'L' would read as 0 and 1.
    symbols[i] = if symbols[i] == '7' { '8' } else { '7' };
    symbols.into_iter().collect()
}

/// Percent-encodes a query value (RFC 3339 times carry `+` and `:`).
#[must_use]
pub fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).expect("encodes")["v=".len()..].to_owned()
}

/// The public statuses in order of a ticket's happy life.
pub const HAPPY_PATH: [Status; 6] =
    [Status::Received, Status::Verified, Status::Assigned, Status::InProgress, Status::Resolved, Status::Closed];

/// An element of a parsed XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlNode {
    pub name: String,
    pub text: String,
    pub children: Vec<XmlNode>,
}

impl XmlNode {
    /// The first child element called `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&XmlNode> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element called `name`.
    #[must_use]
    pub fn all(&self, name: &str) -> Vec<&XmlNode> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    /// The text of the child element called `name`.
    #[must_use]
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Parses a whole XML document, panicking unless it is well-formed with one root.
#[must_use]
pub fn parse_xml(text: &str) -> XmlNode {
    use quick_xml::events::Event;
    fn name_of(raw: &[u8]) -> String {
        String::from_utf8(raw.to_vec()).expect("UTF-8 element name")
    }
    // Text is kept exactly (trimming would eat the spaces around `&amp;`);
    // only whitespace between child elements is dropped.
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<XmlNode> = Vec::new();
    let mut roots: Vec<XmlNode> = Vec::new();
    let mut attach = |stack: &mut Vec<XmlNode>, mut node: XmlNode| {
        if !node.children.is_empty() && node.text.trim().is_empty() {
            node.text.clear();
        }
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => roots.push(node),
        }
    };
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML ({e}): {text}")) {
            Event::Start(e) => {
                stack.push(XmlNode { name: name_of(e.name().as_ref()), text: String::new(), children: Vec::new() });
            }
            Event::Empty(e) => {
                let node = XmlNode { name: name_of(e.name().as_ref()), text: String::new(), children: Vec::new() };
                attach(&mut stack, node);
            }
            Event::End(_) => {
                let node = stack.pop().expect("an open element");
                attach(&mut stack, node);
            }
            Event::Text(t) => {
                let s = t.decode().expect("UTF-8 text");
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&s),
                    None => assert!(s.trim().is_empty(), "text outside the root: {s:?}"),
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("a valid character reference") {
                    Some(c) => c,
                    None => match r.decode().expect("UTF-8").as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("undeclared entity &{other};"),
                    },
                };
                stack.last_mut().expect("text inside an element").text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements in {text}");
    assert_eq!(roots.len(), 1, "one root element: {text}");
    roots.remove(0)
}
