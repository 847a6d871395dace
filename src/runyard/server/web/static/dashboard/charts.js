// One uPlot chart of a metric key, overlaying runs (board.js holds the set of charts).
// Each run keeps its own x values (uPlot's mode 2), so runs logged at different steps or
// times need no joined table.
// The server sends min/max/last per bucket (smoothed first when asked); a drag-zoom asks
// for the visible step range again, so zooming shows finer buckets; live points are
// appended to the arrays already drawn, never re-fetched.
import { debug, esc, fmtNum, fmtTime, getJSON, num, runColor } from "./common.js";

const HEIGHT = 240;

function nearest(xs, x) {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x) ? lo - 1 : lo;
}

export class Panel {
  constructor(board, key) {
    this.board = board;
    this.key = key;
    this.series = new Map(); // run id -> {steps, values, times, emaLast, emaCount}
    this.loaded = false;
    this.loading = null;
    this.pending = []; // live points that arrived while loading
    this.zoom = null; // {min, max} in x units while zoomed
    this.u = null;
    this.redrawQueued = false;
    this.el = document.createElement("div");
    this.el.className = "chart";
    this.el.dataset.key = key;
    this.el.innerHTML = `<div class="chart-title">${esc(key)}</div><div class="plot"></div><div class="hover" hidden></div>`;
    this.plotEl = this.el.querySelector(".plot");
    this.hoverEl = this.el.querySelector(".hover");
    debug.charts[key] = this;
  }

  // Test and console helper: what is drawn for a run.
  dataOf(runId) {
    const s = this.series.get(Number(runId));
    return s ? { steps: [...s.steps], values: [...s.values], times: [...s.times] } : null;
  }

  async load() {
    const board = this.board;
    const runIds = board.runIds;
    const width = Math.max(300, this.plotEl.clientWidth || 600);
    const params = new URLSearchParams({
      runs: runIds.join(","),
      keys: this.key,
      buckets: String(Math.min(1000, Math.max(200, Math.round(width)))),
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
    const answer = await getJSON(`/web/api/series?${params}`);
    if (this.loading !== token) return; // a newer load replaced this one
    const perRun = answer.metrics[this.key] || {};
    this.series.clear();
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
    board.onLoaded(this);
  }

  // x values of a run in the board's x mode.
  xsOf(runId, s) {
    const mode = this.board.xMode;
    if (mode === "step") return s.steps;
    if (mode === "wall") return s.times.map((t) => t / 1000);
    const start = this.board.runInfo(runId)?.start_time ?? s.times[0] ?? 0;
    return s.times.map((t) => (t - start) / 1000);
  }

  // The step range covering [xmin, xmax] of the current x mode, over every run drawn.
  stepRange(xmin, xmax) {
    if (this.board.xMode === "step") return [Math.floor(xmin), Math.ceil(xmax)];
    let lo = Infinity;
    let hi = -Infinity;
    for (const [runId, s] of this.series) {
      const xs = this.xsOf(runId, s);
      for (let i = 0; i < xs.length; i++) {
        if (xs[i] >= xmin && xs[i] <= xmax) {
          lo = Math.min(lo, s.steps[i - 1] ?? s.steps[i]);
          hi = Math.max(hi, s.steps[i + 1] ?? s.steps[i]);
        }
      }
    }
    return Number.isFinite(lo) ? [lo, hi] : null;
  }

  uplotData() {
    const log = this.board.logScale;
    const data = [null];
    for (const runId of this.order) {
      const s = this.series.get(runId);
      const ys = s.values.map((v) => (v == null || !Number.isFinite(v) || (log && v <= 0) ? null : v));
      data.push([this.xsOf(runId, s), ys]);
    }
    return data;
  }

  rebuild() {
    if (this.u) {
      this.u.destroy();
      this.u = null;
    }
    const board = this.board;
    this.order = board.runIds.filter((id) => this.series.has(id));
    this.el.classList.toggle("empty", this.order.length === 0);
    if (!this.order.length) return;
    const width = Math.max(300, this.plotEl.clientWidth || 600);
    const opts = {
      mode: 2,
      width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: {
        x: { time: board.xMode === "wall", auto: true },
        y: { distr: board.logScale ? 3 : 1, auto: true },
      },
      axes: [
        { label: { step: "step", wall: "", relative: "seconds" }[board.xMode], labelSize: 18 },
        { size: 64 },
      ],
      series: [
        {},
        ...this.order.map((runId) => ({
          label: board.runInfo(runId)?.name ?? String(runId),
          stroke: runColor(runId),
          width: 1.25,
          paths: uPlot.paths.linear(),
          points: { show: false },
          facets: [{ scale: "x", auto: true, sorted: 1 }, { scale: "y", auto: true }],
        })),
      ],
      hooks: {
        setSelect: [(u) => this.onSelect(u)],
        setCursor: [(u) => this.onHover(u)],
      },
    };
    this.u = new uPlot(opts, this.uplotData(), this.plotEl);
    if (this.zoom) this.u.setScale("x", { ...this.zoom });
    this.u.over.addEventListener("dblclick", () => this.resetZoom());
    this.u.over.addEventListener("mouseleave", () => (this.hoverEl.hidden = true));
  }

  redraw() {
    if (this.redrawQueued || !this.u) return;
    this.redrawQueued = true;
    requestAnimationFrame(() => {
      this.redrawQueued = false;
      if (!this.u) return;
      this.u.setData(this.uplotData(), !this.zoom);
      if (this.zoom) this.u.setScale("x", { ...this.zoom });
    });
  }

  onSelect(u) {
    if (u.select.width < 4) return;
    const min = u.posToVal(u.select.left, "x");
    const max = u.posToVal(u.select.left + u.select.width, "x");
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.zoom = { min, max };
    u.setScale("x", { min, max });
    this.load(); // finer buckets for just this range
  }

  resetZoom() {
    if (!this.zoom) return;
    this.zoom = null;
    this.load();
  }

  onHover(u) {
    const left = u.cursor.left;
    if (left == null || left < 0) {
      this.hoverEl.hidden = true;
      return;
    }
    const x = u.posToVal(left, "x");
    const rows = [];
    for (let i = 1; i < u.data.length; i++) {
      const [xs, ys] = u.data[i];
      const idx = nearest(xs, x);
      if (idx < 0 || ys[idx] == null) continue;
      rows.push({ name: u.series[i].label, color: u.series[i].stroke, y: ys[idx], x: xs[idx] });
    }
    rows.sort((a, b) => b.y - a.y);
    const xLabel = this.board.xMode === "wall" ? fmtTime(x * 1000) : fmtNum(x);
    this.hoverEl.innerHTML = `<div class="muted">${esc(this.board.xMode)} ${esc(xLabel)}</div>` +
      rows.slice(0, 12).map((r) =>
        `<div><span class="swatch" style="background:${r.color}"></span>${esc(r.name)} <b>${esc(fmtNum(r.y))}</b></div>`,
      ).join("") + (rows.length > 12 ? `<div class="muted">+${rows.length - 12} more</div>` : "");
    this.hoverEl.hidden = false;
    this.hoverEl.style.left = `${Math.min(left + 70, this.el.clientWidth - 200)}px`;
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
      if (!this.board.runIds.includes(runId)) return;
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
    if (fresh || !this.u) this.rebuild();
    else this.redraw();
  }
}
