// The x metric's values (metric x axis) of the charted runs, unsmoothed: one read shared
// by every chart, extended by live points of the x metric before the charts draw theirs.
// A densely logged x metric comes back downsampled (min/max/last of 1,000 buckets), so a
// point's x is then exact to within one bucket of steps.
import { num } from "./common.js";
import { fetchSeries } from "./fetch_series.js";

export class XValues {
  constructor(board) {
    this.board = board;
    this.cache = null; // {key, promise of Map run id -> {steps, values}}
  }

  clear() {
    this.cache = null;
  }

  // Whole history even for a zoomed chart: a point takes the x value logged at or before
  // its step, which for a sparse x (epoch) lies before the zoomed range.
  get() {
    const board = this.board;
    const runIds = board.chartRunIds();
    const key = `${board.xMetric}|${runIds.join(",")}`;
    if (this.cache?.key !== key) {
      const params = new URLSearchParams({ buckets: "1000", smoothing: "0" });
      const promise = fetchSeries(board.xMetric, runIds, params).then((perRun) => new Map(
        Object.entries(perRun).map(([id, s]) => [Number(id), { steps: Array.from(s.steps), values: s.values.map(num) }])));
      this.cache = { key, promise };
    }
    return this.cache.promise;
  }

  append(runId, cols) {
    this.cache?.promise.then((byRun) => {
      const x = byRun.get(runId) ?? { steps: [], values: [] };
      byRun.set(runId, x);
      const last = x.steps.length ? x.steps[x.steps.length - 1] : -Infinity;
      cols.steps.forEach((step, i) => {
        if (step <= last) return;
        x.steps.push(step);
        x.values.push(num(cols.values[i]));
      });
    });
  }
}
