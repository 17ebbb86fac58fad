// Writes the kecamatan and kelurahan of a city into its config file, between the
// "# BEGIN idn-area-data" and "# END idn-area-data" markers, from the official
// Kemendagri lists in the npm package idn-area-data (data licensed ODbL), with
// each kelurahan's centre from the npm package geografis (MIT): the place the
// public map gives for a report of a sensitive category, instead of its pin.
// Every city file is made the same way: the portal's own (config/bitung.toml)
// and the second city the browser tests run with (tests/cities/tomohon.toml).
//
// usage: node scripts/gen-areas.mjs [<config.toml>...] [--check]
//   without files: every city file of the repository (CITY_FILES below)
//   --check: exit 1 (and say so) when a file is not what would be generated.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CITY_FILES = ["config/bitung.toml", "tests/cities/tomohon.toml"].map((f) => join(ROOT, f));

const args = process.argv.slice(2);
const check = args.includes("--check");
const unknown = args.filter((a) => a.startsWith("--") && a !== "--check");
if (unknown.length > 0) {
  console.error(`unknown option ${unknown[0]}\nusage: node scripts/gen-areas.mjs [<config.toml>...] [--check]`);
  process.exit(2);
}
const given = args.filter((a) => !a.startsWith("--"));
const files = given.length > 0 ? given : CITY_FILES.map((f) => relative(process.cwd(), f));
const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve("idn-area-data/package.json")), "data");

/** Minimal CSV reader for these files: comma-separated, fields may be quoted. */
function readCsv(name) {
  const [header, ...rows] = readFileSync(join(dataDir, name), "utf8").trim().split(/\r?\n/);
  const keys = header.split(",");
  return rows.map((line) => {
    const fields = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { fields.push(cur); cur = ""; }
      else cur += c;
    }
    fields.push(cur);
    return Object.fromEntries(keys.map((k, i) => [k, fields[i]]));
  });
}

const villages = readCsv("villages.csv");
// Kelurahan centres by Kemendagri code. Four decimals (about 11 m) are all a
// centre that stands for a whole kelurahan needs.
const centres = new Map(
  JSON.parse(readFileSync(join(dirname(require.resolve("geografis/package.json")), "data/json/data.json"), "utf8"))
    .filter((v) => Number.isFinite(v.latitude) && Number.isFinite(v.longitude))
    .map((v) => [v.code, { lat: v.latitude.toFixed(4), lng: v.longitude.toFixed(4) }]),
);
const districtsCsv = readCsv("districts.csv");

/** Generates (or with --check, compares) one city file; false on a problem. */
function generate(file) {
  const text = readFileSync(file, "utf8");
  const cityCode = text.match(/^\[city\][^[]*?^code\s*=\s*"([^"]+)"/ms)?.[1];
  if (!cityCode) {
    console.error(`${file}: [city] code not found`);
    return false;
  }
  // Sorted by name, as people look for them (the app shows them in file order).
  const byName = (a, b) => a.name.localeCompare(b.name, "id");
  const districts = districtsCsv.filter((d) => d.regency_code === cityCode).sort(byName);
  if (districts.length === 0) {
    console.error(`${file}: idn-area-data has no districts for city code ${cityCode}`);
    return false;
  }
  const q = (s) => JSON.stringify(s);
  let block = "";
  for (const d of districts) {
    block += `\n[[districts]]\ncode = ${q(d.code)}\nname = ${q(d.name)}\nvillages = [\n`;
    for (const v of villages.filter((v) => v.district_code === d.code).sort(byName)) {
      const c = centres.get(v.code);
      const centre = c ? `, centre = { lat = ${c.lat}, lng = ${c.lng} }` : "";
      if (!c) console.warn(`${file}: no centre known for ${v.code} ${v.name}; its sensitive reports show a ~1 km cell`);
      block += `  { code = ${q(v.code)}, name = ${q(v.name)}${centre} },\n`;
    }
    block += "]\n";
  }
  const begin = "# BEGIN idn-area-data\n", end = "# END idn-area-data";
  const a = text.indexOf(begin), b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`${file}: markers "${begin.trim()}" / "${end}" not found`);
    return false;
  }
  const out = text.slice(0, a + begin.length) + block.trimStart() + text.slice(b);
  if (check) {
    if (out !== text) {
      console.error(`${file} is out of date with idn-area-data and geografis: run node scripts/gen-areas.mjs ${file}`);
      return false;
    }
    console.log(`${file}: districts, villages and centres match idn-area-data and geografis`);
  } else {
    writeFileSync(file, out);
    console.log(`${file}: ${districts.length} districts written`);
  }
  return true;
}

let ok = true;
for (const file of files) ok = generate(file) && ok;
process.exit(ok ? 0 : 1);
