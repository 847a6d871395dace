// The workspace: every chart of a page, in collapsible sections by key prefix, sharing
// the run selection (or the table's groups), x axis, smoothing and log scale. Charts load
// when scrolled into view. The layout (open sections, hidden and pinned charts, x axis,
// smoothing, log scale, linked zoom) is the project's view state (viewstate.js), so it
// survives a reload; the run page shares its project's.
import { Panel } from "./charts.js";
import { debug, pageData } from "./common.js";
import { emit, GROUPS, HOVER, ISOLATE, listen } from "./events.js";
import { readLayout, X_MODES } from "./layout_state.js";
import { Legend } from "./legend.js";
import { colourAt, runColour } from "./palette.js";
import { Section } from "./section.js";
import { compareSections, HIDDEN, openByDefault, PINNED, sectionOf } from "./sections.js";
import { loadView, saveView } from "./viewstate.js";
import { metricOptions, syncToolbar, wireToolbar } from "./ws_toolbar.js";
import { XValues } from "./xvalues.js";

const MAX_GROUPED_RUNS = 1000;
// The layout is read as soon as the page's modules load, alongside the page's first data
// read rather than after it: the first charts wait for it.
const PAGE_PROJECT = pageData().project?.id ?? null;
const EARLY_VIEW = PAGE_PROJECT == null ? Promise.resolve(new Map()) : loadView(PAGE_PROJECT);
// The table may announce its (remembered) grouping before the page builds the workspace.
let announcedGroups = null;
listen(GROUPS, (detail) => (announcedGroups = detail));

function groupsOf(detail) {
  const groups = detail?.column && Array.isArray(detail.groups) && detail.groups.length ? detail.groups : null;
  return groups && groups.map((g, i) => ({
    key: g.key, label: String(g.label ?? g.key), colour: g.colour || colourAt(i), runIds: (g.runIds || []).map(Number),
  }));
}

