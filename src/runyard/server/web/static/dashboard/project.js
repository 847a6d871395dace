// Project page (charts, runs table, comparison views) and runs page (the table alone).
import { ChartBoard } from "./board.js";
import { debug, getJSON, LiveStream, pageData } from "./common.js";
import { CompareViews } from "./compare.js";
import { ColumnState } from "./columns.js";
import { ColumnPicker } from "./picker.js";
import { RunFilter } from "./run_filter.js";
import { RunsTable } from "./table.js";
import { wireTableTools } from "./table_tools.js";
import { loadView } from "./viewstate.js";

const MAX_OVERLAY = 200;
const DEFAULT_SELECTION = 10;
const NEW_RUNS_EVERY_MS = 3000;
const page = pageData();
const project = page.project;
const $ = (id) => document.getElementById(id);

let board = null;
const compare = new CompareViews({ container: $("compare"), project });
let table = null;
let filter = null;
let cursor = 0; // change sequence the table was read at: the stream replays from there
let showArchived = false;

const runsUrl = (query = "") => `/web/api/projects/${project.id}/runs?archived=${showArchived ? 1 : 0}${query}`;

const stream = new LiveStream({
  metrics(data) {
    board?.appendLive(data.run_id, data.metrics);
    table.updateMetrics(data.run_id, data.metrics);
  },
  status(data) {
    const status = data.status.toLowerCase();
    const done = status !== "running";
    table.update(data.run_id, { status, end_time: done ? table.row(data.run_id)?.end_time ?? Date.now() : null });
  },
});

function urlSelection() {
  const raw = new URLSearchParams(location.search).get("runs");
  return raw ? raw.split(",").map(Number).filter((n) => Number.isInteger(n) && table.row(n)) : null;
}

let selectionTimer = null;
function selectionChanged(ids) {
  const chosen = ids.slice(0, MAX_OVERLAY);
  const url = new URL(location.href);
  url.searchParams.set("runs", chosen.join(","));
  history.replaceState(null, "", url);
  const link = $("compare-selected");
  if (link) link.href = `/projects/${encodeURIComponent(project.name)}?runs=${chosen.join(",")}`;
  clearTimeout(selectionTimer);
  const apply = () => {
    board?.setRuns(chosen);
    followLive(chosen);
  };
  // Clicking several checkboxes in a row makes one reload, not one per click.
  if (debug.ready) selectionTimer = setTimeout(apply, 150);
  else apply(); // the first selection, while the page loads: no reason to wait
}

// Live: the charted runs plus every running run (for its status and latest values).
function followLive(chosen) {
  const running = [...table.runs.values()].filter((r) => r.status === "running").map((r) => r.id);
  const ids = [...new Set([...chosen, ...running])].slice(0, MAX_OVERLAY);
  stream.follow(ids, cursor);
}

// New runs: a cheap "ids above the newest I know" read while the tab is visible. A new
// run joins the table and, while there is room, the charts and the live stream.
async function checkNewRuns() {
  if (!document.hidden) {
    const newest = Math.max(0, ...table.runs.keys());
    try {
      const answer = await getJSON(runsUrl(`&after_id=${newest}`));
      if (answer.runs.length) {
        for (const row of answer.runs) table.runs.set(row.id, row);
        compare.setRuns([...table.runs.values()]);
        board?.setKeys(answer.runs.flatMap((r) => Object.keys(r.metrics)));
        if (filter.text) await filter.apply(); // the new runs may match
        const room = MAX_OVERLAY - table.selected.size;
        table.setSelected([...table.selected, ...answer.runs.slice(0, Math.max(0, room)).map((r) => r.id)]);
      }
    } catch (err) {
      console.warn("new-run check failed", err);
    }
  }
  setTimeout(checkNewRuns, NEW_RUNS_EVERY_MS);
}

// Every run again (archived ones shown or hidden, runs deleted): the table, the comparison views and the charts.
async function reload() {
  const answer = await getJSON(runsUrl());
  table.setRuns(answer.runs);
  compare.setRuns(answer.runs);
  if (filter.text) await filter.apply();
  table.setSelected([...table.selected].filter((id) => table.row(id)));
}

async function main() {
  const started = performance.now();
  const [answer, saved] = await Promise.all([getJSON(runsUrl()), loadView(project.id)]);
  cursor = answer.cursor;
  const columns = new ColumnState(project.id, saved);
  table = new RunsTable({ table: $("runs-table"), countEl: $("run-count"), project, columns, onSelect: selectionChanged });
  debug.table = table;
  filter = new RunFilter({ input: $("run-filter"), errorEl: $("filter-error"), projectId: project.id,
    onResult: (ids) => table.setMatching(ids) });
  new ColumnPicker({ root: $("column-picker"), table, state: columns });
  wireTableTools({ table, project, reload, setShowArchived: (on) => (showArchived = on) });
  table.setRuns(answer.runs);
  compare.setRuns(answer.runs);
  debug.tableMs = Math.round(performance.now() - started);
  if (page.view === "charts") {
    board = new ChartBoard({
      container: $("charts"),
      runInfo: (id) => table.row(id),
      onLoaded: () => {
        $("chart-status").textContent = "";
        debug.chartsLoaded = (debug.chartsLoaded || 0) + 1;
      },
    });
    board.wireControls();
    const keys = new Set();
    for (const r of answer.runs) for (const k in r.metrics) keys.add(k);
    board.setKeys(keys);
    if (!keys.size) $("chart-status").textContent = "no metrics logged yet";
  }
  $("select-visible").addEventListener("click", () => table.setSelected(table.shown.map((r) => r.id).slice(0, MAX_OVERLAY)));
  $("select-none").addEventListener("click", () => table.setSelected([]));
  const newest = [...answer.runs].sort((a, b) => b.id - a.id).slice(0, DEFAULT_SELECTION).map((r) => r.id);
  table.setSelected(urlSelection() ?? newest);
  setTimeout(checkNewRuns, NEW_RUNS_EVERY_MS);
  debug.ready = true;
}

main().catch((err) => {
  console.error(err);
  $("chart-status") && ($("chart-status").textContent = String(err));
});
