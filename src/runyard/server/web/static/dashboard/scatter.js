// Scatter on <canvas>: one point per run, any column across, a metric up; linear or log
// axes. Hover shows the run (and highlights it everywhere), click isolates it, double-click
// opens its page. Runs outside a parallel-coordinates brush are drawn faded.
import { Axis, valueOf } from "./axis.js";
import { CanvasView } from "./canvas_view.js";
import { esc, fmtNum } from "./common.js";

const HEIGHT = 380;
const PAD = { top: 14, bottom: 44, left: 70, right: 20 };
const HOVER_PX = 8;

function jitter(id) {
  return (((id * 2654435761) >>> 0) % 1000) / 1000 - 0.5; // stable per run, in [-0.5, 0.5)
}

// Points at the extremes stay clear of the frame.
function inset(p) {
  return 0.03 + 0.94 * p;
}

function show(v) {
  return typeof v === "number" ? fmtNum(v) : String(v ?? "");
}

export class Scatter extends CanvasView {
  constructor({ container, colourOf, onHover, onIsolate, onOpen }) {
    super({ container, className: "sc-wrap", height: HEIGHT, onHover });
    this.colourOf = colourOf;
    this.onIsolate = onIsolate;
    this.onOpen = onOpen;
    this.tip = document.createElement("div");
    this.tip.className = "cmp-tip";
    this.tip.hidden = true;
    this.wrap.append(this.tip);
    this.points = null;
    this.brushed = null; // Set of run ids inside the parallel-coordinates brush, or null
    this.over.addEventListener("pointermove", (e) => this.hover(this.pointAt(e)?.id ?? null));
    this.over.addEventListener("pointerleave", () => this.hover(null));
    this.over.addEventListener("click", (e) => {
      const p = this.pointAt(e);
      this.onIsolate(p && p.id !== this.isolated ? p.id : null);
    });
    this.over.addEventListener("dblclick", (e) => {
      const p = this.pointAt(e);
      if (p) this.onOpen(p.row);
    });
  }

  setData(rows, x, y, { logX = false, logY = false } = {}) {
    this.x = x;
    this.y = y;
    const xs = rows.map((r) => valueOf(r, x));
    const ys = rows.map((r) => valueOf(r, y));
    this.ax = new Axis(xs, logX);
    this.ay = new Axis(ys, logY);
    this.points = [];
    rows.forEach((r, k) => {
      const px = this.ax.pos(xs[k]);
      const py = this.ay.pos(ys[k]);
      if (px != null && py != null) this.points.push({ id: r.id, row: r, px, py, xv: xs[k], yv: ys[k] });
    });
    this.missing = rows.length - this.points.length;
    this.byId = new Map(this.points.map((p) => [p.id, p]));
    this.draw();
  }

  setBrushed(ids) {
    this.brushed = ids ? new Set(ids) : null;
    this.draw();
  }

  sx(point) {
    const inner = this.width - PAD.left - PAD.right;
    let p = point.px;
    // Categories get a stable horizontal jitter, so runs sharing a value do not hide each other.
    if (!this.ax.numeric) p += (jitter(point.id) * 0.5) / Math.max(1, this.ax.cats.length - 1 || 1);
    return PAD.left + inset(p) * inner;
  }

  sy(p) {
    return PAD.top + (1 - inset(p)) * (HEIGHT - PAD.top - PAD.bottom);
  }

  draw() {
    this.width = this.wrap.clientWidth;
    if (!this.width || !this.points) return null;
    const started = performance.now();
    const ctx = this.sized(this.base);
    this.drawAxes(ctx);
    const faded = (p) => (this.brushed && !this.brushed.has(p.id)) || (this.isolated != null && p.id !== this.isolated);
    ctx.fillStyle = "rgba(150, 156, 168, 0.35)";
    for (const p of this.points) if (faded(p)) this.dot(ctx, p, 3);
    ctx.globalAlpha = 0.85;
    for (const p of this.points) {
      if (faded(p)) continue;
      ctx.fillStyle = this.colourOf(p.id);
      this.dot(ctx, p, 4);
    }
    ctx.globalAlpha = 1;
    this.drawOverlay();
    this.lastDrawMs = performance.now() - started;
    return this.lastDrawMs;
  }

  dot(ctx, p, r) {
    ctx.beginPath();
    ctx.arc(this.sx(p), this.sy(p.py), r, 0, 2 * Math.PI);
    ctx.fill();
  }

  drawAxes(ctx) {
    const left = PAD.left;
    const right = this.width - PAD.right;
    const top = PAD.top;
    const bottom = HEIGHT - PAD.bottom;
    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeStyle = "#e3e6ec";
    ctx.fillStyle = "#6b7385";
    ctx.textAlign = "center";
    const xs = this.ax.ticks(8);
    const everyX = Math.max(1, Math.ceil(xs.length / Math.max(1, (right - left) / 70)));
    xs.forEach((t, k) => {
      if (k % everyX) return;
      const x = left + inset(t.pos) * (right - left);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.fillText(t.label.length > 14 ? `${t.label.slice(0, 13)}…` : t.label, x, bottom + 14);
    });
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const ys = this.ay.ticks(6);
    const everyY = Math.max(1, Math.ceil(ys.length / ((bottom - top) / 18)));
    ys.forEach((t, k) => {
      if (k % everyY) return;
      const y = this.sy(t.pos);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      ctx.fillText(t.label.length > 10 ? `${t.label.slice(0, 9)}…` : t.label, left - 6, y);
    });
    ctx.textBaseline = "alphabetic";
    ctx.strokeStyle = "#4a5263";
    ctx.strokeRect(left, top, right - left, bottom - top);
    ctx.fillStyle = "#1d2330";
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(this.x.label + (this.ax.log ? " (log)" : ""), (left + right) / 2, HEIGHT - 6);
    ctx.save();
    ctx.translate(14, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(this.y.label + (this.ay.log ? " (log)" : ""), 0, 0);
    ctx.restore();
  }

  drawOverlay() {
    const ctx = this.sized(this.over);
    const p = this.byId?.get(this.hovered ?? this.isolated);
    this.tip.hidden = !p;
    if (!p) return;
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#1d2330";
    ctx.fillStyle = this.colourOf(p.id);
    this.dot(ctx, p, 6);
    ctx.beginPath();
    ctx.arc(this.sx(p), this.sy(p.py), 6, 0, 2 * Math.PI);
    ctx.stroke();
    this.tip.innerHTML = `<b>${esc(p.row.name)}</b><br>${esc(this.x.label)}: ${esc(show(p.xv))}` +
      `<br>${esc(this.y.label)}: ${esc(show(p.yv))}`;
    const x = this.sx(p);
    this.tip.style.left = `${x > this.width - 220 ? x - 210 : x + 12}px`;
    this.tip.style.top = `${Math.max(0, this.sy(p.py) - 20)}px`;
    this.tip.dataset.run = p.id;
  }

  pointAt(e) {
    if (!this.points) return null;
    const [x, y] = this.local(e);
    let best = null;
    let bestD = HOVER_PX * HOVER_PX;
    for (const p of this.points) {
      const d = (this.sx(p) - x) ** 2 + (this.sy(p.py) - y) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = p;
      }
    }
    return best;
  }
}
