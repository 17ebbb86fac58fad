//! Serving the built browser app from `dist/`: precompressed files, long
//! caching for hashed names, `index.html` for the app's own routes, and the
//! security headers of every HTML answer.
//!
//! The portal's pages are the built `index.html` with each page's body
//! rendered ahead from the app's components (`crate::pages`), so the words
//! and the layout are there before the WebAssembly (and without JavaScript).
//!
//! The shell (`index.html`) and the web manifest are templates: the
//! build leaves `{service}`, `{city}`, `{number}`, `{agencies}` and
//! `{short_name}` in them (the SVG icon has `{number}`), and they are filled here from the city file the
//! server was started with. A city deploys by pointing `--config` at its
//! file; the same `dist/` serves every city.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use portal112_core::city::CityConfig;
use portal112_core::dto::PublicTicket;
use portal112_core::html::escape;
use portal112_core::{Lang, TicketCode};

use crate::encoding::{Effort, Precompressed};
use crate::state::AppState;
use crate::view::{Audience, public_ticket};

/// The browser apps `dist/` holds, each with its own `index.html`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppPage {
    /// The citizens' portal: `dist/index.html`, every path but the console's.
    Portal,
    /// Konsol 112: `dist/petugas/index.html`, under [`CONSOLE_PATH`].
    Console,
}

/// Where Konsol 112 is served.
pub const CONSOLE_PATH: &str = "/petugas";

impl AppPage {
    /// Which app a request path belongs to.
    #[must_use]
    pub fn of_path(path: &str) -> Self {
        let is_console = path.strip_prefix(CONSOLE_PATH).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if is_console { AppPage::Console } else { AppPage::Portal }
    }

    /// The app's folder inside `dist/`.
    fn dir(self, dist: &Path) -> PathBuf {
        match self {
            AppPage::Portal => dist.to_owned(),
            AppPage::Console => dist.join(&CONSOLE_PATH[1..]),
        }
    }
}

/// The Content-Security-Policy of each app's pages, recomputed when its
/// `index.html` changes (a new build deployed under a running server must
/// not have its boot script blocked by the old hash).
#[derive(Debug)]
pub struct Csp {
    dist: Option<PathBuf>,
    tile_url: String,
    /// Per app: the `index.html` modification time a policy was made from, and the policy.
    cached: std::sync::Mutex<[Option<CachedPolicy>; 2]>,
}

type CachedPolicy = (Option<std::time::SystemTime>, Arc<str>);

impl Csp {
    /// The policies for the apps in `dist` with map tiles from `tile_url`.
    #[must_use]
    pub fn new(dist: Option<PathBuf>, tile_url: &str) -> Self {
        Self { dist, tile_url: tile_url.to_owned(), cached: std::sync::Mutex::new([None, None]) }
    }

    /// The current policy of `app` (one `stat` per HTML answer; rebuilt only on change).
    pub fn policy(&self, app: AppPage) -> Arc<str> {
        let dir = self.dist.as_deref().map(|d| app.dir(d));
        let modified = dir.as_ref().and_then(|d| std::fs::metadata(d.join("index.html")).ok()?.modified().ok());
        let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = &mut cached[usize::from(app == AppPage::Console)];
        match &*slot {
            Some((at, policy)) if *at == modified => policy.clone(),
            _ => {
                let policy: Arc<str> = content_security_policy(dir.as_deref(), &self.tile_url).into();
                *slot = Some((modified, policy.clone()));
                policy
            }
        }
    }
}

/// The Content-Security-Policy of the app's pages.
///
/// Trunk inlines one small module script that boots the wasm; it is allowed
/// by its hash, computed from the built `index.html`, so no inline script
/// anyone else injects can run.
#[must_use]
pub fn content_security_policy(dist: Option<&Path>, tile_url: &str) -> String {
    let mut script_hashes = String::new();
    if let Some(html) = dist.and_then(|d| std::fs::read_to_string(d.join("index.html")).ok()) {
        for script in inline_scripts(&html) {
            let _ = write!(script_hashes, " 'sha256-{}'", BASE64.encode(Sha256::digest(script.as_bytes())));
        }
    }
    let tiles = tile_origin(tile_url).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{script_hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{tiles}; media-src 'self' blob:; connect-src 'self'; \
         frame-src https://www.youtube-nocookie.com; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `https://{s}.tile.example.org/{z}/{x}/{y}.png` -> `https://*.tile.example.org`.
fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{}", host.replace("{s}", "*")))
}

/// Contents of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(tag_end) = rest[start..].find('>') else { break };
        let tag = &rest[start..start + tag_end];
        let body_start = start + tag_end + 1;
        let Some(close) = rest[body_start..].find("</script>") else { break };
        if !tag.contains("src=") {
            out.push(&rest[body_start..body_start + close]);
        }
        rest = &rest[body_start + close..];
    }
    out
}

