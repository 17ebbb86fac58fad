//! The agencies' how-to videos made from the portal itself (`videos/make.mjs`,
//! `make videos`): for one agency, the generator records the real app on a
//! real server; the file is a WebM with one VP9 and one Opus track, lasts what
//! its steps need and at most a minute, has WebVTT captions in both languages
//! that cover it step by step, is listed after the agency's uploaded video,
//! and plays in Chromium from `/video`. A script that no longer matches the
//! app fails with a message naming the agency, the step and what was expected.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use portal112_e2e::fixtures;
use portal112_e2e::{Browser, Result};
use portal112_server::store::{VideoKind, VideoRecord};
use portal112_server::view::now_millis;
use portal112_server::{AppState, Settings, config, router, store};
use serde_json::{Value, json};
use tempfile::TempDir;
use thirtyfour::prelude::*;
use tokio::sync::{oneshot, watch};

/// The agency whose video is made, and its script.
const AGENCY: &str = "dlh";
/// Steps of every tutorial: open, category, pin, describe, send, code, track.
const STEPS: usize = 7;
/// The generator holds each step at least this long (`MIN_STEP_S` in videos/lib/media.mjs).
const MIN_STEP_S: f64 = 3.5;
/// Longest video the issue allows.
const MAX_S: f64 = 60.0;
/// How far caption edges may sit from the video's start and end.
const EDGE_S: f64 = 0.5;

/// A portal serving the built app and the media folder of the test, in-process.
struct Server {
    dir: TempDir,
    addr: SocketAddr,
    store: store::SharedStore,
    _streams: watch::Sender<bool>,
    _stop: oneshot::Sender<()>,
}

impl Server {
    async fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let city = config::load_city(&fixtures::workspace().join("config/bitung.toml"))?;
        let store = store::open(&format!("sqlite://{}", dir.path().join("portal112.db").display())).await?;
        let settings = Settings {
            media_dir: dir.path().join("media"),
            dist_dir: Some(fixtures::dist_dir()),
            report_rate_per_minute: 10_000,
            ..Settings::default()
        };
        let (streams, streams_rx) = watch::channel(false);
        let app = router(AppState::new(city, store.clone(), settings, streams_rx));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stop_rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                })
                .await
        });
        Ok(Self { dir, addr, store, _streams: streams, _stop: stop })
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn media(&self) -> PathBuf {
        self.dir.path().join("media")
    }

    /// A video the agency uploaded itself, stored as the upload route stores one.
    async fn add_uploaded_video(&self, agency: &str) -> Result<String> {
        let id = "diunggah-dinas".to_owned();
        let dir = self.media().join("videos");
        std::fs::create_dir_all(&dir)?;
        fixtures::write_webm(&dir.join(format!("{id}.webm")))?;
        let record = VideoRecord {
            id: id.clone(),
            agency: agency.to_owned(),
            title_id: "Video dari dinas".into(),
            title_en: "The agency's own video".into(),
            kind: VideoKind::File,
            youtube_id: None,
            file_name: Some(format!("{id}.webm")),
            mime: Some("video/webm".into()),
            captions_id: None,
            captions_en: None,
            poster: None,
            created_at: now_millis(),
        };
        portal112_server::usecases::videos::add_video(self.store.as_ref(), &record, "admin.video").await?;
        Ok(id)
    }
}

/// What `node videos/make.mjs` said and whether it succeeded.
struct Run {
    ok: bool,
    output: String,
}

/// Runs the generator for `AGENCY` on the running portal, writing into `out`.
async fn make_video(base: &str, out: &Path, extra: &[&str]) -> Result<Run> {
    let root = fixtures::workspace();
    ensure!(
        root.join("node_modules/playwright-core/package.json").is_file(),
        "playwright-core is missing: run `npm ci` (scripts/install-tools.sh build does)"
    );
    let output = tokio::process::Command::new("node")
        .current_dir(&root)
        .arg("videos/make.mjs")
        .args(["--agency", AGENCY, "--base-url", base])
        .arg("--out")
        .arg(out)
        .args(extra)
        .kill_on_drop(true)
        .output()
        .await
        .context("running node videos/make.mjs (scripts/install-tools.sh build installs node)")?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Ok(Run { ok: output.status.success(), output: text })
}

