// The workspace's layout as view settings (viewstate.js): what each `ws_*` kind means.
//   ws_xaxis ""        0 step, 1 wall time, 2 relative time, 3 a metric (named by ws_xmetric)
//   ws_xmetric <key>   1: the metric on the x axis
//   ws_smoothing ""    the EMA weight x 1000 (0..990)
//   ws_log ""          1: log-scale y
//   ws_hidden <key>    1: the chart sits in the closed "hidden" section
//   ws_pinned <key>    1: the chart sits in the "pinned" section at the top
//   ws_section <id>    1 open / 0 closed, where the user chose ("" is the unprefixed section)
//   ws_linkzoom <id>   1: a zoom in one chart of the section zooms them all
export const X_MODES = ["step", "wall", "relative", "metric"];

const entries = (view, kind) => [...(view.get(kind) ?? new Map()).entries()];
const value = (view, kind) => entries(view, kind)[0]?.[1];

// Map kind -> Map name -> value  ->  the board's layout fields.
export function readLayout(view) {
  const xMetric = entries(view, "ws_xmetric")[0]?.[0] ?? null;
  let xMode = X_MODES[value(view, "ws_xaxis")] ?? "step";
  if (xMode === "metric" && !xMetric) xMode = "step";
  return {
    xMode,
    xMetric,
    smoothing: Math.min(0.99, Math.max(0, (value(view, "ws_smoothing") ?? 0) / 1000)),
    logScale: value(view, "ws_log") === 1,
    hidden: new Set(entries(view, "ws_hidden").map(([name]) => name)),
    pinned: new Set(entries(view, "ws_pinned").map(([name]) => name)),
    opened: new Map(entries(view, "ws_section").map(([name, v]) => [name, v === 1])),
    linked: new Set(entries(view, "ws_linkzoom").map(([name]) => name)),
  };
}
