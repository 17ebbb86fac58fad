#!/usr/bin/env node
// Makes the how-to videos, one per agency, from the real portal: starts a
// throw-away server (release binary, temporary SQLite database and media
// folder, the built app from dist/), drives headless Chromium at a phone's
// viewport through each agency's script in videos/scripts/, speaks the
// Indonesian captions with espeak-ng, and encodes WebM (VP9 + Opus) with
// WebVTT captions (id, en), a JPEG poster and video.json into
// <out>/<agency>/, where the server lists them (server/src/routes/videos.rs).
//
// usage: node videos/make.mjs [options]
//   --agency A[,B]   only these agencies (default: every agency of the city)
//   --check          only check the scripts against the city file; record nothing
//   --if-stale       skip videos whose script, app, city file and generator
//                    are unchanged since they were made (hash in video.json)
//   --out DIR        where videos go (default: $PORTAL112_MEDIA/generated,
//                    i.e. data/media/generated, where `portal112 serve` looks)
//   --scripts DIR    the scripts (default: videos/scripts)
//   --base-url URL   record on this running portal instead of starting one
//   --server BIN     the server binary (default: target/release/portal112)
//   --dist DIR       the built app (default: dist)
//   --config FILE    the city file (default: config/bitung.toml)
//   --wait-ms N      how long a step may wait for the app (default: 15000)
//   --keep-work      keep the screenshots and voice files (path is printed)

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { MAX_VIDEO_S, encode, poster, probe, speak, timeline, tool, webvtt } from "./lib/media.mjs";
import { StepError, WAIT_MS, appStrings, record } from "./lib/record.mjs";
import { Problem } from "./lib/problem.mjs";
import { ScriptError, loadScript } from "./lib/script.mjs";
import { parseToml } from "./lib/toml.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Bumped when the output format changes, so old videos count as stale. */
const FORMAT = "portal112-videos 1";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Map tiles (openstreetmap.org) fail at once: recordings never depend on the internet.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

const say = (msg) => process.stderr.write(`\x1b[1m[videos]\x1b[0m ${msg}\n`);
const rel = (p) => relative(process.cwd(), p) || ".";

const { values: opts } = parseArgs({
  options: {
    agency: { type: "string" },
    check: { type: "boolean", default: false },
    "if-stale": { type: "boolean", default: false },
    out: {
      type: "string",
      default: join(resolve(ROOT, process.env.PORTAL112_MEDIA ?? join("data", "media")), "generated"),
    },
    scripts: { type: "string", default: join(ROOT, "videos", "scripts") },
    "base-url": { type: "string" },
    server: { type: "string", default: join(ROOT, "target", "release", "portal112") },
    dist: { type: "string", default: join(ROOT, "dist") },
    config: { type: "string", default: join(ROOT, "config", "bitung.toml") },
    "wait-ms": { type: "string", default: String(WAIT_MS) },
    "keep-work": { type: "boolean", default: false },
  },
  strict: true,
});
const out = resolve(opts.out);
const dist = resolve(opts.dist);
const configFile = resolve(opts.config);
const SCRIPTS = resolve(opts.scripts);
const waitMs = Number.parseInt(opts["wait-ms"], 10);

/** What a video is made from; a change to any of it makes the video stale. */
function sourceHash(script) {
  const h = createHash("sha256");
  const add = (name, bytes) => h.update(`${name}\0${bytes.length}\0`).update(bytes);
  h.update(`${FORMAT}\0`);
  add("script", Buffer.from(script.text));
  // The built app: index.html names the content-hashed wasm, JS and CSS.
  add("app", readFileSync(join(dist, "index.html")));
  add("city", readFileSync(configFile));
  const lib = join(ROOT, "videos", "lib");
  for (const f of [
    join(ROOT, "videos", "make.mjs"),
    ...readdirSync(lib)
      .sort()
      .map((f) => join(lib, f)),
  ]) {
    add(relative(ROOT, f), readFileSync(f));
  }
  return `sha256:${h.digest("hex")}`;
}

const OUTPUT_FILES = ["video.webm", "video.json", "captions.id.vtt", "captions.en.vtt", "poster.jpg"];

/** Whether the video in `dir` was made from exactly these sources. */
function upToDate(dir, hash) {
  try {
    const meta = JSON.parse(readFileSync(join(dir, "video.json"), "utf8"));
    return meta.source_hash === hash && OUTPUT_FILES.every((f) => statSync(join(dir, f)).size > 0);
  } catch {
    return false;
  }
}

