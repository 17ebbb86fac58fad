// Sound, pictures and words of a tutorial: the Indonesian voice-over
// (espeak-ng), the timing of each step, the WebM (VP9 + Opus, 48 kHz) and
// poster made by ffmpeg, and the WebVTT captions in both languages.

import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

import { Problem } from "./problem.mjs";

const run = promisify(execFile);

/** Frames per second of the video; step and shot times fall on its frames. */
export const FPS = 10;
/** Silence before the voice of each step, and after it, in seconds. */
const LEAD_S = 0.3;
const TAIL_S = 0.6;
/** Shortest step, so each screen can be taken in. */
export const MIN_STEP_S = 3.5;
/** Longest video. */
export const MAX_VIDEO_S = 60;
/** The voice: espeak-ng's Indonesian, a little slower than its default. */
const VOICE = ["-v", "id", "-s", "150"];

/** Runs a tool; a failure names it and quotes what it said. */
export async function tool(cmd, args, what) {
  try {
    return await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const said = (e.stderr || e.message || "").toString().trim().split("\n").slice(-6).join("\n");
    throw new Problem(
      `${what}: ${cmd} failed${e.code === "ENOENT" ? " (not installed: run scripts/install-tools.sh build)" : ""}\n${said}`,
    );
  }
}

/** Length in seconds of a PCM WAV file (what espeak-ng writes). */
export function wavSeconds(file) {
  const b = readFileSync(file);
  if (b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE")
    throw new Error(`${file}: not a WAV file`);
  let pos = 12;
  let byteRate = 0;
  while (pos + 8 <= b.length) {
    const id = b.toString("ascii", pos, pos + 4);
    let size = b.readUInt32LE(pos + 4);
    if (id === "fmt ") byteRate = b.readUInt32LE(pos + 16);
    if (id === "data") {
      // A streamed WAV may leave the size unset: count what is there.
      if (size === 0 || size > b.length - pos - 8) size = b.length - pos - 8;
      if (!byteRate) throw new Error(`${file}: no format chunk before the data`);
      return size / byteRate;
    }
    pos += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no audio data`);
}

/** Speaks `text` into `wav`; its length in seconds. */
export async function speak(text, wav) {
  await tool("espeak-ng", [...VOICE, "-w", wav, text], `voice-over "${text}"`);
  return wavSeconds(wav);
}

const onFrame = (s) => Math.ceil(s * FPS - 1e-9) / FPS;

/**
 * When each step starts and ends: long enough for its voice with a pause
 * around it, never shorter than MIN_STEP_S; times fall on frame boundaries.
 */
export function timeline(voiceSeconds) {
  let at = 0;
  return voiceSeconds.map((voice) => {
    const length = onFrame(Math.max(MIN_STEP_S, LEAD_S + voice + TAIL_S));
    const span = { start: at, end: onFrame(at + length), voice };
    at = span.end;
    return span;
  });
}

/** `HH:MM:SS.mmm`. */
export function vttTime(s) {
  const ms = Math.round(s * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

/** WebVTT with one cue per step; cue identifiers are the step kinds. */
export function webvtt(steps, spans, lang) {
  const escape = (s) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  let out = "WEBVTT\n";
  for (const [i, step] of steps.entries()) {
    out += `\n${i + 1}-${step.do}\n${vttTime(spans[i].start)} --> ${vttTime(spans[i].end)}\n${escape(step[lang])}\n`;
  }
  return out;
}

/**
 * Encodes the shots and voices into `webm`: each step's shots share its
 * time; each voice starts LEAD_S into its step.
 */
export async function encode({ steps, spans, wavs, work, webm, title }) {
  // The concat demuxer shows each picture for its duration (the last is
  // listed twice so its duration counts).
  let list = "ffconcat version 1.0\n";
  let last = "";
  for (const [i, step] of steps.entries()) {
    const span = spans[i];
    const frames = Math.round((span.end - span.start) * FPS);
    const n = step.shots.length;
    for (const [k, file] of step.shots.entries()) {
      const from = Math.floor((frames * k) / n);
      const to = Math.floor((frames * (k + 1)) / n);
      list += `file '${file.replaceAll("'", "'\\''")}'\nduration ${((to - from) / FPS).toFixed(3)}\n`;
      last = file;
    }
  }
  list += `file '${last.replaceAll("'", "'\\''")}'\n`;
  const listFile = join(work, "shots.ffconcat");
  writeFileSync(listFile, list);

  const total = spans.at(-1).end;
  const audio = spans
    .map((span, i) => {
      const length = (span.end - span.start).toFixed(3);
      return `[${i + 1}:a]aresample=48000,adelay=${Math.round(LEAD_S * 1000)}:all=1,apad=whole_dur=${length},atrim=end=${length}[a${i}]`;
    })
    .join(";");
  const graph = `[0:v]fps=${FPS},format=yuv420p[v];${audio};${spans.map((_, i) => `[a${i}]`).join("")}concat=n=${spans.length}:v=0:a=1[a]`;
  await tool(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-y"],
      ...["-f", "concat", "-safe", "0", "-i", listFile],
      ...wavs.flatMap((w) => ["-i", w]),
      ...["-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-t", total.toFixed(3)],
      // Still pictures with cuts: libvpx's realtime mode keeps text sharp at
      // constant quality and is about six times faster than "good" here.
      ...["-c:v", "libvpx-vp9", "-crf", "38", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "6"],
      ...["-row-mt", "1", "-tile-columns", "1", "-g", String(FPS * 10), "-threads", "2"],
      ...["-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-ar", "48000"],
      ...["-metadata", `title=${title}`, "-metadata:s:a:0", "language=ind"],
      webm,
    ],
    "encoding the video",
  );
}

/** A JPEG poster from a shot. */
export async function poster(png, jpg) {
  await tool("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", png, "-q:v", "4", jpg], "making the poster");
}

/** Duration and streams of a file, as ffprobe reads them. */
export async function probe(file) {
  const { stdout } = await tool(
    "ffprobe",
    ["-v", "error", "-show_entries", "format=duration:stream=codec_type,codec_name,sample_rate", "-of", "json", file],
    `reading ${file}`,
  );
  return JSON.parse(stdout);
}