/// The longest file name Linux file systems hold (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// Whether a file name carries Trunk's content hash (`app-1a2b3c4d5e6f7a8b_bg.wasm`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['-', '_', '.']).any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Serves `dist/`: a file if there is one, the filled shell for app routes.
pub async fn serve_app(State(state): State<AppState>, request: Request) -> Response {
    let Some(dist) = state.settings.dist_dir.clone() else {
        return (StatusCode::NOT_FOUND, "The browser app is not built: run `make run`.").into_response();
    };
    let path = request.uri().path().to_owned();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    // Never the built files as they are: they still hold the placeholders
    // (and so do their precompressed .br/.gz copies).
    if readable && matches!(path.as_str(), "/" | "/index.html") {
        return portal_page(&dist, &state, &path, request.headers()).await;
    }
    if readable && path == CONSOLE_PATH {
        // Relative links of the console resolve under its folder only with the slash.
        return (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, format!("{CONSOLE_PATH}/"))]).into_response();
    }
    if readable && matches!(path.strip_prefix(CONSOLE_PATH), Some("/" | "/index.html")) {
        return filled(&dist, Template::Console, &state.city, None, request.headers()).await;
    }
    if readable && path == "/manifest.webmanifest" {
        return filled(&dist, Template::Manifest, &state.city, None, request.headers()).await;
    }
    if readable && path == "/icons/icon.svg" {
        return filled(&dist, Template::Icon, &state.city, None, request.headers()).await;
    }
    let wants_file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let headers = request.headers().clone();
    // A name longer than a file system holds names no file of `dist/`;
    // asking for it fails with an error (a 500), not "not found".
    let response = if path.split('/').any(|segment| segment.len() > NAME_MAX) {
        StatusCode::NOT_FOUND.into_response()
    } else {
        match ServeDir::new(&dist).precompressed_br().precompressed_gzip().oneshot(request).await {
            Ok(r) => r.map(Body::new),
            Err(never) => match never {},
        }
    };
    if readable && response.status() == StatusCode::NOT_FOUND && !wants_file {
        return match AppPage::of_path(&path) {
            AppPage::Portal => portal_page(&dist, &state, &path, &headers).await,
            AppPage::Console => filled(&dist, Template::Console, &state.city, None, &headers).await,
        };
    }
    let mut response = response;
    let cache = if response.status().is_success() && is_hashed(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// A page of the portal: the shell with the page's body rendered ahead, in
/// the language the phone chose (its `p112.lang` cookie; Indonesian, the
/// portal's first language, without one). The shell's own body when
/// rendering failed.
async fn portal_page(dist: &Path, state: &AppState, path: &str, request: &HeaderMap) -> Response {
    let lang = page_lang(request);
    // A ticket's tracking page is rendered with the ticket, so its status and
    // promise paint before the app has asked the server for them.
    if let Some(ticket) = tracked_ticket(state, path).await
        && let Some(body) = state.pages.ticket_body(path, lang, ticket)
    {
        let mut response = filled_once(dist, Template::Shell, &state.city, (&body, lang), request).await;
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding, cookie"));
        return response;
    }
    let videos = if state.pages.frame(path).needs_videos() {
        // Without the catalogue the page says "loading", as the app does until it has it.
        crate::routes::videos::catalogue(state, None).await.ok()
    } else {
        None
    };
    let body = state.pages.body(path, lang, videos).map(|b| (b, lang));
    let mut response = filled(dist, Template::Shell, &state.city, body, request).await;
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding, cookie"));
    response
}

/// The public view of the ticket a tracking page's address names (the
/// same as `GET /api/v1/tickets/{code}` gives anyone), if there is one.
async fn tracked_ticket(state: &AppState, path: &str) -> Option<PublicTicket> {
    let code = TicketCode::parse(path.strip_prefix("/lacak/")?).ok()?;
    let ticket = state.store.ticket(&code).await.ok()??;
    Some(public_ticket(&state.city, &state.service, &ticket, Audience::Public))
}

/// The language of the `p112.lang` cookie the app sets.
fn page_lang(request: &HeaderMap) -> Lang {
    let english = request
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim() == "p112.lang=en");
    if english { Lang::En } else { Lang::Id }
}

