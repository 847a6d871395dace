// The comparison views of the project page (#compare): tabs "parallel" (parallel
// coordinates with brushing that filters the runs table), "scatter" and "diff" (the
// table's ticked runs side by side). The chosen axes, colour, scatter axes, tab and diff
// toggle persist per project (view kinds `cmp_*`). The views talk to the rest of the page
// only through document events: they send runyard:hover / runyard:isolate / runyard:brush
// and follow runyard:hover / runyard:isolate / runyard:selection.
import { debug, esc } from "./common.js";
import { summaryColumn, valueOf } from "./axis.js";
import { MAX_DIFF_RUNS, RunDiff } from "./diff.js";
import { emit, HOVER, ISOLATE, listen } from "./events.js";
import { columnsOf } from "./fields.js";
import { runColour } from "./palette.js";
import { ParallelCoords } from "./parallel.js";
import { Scatter } from "./scatter.js";
import { loadView, saveView } from "./viewstate.js";

const TABS = ["parallel", "scatter", "diff"];
const AXIS_KINDS = new Set(["param", "config", "summary", "metric"]);
const ATTR_AXES = new Set(["status", "duration"]);
const DEFAULT_AXES = 6;
const RUN_COLOUR = "@run"; // the colour choice "each run its own colour"
const LOG = 2; // cmp_sx / cmp_sy value: 1 linear, 2 log
const LIVE_REDRAW_MS = 5000;

function distinct(rows, column) {
  return new Set(rows.map((r) => JSON.stringify(valueOf(r, column)))).size;
}

export class CompareViews {
  constructor({ container, project }) {
    this.project = project;
    this.rows = [];
    this.selection = null; // run ids ticked in the table (null: not told yet, the URL's ?runs=)
    this.state = null; // saved choices once loaded: {tab, axes, colour, sx, sy, logX, logY, diffOnly}
    container.classList.add("compare");
    container.innerHTML = `
      <div class="cmp-head"><h2>compare</h2><nav class="tabs cmp-tabs">${TABS.map((t) =>
        `<a href="#compare" data-tab="${t}">${t}</a>`).join("")}</nav><span class="spacer"></span>
        <span class="muted cmp-status"></span></div>
      <div class="cmp-pane" data-pane="parallel">
        <div class="toolbar cmp-bar"><details class="cmp-picker"><summary>axes</summary>
          <input type="search" class="cmp-find" placeholder="find a column"><div class="cmp-list"></div></details>
          <label>colour <select class="cmp-colour"></select></label>
          <button type="button" class="small cmp-clear">clear brushes</button>
          <span class="muted">drag along an axis to filter the runs table, click it to clear; drag a title to move its axis</span></div>
      </div>
      <div class="cmp-pane" data-pane="scatter">
        <div class="toolbar cmp-bar"><label>x <select class="cmp-sx"></select></label>
          <label><input type="checkbox" class="cmp-logx"> log</label>
          <label>y <select class="cmp-sy"></select></label>
          <label><input type="checkbox" class="cmp-logy"> log</label>
          <span class="muted">click a point to isolate its run, double-click to open it</span></div>
      </div>
      <div class="cmp-pane" data-pane="diff"></div>`;
    this.el = (cls) => container.querySelector(`.${cls}`);
    this.pane = (tab) => container.querySelector(`[data-pane="${tab}"]`);
    const views = {
      colourOf: runColour,
      onHover: (runId) => emit(HOVER, { runId }),
      onIsolate: (runId) => emit(ISOLATE, { runId }),
    };
    this.parallel = new ParallelCoords({ ...views, container: this.pane("parallel"), onBrush: (runIds) => this.brushed(runIds),
      onReorder: (from, to) => {
        const axes = this.state.axes.filter((id) => this.byId.has(id));
        axes.splice(to, 0, ...axes.splice(from, 1));
        this.setAxes(axes);
      } });
    this.scatter = new Scatter({ ...views, container: this.pane("scatter"), onOpen: (row) => location.assign(this.runHref(row)) });
    this.diff = new RunDiff({ container: this.pane("diff"), colourOf: runColour, runHref: (row) => this.runHref(row),
      onToggle: (on) => saveView(project.id, [{ kind: "cmp_diffonly", name: "on", value: on ? 1 : 0 }]) });
    this.pane("diff").querySelector(".diff-bar").insertAdjacentHTML("beforeend",
      '<a class="diff-link" hidden>open as a page (a link to share)</a>');
    this.wire(container);
    this.loaded = loadView(project.id).then((saved) => {
      this.state = fromSaved(saved);
      this.diff.only.checked = this.state.diffOnly;
    });
    debug.compare = this;
    setInterval(() => this.redrawLive(), LIVE_REDRAW_MS);
  }

