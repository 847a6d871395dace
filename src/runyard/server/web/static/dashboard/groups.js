// Grouped charts: when the runs table is grouped (`runyard:groups`), each chart draws one
// line per group, the mean over the group's runs, in a band from their min to their max.
//
// Runs log at different x values, so the x range is cut into equal bins: a run's value in
// a bin is the mean of its points there, and the group's mean, min and max are taken over
// the runs that have a point in the bin (a run that ended early stops counting, it does
// not drag the mean to zero). Empty bins are gaps the lines span.
import { withAlpha } from "./palette.js";

// lines: [{xs, ys}] of one group's runs -> {mean, min, max} arrays over `bins` bins of [lo, hi].
export function aggregate(lines, bins, lo, hi) {
  const mean = new Array(bins).fill(null);
  const min = new Array(bins).fill(null);
  const max = new Array(bins).fill(null);
  const count = new Array(bins).fill(0);
  const width = (hi - lo) / bins || 1;
  const sum = new Float64Array(bins);
  const hits = new Uint32Array(bins);
  for (const { xs, ys } of lines) {
    sum.fill(0);
    hits.fill(0);
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      if (y == null || !Number.isFinite(y)) continue;
      const b = Math.min(bins - 1, Math.max(0, Math.floor((xs[i] - lo) / width)));
      sum[b] += y;
      hits[b]++;
    }
    for (let b = 0; b < bins; b++) {
      if (!hits[b]) continue;
      const v = sum[b] / hits[b];
      mean[b] = (mean[b] ?? 0) + v;
      min[b] = min[b] == null ? v : Math.min(min[b], v);
      max[b] = max[b] == null ? v : Math.max(max[b], v);
      count[b]++;
    }
  }
  for (let b = 0; b < bins; b++) if (count[b]) mean[b] /= count[b];
  return { mean, min, max, count };
}

// uPlot data, series and bands (aligned mode) for the groups' lines of one chart.
// perGroup: [{group, lines: [{xs, ys}]}]; log: log scale (non-positive values are gaps).
export function groupedPlot(perGroup, bins, log) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const { lines } of perGroup) {
    for (const { xs } of lines) {
      for (const x of xs) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  if (!Number.isFinite(lo)) return null;
  if (hi === lo) bins = 1; // every point at one x (a final score): one bin, drawn as a dot
  const width = (hi - lo) / bins || 1;
  const centres = Array.from({ length: bins }, (_, b) => lo + (b + 0.5) * width);
  const data = [centres];
  const series = [{}];
  const bands = [];
  const stats = [];
  const clean = (arr) => (log ? arr.map((v) => (v != null && v > 0 ? v : null)) : arr);
  for (const { group, lines } of perGroup) {
    const agg = aggregate(lines, bins, lo, hi);
    const at = data.length;
    data.push(clean(agg.mean), clean(agg.max), clean(agg.min));
    const dot = agg.mean.filter((v) => v != null).length < 2;
    series.push(
      { label: group.label, stroke: group.colour, width: 1.75, spanGaps: true,
        points: { show: dot, size: 7, fill: group.colour, stroke: group.colour } },
      { label: `${group.label} max`, stroke: withAlpha(group.colour, 0.35), width: 0.5, spanGaps: true,
        points: { show: false } },
      { label: `${group.label} min`, stroke: withAlpha(group.colour, 0.35), width: 0.5, spanGaps: true,
        points: { show: false } },
    );
    bands.push({ series: [at + 1, at + 2], fill: withAlpha(group.colour, 0.18) });
    stats.push({ group, at, runs: lines.length, agg });
  }
  return { data, series, bands, stats };
}