/// `html` with `body` as the content of its `<body>` (replacing what the
/// built shell has there, which stands in only when no page was rendered),
/// and `lang` as the document's language.
#[must_use]
pub fn with_body(html: &str, body: &str, lang: Lang) -> String {
    let html = match lang {
        Lang::Id => html.to_owned(),
        Lang::En => {
            html.replacen("<html lang=id>", "<html lang=en>", 1).replacen("<html lang=\"id\">", "<html lang=\"en\">", 1)
        }
    };
    let Some(start) = html.find("<body").and_then(|at| html[at..].find('>').map(|end| at + end + 1)) else {
        return html;
    };
    let end = html[start..].find("</body>").map_or(html.len(), |e| start + e);
    let mut out = String::with_capacity(html.len() + body.len());
    let html = html.as_str();
    out.push_str(&html[..start]);
    out.push_str(body);
    out.push_str(&html[end..]);
    out
}

/// The files of `dist/` that are filled with the city's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Template {
    /// `index.html`: the static shell, Trunk's entry.
    Shell,
    /// `petugas/index.html`: Konsol 112's page.
    Console,
    /// `manifest.webmanifest`: the name a phone shows under the icon.
    Manifest,
    /// `icons/icon.svg`: the icon, with the emergency number on it.
    Icon,
}

impl Template {
    fn file(self) -> &'static str {
        match self {
            Template::Shell => "index.html",
            Template::Console => "petugas/index.html",
            Template::Manifest => "manifest.webmanifest",
            Template::Icon => "icons/icon.svg",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Template::Shell | Template::Console => "text/html; charset=utf-8",
            Template::Manifest => "application/manifest+json",
            Template::Icon => "image/svg+xml",
        }
    }

    /// The template filled with `words`; `None` when it cannot be read as one.
    fn fill(self, source: &str, words: &CityWords) -> Option<String> {
        match self {
            Template::Shell | Template::Console | Template::Icon => Some(fill_html(source, words)),
            Template::Manifest => fill_json(source, words),
        }
    }
}

/// What the templates say about the city, taken from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityWords {
    /// `{service}`: the service's name, in Indonesian (the shell's language).
    pub service: String,
    /// `{city}`: the city's official name.
    pub city: String,
    /// `{number}`: the emergency number.
    pub number: String,
    /// `{agencies}`: how many agencies handle reports.
    pub agencies: String,
    /// `{short_name}`: the name under the icon on a home screen.
    pub short_name: String,
}

impl CityWords {
    /// The words of `city`.
    #[must_use]
    pub fn of(city: &CityConfig) -> Self {
        Self {
            service: city.city.service_name.id.clone(),
            city: city.city.name.clone(),
            number: city.city.emergency_number.clone(),
            agencies: city.agencies.len().to_string(),
            short_name: city.city.short_name(),
        }
    }

    /// Replaces each placeholder in `text`, passing every value through `escape`.
    fn fill_with(&self, text: &str, escape: impl Fn(&str) -> String) -> String {
        [
            ("{service}", &self.service),
            ("{city}", &self.city),
            ("{number}", &self.number),
            ("{agencies}", &self.agencies),
            ("{short_name}", &self.short_name),
        ]
        .into_iter()
        .fold(
            text.to_owned(),
            |out, (key, value)| if out.contains(key) { out.replace(key, &escape(value)) } else { out },
        )
    }
}

