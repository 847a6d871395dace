// uPlot options of a chart: axes, scales, cursor (synced crosshair) and the run lines.
import { runColour, runDash } from "./palette.js";
import { axisLabel, tickValues } from "./xaxis.js";

const HEIGHT = 240;

// A one-point (or constant-x) series still gets an x range to sit in.
function xRange(u, min, max) {
  return min === max ? [min - 1, max + 1] : [min, max];
}

export function baseOptions(panel, width) {
  const board = panel.board;
  const mode = panel.mode;
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    focus: { alpha: 0.2 },
    cursor: {
      drag: { x: true, y: false, setScale: false }, points: { show: false }, y: false, focus: { prox: -1 },
      sync: { key: `runyard-${mode}`, scales: ["x", null] }, // crosshair across the charts of one x unit
    },
    scales: {
      x: { time: mode === "wall", auto: true, range: xRange },
      y: { distr: board.logScale ? 3 : 1, auto: true },
    },
    axes: [
      { label: axisLabel(mode, board.xMetric), labelSize: 18, ...(mode === "wall" ? {} : { values: tickValues }) },
      { size: 64, values: tickValues },
    ],
    hooks: {
      setSelect: [(u) => panel.onSelect(u)],
      setCursor: [(u) => panel.onHover(u)],
    },
  };
}

// One uPlot series per drawn run (mode 2: each with its own x values).
export function runSeries(panel, lines) {
  return [{}, ...panel.order.map((runId, i) => {
    const colour = runColour(runId);
    // A run with a single point is drawn as a dot: a line needs two (and its empty
    // path would clip the dot away).
    const dot = lines[i].ys.filter((v) => v != null).length < 2;
    return {
      label: panel.board.runInfo(runId)?.name ?? String(runId),
      stroke: colour,
      dash: runDash(runId) ?? undefined,
      width: 1.25,
      paths: dot ? () => null : uPlot.paths.linear(),
      // Explicit indexes: uPlot's own point range does not follow mode 2's per-run x.
      points: { show: dot, size: 7, fill: colour, stroke: colour,
        filter: dot ? () => lines[i].ys.flatMap((v, at) => (v == null ? [] : [at])) : null },
      facets: [{ scale: "x", auto: true, sorted: panel.mode === "metric" ? 0 : 1 }, { scale: "y", auto: true }],
    };
  })];
}