export class ChartBoard {
  constructor({ container, runInfo, onLoaded }) {
    this.container = container;
    this.runInfo = runInfo; // id -> {name, start_time}
    this.onLoaded = onLoaded || (() => {});
    this.projectId = PAGE_PROJECT;
    this.panels = new Map();
    this.sections = new Map();
    this.keys = new Set();
    this.runIds = [];
    this.xMode = "step";
    this.xMetric = null; // the metric key of the "metric" x mode
    this.smoothing = 0;
    this.logScale = false;
    this.filter = "";
    this.hidden = new Set();
    this.pinned = new Set();
    this.opened = new Map(); // section id -> open, where the user chose
    this.linked = new Set(); // sections whose charts zoom together
    this.groups = groupsOf(announcedGroups); // [{key, label, colour, runIds}] while the table is grouped
    this.isolated = null;
    this.hovered = null;
    this.xValues = new XValues(this);
    this.viewLoaded = false;
    this.chartsReady = false;
    this.legend = new Legend(document.getElementById("ws-legend"));
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const panel = this.panels.get(entry.target.dataset.key);
        if (panel) panel.visible = entry.isIntersecting;
        if (panel && entry.isIntersecting && !panel.loaded && !panel.loading) panel.load();
      }
    }, { rootMargin: "200px" });
    listen(HOVER, ({ runId }) => {
      this.hovered = runId ?? null;
      for (const panel of this.panels.values()) panel.applyFocus(this.hovered);
    });
    listen(ISOLATE, ({ runId }) => {
      this.isolated = runId ?? null;
      for (const panel of this.panels.values()) if (panel.loaded) panel.rebuild();
    });
    listen(GROUPS, (detail) => this.setGroups(detail));
    this.settled = EARLY_VIEW.then((view) => this.applyView(view));
  }

  // The stored layout, applied once before the first charts are laid out.
  applyView(view) {
    Object.assign(this, readLayout(view));
    this.viewLoaded = true;
    syncToolbar(this);
    this.layout([...this.keys]);
    this.renderLegend();
  }

  wireControls() {
    wireToolbar(this);
  }

  save(set, remove = []) {
    if (this.projectId != null) saveView(this.projectId, set, remove);
  }

  // Make sure a chart exists for each key (new keys appear when a run logs them).
  setKeys(keys) {
    const fresh = [...keys].filter((k) => !this.keys.has(k));
    for (const key of fresh) this.keys.add(key);
    if (this.viewLoaded && fresh.length) {
      this.layout(fresh);
      metricOptions(this);
    }
  }

  placeOf(key) {
    if (this.pinned.has(key)) return PINNED;
    if (this.hidden.has(key)) return HIDDEN;
    return sectionOf(key);
  }

  section(id) {
    let section = this.sections.get(id);
    if (section) return section;
    section = new Section(id, {
      open: this.opened.get(id) ?? openByDefault(id),
      linked: this.linked.has(id),
      onToggle: (open) => {
        this.opened.set(id, open);
        this.save([{ kind: "ws_section", name: id, value: open ? 1 : 0 }]);
      },
      onLink: (on) => {
        if (on) this.linked.add(id);
        else this.linked.delete(id);
        this.save(on ? [{ kind: "ws_linkzoom", name: id, value: 1 }] : [], on ? [] : [{ kind: "ws_linkzoom", name: id }]);
      },
    });
    this.sections.set(id, section);
    const after = [...this.sections.keys()].sort(compareSections).find((other) => compareSections(other, id) > 0);
    this.container.insertBefore(section.el, after === undefined ? null : this.sections.get(after).el); // "" is an id
    return section;
  }

  layout(keys) {
    for (const key of [...keys].sort()) {
      let panel = this.panels.get(key);
      if (!panel) {
        panel = new Panel(this, key);
        this.panels.set(key, panel);
        this.observer.observe(panel.el);
      }
      this.place(panel);
    }
  }

  place(panel) {
    const target = this.placeOf(panel.key);
    if (panel.place === target) return;
    if (panel.place != null) this.sections.get(panel.place)?.remove(panel);
    panel.place = target;
    panel.el.hidden = !this.matches(panel.key);
    panel.el.querySelector(".chart-pin").textContent = this.pinned.has(panel.key) ? "unpin" : "pin";
    panel.el.querySelector(".chart-hide").textContent = this.hidden.has(panel.key) ? "show" : "hide";
    this.section(target).add(panel);
  }

  togglePinned(key) {
    this.toggleMark(key, this.pinned, "ws_pinned", this.hidden, "ws_hidden");
  }

  toggleHidden(key) {
    this.toggleMark(key, this.hidden, "ws_hidden", this.pinned, "ws_pinned");
  }

  // Pinned and hidden exclude each other: marking one clears the other.
  toggleMark(key, marks, kind, others, otherKind) {
    const on = !marks.has(key);
    if (on) {
      marks.add(key);
      others.delete(key);
      this.save([{ kind, name: key, value: 1 }], [{ kind: otherKind, name: key }]);
    } else {
      marks.delete(key);
      this.save([], [{ kind, name: key }]);
    }
    this.place(this.panels.get(key));
  }

  matches(key) {
    return !this.filter || key.toLowerCase().includes(this.filter.toLowerCase());
  }

  setFilter(text) {
    this.filter = text;
    for (const [key, panel] of this.panels) panel.el.hidden = !this.matches(key);
    for (const section of this.sections.values()) section.counted();
  }

  // The runs whose lines the charts fetch: the selection, or every run of the groups.
  chartRunIds() {
    if (!this.groups) return this.runIds;
    return [...new Set(this.groups.flatMap((g) => g.runIds))].slice(0, MAX_GROUPED_RUNS);
  }

  // Reload every chart that is on screen; others reload when scrolled to.
  reloadAll() {
    this.xValues.clear();
    for (const panel of this.panels.values()) {
      panel.loaded = false;
      panel.loading = null;
      if (panel.visible) panel.load();
    }
  }

  setRuns(runIds) {
    this.runIds = runIds.map(Number);
    this.renderLegend();
    this.reloadAll();
  }

  setGroups(detail) {
    this.groups = groupsOf(detail);
    this.renderLegend();
    this.reloadAll();
  }

  renderLegend() {
    if (this.groups) {
      this.legend.render(this.groups.map((g) => ({ label: g.label, colour: g.colour, note: `${g.runIds.length} runs` })));
      return;
    }
    this.legend.render(this.runIds.map((id) => ({ runId: id, label: this.runInfo(id)?.name ?? String(id), colour: runColour(id) })));
  }

  setSmoothing(weight) {
    this.smoothing = weight;
    this.save([{ kind: "ws_smoothing", name: "", value: Math.round(weight * 1000) }]);
    this.reloadAll(); // smoothing happens on the server, before downsampling
  }

  // `step`, `wall`, `relative`, or `m:<metric key>`.
  chooseX(value) {
    const metric = value.startsWith("m:") ? value.slice(2) : null;
    const mode = metric ? "metric" : value;
    const old = this.xMetric;
    this.save([{ kind: "ws_xaxis", name: "", value: X_MODES.indexOf(mode) },
      ...(metric ? [{ kind: "ws_xmetric", name: metric, value: 1 }] : [])],
    old && old !== metric ? [{ kind: "ws_xmetric", name: old }] : []);
    this.setXMode(mode, metric);
  }

  setXMode(mode, metric = null) {
    const wasMetric = this.xMode === "metric";
    this.xMode = mode;
    this.xMetric = metric;
    for (const panel of this.panels.values()) panel.zoom = null;
    if (mode === "metric" || wasMetric) {
      this.reloadAll(); // the x metric's values come with the charts' own
      return;
    }
    for (const panel of this.panels.values()) if (panel.loaded) panel.rebuild();
  }

  setLogScale(on) {
    this.logScale = on;
    this.save([{ kind: "ws_log", name: "", value: on ? 1 : 0 }]);
    for (const panel of this.panels.values()) if (panel.loaded) panel.rebuild();
  }

  // A drag-zoom in one chart: that chart, or every chart of its section when they are linked.
  zoomFrom(panel, zoom) {
    const together = this.linked.has(panel.place) ? this.sections.get(panel.place).panels : [panel];
    for (const other of together) if (other.mode === panel.mode) other.zoomTo(zoom);
  }

  unzoom(panel) {
    this.zoomFrom(panel, null);
  }

  resetZoom() {
    for (const panel of this.panels.values()) panel.zoomTo(null);
  }

  hoverFromChart(panel, runId) {
    if (runId !== this.hovered) emit(HOVER, { runId });
  }

  isolateFromChart(runId) {
    emit(ISOLATE, { runId: this.isolated === runId ? null : runId });
  }

  panelLoaded(panel) {
    this.onLoaded(panel);
    if (this.chartsReady) return;
    const shown = [...this.panels.values()].filter((p) => p.visible);
    if (shown.length && shown.every((p) => p.loaded)) {
      this.chartsReady = true;
      performance.mark("runyard:charts-ready");
      debug.chartsReady = true;
    }
  }

  // A `metrics` event of the live stream.
  appendLive(runId, metrics) {
    const id = Number(runId);
    if (!this.chartRunIds().includes(id)) return;
    this.setKeys(Object.keys(metrics));
    if (this.xMode === "metric" && metrics[this.xMetric]) this.xValues.append(id, metrics[this.xMetric]);
    for (const [key, cols] of Object.entries(metrics)) this.panels.get(key)?.append(id, cols);
  }
}
