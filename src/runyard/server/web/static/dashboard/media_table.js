// A logged table: one step at a time (a step slider), sorted by clicking a column header
// (numbers as numbers, text as text; again to reverse).
import { esc, num } from "./common.js";
import { getItem, StepSlider } from "./media_data.js";

const MAX_ROWS_SHOWN = 2000;

// Order of two cells: numbers before text, empty cells last.
export function compareCells(a, b) {
  const empty = (v) => v == null || v === "";
  if (empty(a) || empty(b)) return empty(a) - empty(b);
  const x = typeof a === "number" || ["NaN", "Infinity", "-Infinity"].includes(a) ? num(a) : null;
  const y = typeof b === "number" || ["NaN", "Infinity", "-Infinity"].includes(b) ? num(b) : null;
  if (x != null && y != null) {
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) - Number.isNaN(y);
    return x - y;
  }
  if (x != null || y != null) return x != null ? -1 : 1;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export class TablePanel {
  constructor(body, runId, series) {
    this.runId = runId;
    this.key = series.key;
    this.sort = null; // {column, descending}
    this.data = null;
    this.drawn = 0;
    this.wrap = document.createElement("div");
    this.wrap.className = "media-table-wrap";
    body.append(this.wrap);
    this.slider = new StepSlider(body, series.steps, (step) => this.show(step));
    this.wrap.addEventListener("click", (event) => {
      const th = event.target.closest("th[data-col]");
      if (!th) return;
      const column = Number(th.dataset.col);
      const descending = this.sort?.column === column ? !this.sort.descending : false;
      this.sort = { column, descending };
      this.render();
    });
    this.ready = this.show(this.slider.step);
  }

  get step() {
    return this.slider.step;
  }

  async show(step) {
    if (step == null) return;
    const data = await getItem(this.runId, this.key, step, "table");
    if (step !== this.slider.step) return; // the slider moved on meanwhile
    this.data = data;
    this.render();
  }

  async add(step) {
    if (this.slider.add(step)) await this.show(step);
  }

  rows() {
    const rows = this.data.rows.map((row, i) => ({ row, i }));
    if (this.sort) {
      const { column, descending } = this.sort;
      rows.sort((a, b) => (descending ? -1 : 1) * compareCells(a.row[column], b.row[column]) || a.i - b.i);
    }
    return rows.map((r) => r.row);
  }

  render() {
    const { columns } = this.data;
    const rows = this.rows();
    const head = columns.map((name, c) => {
      const sorted = this.sort?.column === c ? (this.sort.descending ? "descending" : "ascending") : "none";
      const arrow = sorted === "ascending" ? " \u25B2" : sorted === "descending" ? " \u25BC" : "";
      return `<th data-col="${c}" aria-sort="${sorted}" title="sort">${esc(name)}${arrow}</th>`;
    }).join("");
    const body = rows.slice(0, MAX_ROWS_SHOWN).map((row) => `<tr>${row.map((cell) => {
      const numeric = typeof cell === "number";
      return `<td class="${numeric ? "num" : ""}">${esc(cell === null ? "" : cell)}</td>`;
    }).join("")}</tr>`).join("");
    const more = rows.length > MAX_ROWS_SHOWN ? `<p class="muted small">first ${MAX_ROWS_SHOWN} of ${rows.length} rows</p>` : "";
    this.wrap.innerHTML = `<table class="grid media-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
    this.drawn += 1;
  }
}
