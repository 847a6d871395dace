// Parallel coordinates on <canvas>: one vertical axis per chosen column, one polyline per
// run. Drag along an axis to brush a range (several brushed axes are AND-ed), click an
// axis to clear its brush; drag an axis's title sideways to move the axis; hovering a line
// highlights its run, clicking isolates it.
// Two stacked canvases: the lines, axes and brushes (redrawn when data or brushes change)
// and an overlay for the hovered run and the brush being dragged (redrawn on every move).
import { Axis, brushFor, inBrush, scaleColour, valueOf } from "./axis.js";
import { CanvasView } from "./canvas_view.js";
import { fmtNum } from "./common.js";
import { drawAxis, drawColourScale, fit, HEIGHT, PAD } from "./parallel_axes.js";

const GRAB_PX = 14; // how near an axis a drag starts a brush
const HOVER_PX = 6;
const FADED = "rgba(150, 156, 168, 0.22)";

export class ParallelCoords extends CanvasView {
  // `colourOf(runId)`: a run's own colour (used when no colour column is chosen).
  // `onReorder(from, to)`: an axis was dragged from index `from` to `to`.
  constructor({ container, colourOf, onBrush, onHover, onIsolate, onReorder }) {
    super({ container, className: "pc-wrap", height: HEIGHT, onHover });
    this.colourOf = colourOf;
    this.onBrush = onBrush;
    this.onReorder = onReorder;
    this.onIsolate = onIsolate;
    this.rows = [];
    this.columns = [];
    this.brushes = new Map(); // column id -> brush (axis.js brushFor)
    this.drag = null; // a brush being dragged: {axis, y0, y1}
    this.moving = null; // an axis being moved: {from, x}
    this.over.addEventListener("pointerdown", (e) => this.down(e));
    this.over.addEventListener("pointermove", (e) => this.move(e));
    this.over.addEventListener("pointerup", (e) => this.up(e));
    this.over.addEventListener("pointerleave", () => this.drag || this.hover(null));
  }

  // Runs, the axes' columns ({id, label}) and the colour column (null: each run's colour).
  setData(rows, columns, colourColumn) {
    this.rows = rows;
    this.columns = columns;
    this.colourColumn = colourColumn;
    for (const id of [...this.brushes.keys()]) if (!columns.some((c) => c.id === id)) this.brushes.delete(id);
    this.prepare();
    this.draw();
    this.emitBrush();
  }

  // Axes, each run's positions and colour: computed once per data change, not per frame.
  prepare() {
    const values = this.columns.map((c) => this.rows.map((r) => valueOf(r, c)));
    this.axes = values.map((vs) => new Axis(vs));
    const colourValues = this.colourColumn ? this.rows.map((r) => valueOf(r, this.colourColumn)) : null;
    const colourAxis = (this.colourAxis = colourValues && new Axis(colourValues, false));
    this.lines = this.rows.map((r, k) => {
      const pos = new Float32Array(this.columns.length);
      this.axes.forEach((axis, i) => { pos[i] = axis.pos(values[i][k]) ?? NaN; });
      let colour = this.colourOf(r.id);
      if (colourAxis) {
        const p = colourAxis.pos(colourValues[k]);
        colour = p == null ? "rgb(170,170,170)" : scaleColour(p);
      }
      const kept = this.columns.every((c, i) => !this.brushes.has(c.id) || inBrush(this.brushes.get(c.id), values[i][k]));
      return { id: r.id, row: r, pos, colour, kept };
    });
    this.byId = new Map(this.lines.map((l) => [l.id, l]));
  }

  // Run ids inside every brush, or null when nothing is brushed.
  brushedIds() {
    return this.brushes.size ? this.lines.filter((l) => l.kept).map((l) => l.id) : null;
  }

  emitBrush() {
    const ids = this.brushedIds();
    const key = ids ? ids.join(",") : null;
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    this.onBrush(ids);
  }

  clearBrushes() {
    this.brushes.clear();
    this.prepare();
    this.draw();
    this.emitBrush();
  }

