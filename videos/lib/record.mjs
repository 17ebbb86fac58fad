// Records one tutorial: drives the real app in headless Chromium at a phone's
// viewport through the steps of a script and takes screenshots ("shots") of
// what a citizen sees, with a ring where the finger taps next.
//
// Every wait has a deadline. When the app no longer matches the script (a
// field, button or text is missing) recording stops with a StepError naming
// the agency, the step and what was expected.

import { join } from "node:path";

import { Problem } from "./problem.mjs";

/** The phone: CSS pixels and device pixel ratio (the video is 720×1480). */
export const VIEWPORT = { width: 360, height: 740 };
export const SCALE = 2;

/** How long the app may take, by default, to show what a step expects. */
export const WAIT_MS = 15_000;

/** A step of a script that the app no longer matches. */
export class StepError extends Problem {}

/**
 * The app's Indonesian strings, read from its language table, so the
 * recorder looks for the words a citizen reads without copying them.
 */
export function appStrings(source) {
  const out = {};
  for (const m of source.matchAll(/^\s+([a-z0-9_]+): "((?:[^"\\]|\\.)*)",$/gm)) {
    out[m[1]] = JSON.parse(`"${m[2]}"`);
  }
  return out;
}

/** Pixel position of a place on a Web Mercator map (Leaflet's default) at `zoom`. */
function project({ lat, lng }, zoom) {
  const size = 256 * 2 ** zoom;
  const phi = (lat * Math.PI) / 180;
  return {
    x: (size * (lng + 180)) / 360,
    y: (size * (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI)) / 2,
  };
}

/** The inverse of `project`. */
function unproject({ x, y }, zoom) {
  const size = 256 * 2 ** zoom;
  const n = Math.PI - (2 * Math.PI * y) / size;
  return { lat: (180 / Math.PI) * Math.atan(Math.sinh(n)), lng: (x / size) * 360 - 180 };
}

/**
 * Records `script` on the portal at `base` in a fresh browser context;
 * shots go to `dir`. Returns, per step, its shot files and which shot is the
 * poster.
 *
 * @param {import('playwright-core').Browser} browser
 */
