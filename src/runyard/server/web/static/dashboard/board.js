// The set of charts of a page: one per metric key, sharing the run selection, x axis,
// smoothing and log scale; charts load when scrolled into view.
import { Panel } from "./charts.js";

export class ChartBoard {
  constructor({ container, runInfo, onLoaded }) {
    this.container = container;
    this.runInfo = runInfo; // id -> {name, start_time}
    this.onLoaded = onLoaded || (() => {});
    this.panels = new Map();
    this.runIds = [];
    this.xMode = "step";
    this.smoothing = 0;
    this.logScale = false;
    this.filter = "";
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const panel = this.panels.get(entry.target.dataset.key);
        if (panel) panel.visible = entry.isIntersecting;
        if (panel && entry.isIntersecting && !panel.loaded && !panel.loading) panel.load();
      }
    }, { rootMargin: "200px" });
  }

  // Hook up the shared toolbar (templates/chart_controls.html); smoothing waits for the slider to rest.
  wireControls() {
    const $ = (id) => document.getElementById(id);
    $("x-axis").addEventListener("change", (e) => this.setXMode(e.target.value));
    $("log-scale").addEventListener("change", (e) => this.setLogScale(e.target.checked));
    $("metric-filter").addEventListener("input", (e) => this.setFilter(e.target.value.trim()));
    $("reset-zoom").addEventListener("click", () => this.resetZoom());
    let timer = null;
    $("smoothing").addEventListener("input", (e) => {
      $("smoothing-value").textContent = e.target.value;
      clearTimeout(timer);
      timer = setTimeout(() => this.setSmoothing(Number(e.target.value)), 200);
    });
  }

  // Make sure a chart exists for each key (new keys appear when a run logs them).
  setKeys(keys) {
    for (const key of [...keys].sort()) {
      if (this.panels.has(key)) continue;
      const panel = new Panel(this, key);
      this.panels.set(key, panel);
      const after = [...this.panels.keys()].sort().find((k) => k > key);
      this.container.insertBefore(panel.el, after ? this.panels.get(after).el : null);
      panel.el.hidden = !this.matches(key);
      this.observer.observe(panel.el);
    }
  }

  matches(key) {
    return !this.filter || key.toLowerCase().includes(this.filter.toLowerCase());
  }

  setFilter(text) {
    this.filter = text;
    for (const [key, panel] of this.panels) panel.el.hidden = !this.matches(key);
  }

  // Reload every chart that is on screen; others reload when scrolled to.
  reloadAll() {
    for (const panel of this.panels.values()) {
      panel.loaded = false;
      panel.loading = null;
      if (panel.visible) panel.load();
    }
  }

  setRuns(runIds) {
    this.runIds = runIds.map(Number);
    this.reloadAll();
  }

  setSmoothing(weight) {
    this.smoothing = weight;
    this.reloadAll(); // smoothing happens on the server, before downsampling
  }

  setXMode(mode) {
    this.xMode = mode;
    for (const panel of this.panels.values()) {
      panel.zoom = null;
      if (panel.loaded) panel.rebuild();
    }
  }

  setLogScale(on) {
    this.logScale = on;
    for (const panel of this.panels.values()) if (panel.loaded) panel.rebuild();
  }

  resetZoom() {
    for (const panel of this.panels.values()) panel.resetZoom();
  }

  // A `metrics` event of the live stream.
  appendLive(runId, metrics) {
    const id = Number(runId);
    if (!this.runIds.includes(id)) return;
    this.setKeys(Object.keys(metrics));
    for (const [key, cols] of Object.entries(metrics)) this.panels.get(key).append(id, cols);
  }
}
