// Logged media of runs, read through the v1 API (docs/api-v1.md#media), and the step slider every media panel uses.
import { getJSON } from "./common.js";

const RUNS = "/api/v1/experiments/runs";
const PAGE = 10000; // the route's largest page
const MAX_ITEMS = 100000; // a run logging more media than this shows the first ones

// Every (key, kind) series of a run: [{key, kind, steps: [...], captions: {step: text}}], optionally one key / a
// step range. Captions cost the server a file read each: a whole run is listed without them.
export async function listMedia(runId, { key = null, stepMin = null, stepMax = null, captions = false } = {}) {
  const merged = new Map();
  let offset = 0;
  while (offset != null && offset < MAX_ITEMS) {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (key != null) query.set("key", key);
    if (stepMin != null) query.set("step_min", String(stepMin));
    if (stepMax != null) query.set("step_max", String(stepMax));
    query.set("captions", String(captions));
    const page = await getJSON(`${RUNS}/${runId}/media?${query}`);
    for (const item of page.media) {
      const id = `${item.kind}:${item.key}`;
      const known = merged.get(id);
      if (known) {
        known.steps.push(...item.steps);
        Object.assign(known.captions, item.captions);
      } else merged.set(id, { ...item, steps: [...item.steps], captions: { ...item.captions } });
    }
    offset = page.next_offset;
  }
  return [...merged.values()];
}

export function itemUrl(runId, key, step, kind) {
  return `${RUNS}/${runId}/media/item?${new URLSearchParams({ key, step: String(step), kind })}`;
}

export function getItem(runId, key, step, kind) {
  return getJSON(itemUrl(runId, key, step, kind));
}

// Up to `samples` histograms of a key (spread evenly over its steps, the last kept), in one request.
export async function getHistograms(runId, key, { samples = 200, stepMin = null, stepMax = null } = {}) {
  const query = new URLSearchParams({ key, samples: String(samples) });
  if (stepMin != null) query.set("step_min", String(stepMin));
  if (stepMax != null) query.set("step_max", String(stepMax));
  return (await getJSON(`${RUNS}/${runId}/media/histograms?${query}`)).histograms;
}

// The caption of an image at one step ("" when it has none).
export async function getCaption(runId, key, step) {
  const [found] = await listMedia(runId, { key, stepMin: step, stepMax: step, captions: true });
  return found?.captions[String(step)] ?? "";
}

// Where `value` goes in an ascending array (the index of the first element >= value).
export function insertionIndex(sorted, value) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// A range input over a list of steps. It follows the newest step while it sits on the last
// one (a live run moves it along), and stays put once the user picked an older step.
export class StepSlider {
  constructor(parent, steps, onChange) {
    this.steps = [...steps];
    this.onChange = onChange;
    this.el = document.createElement("div");
    this.el.className = "media-steps";
    this.el.innerHTML = `<input type="range" min="0" step="1" aria-label="step"><span class="media-step"></span>`;
    this.input = this.el.querySelector("input");
    this.label = this.el.querySelector(".media-step");
    this.input.addEventListener("input", () => this.choose(Number(this.input.value)));
    parent.append(this.el);
    this.index = Math.max(0, this.steps.length - 1);
    this.sync();
  }

  get step() {
    return this.steps[this.index];
  }

  choose(index) {
    this.index = Math.max(0, Math.min(index, this.steps.length - 1));
    this.sync();
    this.onChange(this.step);
  }

  // Pick the newest step at or before `step` (the nearest one when all are later).
  chooseStep(step) {
    const at = insertionIndex(this.steps, step);
    this.choose(this.steps[at] === step ? at : Math.max(0, at - 1));
  }

  // A step arrived (live); returns whether the shown step changed.
  add(step) {
    if (this.steps.includes(step)) return false;
    const following = this.index === this.steps.length - 1;
    const at = insertionIndex(this.steps, step);
    this.steps.splice(at, 0, step);
    if (following) this.index = this.steps.length - 1;
    else if (at <= this.index) this.index += 1;
    this.sync();
    return following;
  }

  sync() {
    const n = this.steps.length;
    this.input.max = String(Math.max(0, n - 1));
    this.input.value = String(this.index);
    this.input.disabled = n < 2;
    this.label.textContent = n ? `step ${this.step} (${this.index + 1} of ${n})` : "no steps";
  }
}
