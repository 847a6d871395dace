// The x metric's values (metric x axis) of the charted runs, unsmoothed: one read shared
// by every chart while unzoomed (a zoomed chart reads its own step range), extended by
// live points of the x metric before the charts draw theirs.
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

  get(range) {
    const board = this.board;
    const runIds = board.chartRunIds();
    const params = new URLSearchParams({ buckets: "1000", smoothing: "0" });
    if (range) {
      params.set("step_min", String(range[0]));
      params.set("step_max", String(range[1]));
    }
    const read = () => fetchSeries(board.xMetric, runIds, params).then((perRun) => new Map(
      Object.entries(perRun).map(([id, s]) => [Number(id), { steps: Array.from(s.steps), values: s.values.map(num) }])));
    if (range) return read();
    const key = `${board.xMetric}|${runIds.join(",")}`;
    if (this.cache?.key !== key) this.cache = { key, promise: read() };
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
