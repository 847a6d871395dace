// The x axis of a chart: step, wall time, time since the run's start, or another logged
// metric (e.g. `epoch`). A metric x pairs each point with the x metric's value at the
// same step or, when it was not logged at that step, its last value before (an as-of
// join, as W&B does), so `epoch` logged once per epoch spans the steps of that epoch.
// Points logged before the x metric's first value have no x and are left out.
import { fmtNum } from "./common.js";
import { SYSTEM } from "./sections.js";

// The mode a chart of `section` uses: `system/*` charts are resource samples over time,
// so they keep a time axis (seconds since the run's start unless wall time is chosen).
export function modeFor(board, section) {
  if (section !== SYSTEM) return board.xMode;
  return board.xMode === "wall" ? "wall" : "relative";
}

export function axisLabel(mode, metric) {
  return { step: "step", wall: "", relative: "seconds since start", metric }[mode];
}

// x values (and the matching y values and steps) of one run's points.
// s: {steps, values, times}; start: the run's start (epoch ms); xs: the x metric's {steps, values}.
export function pointsOf(mode, s, start, xs) {
  if (mode === "step") return { xs: s.steps, ys: s.values, steps: s.steps };
  if (mode === "wall") return { xs: s.times.map((t) => t / 1000), ys: s.values, steps: s.steps };
  if (mode === "relative") {
    const t0 = start ?? s.times[0] ?? 0;
    return { xs: s.times.map((t) => (t - t0) / 1000), ys: s.values, steps: s.steps };
  }
  return asOf(s, xs);
}

function asOf(s, x) {
  const out = { xs: [], ys: [], steps: [] };
  if (!x || !x.steps.length) return out;
  let j = -1;
  for (let i = 0; i < s.steps.length; i++) {
    while (j + 1 < x.steps.length && x.steps[j + 1] <= s.steps[i]) j++;
    if (j < 0 || x.values[j] == null || !Number.isFinite(x.values[j])) continue;
    out.xs.push(x.values[j]);
    out.ys.push(s.values[i]);
    out.steps.push(s.steps[i]);
  }
  return out;
}

// Tick labels that stay readable at any magnitude: 1e-5 rather than "0", 2.5e+6 rather than 2500000.
export function fmtTick(v) {
  if (v == null || !Number.isFinite(v)) return "";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(6)));
}

export function tickValues(u, splits) {
  return splits.map(fmtTick);
}

// The hover line's x, in the chart's units.
export function fmtX(mode, x, fmtTime) {
  if (mode === "wall") return fmtTime(x * 1000);
  if (mode === "relative") return `${fmtNum(x)} s`;
  return fmtNum(x);
}