/// Fills the shell's placeholders, HTML-escaped, everywhere but inside
/// `<script>` and `<style>`: the inline scripts stay byte for byte what Trunk
/// built, so the hashes the Content-Security-Policy allows them by still hold.
#[must_use]
pub fn fill_html(html: &str, words: &CityWords) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    loop {
        let next = ["<script", "<style"].into_iter().filter_map(|tag| rest.find(tag).map(|at| (at, tag))).min();
        let Some((start, tag)) = next else { break };
        let close = if tag == "<script" { "</script>" } else { "</style>" };
        let Some(end) = rest[start..].find(close).map(|e| start + e + close.len()) else { break };
        out.push_str(&words.fill_with(&rest[..start], escape));
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    out.push_str(&words.fill_with(rest, escape));
    out
}

/// Fills the placeholders in every string of a JSON document.
fn fill_json(json: &str, words: &CityWords) -> Option<String> {
    fn walk(value: &mut serde_json::Value, words: &CityWords) {
        match value {
            serde_json::Value::String(s) => *s = words.fill_with(s, str::to_owned),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, words)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, words)),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(json).ok()?;
    walk(&mut value, words);
    serde_json::to_string_pretty(&value).ok()
}

/// A filled template, compressed once, with the file version it was made from.
#[derive(Debug)]
struct Filled {
    dist: PathBuf,
    template: Template,
    modified: Option<SystemTime>,
    words: CityWords,
    /// Which page body was put in (0: none), see [`with_body`].
    page: u64,
    body: Arc<Precompressed>,
    etag: HeaderValue,
}

/// Filled templates of the running servers (a test process runs several,
/// with different cities); made again when the built file changes, so a new
/// build deployed under a running server is picked up as before.
static FILLED: Mutex<Vec<Filled>> = Mutex::new(Vec::new());
/// Enough for every (dist, template, city, page) a process serves at once:
/// each public page and each agency's video page, for a few cities.
const FILLED_KEPT: usize = 128;

/// The filled `template` of `dist` for `city`, in the encoding `request` accepts;
/// `304 Not Modified` when the browser's copy is current.
/// `page` is the body rendered ahead for the shell.
async fn filled(
    dist: &Path,
    template: Template,
    city: &CityConfig,
    page: Option<(Arc<str>, Lang)>,
    request: &HeaderMap,
) -> Response {
    let file = dist.join(template.file());
    let modified = tokio::fs::metadata(&file).await.ok().and_then(|m| m.modified().ok());
    let words = CityWords::of(city);
    let page_key = page.as_ref().map_or(0, |p| {
        let mut h = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&(&*p.0, p.1), &mut h);
        std::hash::Hasher::finish(&h) | 1
    });
    let found = {
        let cache = FILLED.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .iter()
            .find(|f| {
                f.dist == dist
                    && f.template == template
                    && f.modified == modified
                    && f.words == words
                    && f.page == page_key
            })
            .map(|f| (f.body.clone(), f.etag.clone()))
    };
    let (body, etag) = if let Some(found) = found {
        found
    } else {
        match make_filled(&file, template, &words, page.as_ref().map(|(b, l)| (&**b, *l)), Effort::Once).await {
            Ok((body, etag)) => {
                let mut cache = FILLED.lock().unwrap_or_else(PoisonError::into_inner);
                cache.retain(|f| !(f.dist == dist && f.template == template && f.words == words && f.page == page_key));
                if cache.len() >= FILLED_KEPT {
                    cache.remove(0);
                }
                cache.push(Filled {
                    dist: dist.to_owned(),
                    template,
                    modified,
                    words,
                    page: page_key,
                    body: body.clone(),
                    etag: etag.clone(),
                });
                (body, etag)
            }
            Err(response) => return response,
        }
    };
    respond_filled(&body, etag, template, request)
}

/// The filled `template` of `dist` for `city` with `page` as its body, made
/// for this request only (a page of changing data): compressed lightly,
/// never kept.
async fn filled_once(
    dist: &Path,
    template: Template,
    city: &CityConfig,
    page: (&str, Lang),
    request: &HeaderMap,
) -> Response {
    let file = dist.join(template.file());
    match make_filled(&file, template, &CityWords::of(city), Some(page), Effort::Often).await {
        Ok((body, etag)) => respond_filled(&body, etag, template, request),
        Err(response) => response,
    }
}