export async function record({ browser, base, script, city, strings, dir, onFailureShot, waitMs = WAIT_MS }) {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    deviceScaleFactor: SCALE,
    isMobile: true,
    hasTouch: true,
    locale: "id-ID",
    timezoneId: "Asia/Makassar",
    // The service worker would only cache; the recording wants the app as served.
    serviceWorkers: "block",
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  const steps = [];
  let where = `${script.agency}: before the first step`;
  let count = 0;
  let shots = [];
  let poster = null;

  const t = (key) => {
    if (!(key in strings)) throw new StepError(`${where}: the app has no string \`${key}\` in app/src/i18n/id.rs`);
    return strings[key];
  };
  const fail = (expected) => new StepError(`${where}: expected ${expected}`);

  /** Waits until `fn(arg)` is truthy in the page. */
  const until = async (expected, fn, arg) => {
    try {
      return await page.waitForFunction(fn, arg, { timeout: waitMs, polling: 100 });
    } catch {
      throw fail(`${expected} within ${waitMs / 1000} s`);
    }
  };
  /** The first visible match of `locator`, waiting for it. */
  const visible = async (expected, locator) => {
    const first = locator.filter({ visible: true }).first();
    try {
      await first.waitFor({ state: "visible", timeout: waitMs });
    } catch {
      throw fail(`${expected} within ${waitMs / 1000} s`);
    }
    return first;
  };
  const button = (text) => visible(`a button reading "${text}"`, page.getByRole("button", { name: text, exact: true }));
  const link = (text) => visible(`a link reading "${text}"`, page.getByRole("link", { name: text, exact: true }));
  const onStep = (key) =>
    until(
      `the form step "${t(key)}" (#langkah-judul)`,
      (title) => document.getElementById("langkah-judul")?.textContent.trim() === title,
      t(key),
    );
  /** Scrolls an element to the middle of the screen, as a thumb would. */
  const centre = (locator) => locator.evaluate((e) => e.scrollIntoView({ block: "center", inline: "nearest" }));
  const toTop = () => page.evaluate(() => window.scrollTo(0, 0));
  /** Where on screen an element's middle is. */
  const middleOf = async (locator) => {
    const box = await locator.boundingBox();
    if (!box) throw fail("an element on screen to tap");
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  };

  // Two frames, so layout and paint have caught up with the last change.
  const settle = () =>
    page.evaluate(() =>
      document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))),
    );
  /** A screenshot of the viewport, with a tap ring at `tap` ({x, y}) if given. */
  const shot = async (tap) => {
    await settle();
    if (tap) {
      await page.evaluate(({ x, y }) => {
        const ring = document.createElement("div");
        ring.id = "__video-tap";
        ring.setAttribute("aria-hidden", "true");
        Object.assign(ring.style, {
          position: "fixed",
          left: `${x - 28}px`,
          top: `${y - 28}px`,
          width: "56px",
          height: "56px",
          boxSizing: "border-box",
          borderRadius: "50%",
          border: "3px solid rgba(185, 28, 28, 0.95)",
          background: "rgba(185, 28, 28, 0.08)",
          boxShadow: "0 0 0 4px rgba(255, 255, 255, 0.8)",
          zIndex: "2147483647",
          pointerEvents: "none",
        });
        document.body.append(ring);
      }, tap);
    }
    const file = join(dir, `shot-${String(++count).padStart(2, "0")}.png`);
    await page.screenshot({ path: file, animations: "disabled", caret: "hide" });
    if (tap) await page.evaluate(() => document.getElementById("__video-tap")?.remove());
    shots.push(file);
  };
  /** The poster: a still of the screen, not part of the video. */
  const posterShot = async () => {
    await settle();
    poster = join(dir, "poster.png");
    await page.screenshot({ path: poster, animations: "disabled", caret: "hide" });
  };
  /** Shows the tap on `locator` (or on `at`, a part of it), then taps it. */
  const tapOn = async (locator, at = locator) => {
    await centre(locator);
    await shot(await middleOf(at));
    await locator.click();
  };

  const actions = {
    async open() {
      await page.goto(`${base}/`);
      await until(
        "the app to start (header button.lang and a main h1)",
        () => document.querySelector("header button.lang") && document.querySelector("main h1"),
      );
      await shot();
      await tapOn(await link(t("start_report")));
      await onStep("step_category");
    },

    async category(step) {
      await toTop();
      if (step.search) {
        const search = await visible("the category search box (#cari-kategori)", page.locator("#cari-kategori"));
        await tapOn(search);
        await search.pressSequentially(step.search);
      }
      await shot();
      const label = await visible(
        `the category "${step.category}" (label[for=kategori-${step.category}])`,
        page.locator(`label[for="kategori-${step.category}"]`),
      );
      // The ring goes on the radio button, leaving the category's name readable.
      await tapOn(label, page.locator(`#kategori-${step.category}`));
      await until(
        `the category "${step.category}" to be chosen`,
        (id) => document.getElementById(id)?.checked,
        `kategori-${step.category}`,
      );
      await posterShot();
      // An urgent or confidential category shows its notice above the list.
      const category = city.categories.find((c) => c.code === step.category);
      if (category.urgent || category.confidential) {
        await visible("the category's notice (.notice)", page.locator(".report .notice"));
        await toTop();
      }
      const next = await button(t("next"));
      await shot(await middleOf(next));
      await next.click();
      await onStep("step_location");
    },

    async pin(step) {
      const map = await visible("the map (.map)", page.locator(".map"));
      await until(
        "the map to be ready (Leaflet loaded: .map.leaflet-container, crosshair shown)",
        () =>
          document.querySelector(".map.leaflet-container") &&
          document.querySelector(".map-crosshair")?.getClientRects().length,
      );
      await centre(map);
      const box = await map.evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.left + e.clientLeft, y: r.top + e.clientTop, w: e.clientWidth, h: e.clientHeight };
      });
      // The map opens on the city's centre at its zoom: where on screen the place is.
      const zoom = city.map.zoom;
      const origin = project(city.map.center, zoom);
      const p = project(step.at, zoom);
      const tap = { x: box.x + box.w / 2 + (p.x - origin.x), y: box.y + box.h / 2 + (p.y - origin.y) };
      const margin = 24;
      const onMap =
        tap.x - box.x >= margin + 50 &&
        box.x + box.w - tap.x >= margin &&
        tap.y - box.y >= margin &&
        box.y + box.h - tap.y >= margin + 20;
      if (!onMap) {
        const nw = unproject({ x: origin.x - box.w / 2 + margin + 50, y: origin.y - box.h / 2 + margin }, zoom);
        const se = unproject({ x: origin.x + box.w / 2 - margin, y: origin.y + box.h / 2 - margin - 20 }, zoom);
        throw fail(
          `a place on the map as it first shows: ${step.at.lat}, ${step.at.lng} is off screen; ` +
            `pick lat ${se.lat.toFixed(4)}–${nw.lat.toFixed(4)}, lng ${nw.lng.toFixed(4)}–${se.lng.toFixed(4)}`,
        );
      }
      await shot(tap);
      await page.mouse.click(tap.x, tap.y);
      const placed = t("pin_placed").split("{lat}")[0];
      const status = await until(
        `the pin to be placed (a status reading "${placed}…" under the map)`,
        (prefix) =>
          [...document.querySelectorAll(".map-picker .status")]
            .map((e) => e.textContent.trim())
            .find((s) => s.startsWith(prefix)) ||
          (document.getElementById("lokasi-galat")?.textContent.trim()
            ? `error: ${document.getElementById("lokasi-galat").textContent.trim()}`
            : null),
        placed,
      );
      const said = await status.jsonValue();
      if (said.startsWith("error: ")) throw fail(`the pin to be accepted; the app said: ${said.slice(7)}`);
      const [lat, lng] = said
        .slice(placed.length)
        .split(",")
        .map((s) => Number.parseFloat(s));
      if (!(Math.abs(lat - step.at.lat) < 0.002 && Math.abs(lng - step.at.lng) < 0.002)) {
        throw fail(
          `the pin at ${step.at.lat}, ${step.at.lng}; the app placed it at ${lat}, ${lng} (has the map's start view changed?)`,
        );
      }
      await shot();
      if (step.district) {
        const select = await visible("the district list (#kecamatan)", page.locator("#kecamatan"));
        await centre(select);
        try {
          await select.selectOption({ label: step.district }, { timeout: waitMs });
        } catch {
          throw fail(`the district "${step.district}" in #kecamatan`);
        }
      }
      if (step.address) {
        const address = await visible("the address field (#alamat)", page.locator("#alamat"));
        await address.fill(step.address);
        await centre(page.locator("#kecamatan"));
      }
      const next = await button(t("next"));
      await shot(step.district || step.address ? await middleOf(next) : undefined);
      await next.click();
      await onStep("step_details");
    },

    async describe(step) {
      const field = await visible("the description field (#keterangan)", page.locator("#keterangan"));
      await toTop();
      await shot(await middleOf(field));
      await field.fill(step.text);
      const next = await button(t("next"));
      await shot(await middleOf(next));
      await next.click();
      await onStep("step_contact");
    },

    async send(step) {
      await toTop();
      if (step.anonymous) {
        const toggle = await visible("the anonymous switch (#anonim)", page.locator("label[for=anonim]"));
        await tapOn(toggle);
        await until("the report to be anonymous (#anonim checked)", () => document.getElementById("anonim")?.checked);
      }
      const next = await button(t("next"));
      await shot(await middleOf(next));
      await next.click();
      await onStep("step_review");
      await toTop();
      await tapOn(await button(t("send")));
      await until(`the ticket code (.ticket-code) under "${t("sent_title")}"`, () => {
        const code = document.querySelector(".done .ticket-code")?.textContent.trim();
        if (code) return { code };
        // Refused: the form is back with its messages (hidden ones are placeholders).
        const said = [...document.querySelectorAll(".report .field-error")]
          .filter((e) => e.getClientRects().length > 0 && e.textContent.trim())
          .map((e) => e.textContent.trim());
        return said.length ? { said } : null;
      }).then(async (h) => {
        const { said } = await h.jsonValue();
        if (said) throw fail(`the report to be accepted; the form said: ${said.join(" / ")}`);
      });
    },

    async code() {
      await toTop();
      await shot();
      await tapOn(await link(t("track_this")));
    },

    async track() {
      await until(
        "the ticket page (.ticket .ticket-code and a status badge)",
        () => document.querySelector(".ticket .ticket-code") && document.querySelector(".ticket .badge"),
      );
      await until(
        `the title "${t("track_page_title")}"`,
        (title) => document.querySelector("main h1")?.textContent.trim() === title,
        t("track_page_title"),
      );
      await toTop();
      await shot();
      const history = await visible(
        `the heading "${t("timeline")}"`,
        page.getByRole("heading", { name: t("timeline"), exact: true }),
      );
      await history.evaluate((e) => e.scrollIntoView({ block: "start" }));
      await shot();
    },
  };

  try {
    for (const [i, step] of script.steps.entries()) {
      where = `${script.agency}: step ${i + 1} "${step.do}" (${step.id})`;
      shots = [];
      const before = count;
      await actions[step.do](step);
      if (count === before) throw fail("at least one screenshot");
      steps.push({ shots });
    }
  } catch (e) {
    if (onFailureShot) await page.screenshot({ path: onFailureShot }).catch(() => {});
    if (e instanceof StepError) throw e;
    throw new StepError(`${where}: ${e.message.split("\n")[0]}`);
  } finally {
    await context.close();
  }
  return { steps, poster: poster ?? steps[0].shots[0] };
}
