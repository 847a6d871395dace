// The columns of a run row (GET /web/api/projects/{id}/runs), shared by the runs table and the
// comparison views: attributes, params, config and the run's summary flattened into dotted
// names (`config.model.width`), metric summaries (last, min or max), system info.
import { num } from "./common.js";

// Nested objects become dotted keys; arrays and other values are leaves (an array shows as
// its JSON). An empty object is left out: it has no value to show.
export function flatten(obj, prefix = "", out = {}) {
  if (obj == null || typeof obj !== "object" || Array.isArray(obj)) return out;
  for (const [key, value] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value != null && typeof value === "object" && !Array.isArray(value)) flatten(value, name, out);
    else out[name] = Array.isArray(value) ? JSON.stringify(value) : value;
  }
  return out;
}

// Flattening happens once per row object (a live update replaces the row or its metrics only).
const flat = new WeakMap();
function flatOf(row, part) {
  let cached = flat.get(row);
  if (!cached) flat.set(row, (cached = {}));
  return (cached[part] ??= flatten(row[part] || {}));
}

export const SUMMARIES = ["last", "min", "max"];

function duration(row) {
  const end = row.end_time ?? (row.status === "running" ? Date.now() : null);
  return end == null ? null : end - row.start_time;
}

export const ATTRIBUTES = [
  { id: "name", label: "name", kind: "attr", get: (r) => r.name },
  { id: "status", label: "status", kind: "attr", get: (r) => r.status },
  { id: "duration", label: "duration", kind: "attr", get: duration },
  { id: "start", label: "started", kind: "attr", get: (r) => r.start_time },
  { id: "tags", label: "tags", kind: "attr", get: (r) => r.tags.join(", ") },
  { id: "notes", label: "notes", kind: "attr", get: (r) => r.notes },
  { id: "id", label: "id", kind: "attr", get: (r) => r.id, system: true },
];
const ATTRIBUTE = new Map(ATTRIBUTES.map((c) => [c.id, c]));
const PARTS = ["params", "config", "summary", "system"];

// The value of `column` (an id such as `config.model.width`, or a column of columnsOf)
// in `row`; metrics give their last value unless `summary` (or column.summary) says min or max.
export function columnValue(row, column, summary) {
  const id = typeof column === "string" ? column : column.id;
  const attr = ATTRIBUTE.get(id);
  if (attr) return attr.get(row);
  const dot = id.indexOf(".");
  const part = id.slice(0, dot);
  const key = id.slice(dot + 1);
  if (part === "metrics") {
    const which = summary ?? (typeof column === "string" ? "last" : column.summary) ?? "last";
    const source = which === "min" ? row.metrics_min : which === "max" ? row.metrics_max : row.metrics;
    return num(source?.[key]);
  }
  if (PARTS.includes(part)) return flatOf(row, part)[key];
  return undefined;
}

// Every column the rows have, in table order: attributes, params, config, summary, metrics
// (user metrics before `system/` ones), system info. `system: true` marks columns a table
// hides until asked (system info, `system/*` metrics, the numeric id).
export function columnsOf(rows) {
  const keys = { params: new Set(), config: new Set(), summary: new Set(), metrics: new Set(), system: new Set() };
  for (const row of rows) {
    for (const part of PARTS) for (const k in flatOf(row, part)) keys[part].add(k);
    for (const k in row.metrics) keys.metrics.add(k);
  }
  const of = (part, kind, extra = () => ({})) => [...keys[part]].sort().map((k) => ({
    id: `${part}.${k}`, label: k, kind, key: k, ...extra(k),
  }));
  const metrics = of("metrics", "metric", (k) => ({ system: k.startsWith("system/") }));
  return [
    ...ATTRIBUTES,
    ...of("params", "param"),
    ...of("config", "config"),
    ...of("summary", "summary"),
    ...metrics.filter((c) => !c.system),
    ...metrics.filter((c) => c.system),
    ...of("system", "system", () => ({ system: true })),
  ];
}