/// A filled template, or `304 Not Modified` when the browser's copy is current.
fn respond_filled(body: &Precompressed, etag: HeaderValue, template: Template, request: &HeaderMap) -> Response {
    let current = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().trim_start_matches("W/") == etag.to_str().unwrap_or_default());
    if current {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        )
            .into_response();
    }
    let mut response = body.respond(request, template.content_type(), "no-cache");
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// Reads `file`, fills it (and puts `page` in as its body) and compresses
/// it with `effort`; the answer to give when that fails.
async fn make_filled(
    file: &Path,
    template: Template,
    words: &CityWords,
    page: Option<(&str, Lang)>,
    effort: Effort,
) -> Result<(Arc<Precompressed>, HeaderValue), Response> {
    let Ok(source) = tokio::fs::read_to_string(file).await else {
        return Err((StatusCode::NOT_FOUND, format!("{} missing", template.file())).into_response());
    };
    let Some(text) = template.fill(&source, words) else {
        tracing::error!(file = %file.display(), "cannot fill the template");
        return Err((StatusCode::INTERNAL_SERVER_ERROR, "broken template").into_response());
    };
    // After filling: the page is already the city's words, escaped as HTML.
    let text = match page {
        Some((page, lang)) => with_body(&text, page, lang),
        None => text,
    };
    // Brotli at its strongest takes a while: not on the async workers.
    let made = tokio::task::spawn_blocking(move || {
        let etag = format!("\"{}\"", &hex(&Sha256::digest(text.as_bytes()))[..32]);
        (Arc::new(Precompressed::new(text.into(), effort)), etag)
    })
    .await;
    let Ok((body, etag)) = made else {
        return Err((StatusCode::INTERNAL_SERVER_ERROR, "cannot compress").into_response());
    };
    let etag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    Ok((body, etag))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html = r#"<script src="/a.js"></script><script type="module">boot()</script>"#;
        assert_eq!(inline_scripts(html), vec!["boot()"]);
    }

    fn words() -> CityWords {
        CityWords {
            service: "Call Center 110 Kota Tomohon".into(),
            city: "Kota <Tomohon> & \"Sekitarnya\"".into(),
            number: "110".into(),
            agencies: "9".into(),
            short_name: "110 Tomohon".into(),
        }
    }

    #[test]
    fn the_shell_is_filled_but_its_scripts_and_styles_are_not() {
        let html = "<title>{service}</title><style>.a{number}{}</style>\
                    <script type=\"module\">boot(\"{city}\")</script>\
                    <a href=\"tel:{number}\">{number}</a><p>{agencies} dinas {city}</p>";
        let filled = fill_html(html, &words());
        assert_eq!(
            filled,
            "<title>Call Center 110 Kota Tomohon</title><style>.a{number}{}</style>\
             <script type=\"module\">boot(\"{city}\")</script>\
             <a href=\"tel:110\">110</a><p>9 dinas Kota &lt;Tomohon&gt; &amp; &quot;Sekitarnya&quot;</p>"
        );
        // The Content-Security-Policy allows the inline scripts by hash.
        assert_eq!(inline_scripts(&filled), inline_scripts(html));
    }

    #[test]
    fn the_manifest_is_filled_as_json() {
        let manifest = r#"{"name": "{service}", "short_name": "{short_name}", "icons": [{"src": "/i.png"}],
                          "description": "Lapor ke {city}"}"#;
        let filled: serde_json::Value = serde_json::from_str(&fill_json(manifest, &words()).unwrap()).unwrap();
        assert_eq!(filled["name"], "Call Center 110 Kota Tomohon");
        assert_eq!(filled["short_name"], "110 Tomohon");
        assert_eq!(filled["description"], "Lapor ke Kota <Tomohon> & \"Sekitarnya\"");
        assert_eq!(filled["icons"][0]["src"], "/i.png");
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/portal112-app-9a3f0c2b7d1e4f56_bg.wasm"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/sw.js"));
    }

    #[test]
    fn tile_origins() {
        assert_eq!(
            tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin("https://{s}.tiles.example/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tiles.example")
        );
    }
}