/// ffprobe's view of a media file: its streams and format.
fn probe(file: &Path) -> Result<Value> {
    let output = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-of", "json"])
        .arg(file)
        .output()
        .context("running ffprobe (scripts/install-tools.sh build installs ffmpeg)")?;
    ensure!(output.status.success(), "ffprobe: {}", String::from_utf8_lossy(&output.stderr));
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// One WebVTT cue: its identifier, start and end in seconds, and text.
#[derive(Debug)]
struct Cue {
    id: Option<String>,
    start: f64,
    end: f64,
    text: String,
}

/// `HH:MM:SS.mmm` or `MM:SS.mmm`, in seconds.
fn vtt_time(s: &str) -> Result<f64> {
    let (clock, millis) = s.split_once('.').with_context(|| format!("no milliseconds in {s:?}"))?;
    ensure!(millis.len() == 3 && millis.bytes().all(|b| b.is_ascii_digit()), "bad milliseconds in {s:?}");
    let parts: Vec<u32> = clock.split(':').map(str::parse).collect::<std::result::Result<_, _>>()?;
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => (0, *m, *s),
        _ => bail!("bad time {s:?}"),
    };
    ensure!(m < 60 && sec < 60, "bad time {s:?}");
    Ok(f64::from(h * 3600 + m * 60 + sec) + f64::from(millis.parse::<u32>()?) / 1000.0)
}

/// Parses a WebVTT file (the subset a caption file uses: header, cues with
/// optional identifiers, no regions or styles), strictly.
fn parse_webvtt(text: &str) -> Result<Vec<Cue>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let mut blocks = text.split("\n\n").map(|b| b.trim_matches('\n')).filter(|b| !b.is_empty());
    let header = blocks.next().context("an empty file")?;
    ensure!(header == "WEBVTT" || header.starts_with("WEBVTT ") || header.starts_with("WEBVTT\n"), "no WEBVTT header");
    let mut cues = Vec::new();
    for block in blocks {
        let mut lines = block.lines();
        let first = lines.next().context("an empty cue")?;
        let (id, timing) = if first.contains("-->") {
            (None, first)
        } else {
            (Some(first.to_owned()), lines.next().with_context(|| format!("cue {first:?} has no timing"))?)
        };
        let (start, rest) = timing.split_once(" --> ").with_context(|| format!("bad timing line {timing:?}"))?;
        let end = rest.split_whitespace().next().context("no end time")?;
        let text = lines.collect::<Vec<_>>().join("\n");
        ensure!(!text.trim().is_empty(), "cue at {timing:?} has no text");
        cues.push(Cue { id, start: vtt_time(start)?, end: vtt_time(end)?, text });
    }
    Ok(cues)
}