  // The table updates running runs' rows in place as points arrive: while any run is
  // running and the page is visible, the open view is drawn again now and then.
  redrawLive() {
    if (document.hidden || !this.columns || !this.rows.some((r) => r.status === "running")) return;
    if (this.state.tab === "parallel") this.drawParallel();
    else if (this.state.tab === "scatter") this.drawScatter();
    else this.renderDiff();
  }

  wire(container) {
    container.querySelector(".cmp-tabs").addEventListener("click", (e) => {
      const tab = e.target.closest("[data-tab]")?.dataset.tab;
      if (!tab || !this.state) return; // the saved choices are still loading
      e.preventDefault();
      this.show(tab);
      saveView(this.project.id, [{ kind: "cmp_tab", name: tab, value: 1 }], TABS.filter((t) => t !== tab).map((t) => ({ kind: "cmp_tab", name: t })));
    });
    this.el("cmp-list").addEventListener("change", (e) => {
      const id = e.target.value;
      const axes = this.state.axes.filter((a) => a !== id);
      if (e.target.checked) axes.push(id);
      this.setAxes(axes);
    });
    this.el("cmp-find").addEventListener("input", () => this.renderPicker());
    document.addEventListener("click", (e) => {
      const picker = this.el("cmp-picker");
      if (picker.open && !picker.contains(e.target)) picker.open = false; // a click elsewhere closes the picker
    });
    this.el("cmp-colour").addEventListener("change", (e) => {
      const old = this.state.colour;
      this.state.colour = e.target.value;
      saveView(this.project.id, [{ kind: "cmp_colour", name: this.state.colour, value: 1 }], old ? [{ kind: "cmp_colour", name: old }] : []);
      this.drawParallel();
    });
    this.el("cmp-clear").addEventListener("click", () => this.parallel.clearBrushes());
    for (const [cls, key, kind] of [["cmp-sx", "sx", "cmp_sx"], ["cmp-sy", "sy", "cmp_sy"]]) {
      this.el(cls).addEventListener("change", (e) => this.setScatterAxis(key, kind, e.target.value));
    }
    this.el("cmp-logx").addEventListener("change", () => this.setScatterAxis("sx", "cmp_sx", this.state.sx));
    this.el("cmp-logy").addEventListener("change", () => this.setScatterAxis("sy", "cmp_sy", this.state.sy));
    listen(HOVER, ({ runId }) => {
      this.parallel.highlight(runId ?? null);
      this.scatter.highlight(runId ?? null);
    });
    listen(ISOLATE, ({ runId }) => {
      this.parallel.isolate(runId ?? null);
      this.scatter.isolate(runId ?? null);
    });
    listen("runyard:selection", ({ runIds }) => {
      this.selection = (runIds ?? []).map(Number);
      this.renderDiff();
    });
  }

  runHref(row) {
    return `/projects/${encodeURIComponent(this.project.name)}/runs/${encodeURIComponent(row.name)}`;
  }

