// A video script: what the tutorial of one agency reports, and the words of
// each step. Scripts are checked against the city file before anything is
// recorded, so a wrong category or district is named at once.

import { readFileSync } from "node:fs";
import { Problem } from "./problem.mjs";
import { parseToml } from "./toml.mjs";

/** The steps of every tutorial, in the order the portal asks for them. */
export const STEP_KINDS = ["open", "category", "pin", "describe", "send", "code", "track"];

/** Longest caption, in characters: two short lines on a phone. */
export const CAPTION_MAX = 120;

/** Fields each step kind takes besides its words (`id`, `en`, `say`). */
const STEP_FIELDS = {
  open: [],
  category: ["category", "search"],
  pin: ["at", "district", "address"],
  describe: ["text"],
  send: ["anonymous"],
  code: [],
  track: [],
};

/** A script that cannot be used, with every problem found in it. */
export class ScriptError extends Problem {}

/**
 * Reads `file` and checks it against the city configuration `city` (the
 * parsed config/bitung.toml).
 */
export function loadScript(file, city) {
  const text = readFileSync(file, "utf8");
  const raw = parseToml(text, file);
  const problems = [];
  const problem = (where, message) => problems.push(`${file}: ${where}: ${message}`);
  const str = (obj, key, where, { required = true, max = 0 } = {}) => {
    const v = obj?.[key];
    if (v === undefined) {
      if (required) problem(where, `\`${key}\` is missing`);
      return undefined;
    }
    if (typeof v !== "string" || !v.trim()) {
      problem(where, `\`${key}\` must be a non-empty string`);
      return undefined;
    }
    if (max && [...v].length > max) problem(where, `\`${key}\` has ${[...v].length} characters; at most ${max}`);
    return v.trim();
  };

  for (const k of Object.keys(raw)) {
    if (!["agency", "title", "steps"].includes(k)) problem(k, "unknown field (known: agency, title, steps)");
  }
  const agencyCode = str(raw, "agency", "agency");
  const agency = city.agencies.find((a) => a.code === agencyCode);
  if (agencyCode && !agency) {
    problem(
      "agency",
      `no agency "${agencyCode}" in the city file (known: ${city.agencies.map((a) => a.code).join(", ")})`,
    );
  }
  const title = { id: str(raw.title, "id", "title", { max: 120 }), en: str(raw.title, "en", "title", { max: 120 }) };

  const steps = [];
  const rawSteps = Array.isArray(raw.steps) ? raw.steps : [];
  const kinds = rawSteps.map((s) => s?.do);
  if (kinds.join(",") !== STEP_KINDS.join(",")) {
    problem(
      "steps",
      `the steps must be, in this order: ${STEP_KINDS.join(", ")} (found: ${kinds.join(", ") || "none"})`,
    );
  }
  for (const [i, s] of rawSteps.entries()) {
    const where = `steps[${i}] (${s?.do ?? "?"})`;
    const allowed = ["do", "id", "en", "say", ...(STEP_FIELDS[s?.do] ?? [])];
    for (const k of Object.keys(s ?? {})) {
      if (!allowed.includes(k)) problem(where, `unknown field \`${k}\` (this step takes: ${allowed.join(", ")})`);
    }
    const step = {
      do: s?.do,
      id: str(s, "id", where, { max: CAPTION_MAX }),
      en: str(s, "en", where, { max: CAPTION_MAX }),
    };
    // What is spoken: the Indonesian caption, unless a spelling for the voice is given.
    step.say = str(s, "say", where, { required: false, max: 2 * CAPTION_MAX }) ?? step.id;
    switch (s?.do) {
      case "category": {
        step.category = str(s, "category", where);
        step.search = str(s, "search", where, { required: false, max: 60 });
        const category = city.categories.find((c) => c.code === step.category);
        if (step.category && !category) problem(where, `no category "${step.category}" in the city file`);
        else if (category && agency && category.agency !== agency.code) {
          problem(where, `category "${step.category}" belongs to ${category.agency}, not ${agency.code}`);
        }
        break;
      }
      case "pin": {
        const at = s.at;
        if (typeof at?.lat !== "number" || typeof at?.lng !== "number") {
          problem(where, "`at` must be { lat = <number>, lng = <number> }");
        } else step.at = { lat: at.lat, lng: at.lng };
        step.district = str(s, "district", where, { required: false });
        step.address = str(s, "address", where, { required: false, max: 300 });
        if (step.district && !city.districts.some((d) => d.name === step.district)) {
          problem(where, `no district "${step.district}" (known: ${city.districts.map((d) => d.name).join(", ")})`);
        }
        break;
      }
      case "describe":
        step.text = str(s, "text", where, { max: 4000 });
        break;
      case "send":
        if (s.anonymous !== undefined && typeof s.anonymous !== "boolean")
          problem(where, "`anonymous` must be true or false");
        step.anonymous = s.anonymous === true;
        break;
      default:
        break;
    }
    steps.push(step);
  }
  if (problems.length) throw new ScriptError(problems.join("\n"));
  return { file, text, agency: agencyCode, title, steps };
}