/// The captions cover the video step by step: from (about) 0 to (about) the
/// end, in order, without overlaps, one cue per step.
fn check_captions(lang: &str, cues: &[Cue], duration: f64) -> Result<()> {
    ensure!(cues.len() == STEPS, "{lang}: {} cues, expected one per step ({STEPS}): {cues:?}", cues.len());
    let (first, last) = (&cues[0], &cues[cues.len() - 1]);
    ensure!(first.start <= EDGE_S, "{lang}: the first cue starts at {} s", first.start);
    ensure!(
        (last.end - duration).abs() <= EDGE_S,
        "{lang}: the last cue ends at {} s, the video at {duration} s",
        last.end
    );
    for (i, cue) in cues.iter().enumerate() {
        ensure!(cue.start < cue.end, "{lang}: cue {i} ends before it starts: {cue:?}");
        if let Some(next) = cues.get(i + 1) {
            ensure!(cue.end <= next.start + 1e-6, "{lang}: cue {i} overlaps the next: {cue:?} / {next:?}");
            ensure!(next.start - cue.end < 0.1, "{lang}: a gap without captions after cue {i}: {cue:?} / {next:?}");
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_video_is_made_from_the_app_and_plays_on_the_video_page() -> Result {
    let server = Server::start().await?;
    let uploaded = server.add_uploaded_video(AGENCY).await?;
    let out = server.media().join("generated");
    let run = make_video(&server.base(), &out, &[]).await?;
    ensure!(run.ok, "the generator failed:\n{}", run.output);
    // How long making a video takes is the machine's business (its encoder
    // shares two cores with whatever else runs): the generator prints it,
    // and no test fails on it.
    let dir = out.join(AGENCY);

    // One VP9 video track and one Opus audio track at 48 kHz, in WebM.
    let info = probe(&dir.join("video.webm"))?;
    let streams = info["streams"].as_array().context("streams")?;
    let of = |kind: &str| streams.iter().filter(|s| s["codec_type"] == kind).collect::<Vec<_>>();
    let (video, audio) = (of("video"), of("audio"));
    ensure!(video.len() == 1 && audio.len() == 1 && streams.len() == 2, "streams: {streams:#?}");
    assert_eq!(video[0]["codec_name"], "vp9");
    assert_eq!(audio[0]["codec_name"], "opus");
    assert_eq!(audio[0]["sample_rate"], "48000");
    ensure!(info["format"]["format_name"].as_str().unwrap_or_default().contains("webm"), "format: {}", info["format"]);
    let duration: f64 = info["format"]["duration"].as_str().context("duration")?.parse()?;
    ensure!(
        (STEPS as f64 * MIN_STEP_S..=MAX_S).contains(&duration),
        "the video lasts {duration} s; expected {}–{MAX_S} s",
        STEPS as f64 * MIN_STEP_S
    );

    // video.json, as the server reads it, agrees with the file.
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("video.json"))?)?;
    let listed = meta["duration_s"].as_f64().context("duration_s")?;
    ensure!((listed - duration).abs() < 0.3, "video.json says {listed} s, the file lasts {duration} s");
    ensure!(meta["title"]["id"].as_str().is_some_and(|t| !t.is_empty()), "title: {}", meta["title"]);
    ensure!(meta["source_hash"].as_str().is_some_and(|h| h.starts_with("sha256:")), "source_hash: {meta}");

    // Captions in both languages cover the video; their words are the script's.
    let script = std::fs::read_to_string(fixtures::workspace().join(format!("videos/scripts/{AGENCY}.toml")))?;
    for lang in ["id", "en"] {
        let file = dir.join(format!("captions.{lang}.vtt"));
        let cues = parse_webvtt(&std::fs::read_to_string(&file)?).with_context(|| file.display().to_string())?;
        check_captions(lang, &cues, duration)?;
        for cue in &cues {
            let line = format!("\n{lang} = {}\n", serde_json::to_string(&cue.text)?);
            ensure!(script.contains(&line), "{lang}: cue {:?} is not a caption of the script", cue.text);
        }
        let ids: Vec<_> = cues.iter().filter_map(|c| c.id.as_deref()).collect();
        ensure!(
            ids.first().is_some_and(|i| i.ends_with("open")) && ids.last().is_some_and(|i| i.ends_with("track")),
            "{lang}: cues are named for the steps, from open to track: {ids:?}"
        );
    }
    let poster = std::fs::read(dir.join("poster.jpg"))?;
    ensure!(poster.starts_with(&[0xFF, 0xD8, 0xFF]) && poster.len() > 10_000, "poster.jpg is not a JPEG photo");

    // The catalogue lists the agency's own upload first, then the generated tutorial.
    let http = reqwest::Client::new();
    let videos: Value =
        http.get(format!("{}/api/v1/videos?agency={AGENCY}", server.base())).send().await?.json().await?;
    let ids: Vec<&str> = videos.as_array().context("a list")?.iter().filter_map(|v| v["id"].as_str()).collect();
    let generated_id = format!("generated-{AGENCY}");
    assert_eq!(ids.first().copied(), Some(uploaded.as_str()), "uploaded first: {videos:#}");
    assert_eq!(ids.last().copied(), Some(generated_id.as_str()), "generated last: {videos:#}");
    let generated = &videos.as_array().context("a list")?[ids.len() - 1];
    assert_eq!(generated["generated"], true);
    assert_eq!(generated["captions"].as_array().map(Vec::len), Some(2), "{generated:#}");

    // It plays in Chromium from the agency's video page, below the upload.
    let mut b = Browser::start(&server.base()).await?;
    b.open(&format!("/video/{AGENCY}")).await?;
    let selector = format!("#vid-{generated_id}");
    b.wait("the generated video", &format!("document.querySelector({})", json!(selector))).await?;
    let order = b
        .js(&format!(
            "return !!(document.getElementById({}).compareDocumentPosition(document.querySelector({})) \
             & Node.DOCUMENT_POSITION_FOLLOWING)",
            json!(format!("vid-{uploaded}")),
            json!(selector)
        ))
        .await?;
    assert_eq!(order, true, "the uploaded video comes before the generated one on the page");
    let el = b.driver().find(By::Css(&selector)).await?;
    b.js_with("arguments[0].scrollIntoView({ block: 'center' })", vec![el.to_json()?]).await?;
    let played = b
        .driver()
        .execute_async(
            "const [v, done] = arguments; v.play().then(() => done('playing'), (e) => done(String(e)));",
            vec![el.to_json()?],
        )
        .await?;
    assert_eq!(played.json(), "playing");
    let advanced = format!("document.querySelector({}).currentTime > 1.5", json!(selector));
    b.wait_for("playback to advance", &advanced, Duration::from_secs(15)).await?;
    let cue = b
        .wait(
            "an Indonesian caption on screen",
            &format!(
                "(() => {{ const t = [...document.querySelector({}).textTracks].find(t => t.language === 'id'); \
                 return t && t.mode === 'showing' && t.activeCues && t.activeCues.length > 0 && t.activeCues[0].text; }})()",
                json!(selector)
            ),
        )
        .await?;
    let line = format!("\nid = {}\n", serde_json::to_string(cue.as_str().unwrap_or_default())?);
    ensure!(script.contains(&line), "the caption on screen is the script's: {cue}");
    b.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_that_no_longer_matches_the_app_fails_clearly() -> Result {
    let server = Server::start().await?;
    // The search hides the script's category, as a renamed category would.
    let scripts = tempfile::tempdir()?;
    let original = std::fs::read_to_string(fixtures::workspace().join(format!("videos/scripts/{AGENCY}.toml")))?;
    let broken = original.replacen("search = \"sampah\"", "search = \"banjir\"", 1);
    ensure!(broken != original, "the {AGENCY} script searches for \"sampah\"");
    std::fs::write(scripts.path().join(format!("{AGENCY}.toml")), broken)?;
    let out = server.media().join("generated");
    let scripts_dir = scripts.path().display().to_string();
    let run = make_video(&server.base(), &out, &["--scripts", &scripts_dir, "--wait-ms", "2000"]).await?;
    ensure!(!run.ok, "the generator succeeded with a script the app does not match:\n{}", run.output);
    for expected in [format!("{AGENCY}: step 2 \"category\""), "expected the category \"sampah\"".to_owned()] {
        ensure!(run.output.contains(&expected), "the message names {expected:?}:\n{}", run.output);
    }
    ensure!(!out.join(AGENCY).exists(), "nothing is left for the agency after a failure");
    Ok(())
}
