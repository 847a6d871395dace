// The hover box of a chart: the value of each run (or group) that has data at the
// cursor's x, highest first. A run whose points end before (or start after) the cursor
// is not listed: the nearest point of a run that stopped at step 100 says nothing about
// step 4000. Also finds the run whose line is under the pointer (for highlighting).
import { esc, fmtNum, fmtTime } from "./common.js";
import { runColour } from "./palette.js";
import { fmtX } from "./xaxis.js";

const MAX_ROWS = 12;
const EDGE_PX = 6; // a run's first and last points stay hoverable this close to them
const NEAR_PX = 8; // the pointer is "on" a line this close to it

function nearestIndex(xs, x, sorted) {
  if (!xs.length) return -1;
  if (!sorted) {
    let best = 0;
    for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
    return best;
  }
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1] - x) <= Math.abs(xs[lo] - x) ? lo - 1 : lo;
}

function extent(xs) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

// {rows: [{name, color, y, note?}], nearest: run id under the pointer or null}.
export function hoverRows(panel, u) {
  const left = u.cursor.left;
  const top = u.cursor.top;
  const x = u.posToVal(left, "x");
  const rows = [];
  if (panel.grouped) {
    const idx = u.cursor.idx;
    for (const { group, agg, runs } of panel.grouped.stats) {
      if (idx == null || agg.mean[idx] == null) continue;
      rows.push({ name: group.label, color: group.colour, y: agg.mean[idx],
        note: `${fmtNum(agg.min[idx])} .. ${fmtNum(agg.max[idx])}, ${agg.count[idx]}/${runs} runs` });
    }
    return { rows, nearest: null };
  }
  const slack = Math.abs(u.posToVal(left + EDGE_PX, "x") - x);
  let nearest = null;
  let nearestPx = NEAR_PX;
  for (let i = 1; i < u.data.length; i++) {
    const [xs, ys] = u.data[i];
    const [lo, hi] = extent(xs);
    if (x < lo - slack || x > hi + slack) continue;
    const at = nearestIndex(xs, x, panel.mode !== "metric");
    if (at < 0 || ys[at] == null) continue;
    const runId = panel.order[i - 1];
    rows.push({ name: u.series[i].label, color: runColour(runId), y: ys[at] });
    const px = top == null ? Infinity : Math.abs(u.valToPos(ys[at], "y") - top);
    if (px <= nearestPx) {
      nearest = runId;
      nearestPx = px;
    }
  }
  return { rows, nearest };
}

export function showHover(panel, u, rows) {
  const el = panel.hoverEl;
  const x = u.posToVal(u.cursor.left, "x");
  rows.sort((a, b) => b.y - a.y);
  el.innerHTML = `<div class="muted">${esc(panel.mode === "metric" ? panel.board.xMetric : panel.mode)} ` +
    `${esc(fmtX(panel.mode, x, fmtTime))}</div>` +
    rows.slice(0, MAX_ROWS).map((r) =>
      `<div><span class="swatch" style="background:${esc(r.color)}"></span>${esc(r.name)} <b>${esc(fmtNum(r.y))}</b>` +
      `${r.note ? ` <span class="muted">${esc(r.note)}</span>` : ""}</div>`,
    ).join("") + (rows.length > MAX_ROWS ? `<div class="muted">+${rows.length - MAX_ROWS} more</div>` : "");
  el.hidden = false;
  el.style.left = `${Math.min(u.cursor.left + 70, panel.el.clientWidth - 200)}px`;
}
