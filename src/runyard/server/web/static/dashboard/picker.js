// The runs table's column picker: every column (system ones included) with show/hide, pin,
// move up/down and, for metrics, the summary shown (last, min, max); a find box narrows the
// list. Every change goes to the ColumnState (saved per project) and redraws the table.
import { esc } from "./common.js";
import { SUMMARIES } from "./fields.js";

const KINDS = { attr: "run", param: "param", config: "config", summary: "summary", metric: "metric", system: "system" };

export class ColumnPicker {
  constructor({ root, table, state }) {
    this.table = table;
    this.state = state;
    this.find = root.querySelector(".col-find");
    this.list = root.querySelector(".col-list");
    root.addEventListener("toggle", () => root.open && this.render());
    this.find.addEventListener("input", () => this.render());
    root.querySelector(".col-reset").addEventListener("click", () => {
      state.reset(table.allColumns());
      this.changed();
    });
    this.list.addEventListener("change", (e) => this.onChange(e));
    this.list.addEventListener("click", (e) => this.onClick(e));
  }

  render() {
    const needle = this.find.value.trim().toLowerCase();
    const all = this.state.arrange(this.table.allColumns(), false);
    const rows = all.filter((c) => !needle || c.id.toLowerCase().includes(needle));
    this.list.innerHTML = rows.map((c) => {
      const fixed = c.id === "name";
      const shown = this.state.isShown(c) ? " checked" : "";
      const summary = c.kind === "metric"
        ? `<select class="col-summary" aria-label="summary of ${esc(c.id)}">${SUMMARIES.map((s) =>
          `<option value="${s}"${s === c.summary ? " selected" : ""}>${s}</option>`).join("")}</select>` : "";
      return `<li data-col="${esc(c.id)}"><label><input type="checkbox" class="col-shown"${shown}${fixed ? " disabled" : ""}>` +
        ` ${esc(c.label)} <span class="muted small">${KINDS[c.kind] ?? c.kind}${c.system && c.kind !== "system" ? " · system" : ""}</span></label>` +
        `<span class="col-tools">${summary}` + (fixed ? "" :
        `<button type="button" class="small col-pin${c.pinned ? " on" : ""}" aria-pressed="${c.pinned}" title="keep in view">pin</button>` +
        `<button type="button" class="small col-up" title="move left">↑</button>` +
        `<button type="button" class="small col-down" title="move right">↓</button>`) + "</span></li>";
    }).join("");
  }

  onChange(e) {
    const id = e.target.closest("li")?.dataset.col;
    if (!id) return;
    if (e.target.classList.contains("col-shown")) this.state.setShown(id, e.target.checked);
    else if (e.target.classList.contains("col-summary")) this.state.setSummary(id.slice("metrics.".length), e.target.value);
    else return;
    this.changed();
  }

  onClick(e) {
    const button = e.target.closest("button");
    const id = button?.closest("li")?.dataset.col;
    if (!id) return;
    if (button.classList.contains("col-pin")) this.state.setPinned(id, !this.state.pinned.has(id));
    else if (button.classList.contains("col-up")) this.state.move(this.table.allColumns(), id, -1);
    else if (button.classList.contains("col-down")) this.state.move(this.table.allColumns(), id, 1);
    else return;
    this.changed();
  }

  changed() {
    this.table.render();
    this.render();
  }
}
