// One axis of the comparison views (parallel coordinates, scatter): the values a column
// takes across runs, mapped to a position in [0, 1]. Numbers give a linear or log axis
// with readable ticks; anything else (strings, booleans, mixed) a categorical axis with
// one evenly spaced position per distinct value, in natural order ("2" before "10").
import { fmtNum } from "./common.js";
import { columnValue } from "./fields.js";

// A run's value in a column of the comparison views: a column of fields.js, or a metric's
// min or max (summaryColumn), which reads the metric's column with that summary.
export function valueOf(row, column) {
  return columnValue(row, column.field ?? column.id, column.summary);
}

// The min or max of a metric column as a column of its own: `min(metrics.val/loss)`. Ids of
// fields.js start with an attribute or a part name, so these never collide with one.
export function summaryColumn(metric, summary) {
  return { ...metric, id: `${summary}(${metric.id})`, label: `${metric.label} (${summary})`, field: metric.id, summary };
}

// A value the axes can place: NaN, infinities and empty values have no position.
function present(v) {
  return v != null && v !== "" && !(typeof v === "number" && !Number.isFinite(v));
}

// A number, or a string spelling one ("0.001", "1e-4": params logged through APIs that keep
// every param as text): such columns get a numeric axis too.
function numberOf(v) {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return null;
}

// Keys for categorical values: a boolean and the string "true" are distinct categories.
export function catKey(v) {
  return typeof v === "string" ? v : `\u0000${JSON.stringify(v)}`;
}

export class Axis {
  // `values`: the column's value for each run (undefined where the run has none).
  // `log`: true forces a log axis (where every value is positive), "auto" picks one for
  // values spanning two or more decades (a learning-rate sweep), false never.
  constructor(values, log = "auto") {
    const shown = values.filter(present);
    this.numeric = shown.length > 0 && shown.every((v) => numberOf(v) != null);
    if (this.numeric) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of shown.map(numberOf)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.canLog = lo > 0;
      this.log = this.canLog && (log === true || (log === "auto" && hi / lo >= 100));
      const f = this.log ? Math.log10 : (v) => v;
      this.lo = f(lo);
      this.hi = f(hi);
      if (this.lo === this.hi) {
        this.lo -= this.log ? 0.5 : Math.abs(this.lo) * 0.1 || 1;
        this.hi += this.log ? 0.5 : Math.abs(this.hi) * 0.1 || 1;
      }
      this.f = f;
      this.cats = [];
    } else {
      this.canLog = false;
      this.log = false;
      const seen = new Map(shown.map((v) => [catKey(v), v]));
      this.labels = new Map([...seen].map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
      const label = (k) => this.labels.get(k);
      this.cats = [...seen.keys()].sort((a, b) => label(a).localeCompare(label(b), undefined, { numeric: true }) || (a < b ? -1 : 1));
      this.catIndex = new Map(this.cats.map((k, i) => [k, i]));
    }
  }

  // Position of a value in [0, 1] (0 = low end), or null where it has none.
  pos(v) {
    if (!present(v)) return null;
    if (this.numeric) {
      const n = numberOf(v);
      if (n == null || (this.log && n <= 0)) return null;
      return (this.f(n) - this.lo) / (this.hi - this.lo);
    }
    const i = this.catIndex.get(catKey(v));
    return i === undefined ? null : this.catPos(i);
  }

  catPos(i) {
    return this.cats.length === 1 ? 0.5 : i / (this.cats.length - 1);
  }

  // The value at position p (numeric axes), for brushes kept in value space.
  valueAt(p) {
    const v = this.lo + p * (this.hi - this.lo);
    return this.log ? 10 ** v : v;
  }

  // [{pos, label}] ticks: about `count` round numbers (powers of ten on a log axis), or every
  // category (the caller drops labels that would overlap).
  ticks(count = 5) {
    if (!this.numeric) {
      return this.cats.map((k, i) => ({ pos: this.catPos(i), label: this.labels.get(k) }));
    }
    if (this.log) {
      const out = [];
      const every = Math.max(1, Math.ceil((Math.floor(this.hi) - Math.ceil(this.lo) + 1) / count));
      for (let e = Math.ceil(this.lo); e <= this.hi; e += every) out.push({ pos: (e - this.lo) / (this.hi - this.lo), label: fmtNum(10 ** e) });
      return out;
    }
    const step = niceStep((this.hi - this.lo) / count);
    const out = [];
    for (let v = Math.ceil(this.lo / step) * step; v <= this.hi + step * 1e-9; v += step) {
      const clean = Number(v.toPrecision(12)); // 0.30000000000000004 -> 0.3
      out.push({ pos: (clean - this.lo) / (this.hi - this.lo), label: fmtNum(clean) });
    }
    return out;
  }
}

// 1, 2 or 5 times a power of ten, at least `raw`.
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

// Where a run's value sits for brushing: a numeric axis keeps [lo, hi] in values, a
// categorical one the set of category keys, so a brush survives new runs rescaling the axis.
export function brushFor(axis, p0, p1) {
  const [a, b] = p0 < p1 ? [p0, p1] : [p1, p0];
  if (axis.numeric) return { lo: axis.valueAt(a), hi: axis.valueAt(b), a, b };
  const keys = new Set(axis.cats.filter((k, i) => axis.catPos(i) >= a && axis.catPos(i) <= b));
  return { keys, a, b };
}

export function inBrush(brush, v) {
  if (!present(v)) return false;
  if (brush.keys) return brush.keys.has(catKey(v));
  const n = numberOf(v);
  return n != null && n >= brush.lo && n <= brush.hi;
}

// A sequential colour scale (viridis stops: perceptually even, colour-blind safe) for t in [0, 1].
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
export function scaleColour(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + f * (VIRIDIS[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
