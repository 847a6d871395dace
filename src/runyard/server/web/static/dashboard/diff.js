// Run diff: 2-10 runs side by side, one row per attribute, param, config key, summary value
// and metric (last value); a row whose values are not all the same is highlighted, and
// "only differences" hides the rest. Metrics logged by the system (`system/*`) are left out.
import { esc, fmtDuration, fmtNum, fmtTime } from "./common.js";
import { columnsOf, columnValue } from "./fields.js";

export const MAX_DIFF_RUNS = 10;
const SECTIONS = [
  ["attr", "run"], ["param", "params"], ["config", "config"], ["summary", "summary"],
  ["metric", "metrics (last value)"], ["system", "system"],
];
const SKIP = new Set(["name", "id"]); // the name heads each column

function shown(column, v) {
  if (v == null || v === "") return "";
  if (column.id === "duration") return fmtDuration(v);
  if (column.id === "start") return fmtTime(v);
  return typeof v === "number" ? fmtNum(v) : typeof v === "string" ? v : JSON.stringify(v);
}

// Values are compared exactly (1 and 1.0 are the same number; "1" and 1 are not).
function same(values) {
  const key = (v) => (v === undefined || v === "" ? "\u0000none" : typeof v === "number" && Number.isNaN(v) ? "NaN" : JSON.stringify(v));
  const first = key(values[0]);
  return values.every((v) => key(v) === first);
}

export class RunDiff {
  constructor({ container, colourOf, runHref, onlyDifferences = false, onToggle }) {
    this.colourOf = colourOf;
    this.runHref = runHref;
    this.onToggle = onToggle;
    container.insertAdjacentHTML("beforeend",
      `<div class="diff-bar"><label><input type="checkbox" class="diff-only"${onlyDifferences ? " checked" : ""}> only differences</label>` +
      `<span class="muted diff-note"></span></div><div class="diff-wrap"><table class="grid diff"></table></div>`);
    this.only = container.querySelector(".diff-only");
    this.note = container.querySelector(".diff-note");
    this.table = container.querySelector("table.diff");
    this.only.addEventListener("change", () => {
      this.render();
      this.onToggle?.(this.only.checked);
    });
    this.rows = [];
  }

  // The runs to compare (rows of the runs table), in the order given.
  setRuns(rows) {
    this.rows = rows;
    this.render();
  }

  render() {
    const rows = this.rows.slice(0, MAX_DIFF_RUNS);
    if (rows.length < 2) {
      this.note.textContent = "tick 2 to 10 runs in the runs table to compare them";
      this.table.innerHTML = "";
      return;
    }
    const cut = this.rows.length - rows.length;
    const columns = columnsOf(rows).filter((c) => !SKIP.has(c.id) && !(c.kind === "metric" && c.system));
    const only = this.only.checked;
    let differing = 0;
    const body = [];
    for (const [kind, title] of SECTIONS) {
      const lines = [];
      for (const column of columns.filter((c) => c.kind === kind)) {
        const values = rows.map((r) => columnValue(r, column));
        const differs = !same(values);
        if (differs) differing++;
        if (only && !differs) continue;
        lines.push(`<tr class="${differs ? "differs" : ""}" data-col="${esc(column.id)}"><th>${esc(column.label)}</th>` +
          values.map((v) => `<td>${esc(shown(column, v))}</td>`).join("") + "</tr>");
      }
      if (lines.length) body.push(`<tr class="diff-section"><th colspan="${rows.length + 1}">${esc(title)}</th></tr>`, ...lines);
    }
    const head = "<tr><th></th>" + rows.map((r) => `<th><span class="swatch" style="background:${this.colourOf(r.id)}"></span>` +
      `<a href="${esc(this.runHref(r))}">${esc(r.name)}</a></th>`).join("") + "</tr>";
    this.table.innerHTML = `<thead>${head}</thead><tbody>${body.join("")}</tbody>`;
    this.note.textContent = `${rows.length} runs, ${differing} of ${columns.length} values differ` +
      (cut ? ` (the first ${MAX_DIFF_RUNS} of ${this.rows.length} selected runs)` : "");
  }
}
