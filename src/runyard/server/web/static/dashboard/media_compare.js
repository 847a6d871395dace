// Project page `#media-compare`: one logged image key side by side across the selected runs,
// at one step (each run shows its newest image at or before it). Follows the table's
// selection (`runyard:selection`, or `?runs=` on load) and live `media` events.
import { esc, getJSON } from "./common.js";
import { itemUrl, listMedia, StepSlider } from "./media_data.js";
import { runColour } from "./palette.js";

const MAX_RUNS = 8;

function urlRuns() {
  const raw = new URLSearchParams(location.search).get("runs");
  return raw ? raw.split(",").map(Number).filter(Number.isInteger) : [];
}

class MediaCompare {
  constructor(section) {
    this.section = section;
    this.runs = []; // [{id, name, images: Map key -> steps}]
    this.key = null;
    this.generation = 0;
    section.innerHTML = `<h2>Media</h2><div class="toolbar media-compare-bar"><label>image <select class="media-key"></select></label>
      <span class="media-slot"></span></div><div class="media-compare-grid"></div>`;
    this.select = section.querySelector(".media-key");
    this.grid = section.querySelector(".media-compare-grid");
    this.slot = section.querySelector(".media-slot");
    this.select.addEventListener("change", () => this.chooseKey(this.select.value));
    section.hidden = true;
  }

  async setRuns(ids) {
    const generation = ++this.generation;
    const chosen = [...new Set(ids)].slice(0, MAX_RUNS);
    const runs = await Promise.all(chosen.map(async (id) => {
      const [run, media] = await Promise.all([getJSON(`/api/v1/experiments/runs/${id}`), listMedia(id)]);
      const images = new Map(media.filter((m) => m.kind === "image").map((m) => [m.key, m.steps]));
      return { id, name: run.name ?? String(id), images };
    }));
    if (generation !== this.generation) return; // a newer selection won
    this.runs = runs;
    this.refreshKeys();
  }

  keys() {
    return [...new Set(this.runs.flatMap((r) => [...r.images.keys()]))].sort();
  }

  refreshKeys() {
    const keys = this.keys();
    this.section.hidden = keys.length === 0;
    this.select.innerHTML = keys.map((k) => `<option value="${esc(k)}">${esc(k)}</option>`).join("");
    if (!keys.length) return;
    this.chooseKey(keys.includes(this.key) ? this.key : keys[0]);
  }

  chooseKey(key) {
    this.key = key;
    this.select.value = key;
    const steps = [...new Set(this.runs.flatMap((r) => r.images.get(key) ?? []))].sort((a, b) => a - b);
    this.slot.replaceChildren();
    this.slider = new StepSlider(this.slot, steps, (step) => this.show(step));
    this.show(this.slider.step);
  }

  show(step) {
    this.grid.innerHTML = this.runs.map((run) => {
      const steps = run.images.get(this.key) ?? [];
      const at = steps.filter((s) => s <= step).pop();
      const image = at == null ? `<div class="media-none muted">no image yet</div>`
        : `<img alt="${esc(this.key)} of ${esc(run.name)} at step ${at}" src="${itemUrl(run.id, this.key, at, "image")}">`;
      return `<figure class="media-figure" data-run="${run.id}" style="border-color:${runColour(run.id)}">${image}
        <figcaption><span class="swatch" style="background:${runColour(run.id)}"></span>${esc(run.name)}${at == null ? "" : ` <span class="muted">step ${at}</span>`}</figcaption></figure>`;
    }).join("");
  }

  arrived({ run_id: runId, key, step, kind }) {
    const run = this.runs.find((r) => r.id === Number(runId));
    if (!run || kind !== "image") return;
    const steps = run.images.get(key) ?? [];
    if (!steps.includes(step)) steps.push(step);
    steps.sort((a, b) => a - b);
    run.images.set(key, steps);
    if (key !== this.key) {
      if (!this.keys().includes(this.key)) this.refreshKeys();
      else if (![...this.select.options].some((o) => o.value === key)) this.refreshKeys();
      return;
    }
    if (this.slider.add(step)) this.show(this.slider.step);
  }
}

function main() {
  const section = document.getElementById("media-compare");
  if (!section) return;
  const compare = new MediaCompare(section);
  const load = (ids) => compare.setRuns(ids).catch((err) => console.warn("media compare", err));
  document.addEventListener("runyard:selection", (event) => load(event.detail.runIds));
  document.addEventListener("runyard:media", (event) => compare.arrived(event.detail));
  load(urlRuns());
}

main();