  // Every run of the project (the runs table's rows); called again when new runs arrive.
  async setRuns(rows) {
    this.rows = rows;
    await this.loaded;
    const columns = columnsOf(rows).filter((c) => (AXIS_KINDS.has(c.kind) || ATTR_AXES.has(c.id)));
    // Each metric by its last value (the column itself), then its min and max over the run.
    const metrics = columns.filter((c) => c.kind === "metric");
    this.columns = [...columns, ...metrics.flatMap((c) => [summaryColumn(c, "min"), summaryColumn(c, "max")])];
    this.byId = new Map(this.columns.map((c) => [c.id, c]));
    this.fillDefaults();
    this.renderPicker();
    this.renderSelects();
    this.show(this.state.tab);
    this.drawParallel();
    this.drawScatter();
    this.renderDiff();
  }

  // First visit (nothing saved, or saved columns gone): the params and config that vary
  // across runs, then the first metric, which also colours the lines and is the scatter's y.
  fillDefaults() {
    const s = this.state;
    s.axes = s.axes.filter((id) => this.byId.has(id));
    const metrics = this.columns.filter((c) => c.kind === "metric" && !c.system);
    const firstMetric = (metrics[0] ?? this.columns.find((c) => c.kind === "summary"))?.id;
    if (!s.axes.length) {
      const inputs = this.columns.filter((c) => c.kind === "param" || c.kind === "config");
      const varying = inputs.filter((c) => distinct(this.rows, c) > 1);
      s.axes = (varying.length ? varying : inputs).slice(0, DEFAULT_AXES).map((c) => c.id);
      if (firstMetric) s.axes.push(firstMetric);
      if (!s.axes.length) s.axes = this.columns.slice(0, 2).map((c) => c.id); // runs without params or metrics: status, duration
    }
    if (s.colour !== RUN_COLOUR && !this.byId.has(s.colour)) s.colour = firstMetric ?? RUN_COLOUR;
    if (!this.byId.has(s.sy)) s.sy = firstMetric;
    if (!this.byId.has(s.sx)) s.sx = s.axes.find((id) => id !== s.sy) ?? this.columns[0]?.id;
  }

  setAxes(axes) {
    const old = this.state.axes;
    this.state.axes = axes;
    saveView(this.project.id, axes.map((name, i) => ({ kind: "cmp_axis", name, value: i + 1 })),
      old.filter((id) => !axes.includes(id)).map((name) => ({ kind: "cmp_axis", name })));
    this.renderPicker();
    this.drawParallel();
  }

  setScatterAxis(key, kind, id) {
    const old = this.state[key];
    const log = this.el(key === "sx" ? "cmp-logx" : "cmp-logy").checked;
    this.state[key] = id;
    this.state[key === "sx" ? "logX" : "logY"] = log;
    saveView(this.project.id, [{ kind, name: id, value: log ? LOG : 1 }], old && old !== id ? [{ kind, name: old }] : []);
    this.drawScatter();
  }

  show(tab) {
    this.state.tab = TABS.includes(tab) ? tab : "parallel";
    for (const t of TABS) {
      this.pane(t).hidden = t !== this.state.tab;
      this.el("cmp-tabs").querySelector(`[data-tab="${t}"]`).classList.toggle("on", t === this.state.tab);
    }
  }

  // The axes picker: chosen columns first (in axis order), then the rest, narrowed by the find box.
  renderPicker() {
    const find = this.el("cmp-find").value.trim().toLowerCase();
    const chosen = new Set(this.state.axes);
    const order = [...this.state.axes.map((id) => this.byId.get(id)), ...this.columns.filter((c) => !chosen.has(c.id))];
    this.el("cmp-list").innerHTML = order.filter((c) => !find || c.id.toLowerCase().includes(find)).map((c) =>
      `<label><input type="checkbox" value="${esc(c.id)}"${chosen.has(c.id) ? " checked" : ""}> ${esc(c.label)}` +
      ` <span class="muted">${esc(c.kind)}</span></label>`).join("");
    this.el("cmp-picker").querySelector("summary").textContent = `axes (${this.state.axes.length})`;
  }