/** Starts `portal112 serve` on a free port; resolves to its base URL. */
function startServer(work) {
  if (!existsSync(opts.server)) {
    throw new Problem(`${rel(opts.server)} is missing: build the server first (\`make server\`)`);
  }
  const child = spawn(
    opts.server,
    [
      ...["--database", `sqlite://${join(work, "portal112.db")}`, "--config", configFile],
      ...["serve", "--listen", "127.0.0.1:0", "--dist", dist, "--media", join(work, "media"), "--log-format", "json"],
      // One report per agency, all from 127.0.0.1.
      ...["--report-rate", "10000"],
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "info,sqlx=warn" } },
  );
  const stop = () => {
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  process.on("exit", stop);
  const lines = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Problem(`the server did not start within 20 s:\n${lines.join("\n")}`)),
      20_000,
    );
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        if (lines.length < 50) lines.push(line);
        try {
          const entry = JSON.parse(line);
          if (entry.message === "portal112 serving" && entry.address) {
            clearTimeout(timer);
            resolvePromise({
              base: `http://${entry.address}`,
              stop,
              exited: new Promise((r) => child.once("exit", r)),
            });
          }
        } catch {
          // Not a log line of ours; kept above for the error message.
        }
      });
    }
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Problem(`starting ${rel(opts.server)}: ${e.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Problem(`the server stopped (exit ${code}) before serving:\n${lines.join("\n")}`));
    });
  });
}

/** Replaces `<out>/<agency>` by the finished `staging` folder. */
function install(staging, agency) {
  const final = join(out, agency);
  const old = join(out, `.${agency}.old-${process.pid}`);
  if (existsSync(final)) renameSync(final, old);
  renameSync(staging, final);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Speaks the script's words and records its steps in the browser; checks
 * the length first, so a script too long for a video fails before recording.
 */
async function voiceAndRecord({ script, browser, base, city, strings, work }) {
  const t0 = Date.now();
  const agency = script.agency;
  const dir = join(work, agency);
  mkdirSync(dir, { recursive: true });
  const wavs = script.steps.map((_, i) => join(dir, `voice-${i + 1}.wav`));
  const voices = [];
  for (const [i, step] of script.steps.entries()) voices.push(await speak(step.say, wavs[i]));
  const spans = timeline(voices);
  const total = spans.at(-1).end;
  if (total > MAX_VIDEO_S) {
    const longest = script.steps
      .map((s, i) => ({ step: s.do, seconds: spans[i].end - spans[i].start }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 3)
      .map(({ step, seconds }) => `${step} ${seconds.toFixed(1)} s`);
    throw new Problem(
      `${agency}: the video would last ${total.toFixed(1)} s, at most ${MAX_VIDEO_S}: ` +
        `shorten the words of the longest steps (${longest.join(", ")})`,
    );
  }
  const failureShot = join(ROOT, "videos", "out", `${agency}-failed.png`);
  rmSync(failureShot, { force: true });
  const rec = await record({ browser, base, script, city, strings, dir, onFailureShot: failureShot, waitMs }).catch(
    (e) => {
      const seen = existsSync(failureShot) ? `\n  (the screen at that moment: ${rel(failureShot)})` : "";
      throw e instanceof StepError ? new StepError(`${e.message}${seen}`) : e;
    },
  );
  const steps = script.steps.map((s, i) => ({ ...s, shots: rec.steps[i].shots }));
  return { steps, spans, wavs, dir, poster: rec.poster, recordedIn: (Date.now() - t0) / 1000 };
}

/**
 * Encodes a recorded script, checks the result, writes captions, poster and
 * video.json, and puts them in place of the agency's old video at once.
 */
async function finish({ script, steps, spans, wavs, dir, poster: posterShot, recordedIn, versions }) {
  const t0 = Date.now();
  const agency = script.agency;
  const total = spans.at(-1).end;
  const staging = join(out, `.${agency}.new-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    const webm = join(staging, "video.webm");
    await encode({ steps, spans, wavs, work: dir, webm, title: script.title.id });
    const info = await probe(webm);
    const kinds = info.streams
      .map((s) => `${s.codec_type}:${s.codec_name}`)
      .sort()
      .join(",");
    const duration = Number(info.format.duration);
    if (kinds !== "audio:opus,video:vp9" || !(Math.abs(duration - total) < 0.25)) {
      throw new Problem(
        `${agency}: ffmpeg made ${kinds} lasting ${duration} s; expected VP9 + Opus lasting ${total.toFixed(2)} s`,
      );
    }
    writeFileSync(join(staging, "captions.id.vtt"), webvtt(script.steps, spans, "id"));
    writeFileSync(join(staging, "captions.en.vtt"), webvtt(script.steps, spans, "en"));
    await poster(posterShot, join(staging, "poster.jpg"));
    const meta = {
      title: script.title,
      duration_s: Number(total.toFixed(3)),
      source_hash: script.hash,
      script: relative(ROOT, script.file),
      steps: script.steps.map((s, i) => ({
        do: s.do,
        start_s: Number(spans[i].start.toFixed(3)),
        end_s: Number(spans[i].end.toFixed(3)),
      })),
      made_with: versions,
    };
    writeFileSync(join(staging, "video.json"), `${JSON.stringify(meta, null, 2)}\n`);
    install(staging, agency);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const size = (f) => `${Math.round(statSync(join(out, agency, f)).size / 1024)} KB`;
  say(
    `${agency}: ${total.toFixed(1)} s, ${script.steps.length} steps; ` +
      `video ${size("video.webm")}, poster ${size("poster.jpg")} ` +
      `(recorded in ${recordedIn.toFixed(1)} s, encoded in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

async function main() {
  const started = Date.now();
  let city;
  try {
    city = parseToml(readFileSync(configFile, "utf8"), rel(configFile));
  } catch (e) {
    throw e instanceof Problem ? e : new Problem(`${rel(configFile)}: ${e.message}`);
  }
  const wanted = opts.agency
    ? opts.agency
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : city.agencies.map((a) => a.code);
  const problems = [];
  for (const code of wanted) {
    if (!city.agencies.some((a) => a.code === code)) problems.push(`no agency "${code}" in ${rel(configFile)}`);
    else if (!existsSync(join(SCRIPTS, `${code}.toml`))) {
      problems.push(
        `${code}: no video script: write ${rel(join(SCRIPTS, `${code}.toml`))} (see videos/README-section.md)`,
      );
    }
  }
  for (const f of readdirSync(SCRIPTS).filter((f) => f.endsWith(".toml"))) {
    if (!city.agencies.some((a) => `${a.code}.toml` === f))
      problems.push(`${rel(join(SCRIPTS, f))}: no agency "${basename(f, ".toml")}" in ${rel(configFile)}`);
  }
  if (problems.length) throw new Problem(problems.join("\n"));
  if (opts.check) {
    for (const code of wanted) loadScript(join(SCRIPTS, `${code}.toml`), city);
    say(`${wanted.length} script(s) in ${rel(SCRIPTS)} match ${rel(configFile)}`);
    return 0;
  }
  if (!existsSync(join(dist, "index.html")))
    throw new Problem(`${rel(join(dist, "index.html"))} is missing: build the app first (\`make app\`)`);

  const scripts = [];
  for (const code of wanted) {
    const script = loadScript(join(SCRIPTS, `${code}.toml`), city);
    if (script.agency !== code)
      throw new ScriptError(`${rel(script.file)}: agency = "${script.agency}", but the file is named for ${code}`);
    script.hash = sourceHash(script);
    scripts.push(script);
  }
  const todo = opts["if-stale"] ? scripts.filter((s) => !upToDate(join(out, s.agency), s.hash)) : scripts;
  if (todo.length === 0) {
    say(`all ${scripts.length} videos in ${rel(out)} are up to date`);
    return 0;
  }
  say(`making ${todo.length} video(s) into ${rel(out)}: ${todo.map((s) => s.agency).join(", ")}`);

  if (!existsSync(CHROMIUM))
    throw new Problem(`${CHROMIUM} is missing: run scripts/install-tools.sh build (Debian chromium)`);
  const { chromium } = await import("playwright-core").catch(() => {
    throw new Problem("playwright-core is missing: run `npm ci` (scripts/install-tools.sh build does)");
  });
  const strings = appStrings(readFileSync(join(ROOT, "app", "src", "i18n", "id.rs"), "utf8"));
  const versions = {
    ffmpeg: (await tool("ffmpeg", ["-version"], "ffmpeg")).stdout.split("\n")[0].split(" ")[2],
    espeak_ng: (await tool("espeak-ng", ["--version"], "espeak-ng")).stdout.match(
      /speak NG text-to-speech: (\S+)/i,
    )?.[1],
  };

  const work = mkdtempSync(join(tmpdir(), "portal112-videos-"));
  mkdirSync(out, { recursive: true });
  const server = opts["base-url"] ? null : await startServer(work);
  const base = opts["base-url"]?.replace(/\/$/, "") ?? server.base;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  versions.chromium = browser.version();
  const failures = [];
  const made = [];
  // Recording (the browser) and encoding (ffmpeg) of the previous video overlap: two cores.
  let encoding = Promise.resolve();
  try {
    for (const script of todo) {
      try {
        const recorded = await voiceAndRecord({ script, browser, base, city, strings, work });
        const job = encoding.then(() => finish({ ...recorded, script, versions }));
        encoding = job.then(
          () => made.push(script.agency),
          (e) => failures.push(e),
        );
      } catch (e) {
        failures.push(e);
      }
    }
    await encoding;
  } finally {
    await browser.close();
    if (server) {
      server.stop();
      await server.exited;
    }
    if (opts["keep-work"]) say(`work files kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length) {
    for (const e of failures) process.stderr.write(`\n${e instanceof Problem ? e.message : (e.stack ?? e)}\n`);
    process.stderr.write(
      `\n${failures.length} of ${todo.length} video(s) could not be made (${seconds} s). When a step no longer matches the app, ` +
        "update the agency's script in videos/scripts/ or the recorder in videos/lib/record.mjs.\n",
    );
    return 1;
  }
  say(`made ${made.length} video(s) in ${seconds} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${e instanceof Problem ? e.message : (e.stack ?? e)}\n`);
    process.exit(1);
  },
);
