// One uPlot chart of a metric key, overlaying runs (board.js holds the set of charts).
// Each run keeps its own x values (uPlot's mode 2), so runs logged at different steps or
// times need no joined table; grouped charts (groups.js) bin them onto one x instead.
// The server sends min/max/last per bucket (smoothed first when asked); a drag-zoom asks
// for the visible step range again, so zooming shows finer buckets; live points are
// appended to the arrays already drawn, never re-fetched.
import { debug, esc, num } from "./common.js";
import { fetchSeries } from "./fetch_series.js";
import { groupedPlot } from "./groups.js";
import { hoverRows, showHover } from "./hover.js";
import { baseOptions, runSeries } from "./plot_options.js";
import { sectionOf } from "./sections.js";
import { modeFor, pointsOf } from "./xaxis.js";

export class Panel {
  constructor(board, key) {
    this.board = board;
    this.key = key;
    this.section = sectionOf(key);
    this.series = new Map(); // run id -> {steps, values, times, emaLast, emaCount}
    this.xData = null; // run id -> the x metric's {steps, values} (metric x axis)
    this.loaded = false;
    this.loading = null;
    this.visible = false;
    this.pending = []; // live points that arrived while loading
    this.zoom = null; // {min, max} in x units while zoomed
    this.order = [];
    this.u = null;
    this.grouped = null; // what groups.js drew, in grouped mode
    this.redrawQueued = false;
    this.el = document.createElement("div");
    this.el.className = "chart";
    this.el.dataset.key = key;
    this.el.innerHTML = `<div class="chart-head"><span class="chart-title">${esc(key)}</span>` +
      `<button type="button" class="small chart-pin" title="pin to the top">pin</button>` +
      `<button type="button" class="small chart-hide" title="hide this chart">hide</button></div>` +
      `<div class="plot"></div><div class="hover" hidden></div>`;
    this.plotEl = this.el.querySelector(".plot");
    this.hoverEl = this.el.querySelector(".hover");
    this.el.querySelector(".chart-pin").addEventListener("click", () => board.togglePinned(key));
    this.el.querySelector(".chart-hide").addEventListener("click", () => board.toggleHidden(key));
    debug.charts[key] = this;
  }

  get mode() {
    return modeFor(this.board, this.section);
  }

  // Test and console helper: what is drawn for a run.
  dataOf(runId) {
    const s = this.series.get(Number(runId));
    return s ? { steps: [...s.steps], values: [...s.values], times: [...s.times] } : null;
  }

  async load() {
    const board = this.board;
    const runIds = board.chartRunIds();
    const width = Math.max(300, this.plotEl.clientWidth || 600);
    // Grouped: up to 1,000 runs binned to ~width/3 bins, so coarser buckets lose nothing.
    const buckets = board.groups ? Math.max(50, Math.round(width / 6)) : Math.min(1000, Math.max(200, Math.round(width)));
    const params = new URLSearchParams({
      keys: this.key,
      buckets: String(buckets),
      smoothing: String(board.smoothing),
    });
    const range = this.zoom ? this.stepRange(this.zoom.min, this.zoom.max) : null;
    if (range) {
      params.set("step_min", String(range[0]));
      params.set("step_max", String(range[1]));
    }
    const token = (this.loading = {});
    if (!runIds.length) {
      this.series.clear();
      this.loaded = true;
      this.loading = null;
      this.rebuild();
      return;
    }
    const started = performance.now();
    const [perRun, xData] = await Promise.all([
      fetchSeries(this.key, runIds, params),
      this.mode === "metric" ? board.xValues.get() : null,
    ]);
    if (this.loading !== token) return; // a newer load replaced this one
    this.series.clear();
    this.xData = xData;
    let points = 0;
    for (const [id, s] of Object.entries(perRun)) {
      const values = s.values.map(num);
      points += values.length;
      this.series.set(Number(id), {
        steps: Array.from(s.steps), values, times: Array.from(s.timestamps),
        emaLast: s.ema_last, emaCount: s.ema_count,
      });
    }
    const fetched = performance.now();
    this.loaded = true;
    this.loading = null;
    const pending = this.pending;
    this.pending = [];
    for (const [runId, cols] of pending) this.append(runId, cols, false);
    this.rebuild();
    debug.fetches.push({
      key: this.key, runs: runIds.length, step_min: range ? range[0] : null, step_max: range ? range[1] : null,
      smoothing: board.smoothing, buckets: Number(params.get("buckets")), points,
      ms: Math.round(fetched - started), drawMs: Math.round(performance.now() - fetched), at: performance.now(),
    });
    board.panelLoaded(this);
  }