  axisX(i) {
    const n = this.columns.length;
    const inner = this.width - PAD.left - PAD.right;
    return n === 1 ? PAD.left + inner / 2 : PAD.left + (i * inner) / (n - 1);
  }

  y(p) {
    return PAD.top + (1 - p) * (HEIGHT - PAD.top - PAD.bottom);
  }

  // Everything but the hover: lines (brushed-out ones faded, below), axes, ticks, brushes.
  // Returns how long it took (ms), or null when hidden (no width to draw into).
  draw() {
    this.width = this.wrap.clientWidth;
    if (!this.width || !this.lines) return null;
    const started = performance.now();
    const ctx = this.sized(this.base);
    const n = this.columns.length;
    const brushing = this.brushes.size > 0;
    const isolated = this.isolated != null && this.byId.has(this.isolated);
    ctx.lineWidth = 1.2;
    ctx.lineJoin = "round";
    // Faded lines as one path; kept lines grouped by colour (a path per colour, not per run).
    const groups = new Map();
    const faded = new Path2D();
    for (const line of this.lines) {
      const dim = (brushing && !line.kept) || (isolated && line.id !== this.isolated);
      let path = faded;
      if (!dim) {
        path = groups.get(line.colour);
        if (!path) groups.set(line.colour, (path = new Path2D()));
      }
      this.trace(path, line);
    }
    ctx.strokeStyle = FADED;
    ctx.stroke(faded);
    ctx.globalAlpha = this.lines.length > 200 ? 0.45 : 0.85;
    for (const [colour, path] of groups) {
      ctx.strokeStyle = colour;
      ctx.stroke(path);
    }
    ctx.globalAlpha = 1;
    for (let i = 0; i < n; i++) drawAxis(ctx, this, i);
    drawColourScale(ctx, this);
    this.drawOverlay();
    this.lastDrawMs = performance.now() - started;
    return this.lastDrawMs;
  }

  // A run's polyline; a missing value breaks it (no invented position).
  trace(path, line) {
    let open = false;
    for (let i = 0; i < line.pos.length; i++) {
      const p = line.pos[i];
      if (Number.isNaN(p)) {
        open = false;
        continue;
      }
      const x = this.axisX(i);
      const y = this.y(p);
      if (open) path.lineTo(x, y);
      else path.moveTo(x, y);
      open = true;
    }
    if (line.pos.length === 1 && !Number.isNaN(line.pos[0])) path.rect(this.axisX(0) - 3, this.y(line.pos[0]) - 0.5, 6, 1);
  }