  renderSelects() {
    const options = (cols, chosen) => cols.map((c) =>
      `<option value="${esc(c.id)}"${c.id === chosen ? " selected" : ""}>${esc(c.kind)}: ${esc(c.label)}</option>`).join("");
    const metrics = this.columns.filter((c) => c.kind === "metric" || c.kind === "summary");
    this.el("cmp-colour").innerHTML = `<option value="${RUN_COLOUR}">each run's colour</option>` + options(metrics, this.state.colour);
    this.el("cmp-sx").innerHTML = options(this.columns, this.state.sx);
    this.el("cmp-sy").innerHTML = options(metrics, this.state.sy);
    this.el("cmp-logx").checked = this.state.logX;
    this.el("cmp-logy").checked = this.state.logY;
  }

  drawParallel() {
    const axes = this.state.axes.map((id) => this.byId.get(id)).filter(Boolean);
    const colour = this.state.colour === RUN_COLOUR ? null : this.byId.get(this.state.colour);
    this.parallel.setData(this.rows, axes, colour);
    this.status();
    if (this.parallel.lastDrawMs != null && this.rows.length && !debug.parallelReady) {
      debug.parallelReady = true;
      performance.mark("runyard:parallel-ready");
    }
  }

  drawScatter() {
    const x = this.byId.get(this.state.sx);
    const y = this.byId.get(this.state.sy);
    if (!x || !y) return;
    this.scatter.setData(this.rows, x, y, { logX: this.state.logX, logY: this.state.logY });
    // A log scale needs positive numbers: the toggle says why it has no effect.
    for (const [cls, axis] of [["cmp-logx", this.scatter.ax], ["cmp-logy", this.scatter.ay]]) {
      this.el(cls).closest("label").title = axis.canLog ? "" : "log scale: needs values that are all numbers above 0";
      this.el(cls).disabled = !axis.canLog;
    }
    if (this.scatter.lastDrawMs != null && this.rows.length && !debug.scatterReady) {
      debug.scatterReady = true;
      performance.mark("runyard:scatter-ready");
    }
  }

  renderDiff() {
    const fromUrl = new URLSearchParams(location.search).get("runs");
    const ids = this.selection ?? (fromUrl ? fromUrl.split(",").map(Number) : []);
    const byId = new Map(this.rows.map((r) => [r.id, r]));
    const rows = ids.map((id) => byId.get(id)).filter(Boolean);
    this.diff.setRuns(rows);
    const link = this.el("diff-link");
    link.hidden = rows.length < 2;
    link.href = `/projects/${encodeURIComponent(this.project.name)}/diff?runs=${rows.slice(0, MAX_DIFF_RUNS).map((r) => r.id).join(",")}`;
  }

  brushed(runIds) {
    this.scatter.setBrushed(runIds);
    this.status();
    emit("runyard:brush", { runIds });
  }

  status() {
    const ids = this.parallel.brushedIds();
    const hint = !this.rows.length ? "no runs yet" : !this.state.axes.length ? "choose axes to compare the runs" : null;
    const runs = `${this.rows.length} run${this.rows.length === 1 ? "" : "s"}`;
    this.el("cmp-status").textContent = hint ?? (ids ? `${ids.length} of ${runs} in the brushes` : runs);
  }
}

// The saved cmp_* settings as the views' state (defaults filled in once the columns are known).
function fromSaved(saved) {
  const names = (kind) => [...(saved.get(kind) ?? new Map())];
  const one = (kind) => names(kind).find(([, v]) => v > 0) ?? [undefined, 0];
  const [sx, sxMode] = one("cmp_sx");
  const [sy, syMode] = one("cmp_sy");
  return {
    tab: one("cmp_tab")[0] ?? "parallel",
    axes: names("cmp_axis").filter(([, v]) => v > 0).sort((a, b) => a[1] - b[1]).map(([id]) => id),
    colour: one("cmp_colour")[0],
    sx, sy, logX: sxMode === LOG, logY: syMode === LOG,
    diffOnly: saved.get("cmp_diffonly")?.get("on") === 1,
  };
}
