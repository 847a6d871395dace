// A histogram logged over steps, drawn as a heatmap on <canvas>: one column per step, value on
// the y axis, colour = count (each column scaled to its own largest bin, so a narrowing or
// drifting distribution shows whatever the sample size). Hovering reads out step, value range, density.
import { fmtNum } from "./common.js";
import { getHistograms, getItem } from "./media_data.js";

const MAX_COLUMNS = 200; // steps drawn; a longer series is sampled evenly (the last step always kept)
const ROWS = 96;
const HEIGHT = 220;
const PAD = { left: 56, right: 8, top: 8, bottom: 22 };
// One hue from light to dark (ColorBrewer "Blues"): sparse bins fade into the white page, the
// densest are darkest; readable with colour-blindness and in grey.
const STOPS = [[222, 235, 247], [158, 202, 225], [66, 146, 198], [33, 113, 181], [8, 48, 107]];

function colour(t) {
  if (!(t > 0)) return [247, 248, 250];
  const x = Math.min(1, t) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
}

// Evenly spread picks of `steps`, the last included.
export function sample(steps, most) {
  if (steps.length <= most) return [...steps];
  const out = [];
  for (let i = 0; i < most; i++) out.push(steps[Math.round((i * (steps.length - 1)) / (most - 1))]);
  return [...new Set(out)];
}

// One histogram as `rows` equal value rows between lo and hi: each row takes the density
// (count per unit of value) of the bin holding its middle, so bins and rows of different
// widths leave no stripes. A zero-width bin (all values equal) puts its count in its row.
export function regrid(hist, lo, hi, rows) {
  const out = new Float64Array(rows);
  const span = hi - lo || 1;
  const { counts, edges } = hist;
  let bin = 0;
  for (let r = 0; r < rows; r++) {
    const middle = lo + ((r + 0.5) / rows) * span;
    while (bin < counts.length - 1 && edges[bin + 1] <= middle) bin++;
    const a = edges[bin];
    const b = edges[bin + 1];
    if (counts.length && b > a && middle >= a && middle <= b) out[r] = counts[bin] / (b - a);
  }
  counts.forEach((count, i) => {
    if (edges[i + 1] <= edges[i] && count > 0) {
      out[Math.min(rows - 1, Math.max(0, Math.floor(((edges[i] - lo) / span) * rows)))] += count;
    }
  });
  return out;
}

export class HistogramPanel {
  constructor(body, runId, series) {
    this.runId = runId;
    this.key = series.key;
    this.steps = [...series.steps];
    this.hists = new Map(); // step -> {counts, edges}
    this.drawn = 0;
    body.innerHTML = `<canvas class="media-heatmap" height="${HEIGHT}" role="img"></canvas><div class="media-readout muted small">&nbsp;</div>`;
    this.canvas = body.querySelector("canvas");
    this.canvas.setAttribute("aria-label", `histogram of ${this.key} over steps`);
    // Redrawn at the new width when the page's layout changes (one frame later, once).
    let pending = false;
    new ResizeObserver(() => {
      if (pending || !this.layout) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (Math.abs(this.canvas.clientWidth - this.layout.width) > 1) this.draw();
      });
    }).observe(this.canvas);
    this.readout = body.querySelector(".media-readout");
    this.canvas.addEventListener("mousemove", (event) => this.hover(event));
    this.canvas.addEventListener("mouseleave", () => (this.readout.innerHTML = "&nbsp;"));
    this.ready = this.load();
  }

  // The sampled steps in one request (a long run's 200 columns are not 200 fetches).
  async load() {
    for (const hist of await getHistograms(this.runId, this.key, { samples: MAX_COLUMNS })) this.hists.set(hist.step, hist);
    this.draw();
  }

  async add(step) {
    if (!this.steps.includes(step)) this.steps.push(step);
    this.steps.sort((a, b) => a - b);
    if (!this.hists.has(step)) this.hists.set(step, await getItem(this.runId, this.key, step, "histogram"));
    this.draw();
  }

  columns() {
    const shown = sample(this.steps, MAX_COLUMNS).filter((s) => this.hists.has(s));
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of shown) {
      const { edges } = this.hists.get(s);
      if (edges.length) {
        lo = Math.min(lo, edges[0]);
        hi = Math.max(hi, edges[edges.length - 1]);
      }
    }
    if (!(hi > lo)) [lo, hi] = Number.isFinite(lo) ? [lo - 0.5, lo + 0.5] : [0, 1];
    return { shown, lo, hi };
  }

  draw() {
    const { shown, lo, hi } = this.columns();
    const width = Math.max(200, this.canvas.clientWidth || 480);
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = width * ratio;
    this.canvas.height = HEIGHT * ratio;
    this.canvas.style.height = `${HEIGHT}px`;
    const ctx = this.canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, width, HEIGHT);
    const plotW = width - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const colW = plotW / Math.max(1, shown.length);
    const rowH = plotH / ROWS;
    // Cell edges on whole device pixels: fractional ones leave faint seams between rows.
    const px = (v) => Math.round(v * ratio) / ratio;
    shown.forEach((step, c) => {
      const grid = regrid(this.hists.get(step), lo, hi, ROWS);
      const most = Math.max(...grid);
      const x0 = px(PAD.left + c * colW);
      const x1 = px(PAD.left + (c + 1) * colW);
      grid.forEach((count, r) => {
        const [red, green, blue] = colour(most > 0 ? count / most : 0);
        const y0 = px(PAD.top + plotH - (r + 1) * rowH);
        const y1 = px(PAD.top + plotH - r * rowH);
        ctx.fillStyle = `rgb(${red},${green},${blue})`;
        ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
      });
    });
    ctx.fillStyle = "#6b7385";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(fmtNum(hi), PAD.left - 4, PAD.top + 9);
    ctx.fillText(fmtNum(lo), PAD.left - 4, PAD.top + plotH);
    ctx.textAlign = "left";
    if (shown.length) ctx.fillText(`step ${shown[0]}`, PAD.left, HEIGHT - 6);
    ctx.textAlign = "right";
    if (shown.length > 1) ctx.fillText(`step ${shown[shown.length - 1]}`, width - PAD.right, HEIGHT - 6);
    this.layout = { shown, lo, hi, colW, rowH, plotH, width };
    this.drawn += 1;
  }

  hover(event) {
    if (!this.layout || !this.layout.shown.length) return;
    const { shown, lo, hi, colW, rowH, plotH } = this.layout;
    const box = this.canvas.getBoundingClientRect();
    const c = Math.floor((event.clientX - box.left - PAD.left) / colW);
    const r = Math.floor((PAD.top + plotH - (event.clientY - box.top)) / rowH);
    if (c < 0 || c >= shown.length || r < 0 || r >= ROWS) return;
    const grid = regrid(this.hists.get(shown[c]), lo, hi, ROWS);
    const bottom = lo + (r / ROWS) * (hi - lo);
    const top = lo + ((r + 1) / ROWS) * (hi - lo);
    const most = Math.max(...grid);
    const share = most > 0 ? Math.round((grid[r] / most) * 100) : 0;
    this.readout.textContent = `step ${shown[c]}: values ${fmtNum(bottom)} .. ${fmtNum(top)}, ${share}% of the step's densest bin`;
  }
}
