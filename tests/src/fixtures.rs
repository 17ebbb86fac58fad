//! Paths of the workspace, the app's own words, and the files a citizen or an
//! admin would pick: a JPEG photo, a short WebM video and its captions.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail, ensure};

/// The workspace root.
#[must_use]
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").to_path_buf()
}

/// The second city the tests run the portal with: Kota Tomohon, whose
/// emergency number (110) and number of agencies (9) differ from Bitung's.
#[must_use]
pub fn tomohon() -> PathBuf {
    workspace().join("tests/cities/tomohon.toml")
}

/// The built app; the tests fail (rather than skip) without it.
#[must_use]
pub fn dist_dir() -> PathBuf {
    let dist = workspace().join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} is missing: the browser tests need the built app. Run `make app` first \
         (`make e2e` builds it and then runs these tests).",
        dist.join("index.html").display()
    );
    dist
}

/// Where the tests leave a 360 px screenshot of every page.
#[must_use]
pub fn screenshots_dir() -> PathBuf {
    workspace().join("screenshots")
}

/// A string of the app's language table (`app/src/i18n/id.rs` or `en.rs`),
/// so the tests look for the words a citizen reads without copying them.
#[must_use]
pub fn text(lang: &str, key: &str) -> String {
    let file = workspace().join(format!("app/src/i18n/{lang}.rs"));
    let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let needle = format!("\n    {key}: \"");
    let start = source.find(&needle).unwrap_or_else(|| panic!("no `{key}` in {}", file.display())) + needle.len();
    let mut out = String::new();
    let mut chars = source[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return out,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    panic!("unterminated `{key}` in {}", file.display())
}

/// An Indonesian string of the app.
#[must_use]
pub fn id(key: &str) -> String {
    text("id", key)
}

/// An English string of the app.
#[must_use]
pub fn en(key: &str) -> String {
    text("en", key)
}

/// A real JPEG photo of `w`×`h` pixels written to `path`.
pub fn write_jpeg(path: &Path, w: u32, h: u32) -> crate::Result<()> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 120]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)?;
    std::fs::write(path, out.into_inner())?;
    Ok(())
}

/// A 4-second VP9 + Opus WebM (test pattern and a tone) made by Debian's ffmpeg.
pub fn write_webm(path: &Path) -> crate::Result<()> {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", "4", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"])
        .args(["-pix_fmt", "yuv420p", "-c:a", "libopus", "-b:a", "48k"])
        .arg(path)
        .output()
        .context("running ffmpeg (scripts/install-tools.sh test installs it)")?;
    if !output.status.success() {
        bail!("ffmpeg failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    ensure!(std::fs::metadata(path)?.len() > 1000, "ffmpeg wrote an empty video");
    Ok(())
}

/// WebVTT captions covering the first seconds of the video.
#[must_use]
pub fn webvtt(lines: &[&str]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(out, "{}\n00:00:0{i}.000 --> 00:00:0{}.000\n{line}\n\n", i + 1, i + 1);
    }
    out
}