  // A run's points in this chart's x mode: {xs, ys, steps}.
  pointsOf(runId, s) {
    return pointsOf(this.mode, s, this.board.runInfo(runId)?.start_time, this.xData?.get(runId));
  }

  // The step range covering [xmin, xmax] of the current x mode, over every run drawn.
  stepRange(xmin, xmax) {
    if (this.mode === "step") return [Math.floor(xmin), Math.ceil(xmax)];
    let lo = Infinity;
    let hi = -Infinity;
    for (const [runId, s] of this.series) {
      const { xs, steps } = this.pointsOf(runId, s);
      for (let i = 0; i < xs.length; i++) {
        if (xs[i] >= xmin && xs[i] <= xmax) {
          lo = Math.min(lo, steps[i - 1] ?? steps[i]);
          hi = Math.max(hi, steps[i + 1] ?? steps[i]);
        }
      }
    }
    return Number.isFinite(lo) ? [lo, hi] : null;
  }

  // Runs drawn: the board's, those with data here; only the isolated one while one is.
  drawnRuns() {
    const ids = this.board.runIds.filter((id) => this.series.has(id));
    const isolated = this.board.isolated;
    return isolated != null && ids.includes(isolated) ? [isolated] : ids;
  }

  lines() {
    const log = this.board.logScale;
    return this.order.map((runId) => {
      const { xs, ys } = this.pointsOf(runId, this.series.get(runId));
      return { xs, ys: ys.map((v) => (v == null || !Number.isFinite(v) || (log && v <= 0) ? null : v)) };
    });
  }

  uplotData() {
    if (this.board.groups) return this.groupedData()?.data ?? [[]];
    return [null, ...this.lines().map(({ xs, ys }) => [xs, ys])];
  }

  groupedData() {
    const perGroup = this.board.groups.map((group) => ({
      group,
      lines: group.runIds.filter((id) => this.series.has(id)).map((id) => this.pointsOf(id, this.series.get(id))),
    })).filter((g) => g.lines.length);
    const bins = Math.max(20, Math.min(400, Math.round((this.plotEl.clientWidth || 600) / 3)));
    return groupedPlot(perGroup, bins, this.board.logScale);
  }

  rebuild() {
    if (this.u) {
      this.u.destroy();
      this.u = null;
    }
    this.grouped = null;
    this.order = this.board.groups ? [] : this.drawnRuns();
    const width = Math.max(300, this.plotEl.clientWidth || 600);
    const opts = baseOptions(this, width);
    let data;
    if (this.board.groups) {
      this.grouped = this.groupedData();
      if (this.grouped) {
        data = this.grouped.data;
        Object.assign(opts, { mode: 1, series: this.grouped.series, bands: this.grouped.bands });
      }
    } else {
      const lines = this.lines();
      const drawn = lines.filter((l) => l.ys.some((v) => v != null)).length;
      if (drawn) {
        data = [null, ...lines.map(({ xs, ys }) => [xs, ys])];
        opts.mode = 2;
        opts.series = runSeries(this, lines);
      }
    }
    this.el.classList.toggle("empty", !data);
    this.el.dataset.empty = this.mode === "metric" && this.series.size
      ? `no ${this.board.xMetric} logged with these points` : "no data for the selected runs";
    if (!data) return;
    this.u = new uPlot(opts, data, this.plotEl);
    if (this.zoom) this.u.setScale("x", { ...this.zoom });
    this.u.over.addEventListener("dblclick", () => this.board.unzoom(this));
    this.u.over.addEventListener("mouseenter", () => (this.pointer = true));
    this.u.over.addEventListener("mouseleave", () => {
      this.pointer = false;
      this.hoverEl.hidden = true;
      this.board.hoverFromChart(this, null);
    });
    this.u.over.addEventListener("click", () => {
      if (this.hotRun != null) this.board.isolateFromChart(this.hotRun);
    });
    this.applyFocus(this.board.hovered);
  }

