// Run page `#media`: a panel per logged media key: images with a step slider, histograms over
// steps (heatmap), tables with sort. A live run adds steps as their `media` events arrive on
// the page's stream (common.js re-dispatches them as `runyard:media` on document).
import { debug, esc, pageData } from "./common.js";
import { getCaption, itemUrl, listMedia, StepSlider } from "./media_data.js";
import { HistogramPanel } from "./media_histogram.js";
import { TablePanel } from "./media_table.js";

const KIND_ORDER = { image: 0, histogram: 1, table: 2 };

class ImagePanel {
  constructor(body, runId, series) {
    this.runId = runId;
    this.key = series.key;
    this.captions = new Map(); // step -> caption, read when the step is first shown
    this.drawn = 0;
    body.innerHTML = `<figure class="media-figure"><img alt=""><figcaption class="muted"></figcaption></figure>`;
    this.img = body.querySelector("img");
    this.caption = body.querySelector("figcaption");
    this.img.alt = this.key;
    this.slider = new StepSlider(body, series.steps, (step) => this.show(step));
    this.ready = this.show(this.slider.step);
  }

  get step() {
    return this.slider.step;
  }

  async showCaption(step) {
    if (!this.captions.has(step)) this.captions.set(step, await getCaption(this.runId, this.key, step));
    if (step === this.step) this.caption.textContent = this.captions.get(step);
  }

  show(step) {
    if (step == null) return Promise.resolve();
    this.caption.textContent = this.captions.get(step) ?? "";
    const image = new Promise((resolve) => {
      this.img.onload = () => {
        this.drawn += 1;
        resolve();
      };
      this.img.onerror = () => {
        this.caption.textContent = `could not load step ${step}`;
        resolve();
      };
      this.img.src = itemUrl(this.runId, this.key, step, "image");
    });
    return Promise.all([image, this.showCaption(step)]);
  }

  async add(step) {
    if (this.slider.add(step)) await this.show(step);
  }
}

const PANELS = { image: ImagePanel, histogram: HistogramPanel, table: TablePanel };

class MediaSection {
  constructor(section, runId) {
    this.section = section;
    this.runId = runId;
    this.grid = section.querySelector(".media-panels");
    this.panels = new Map(); // "kind:key" -> panel
    debug.media = this.panels;
  }

  panel(series) {
    const id = `${series.kind}:${series.key}`;
    if (this.panels.has(id)) return this.panels.get(id);
    const card = document.createElement("div");
    card.className = `media-card media-${series.kind}`;
    card.dataset.key = series.key;
    card.dataset.kind = series.kind;
    card.innerHTML = `<div class="media-title">${esc(series.key)} <span class="muted small">${series.kind}</span></div><div class="media-body"></div>`;
    const cards = [...this.grid.children];
    const rank = (el) => `${KIND_ORDER[el.dataset.kind]}:${el.dataset.key}`;
    const before = cards.find((el) => rank(el) > rank(card));
    this.grid.insertBefore(card, before ?? null);
    const panel = new PANELS[series.kind](card.querySelector(".media-body"), this.runId, series);
    this.panels.set(id, panel);
    this.section.hidden = false;
    return panel;
  }

  async load() {
    const found = await listMedia(this.runId);
    const panels = found.map((series) => this.panel(series));
    await Promise.all(panels.map((p) => p.ready));
  }

  // A `media` event: a new step of a known key, or a new key.
  async arrived({ key, step, kind }) {
    const id = `${kind}:${key}`;
    const known = this.panels.get(id);
    const panel = known ?? this.panel({ key, kind, steps: [step], captions: {} });
    // A new key's panel shows its one step (and caption) as it opens.
    await (known ? panel.add(step) : panel.ready);
    debug.mediaEvents = (debug.mediaEvents || 0) + 1;
  }
}

async function main() {
  const section = document.getElementById("media");
  if (!section) return;
  const runId = pageData().run.id;
  const media = new MediaSection(section, runId);
  // Listen before loading: a step logged while the list loads is added (panels skip known steps).
  const queue = [];
  let loading = true;
  document.addEventListener("runyard:media", (event) => {
    if (Number(event.detail.run_id) !== Number(runId)) return;
    if (loading) queue.push(event.detail);
    else media.arrived(event.detail).catch((err) => console.warn("media event", err));
  });
  await media.load();
  loading = false;
  for (const detail of queue) await media.arrived(detail);
  performance.mark("runyard:media-ready");
  debug.mediaReady = true;
}

main().catch((err) => console.error(err));
