//! Serving the built browser app from `dist/`: precompressed files, long
//! caching for hashed names, `index.html` for the app's own routes, and the
//! security headers of every HTML answer.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::state::AppState;

/// The Content-Security-Policy of the app's pages, recomputed when
/// `dist/index.html` changes (a new build deployed under a running server must
/// not have its boot script blocked by the old hash).
#[derive(Debug)]
pub struct Csp {
    dist: Option<PathBuf>,
    tile_url: String,
    cached: std::sync::Mutex<Option<(Option<std::time::SystemTime>, Arc<str>)>>,
}

impl Csp {
    /// The policy for the app in `dist` with map tiles from `tile_url`.
    #[must_use]
    pub fn new(dist: Option<PathBuf>, tile_url: &str) -> Self {
        Self { dist, tile_url: tile_url.to_owned(), cached: std::sync::Mutex::new(None) }
    }

    /// The current policy (one `stat` per HTML answer; rebuilt only on change).
    pub fn policy(&self) -> Arc<str> {
        let modified = self.dist.as_ref().and_then(|d| std::fs::metadata(d.join("index.html")).ok()?.modified().ok());
        let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*cached {
            Some((at, policy)) if *at == modified => policy.clone(),
            _ => {
                let policy: Arc<str> = content_security_policy(self.dist.as_deref(), &self.tile_url).into();
                *cached = Some((modified, policy.clone()));
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

/// Whether a file name carries Trunk's content hash (`app-1a2b3c4d5e6f7a8b_bg.wasm`).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['-', '_', '.']).any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Serves `dist/`: a file if there is one, `index.html` for app routes.
pub async fn serve_app(State(state): State<AppState>, request: Request) -> Response {
    let Some(dist) = state.settings.dist_dir.clone() else {
        return (StatusCode::NOT_FOUND, "The browser app is not built: run `make run`.").into_response();
    };
    let path = request.uri().path().to_owned();
    let wants_file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    let response = match ServeDir::new(&dist).precompressed_br().precompressed_gzip().oneshot(request).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND && !wants_file {
        return index_html(&dist).await;
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

async fn index_html(dist: &Path) -> Response {
    let index: PathBuf = dist.join("index.html");
    match tokio::fs::read(&index).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "index.html missing").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html = r#"<script src="/a.js"></script><script type="module">boot()</script>"#;
        assert_eq!(inline_scripts(html), vec!["boot()"]);
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