  // Highlight one run (null: none) by fading the others.
  applyFocus(runId) {
    if (!this.u || this.grouped) return;
    const idx = runId == null ? -1 : this.order.indexOf(Number(runId));
    this.u.setSeries(idx >= 0 ? idx + 1 : null, { focus: true });
  }

  redraw() {
    if (this.redrawQueued || !this.u) return;
    this.redrawQueued = true;
    requestAnimationFrame(() => {
      this.redrawQueued = false;
      if (!this.u) return;
      if (this.grouped) {
        this.rebuild(); // new points can move every bin of a group
        return;
      }
      this.u.setData(this.uplotData(), !this.zoom);
      if (this.zoom) this.u.setScale("x", { ...this.zoom });
    });
  }

  onSelect(u) {
    if (u.select.width < 4) return;
    const min = u.posToVal(u.select.left, "x");
    const max = u.posToVal(u.select.left + u.select.width, "x");
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    // uPlot mirrors a drag to every synced chart: only the dragged one decides what zooms.
    if (this.pointer) this.board.zoomFrom(this, { min, max });
  }

  // Zoom to [min, max] (null: the whole series) and fetch that range with finer buckets.
  zoomTo(zoom) {
    if (!zoom && !this.zoom) return;
    this.zoom = zoom;
    if (zoom && this.u) this.u.setScale("x", { ...zoom });
    if (this.loaded || this.loading) this.load();
  }

  onHover(u) {
    const left = u.cursor.left;
    if (!this.pointer || left == null || left < 0) {
      this.hoverEl.hidden = true;
      return;
    }
    const { rows, nearest } = hoverRows(this, u);
    if (!this.grouped) {
      this.hotRun = nearest;
      this.board.hoverFromChart(this, nearest);
    }
    showHover(this, u, rows);
  }

  // New raw points of a run (from the live stream); smoothed here when smoothing is on.
  append(runId, cols, draw = true) {
    if (!this.loaded) {
      if (this.loading) this.pending.push([runId, cols]);
      return; // not fetched yet: the fetch will include these points
    }
    let s = this.series.get(runId);
    const fresh = !s;
    if (fresh) {
      if (!this.board.chartRunIds().includes(runId)) return;
      s = { steps: [], values: [], times: [], emaLast: 0, emaCount: 0 };
      this.series.set(runId, s);
    }
    const w = this.board.smoothing;
    const last = s.steps.length ? s.steps[s.steps.length - 1] : -Infinity;
    for (let i = 0; i < cols.steps.length; i++) {
      const step = cols.steps[i];
      if (step <= last) continue; // already drawn (seen in the fetch and the replay)
      let value = num(cols.values[i]);
      if (w > 0 && Number.isFinite(value)) {
        s.emaLast = w * (s.emaLast ?? 0) + (1 - w) * value;
        s.emaCount = (s.emaCount ?? 0) + 1;
        value = s.emaLast / (1 - w ** s.emaCount);
      }
      s.steps.push(step);
      s.values.push(value);
      s.times.push(cols.timestamps[i]);
    }
    if (!draw) return;
    if (fresh || !this.u || s.steps.length < 3) this.rebuild(); // a second point turns a dot into a line
    else this.redraw();
  }
}
