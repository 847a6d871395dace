// The runs table: status, duration, tags, notes, params and latest metrics as sortable,
// filterable columns; checkboxes select the runs the charts overlay; double-click a tags
// or notes cell to edit it. Only the rows in view (plus a margin) are in the DOM, between
// two spacer rows: sorting or filtering 1,000 runs lays out a few dozen rows, not 1,000.
import { esc, fmtDuration, fmtNum, fmtTime, metadataUrl, num, putJSON, runColor } from "./common.js";
import { ATTRIBUTES, columnValue } from "./fields.js";

const FIXED = ATTRIBUTES.filter((c) => !c.system);

function compare(a, b) {
  if (a == null || a === "") return b == null || b === "" ? 0 : 1;
  if (b == null || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

const TERM = /^([\w./-]+?)(<=|>=|!=|=|<|>|~)(.*)$/;
const ROW_PX = 31; // fixed row height (CSS) lets the window be computed from scrollTop
const MARGIN_ROWS = 20;

export class RunsTable {
  constructor({ table, filterInput, countEl, project, onSelect }) {
    this.table = table;
    this.filterInput = filterInput;
    this.countEl = countEl;
    this.project = project;
    this.onSelect = onSelect || (() => {});
    this.runs = new Map(); // id -> row
    this.selected = new Set();
    this.sort = { col: "start", desc: true };
    this.filter = "";
    this.shown = [];
    this.window = [0, 0];
    this.scroller = table.closest(".table-wrap");
    this.scroller.addEventListener("scroll", () => this.scrolled());
    table.addEventListener("click", (e) => this.onClick(e));
    table.addEventListener("change", (e) => this.onChange(e));
    table.addEventListener("dblclick", (e) => this.onDblClick(e));
    filterInput.addEventListener("input", () => {
      this.filter = filterInput.value.trim();
      this.render();
    });
  }

  setRuns(rows) {
    this.runs = new Map(rows.map((r) => [r.id, r]));
    this.render();
  }

  row(id) {
    return this.runs.get(Number(id));
  }

  columns() {
    const params = new Set();
    const metrics = new Set();
    for (const r of this.runs.values()) {
      for (const k in r.params) params.add(k);
      for (const k in r.metrics) metrics.add(k);
    }
    return [
      ...FIXED,
      ...[...params].sort().map((k) => ({ id: `params.${k}`, label: k, kind: "param", get: (r) => r.params[k] })),
      ...[...metrics].sort().map((k) => ({ id: `metrics.${k}`, label: k, kind: "metric", get: (r) => num(r.metrics[k]) })),
    ];
  }

  // Free words match name, tags, notes or status; `col<op>value` compares a column
  // (a metric or param by its bare name, or `metrics.x` / `params.x`).
  matcher(columns) {
    const byName = new Map();
    for (const c of columns) {
      byName.set(c.id, c);
      if (!byName.has(c.label)) byName.set(c.label, c);
    }
    const tests = this.filter.split(/\s+/).filter(Boolean).map((word) => {
      const m = TERM.exec(word);
      const col = m && byName.get(m[1]);
      if (!col) {
        const needle = word.toLowerCase();
        return (r) => `${r.name} ${r.status} ${r.tags.join(" ")} ${r.notes}`.toLowerCase().includes(needle);
      }
      const [, , op, raw] = m;
      const target = raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw.toLowerCase();
      return (r) => {
        let v = col.get(r);
        if (v == null) return false;
        if (typeof target === "string") v = String(v).toLowerCase();
        else if (typeof v !== "number") v = Number(v);
        switch (op) {
          case "=": return v === target;
          case "!=": return v !== target;
          case "<": return v < target;
          case "<=": return v <= target;
          case ">": return v > target;
          case ">=": return v >= target;
          default: return String(v).includes(String(target));
        }
      };
    });
    return (r) => tests.every((t) => t(r));
  }

  render() {
    const columns = this.columns();
    this.cols = columns;
    const sortCol = columns.find((c) => c.id === this.sort.col) || columns[3];
    const keep = this.matcher(columns);
    const rows = [...this.runs.values()].filter(keep);
    const dir = this.sort.desc ? -1 : 1;
    rows.sort((a, b) => {
      const va = sortCol.get(a);
      const vb = sortCol.get(b);
      const empty = (v) => v == null || v === "";
      if (empty(va) || empty(vb)) return compare(va, vb); // empty cells last either way
      return dir * compare(va, vb) || a.id - b.id;
    });
    this.shown = rows;
    const arrow = (c) => (c.id === sortCol.id ? (this.sort.desc ? " ▼" : " ▲") : "");
    this.table.tHead.innerHTML = "<tr><th></th>" + columns.map((c) =>
      `<th data-col="${esc(c.id)}" class="${c.kind || ""}" title="sort by ${esc(c.id)}">${esc(c.label)}${arrow(c)}</th>`,
    ).join("") + "</tr>";
    this.window = [0, 0];
    this.renderWindow(true);
    this.countEl.textContent = `${rows.length} of ${this.runs.size} runs, ${this.selected.size} selected`;
  }

  // The rows in view plus a margin; spacers keep the scroll height of the whole list.
  renderWindow(force = false) {
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_PX) - MARGIN_ROWS);
    const last = Math.min(this.shown.length, Math.ceil((top + height) / ROW_PX) + MARGIN_ROWS);
    if (!force && first >= this.window[0] && last <= this.window[1]) return;
    // Render a wider window than needed, so small scrolls do not re-render.
    const from = Math.max(0, first - MARGIN_ROWS);
    const to = Math.min(this.shown.length, last + MARGIN_ROWS);
    this.window = [from, to];
    const span = this.cols.length + 1;
    const spacer = (rows) => (rows ? `<tr class="spacer" style="height:${rows * ROW_PX}px"><td colspan="${span}"></td></tr>` : "");
    this.table.tBodies[0].innerHTML = spacer(from) +
      this.shown.slice(from, to).map((r) => this.rowHtml(r, this.cols)).join("") + spacer(this.shown.length - to);
  }

  scrolled() {
    if (this.scrollQueued) return;
    this.scrollQueued = true;
    requestAnimationFrame(() => {
      this.scrollQueued = false;
      this.renderWindow();
    });
  }

  rowHtml(r, columns) {
    const cells = columns.map((c) => {
      switch (c.id) {
        case "name":
          return `<td class="name"><span class="swatch" style="background:${runColor(r.id)}"></span>` +
            `<a href="/projects/${encodeURIComponent(this.project.name)}/runs/${encodeURIComponent(r.name)}">${esc(r.name)}</a></td>`;
        case "status":
          return `<td><span class="status" data-status="${esc(r.status)}">${esc(r.status)}</span></td>`;
        case "duration":
          return `<td class="num">${esc(fmtDuration(columnValue(r, "duration")))}</td>`;
        case "start":
          return `<td class="muted">${esc(fmtTime(r.start_time))}</td>`;
        case "tags":
          return `<td class="editable" data-edit="tags" title="double-click to edit">${r.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</td>`;
        case "notes":
          return `<td class="editable notes" data-edit="notes" title="double-click to edit">${esc(r.notes)}</td>`;
        default: {
          const v = c.get(r);
          return typeof v === "number" ? `<td class="num">${esc(fmtNum(v))}</td>` : `<td>${esc(v ?? "")}</td>`;
        }
      }
    }).join("");
    const checked = this.selected.has(r.id) ? " checked" : "";
    return `<tr data-id="${r.id}"><td><input type="checkbox" class="pick" aria-label="select ${esc(r.name)}"${checked}></td>${cells}</tr>`;
  }

  // Update one row in place (live status or metric), unless its sort position may change.
  update(id, changes) {
    const r = this.row(id);
    if (!r) return;
    Object.assign(r, changes);
    const tr = this.table.querySelector(`tr[data-id="${r.id}"]`);
    if (tr) tr.outerHTML = this.rowHtml(r, this.cols || this.columns());
  }

  updateMetrics(id, metrics) {
    const r = this.row(id);
    if (!r) return;
    const grew = Object.keys(metrics).some((k) => !(k in r.metrics));
    for (const [k, cols] of Object.entries(metrics)) r.metrics[k] = cols.values[cols.values.length - 1];
    if (grew) this.render();
    else this.update(id, {});
  }

  setSelected(ids, notify = true) {
    this.selected = new Set(ids.map(Number));
    this.render();
    if (notify) this.onSelect([...this.selected]);
  }

  onClick(e) {
    const th = e.target.closest("th[data-col]");
    if (!th) return;
    const col = th.dataset.col;
    this.sort = { col, desc: this.sort.col === col ? !this.sort.desc : false };
    this.render();
  }

  onChange(e) {
    if (!e.target.classList.contains("pick")) return;
    const id = Number(e.target.closest("tr").dataset.id);
    if (e.target.checked) this.selected.add(id);
    else this.selected.delete(id);
    this.countEl.textContent = `${this.shown.length} of ${this.runs.size} runs, ${this.selected.size} selected`;
    this.onSelect([...this.selected]);
  }

  onDblClick(e) {
    const td = e.target.closest("td[data-edit]");
    if (!td || td.querySelector("input")) return;
    const r = this.row(td.closest("tr").dataset.id);
    const field = td.dataset.edit;
    const input = document.createElement("input");
    input.type = "text";
    input.className = "cell-edit";
    input.value = field === "tags" ? r.tags.join(", ") : r.notes;
    td.replaceChildren(input);
    input.focus();
    const finish = async (save) => {
      input.onblur = null;
      if (save) {
        const value = field === "tags" ? input.value.split(",").map((t) => t.trim()).filter(Boolean) : input.value;
        try {
          await putJSON(metadataUrl(this.project.name, r.name), { [field]: value });
          r[field] = value;
        } catch (err) {
          console.warn("could not save", field, err);
          td.title = `not saved: ${err.message}`;
        }
      }
      this.update(r.id, {});
    };
    input.onkeydown = (ev) => {
      if (ev.key === "Enter") finish(true);
      else if (ev.key === "Escape") finish(false);
    };
    input.onblur = () => finish(true);
  }
}
