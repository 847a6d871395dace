// The workspace toolbar (templates/chart_controls.html): x axis, smoothing, log scale,
// chart filter, reset zoom. Smoothing waits for the slider to rest before refetching.
import { sectionOf, SYSTEM } from "./sections.js";

const $ = (id) => document.getElementById(id);

export function wireToolbar(board) {
  $("x-axis").addEventListener("change", (e) => board.chooseX(e.target.value));
  $("log-scale").addEventListener("change", (e) => board.setLogScale(e.target.checked));
  $("metric-filter").addEventListener("input", (e) => board.setFilter(e.target.value.trim()));
  $("reset-zoom").addEventListener("click", () => board.resetZoom());
  let timer = null;
  $("smoothing").addEventListener("input", (e) => {
    $("smoothing-value").textContent = e.target.value;
    clearTimeout(timer);
    timer = setTimeout(() => board.setSmoothing(Number(e.target.value)), 200);
  });
  board.toolbarWired = true;
  if (board.viewLoaded) syncToolbar(board);
}

// The controls show the board's (loaded) layout.
export function syncToolbar(board) {
  if (!board.toolbarWired) return;
  metricOptions(board);
  $("x-axis").value = board.xMode === "metric" ? `m:${board.xMetric}` : board.xMode;
  $("smoothing").value = String(board.smoothing);
  $("smoothing-value").textContent = String(board.smoothing);
  $("log-scale").checked = board.logScale;
}

// Every logged metric but the system ones can be the x axis.
export function metricOptions(board) {
  const group = $("x-metrics");
  if (!group) return;
  const keys = [...board.keys].filter((k) => sectionOf(k) !== SYSTEM).sort();
  if (board.xMetric && !keys.includes(board.xMetric)) keys.push(board.xMetric);
  const have = new Set([...group.children].map((o) => o.value));
  for (const key of keys) {
    if (have.has(`m:${key}`)) continue;
    const option = document.createElement("option");
    option.value = `m:${key}`;
    option.textContent = key;
    group.append(option);
  }
}