  // The hovered (or isolated) run drawn thick with its value at each axis; the brush being dragged.
  drawOverlay() {
    const ctx = this.sized(this.over);
    const line = this.byId?.get(this.hovered ?? this.isolated);
    if (line) {
      const path = new Path2D();
      this.trace(path, line);
      ctx.lineWidth = 4.5;
      ctx.strokeStyle = "#fff";
      ctx.stroke(path);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = line.colour;
      ctx.stroke(path);
      ctx.font = "11px system-ui, sans-serif";
      ctx.textAlign = "left";
      this.columns.forEach((c, i) => {
        if (Number.isNaN(line.pos[i])) return;
        const v = valueOf(line.row, c);
        const text = typeof v === "number" ? fmtNum(v) : String(v);
        const x = this.axisX(i) + 6;
        const y = this.y(line.pos[i]) - 5;
        ctx.fillStyle = "rgba(255,255,255,.85)";
        ctx.fillRect(x - 2, y - 10, ctx.measureText(text).width + 4, 13);
        ctx.fillStyle = "#1d2330";
        ctx.fillText(text, x, y);
      });
      ctx.fillStyle = "#1d2330";
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.fillText(line.row.name, PAD.left, HEIGHT - 4);
    }
    if (this.moving) {
      ctx.strokeStyle = "#2f6fde";
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(this.moving.x, 4);
      ctx.lineTo(this.moving.x, this.y(0));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (this.drag && this.drag.y1 != null) {
      const x = this.axisX(this.drag.axis);
      ctx.fillStyle = "rgba(47, 111, 222, 0.25)";
      ctx.fillRect(x - 8, Math.min(this.drag.y0, this.drag.y1), 16, Math.abs(this.drag.y1 - this.drag.y0));
    }
  }

  nearestAxis(x) {
    let best = -1;
    for (let i = 0; i < this.columns.length; i++) {
      if (Math.abs(this.axisX(i) - x) <= GRAB_PX && (best < 0 || Math.abs(this.axisX(i) - x) < Math.abs(this.axisX(best) - x))) best = i;
    }
    return best;
  }

  // The line nearest the pointer (within HOVER_PX), preferring runs inside the brushes.
  lineAt(x, y) {
    const n = this.columns.length;
    if (!this.lines?.length || !n) return null;
    let i = 0;
    while (i < n - 2 && x > this.axisX(i + 1)) i++;
    const x0 = this.axisX(i);
    const x1 = n > 1 ? this.axisX(i + 1) : x0;
    const t = x1 === x0 ? 0 : Math.min(1, Math.max(0, (x - x0) / (x1 - x0)));
    let best = null;
    let bestD = HOVER_PX;
    for (const line of this.lines) {
      if (this.brushes.size && !line.kept) continue;
      const a = line.pos[i];
      const b = n > 1 ? line.pos[i + 1] : a;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      const d = Math.abs(this.y(a + t * (b - a)) - y);
      if (d < bestD) {
        bestD = d;
        best = line.id;
      }
    }
    return best;
  }

  // The axis whose title is under the pointer (-1: none).
  titleAt(x, y) {
    if (y > PAD.top - 8 || this.columns.length < 2) return -1;
    const half = (this.axisX(1) - this.axisX(0)) / 2;
    return this.columns.findIndex((c, i) => Math.abs(this.axisX(i) - x) < half);
  }

  // The axis position nearest x: where a moved axis lands.
  slotAt(x) {
    let best = 0;
    for (let i = 1; i < this.columns.length; i++) if (Math.abs(this.axisX(i) - x) < Math.abs(this.axisX(best) - x)) best = i;
    return best;
  }

  down(e) {
    const [x, y] = this.local(e);
    const title = this.titleAt(x, y);
    if (title >= 0) {
      this.moving = { from: title, x };
      this.over.setPointerCapture(e.pointerId);
      return;
    }
    const axis = this.nearestAxis(x);
    if (axis >= 0 && y >= this.y(1) - 6 && y <= this.y(0) + 6) {
      this.drag = { axis, y0: y, y1: null };
      this.over.setPointerCapture(e.pointerId);
    } else {
      this.drag = null;
    }
  }

  move(e) {
    const [x, y] = this.local(e);
    if (this.moving) {
      this.moving.x = x;
      this.drawOverlay();
      return;
    }
    if (this.drag) {
      this.drag.y1 = Math.min(this.y(0), Math.max(this.y(1), y));
      this.drawOverlay();
      return;
    }
    this.over.style.cursor = this.titleAt(x, y) >= 0 ? "grab" : this.nearestAxis(x) >= 0 ? "ns-resize" : "default";
    this.hover(this.lineAt(x, y));
  }

  up(e) {
    const [x, y] = this.local(e);
    const drag = this.drag;
    const moving = this.moving;
    this.drag = null;
    this.moving = null;
    if (moving) {
      const to = this.slotAt(x);
      if (to !== moving.from) this.onReorder(moving.from, to);
      else this.drawOverlay();
      return;
    }
    if (!drag) {
      const id = this.lineAt(x, y);
      this.onIsolate(id != null && id !== this.isolated ? id : null);
      return;
    }
    const id = this.columns[drag.axis].id;
    if (drag.y1 == null || Math.abs(drag.y1 - drag.y0) < 3) this.brushes.delete(id);
    else {
      const plot = HEIGHT - PAD.top - PAD.bottom;
      const p = (py) => 1 - (py - PAD.top) / plot;
      this.brushes.set(id, brushFor(this.axes[drag.axis], p(drag.y0), p(drag.y1)));
    }
    this.prepare();
    this.draw();
    this.emitBrush();
  }
}
