//! Headless Chromium (`/usr/bin/chromium`) through chromedriver
//! (`/usr/bin/chromedriver`, started here on a free port), emulating a phone
//! with a 360×740 screen. Every page gets a recorder of script errors before
//! its own scripts run; [`Browser::finish`] fails the test if it caught any.

use std::fmt::Write as _;
use std::future::Future;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use serde_json::{Value, json};
use tempfile::TempDir;
use thirtyfour::prelude::*;
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::time::Instant;

use crate::fixtures;

/// How long a condition may take unless a test says otherwise.
pub const WAIT: Duration = Duration::from_secs(15);
/// How often conditions are checked.
const POLL: Duration = Duration::from_millis(100);

/// The phone: CSS pixels of the viewport and device pixel ratio.
pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 740;

/// Installed before any script of every page (CDP
/// `Page.addScriptToEvaluateOnNewDocument`): keeps uncaught errors,
/// `console.error` calls, unhandled promise rejections and CSP violations in
/// `window.__p112Errors`.
///
/// Failed map tiles (openstreetmap.org does not resolve in the tests) are
/// network errors: they fire `error` on the `<img>` (which does not bubble to
/// `window`) and Leaflet's own `tileerror`, never `console.error`, so nothing
/// here needs filtering for them.
const ERROR_RECORDER: &str = r"
(() => {
  if (window.__p112Errors) return;
  const errors = [];
  Object.defineProperty(window, '__p112Errors', { value: errors });
  const show = (x) => {
    try {
      if (x instanceof Error) return x.stack || String(x);
      return typeof x === 'string' ? x : JSON.stringify(x);
    } catch (_) { return String(x); }
  };
  const original = console.error;
  console.error = function (...args) {
    errors.push('console.error: ' + args.map(show).join(' '));
    return original.apply(this, args);
  };
  window.addEventListener('error', (e) => {
    errors.push('uncaught error: ' + (e.error ? show(e.error) : e.message) + ' (' + e.filename + ':' + e.lineno + ')');
  });
  window.addEventListener('unhandledrejection', (e) => errors.push('unhandled rejection: ' + show(e.reason)));
  document.addEventListener('securitypolicyviolation', (e) => {
    errors.push('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
  });
})();
";

/// chromedriver, killed (by its process id) when the test ends.
#[derive(Debug)]
struct Chromedriver(Child);

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One browser session on the portal at `base`.
#[derive(Debug)]
pub struct Browser {
    // Field order is drop order: the session quits (closing Chromium) before
    // chromedriver is stopped and the profile removed.
    driver: WebDriver,
    _chromedriver: Chromedriver,
    _profile: TempDir,
    base: String,
    /// Errors recorded by pages already left.
    errors: Vec<String>,
    /// The viewport's width in CSS pixels (screenshots are this wide).
    width: u32,
    /// One browser at a time, even when the tests run on several threads
    /// (a test's second browser runs in the first one's turn).
    _turn: Option<OwnedMutexGuard<()>>,
}

/// Whose turn it is to run a browser: two Chromiums on a small machine make
/// each other's deadlines fail, so `cargo test` without `--test-threads=1`
/// still runs them one after another.
static TURN: LazyLock<Arc<Mutex<()>>> = LazyLock::new(|| Arc::new(Mutex::new(())));

fn free_port() -> crate::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether a script result counts as "the condition holds".
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Polls `check` until it yields a value or `timeout` passes.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> crate::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = crate::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => String::new(),
            Err(e) => format!(" (last error: {e:#})"),
        };
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}{last}");
        }
        tokio::time::sleep(POLL).await;
    }
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium profile, with the error
    /// recorder installed; `base` is the portal's `http://127.0.0.1:PORT`.
    pub async fn start(base: &str) -> crate::Result<Self> {
        let turn = Arc::clone(&TURN).lock_owned().await;
        Self::launch(base, Some(turn)).await
    }

    /// A second browser in the same test (another person on the same
    /// portal), started while the test's first one holds the turn.
    pub async fn start_second(base: &str) -> crate::Result<Self> {
        Self::launch(base, None).await
    }

    async fn launch(base: &str, turn: Option<OwnedMutexGuard<()>>) -> crate::Result<Self> {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            ensure!(
                Path::new(tool).exists(),
                "{tool} is missing: run `scripts/install-tools.sh test` (Debian chromium, chromium-driver)"
            );
        }
        let profile = tempfile::tempdir()?;
        let port = free_port()?;
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", profile.path().join("chromedriver.log").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting /usr/bin/chromedriver")?;
        let chromedriver = Chromedriver(child);
        let server = format!("http://127.0.0.1:{port}");
        let status = reqwest::Client::new();
        eventually("chromedriver to be ready", Duration::from_secs(15), || {
            let request = status.get(format!("{server}/status"));
            async move {
                let body: Value = request.send().await?.json().await?;
                Ok(body["value"]["ready"].as_bool().unwrap_or(false).then_some(()))
            }
        })
        .await?;

        let user_data = profile.path().join("chromium");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary("/usr/bin/chromium")?;
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", user_data.display()),
            // Map tiles (openstreetmap.org) fail at once instead of waiting on DNS.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned(),
            // The video test starts playback from a script, as a tap would.
            "--autoplay-policy=no-user-gesture-required".to_owned(),
            format!("--window-size={WIDTH},{HEIGHT}"),
        ];
        for arg in &args {
            caps.add_arg(arg)?;
        }
        caps.add_experimental_option(
            "mobileEmulation",
            json!({"deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 2.0, "touch": true, "mobile": true}}),
        )?;
        let driver = WebDriver::new(&server, caps).await.context("starting a Chromium session")?;
        driver.cdp().page().add_script_to_evaluate_on_new_document(ERROR_RECORDER).await?;
        Ok(Self {
            driver,
            _chromedriver: chromedriver,
            _profile: profile,
            base: base.to_owned(),
            errors: Vec::new(),
            width: WIDTH,
            _turn: turn,
        })
    }

    /// Gives the page a `width` × `height` viewport: a desktop's (no touch,
    /// device pixel ratio 1) from 900 px up, a phone's or tablet's below.
    pub async fn resize(&mut self, width: u32, height: u32) -> crate::Result<()> {
        let mobile = width < 900;
        self.driver
            .cdp()
            .send_raw(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": if mobile { 2 } else { 1 }, "mobile": mobile}),
            )
            .await?;
        self.driver.cdp().send_raw("Emulation.setTouchEmulationEnabled", json!({"enabled": mobile})).await?;
        self.width = width;
        Ok(())
    }

    /// Opens a page of Konsol 112 (`/petugas/...`) as a fresh load and waits
    /// for the console to show sign-in or a screen.
    pub async fn open_console(&mut self, path: &str) -> crate::Result<()> {
        self.collect_errors().await;
        self.driver.goto(format!("{}{path}", self.base)).await?;
        self.wait(
            "the console to start",
            "document.querySelector('form.signin') || document.querySelector('header.bar')",
        )
        .await?;
        Ok(())
    }

    /// The `WebDriver` session, for what the helpers here do not cover.
    #[must_use]
    pub fn driver(&self) -> &WebDriver {
        &self.driver
    }

    /// Opens `path` of the portal as a fresh page load and waits for the app
    /// to have replaced the static shell.
    pub async fn open(&mut self, path: &str) -> crate::Result<()> {
        self.collect_errors().await;
        self.driver.goto(format!("{}{path}", self.base)).await?;
        self.wait_for_app().await
    }

    /// Reloads the page (as the citizen's thumb would) and waits for the app.
    pub async fn reload(&mut self) -> crate::Result<()> {
        self.collect_errors().await;
        self.driver.refresh().await?;
        self.wait_for_app().await
    }

    /// The app has mounted (it marks `<html data-app>`: the page the server
    /// rendered ahead looks the same before) and shows a page.
    pub async fn wait_for_app(&self) -> crate::Result<()> {
        // Every page of the app has an <h1>; while the configuration loads, none.
        self.wait(
            "the app to start",
            "document.documentElement.hasAttribute('data-app') && document.querySelector('main h1')",
        )
        .await?;
        Ok(())
    }

    /// Runs a script (a function body; `return` gives its value).
    pub async fn js(&self, script: &str) -> crate::Result<Value> {
        Ok(self.driver.execute(script.to_owned(), Vec::new()).await?.json().clone())
    }

    /// Runs a script with arguments (`arguments[0]`, ...).
    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> crate::Result<Value> {
        Ok(self.driver.execute(script.to_owned(), args).await?.json().clone())
    }

    /// Waits until the JavaScript expression `expr` is truthy; its value.
    pub async fn wait(&self, what: &str, expr: &str) -> crate::Result<Value> {
        self.wait_for(what, expr, WAIT).await
    }

    /// [`Browser::wait`] with its own deadline.
    pub async fn wait_for(&self, what: &str, expr: &str, timeout: Duration) -> crate::Result<Value> {
        let script = format!("try {{ return ({expr}); }} catch (e) {{ return null; }}");
        let result = eventually(what, timeout, || async {
            let v = self.driver.execute(script.clone(), Vec::new()).await?.json().clone();
            Ok(truthy(&v).then_some(v))
        })
        .await;
        match result {
            Ok(v) => Ok(v),
            Err(e) => Err(e.context(format!("{}\non the page: {}", expr, self.describe().await))),
        }
    }

    /// The address and the start of the visible text, for failure messages.
    pub async fn describe(&self) -> String {
        let url = self.driver.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = self
            .js("return document.body ? document.body.innerText.slice(0, 1500) : ''")
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let errors = self.js("return window.__p112Errors || []").await.unwrap_or_default();
        let focus = self.focused().await.unwrap_or_default();
        let main = self
            .js("const m = document.querySelector('main'); return m ? m.innerText.slice(-1500) : ''")
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!(
            "{url}\n---\n{text}\n---\nthe end of <main>: {main}\n---\nfocus: {focus}\nscript errors so far: {errors}"
        )
    }

    /// The element with this id (waiting for it to appear).
    pub async fn by_id(&self, id: &str) -> crate::Result<WebElement> {
        self.wait(&format!("#{id}"), &format!("document.getElementById({})", json!(id))).await?;
        Ok(self.driver.find(By::Id(id)).await?)
    }

    /// The first visible `tag` element whose whole text is `text` (waiting for it).
    pub async fn by_text(&self, tag: &str, text: &str) -> crate::Result<WebElement> {
        let script = format!(
            "const t = {}; return [...document.querySelectorAll({})].find(e => e.textContent.trim() === t && e.getClientRects().length > 0) || null",
            json!(text),
            json!(tag)
        );
        let deadline = Instant::now() + WAIT;
        loop {
            let ret = self.driver.execute(script.clone(), Vec::new()).await?;
            if !ret.json().is_null() {
                return Ok(ret.element()?);
            }
            if Instant::now() >= deadline {
                bail!("no visible <{tag}> reading {text:?} on {}", self.describe().await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Taps an element: scrolled to the middle of the screen first, as a
    /// thumb would, so the form's sticky buttons do not cover it.
    pub async fn tap(&self, el: &WebElement) -> crate::Result<()> {
        self.js_with("arguments[0].scrollIntoView({ block: 'center', inline: 'nearest' })", vec![el.to_json()?])
            .await?;
        el.click().await?;
        Ok(())
    }

    /// Taps the visible button reading `text`.
    pub async fn click_button(&self, text: &str) -> crate::Result<()> {
        let button = self.by_text("button", text).await?;
        self.tap(&button).await
    }

    /// Presses keys on whatever has the focus, as a keyboard does.
    pub async fn press(&self, keys: impl Into<TypingData>) -> crate::Result<()> {
        self.driver.action_chain().send_keys(keys).perform().await?;
        Ok(())
    }

    /// Presses `key` while holding Ctrl (a chord: the action chain keeps the
    /// modifier down, which a plain sequence of keys does not).
    pub async fn press_with_ctrl(&self, key: impl Into<TypingData>) -> crate::Result<()> {
        self.driver.action_chain().key_down(Key::Control).send_keys(key).key_up(Key::Control).perform().await?;
        Ok(())
    }

    /// Types into the focused element (found as `document.activeElement`).
    pub async fn type_here(&self, text: &str) -> crate::Result<()> {
        self.driver.active_element().await?.send_keys(text).await?;
        Ok(())
    }

    /// What has the keyboard focus: its id, tag, type, name, text, value and state.
    pub async fn focused(&self) -> crate::Result<Value> {
        self.js("const e = document.activeElement; if (!e) return null; \
             return { id: e.id, tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', \
                      text: (e.textContent || '').trim(), value: e.value ?? '', checked: !!e.checked, \
                      disabled: !!e.disabled };")
            .await
    }

    /// Presses Tab until the focused element satisfies `wanted`; fails after
    /// `max` presses, telling where the focus went.
    pub async fn tab_until(&self, what: &str, max: usize, wanted: impl Fn(&Value) -> bool) -> crate::Result<Value> {
        let mut path = Vec::new();
        for _ in 0..max {
            self.press(Key::Tab).await?;
            let focused = self.focused().await?;
            if wanted(&focused) {
                return Ok(focused);
            }
            path.push(format!("{}#{} {:?}", focused["tag"], focused["id"], focused["text"]));
        }
        bail!("Tab never reached {what}; focus went through: {}", path.join(" → "))
    }

    /// Saves a screenshot of the whole page (as wide as the viewport, 360 CSS
    /// px unless [`Browser::resize`]d) as `screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> crate::Result<()> {
        let dir = fixtures::screenshots_dir();
        std::fs::create_dir_all(&dir)?;
        // Images still on their way would show as broken (a map's marker
        // right after a resize): the picture waits for them (lazy ones load
        // only when scrolled to, and are left as they are).
        self.wait("the page's images", "[...document.images].every(i => i.complete || i.loading === 'lazy')").await?;
        // From the top, so sticky parts sit where a citizen first sees them.
        self.js("window.scrollTo(0, 0)").await?;
        let metrics = self.driver.cdp().send_raw("Page.getLayoutMetrics", json!({})).await?;
        let height = metrics["cssContentSize"]["height"].as_f64().unwrap_or(f64::from(HEIGHT)).max(f64::from(HEIGHT));
        let shot = self
            .driver
            .cdp()
            .send_raw(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
                }),
            )
            .await?;
        let data = shot["data"].as_str().context("screenshot data")?;
        let png = thirtyfour::support::base64_decode(data)?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// Runs axe-core on the page; the serious and critical violations, described.
    pub async fn axe(&self) -> crate::Result<Vec<String>> {
        static AXE: OnceLock<String> = OnceLock::new();
        let source = AXE.get_or_init(|| {
            let file = fixtures::workspace().join("node_modules/axe-core/axe.min.js");
            std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e} (run `npm ci`, or `make app` which does)", file.display()))
        });
        if !self.js("return !!window.axe").await?.as_bool().unwrap_or(false) {
            self.js(&format!("{source}\n;return !!window.axe")).await?;
        }
        let found = self
            .driver
            .execute_async(
                r"
                const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] }).then((r) => done(
                  r.violations
                    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                   nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' ')) }))
                ), (e) => done({ error: String(e) }));
                ",
                Vec::new(),
            )
            .await?
            .json()
            .clone();
        if let Some(e) = found.get("error") {
            bail!("axe-core failed: {e}");
        }
        let mut out = Vec::new();
        for v in found.as_array().context("axe violations")? {
            let mut line = format!("[{}] {} — {}", v["impact"].as_str().unwrap_or(""), v["id"], v["help"]);
            for node in v["nodes"].as_array().into_iter().flatten() {
                let _ = write!(line, "\n      {}", node.as_str().unwrap_or_default());
            }
            out.push(line);
        }
        Ok(out)
    }

    /// Takes what the recorder caught on the current page.
    async fn collect_errors(&mut self) {
        if let Ok(Value::Array(found)) =
            self.js("return window.__p112Errors ? window.__p112Errors.splice(0) : []").await
        {
            let url = self.driver.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            self.errors.extend(found.iter().map(|e| format!("{url}: {}", e.as_str().unwrap_or_default())));
        }
    }

    /// Takes every script error recorded so far, on this page and those before.
    pub async fn take_errors(&mut self) -> Vec<String> {
        self.collect_errors().await;
        std::mem::take(&mut self.errors)
    }

    /// Asserts that no page logged a script error, then closes the browser.
    pub async fn finish(mut self) -> crate::Result<()> {
        let errors = self.take_errors().await;
        let Self { driver, .. } = self;
        driver.quit().await?;
        ensure!(errors.is_empty(), "script errors in the browser:\n  {}", errors.join("\n  "));
        Ok(())
    }
}
