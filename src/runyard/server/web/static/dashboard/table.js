// The runs table: attributes, params, config, summary and metric columns (fields.js) as the
// user arranged them (columns.js), sortable, filtered (run_filter.js) and brushed (parallel
// coordinates), optionally grouped by a column (grouping.js); checkboxes select the runs the
// charts overlay. Only the rows in view (plus a margin) are in the DOM, between two spacer
// rows: sorting, filtering or grouping 1,000 runs lays out a few dozen rows, not 1,000.
import { editCell } from "./cell_edit.js";
import { debug, esc, fmtDuration, fmtNum, fmtTime } from "./common.js";
import { columnsOf, columnValue } from "./fields.js";
import { announceGroups, groupItems, groupRows } from "./grouping.js";
import { runColour } from "./palette.js";

const ROW_PX = 31; // fixed row height (CSS) lets the window be computed from scrollTop
const MARGIN_ROWS = 6;
const PICK_PX = 34;
const WIDTHS = { name: 220, status: 96, duration: 90, start: 178, tags: 150, notes: 180 };

// A column's width: the attributes' own, else room for the header (numbers and short text fit).
function widthOf(column, label) {
  return WIDTHS[column.id] ?? Math.max(84, Math.min(240, 8 * label.length + 34));
}

function compare(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
const empty = (v) => v == null || v === "" || Number.isNaN(v);

function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

export class RunsTable {
  constructor({ table, countEl, project, columns, onSelect }) {
    this.table = table;
    this.countEl = countEl;
    this.project = project;
    this.state = columns; // ColumnState
    this.onSelect = onSelect || (() => {});
    this.runs = new Map(); // id -> row
    this.selected = new Set();
    this.matching = null; // ids the filter keeps (null: no filter)
    this.brushed = null; // ids the parallel coordinates' brushes keep (null: no brush)
    this.collapsed = new Set();
    this.shown = []; // rows after filter and brush, in display order
    this.items = []; // shown rows with group headers, collapsed groups left out
    this.window = [0, 0];
    this.hovered = null;
    this.scroller = table.closest(".table-wrap");
    this.scroller.addEventListener("scroll", () => this.scrolled());
    table.addEventListener("click", (e) => this.onClick(e));
    table.addEventListener("change", (e) => this.onChange(e));
    table.addEventListener("dblclick", (e) => this.onDblClick(e));
    table.tBodies[0].addEventListener("mouseover", (e) => this.hover(e.target.closest("tr[data-id]")?.dataset.id ?? null, true));
    table.tBodies[0].addEventListener("mouseleave", () => this.hover(null, true));
    document.addEventListener("runyard:hover", (e) => this.hover(e.detail?.runId ?? null, false));
    document.addEventListener("runyard:brush", (e) => {
      const ids = e.detail?.runIds;
      this.brushed = ids ? new Set(ids.map(Number)) : null;
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

  allColumns() {
    return columnsOf([...this.runs.values()]);
  }

  setMatching(ids) {
    this.matching = ids ? new Set(ids) : null;
    this.render();
  }

  render() {
    const started = performance.now();
    this.all = this.allColumns();
    this.cols = this.state.arrange(this.all);
    const byId = new Map(this.state.arrange(this.all, false).map((c) => [c.id, c]));
    const { col, desc } = this.state.sort;
    const sortCol = byId.get(col) ?? byId.get("start");
    let rows = [...this.runs.values()];
    if (this.matching) rows = rows.filter((r) => this.matching.has(r.id));
    if (this.brushed) rows = rows.filter((r) => this.brushed.has(r.id));
    const dir = desc ? -1 : 1;
    const keyed = rows.map((r) => [columnValue(r, sortCol), r]);
    keyed.sort(([va, a], [vb, b]) => {
      if (empty(va) || empty(vb)) return (empty(va) - empty(vb)) || a.id - b.id; // empty cells last either way
      return dir * compare(va, vb) || a.id - b.id;
    });
    this.shown = keyed.map(([, r]) => r);
    this.sortCol = sortCol;
    this.groupCol = this.state.group ? byId.get(this.state.group) ?? null : null;
    this.groups = this.groupCol ? groupRows(this.shown, this.groupCol) : [];
    this.items = this.groupCol ? groupItems(this.groups, this.collapsed) : this.shown;
    this.renderHead();
    this.window = [0, 0];
    this.renderWindow(true);
    this.countEl.textContent = `${this.shown.length} of ${this.runs.size} runs, ${this.selected.size} selected` +
      (this.brushed ? " (brushed)" : "") + (this.groupCol ? `, ${this.groups.length} groups` : "");
    this.onRender?.();
    void this.scroller.offsetHeight; // lay the table out now: the mark says when it is ready to paint
    debug.tableRenderMs = performance.now() - started;
    performance.mark(this.ready ? "runyard:table-updated" : "runyard:table-ready");
    this.ready = true;
    // The charts redraw their group bands after the table is on screen, not before.
    const { groupCol, groups } = this;
    setTimeout(() => announceGroups(groupCol, groups), 0);
  }

  // Fixed column widths (table-layout: fixed): laying out the rows needs no measuring, and
  // the sticky columns' offsets are known without reading the DOM.
  renderHead() {
    const arrow = (c) => (c.id === this.sortCol?.id ? (this.state.sort.desc ? " ▼" : " ▲") : "");
    const label = (c) => (c.kind === "metric" && c.summary !== "last" ? `${c.label} (${c.summary})` : c.label);
    const widths = [PICK_PX, ...this.cols.map((c) => widthOf(c, label(c)))];
    this.sticky = new Map(); // column id -> the CSS `left` of a sticky column
    let left = PICK_PX;
    this.cols.forEach((c, i) => {
      if (c.id === "name" || c.pinned) {
        this.sticky.set(c.id, left);
        left += widths[i + 1];
      }
    });
    this.table.style.width = `${widths.reduce((a, b) => a + b, 0)}px`;
    this.table.querySelector("colgroup")?.remove();
    this.table.insertAdjacentHTML("afterbegin", `<colgroup>${widths.map((w) => `<col style="width:${w}px">`).join("")}</colgroup>`);
    this.table.tHead.innerHTML = `<tr><th class="pick-col sticky" style="left:0"></th>` + this.cols.map((c) =>
      `<th data-col="${esc(c.id)}"${this.attrs(c, c.kind)} title="${esc(c.id)}: click to sort">${esc(label(c))}${arrow(c)}</th>`,
    ).join("") + "</tr>";
  }

  // ` class="..."` of a column's cells, with the sticky offset when the column stays in view.
  attrs(c, cls = "") {
    const left = this.sticky?.get(c.id);
    if (left == null) return cls ? ` class="${cls}"` : "";
    return ` class="${cls} sticky" style="left:${left}px"`;
  }

  // The rows in view plus a margin; spacers keep the scroll height of the whole list.
  renderWindow(force = false) {
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_PX) - MARGIN_ROWS);
    const last = Math.min(this.items.length, Math.ceil((top + height) / ROW_PX) + MARGIN_ROWS);
    if (!force && first >= this.window[0] && last <= this.window[1]) return;
    // Render a wider window than needed, so small scrolls do not re-render.
    const from = Math.max(0, first - MARGIN_ROWS);
    const to = Math.min(this.items.length, last + MARGIN_ROWS);
    this.window = [from, to];
    const span = this.cols.length + 1;
    const spacer = (rows) => (rows ? `<tr class="spacer" style="height:${rows * ROW_PX}px"><td colspan="${span}"></td></tr>` : "");
    this.table.tBodies[0].innerHTML = spacer(from) +
      this.items.slice(from, to).map((item) => (item.group ? this.groupHtml(item.group, span) : this.rowHtml(item))).join("") +
      spacer(this.items.length - to);
  }

  scrolled() {
    if (this.scrollQueued) return;
    this.scrollQueued = true;
    requestAnimationFrame(() => {
      this.scrollQueued = false;
      this.renderWindow();
    });
  }

  groupHtml(group, span) {
    const open = !this.collapsed.has(group.key);
    const picked = group.rows.every((r) => this.selected.has(r.id)) ? " checked" : "";
    return `<tr class="group-row" data-group="${esc(group.key)}"><td class="pick-col sticky" style="left:0"><input type="checkbox" class="pick-group"` +
      ` aria-label="select group ${esc(group.label)}"${picked}></td><td colspan="${span - 1}"><span class="group-label">` +
      `<button type="button" class="group-toggle small" aria-expanded="${open}">${open ? "▾" : "▸"}</button>` +
      `<span class="swatch" style="background:${group.colour}"></span>${esc(this.groupCol.id)} = <b>${esc(group.label)}</b>` +
      ` <span class="muted">${group.rows.length} run${group.rows.length === 1 ? "" : "s"}</span></span></td></tr>`;
  }

  cellHtml(r, c) {
    const td = (cls = "", extra = "") => `<td${this.attrs(c, cls)}${extra}>`;
    switch (c.id) {
      case "name":
        return `${td("name")}<span class="swatch" data-isolate="${r.id}" title="isolate this run" style="background:${runColour(r.id)}"></span>` +
          `<a href="/projects/${encodeURIComponent(this.project.name)}/runs/${encodeURIComponent(r.name)}">${esc(r.name)}</a>` +
          (r.archived ? ` <span class="archived-badge">archived</span>` : "") + "</td>";
      case "status":
        return `${td()}<span class="status" data-status="${esc(r.status)}">${esc(r.status)}</span></td>`;
      case "duration":
        return `${td("num")}${esc(fmtDuration(columnValue(r, c)))}</td>`;
      case "start":
        return `${td("muted")}${esc(fmtTime(r.start_time))}</td>`;
      case "tags":
        return `${td("editable", ' data-edit="tags" title="double-click to edit"')}${r.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</td>`;
      case "notes":
        return `${td("editable notes", ' data-edit="notes" title="double-click to edit"')}${esc(r.notes)}</td>`;
      default: {
        const v = columnValue(r, c);
        return typeof v === "number" ? `${td("num")}${esc(fmtNum(v))}</td>` : `${td()}${esc(v ?? "")}</td>`;
      }
    }
  }

  rowHtml(r) {
    const checked = this.selected.has(r.id) ? " checked" : "";
    const hovered = this.hovered === r.id ? " hovered" : "";
    return `<tr data-id="${r.id}" class="${hovered}${r.archived ? " archived" : ""}"><td class="pick-col sticky" style="left:0"><input type="checkbox" class="pick" aria-label="select ${esc(r.name)}"${checked}></td>` +
      this.cols.map((c) => this.cellHtml(r, c)).join("") + "</tr>";
  }

  // Update one row in place (live status or metric); it keeps its place until the next render.
  update(id, changes) {
    const r = this.row(id);
    if (!r) return;
    Object.assign(r, changes);
    const tr = this.table.querySelector(`tr[data-id="${r.id}"]`);
    if (tr) {
      tr.outerHTML = this.rowHtml(r);
    }
  }

  updateMetrics(id, metrics) {
    const r = this.row(id);
    if (!r) return;
    const grew = Object.keys(metrics).some((k) => !(k in r.metrics));
    r.metrics_min ??= {};
    r.metrics_max ??= {};
    for (const [k, cols] of Object.entries(metrics)) {
      r.metrics[k] = cols.values[cols.values.length - 1];
      const finite = cols.values.filter((v) => typeof v === "number" && !Number.isNaN(v));
      if (!finite.length) continue;
      const low = Math.min(...finite);
      const high = Math.max(...finite);
      r.metrics_min[k] = typeof r.metrics_min[k] === "number" ? Math.min(r.metrics_min[k], low) : low;
      r.metrics_max[k] = typeof r.metrics_max[k] === "number" ? Math.max(r.metrics_max[k], high) : high;
    }
    if (grew) this.render();
    else this.update(id, {});
  }

  setSelected(ids, notify = true) {
    this.selected = new Set(ids.map(Number));
    this.render();
    if (notify) this.selectionChanged();
  }

  selectionChanged() {
    const ids = [...this.selected];
    this.countEl.textContent = this.countEl.textContent.replace(/\d+ selected/, `${ids.length} selected`);
    this.onSelect(ids);
    emit("runyard:selection", { runIds: ids });
  }

  // Hovering a row tells the page (charts and comparison views highlight the run); a hover
  // from elsewhere highlights the row.
  hover(id, mine) {
    const runId = id == null ? null : Number(id);
    if (runId === this.hovered) return;
    this.table.querySelector("tr.hovered")?.classList.remove("hovered");
    this.hovered = runId;
    if (runId != null) this.table.querySelector(`tr[data-id="${runId}"]`)?.classList.add("hovered");
    if (mine) emit("runyard:hover", { runId });
  }

  onClick(e) {
    const isolate = e.target.closest("[data-isolate]");
    if (isolate) {
      const runId = Number(isolate.dataset.isolate);
      this.isolated = this.isolated === runId ? null : runId;
      emit("runyard:isolate", { runId: this.isolated });
      return;
    }
    const toggle = e.target.closest(".group-toggle");
    if (toggle) {
      const key = toggle.closest("tr").dataset.group;
      if (this.collapsed.has(key)) this.collapsed.delete(key);
      else this.collapsed.add(key);
      this.items = groupItems(this.groups, this.collapsed);
      this.renderWindow(true);
      performance.mark("runyard:table-updated");
      return;
    }
    const th = e.target.closest("th[data-col]");
    if (!th) return;
    const col = th.dataset.col;
    this.state.setSort(col, this.state.sort.col === col ? !this.state.sort.desc : false);
    this.render();
  }

  onChange(e) {
    if (e.target.classList.contains("pick-group")) {
      const group = this.groups.find((g) => g.key === e.target.closest("tr").dataset.group);
      for (const r of group?.rows ?? []) {
        if (e.target.checked) this.selected.add(r.id);
        else this.selected.delete(r.id);
      }
      this.renderWindow(true);
      this.selectionChanged();
      return;
    }
    if (!e.target.classList.contains("pick")) return;
    const id = Number(e.target.closest("tr").dataset.id);
    if (e.target.checked) this.selected.add(id);
    else this.selected.delete(id);
    this.selectionChanged();
  }

  onDblClick(e) {
    const td = e.target.closest("td[data-edit]");
    if (!td) return;
    const id = td.closest("tr").dataset.id;
    editCell(td, this.row(id), this.project.name, () => this.update(id, {}));
  }
}
