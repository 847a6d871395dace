// Which columns the runs table shows, in which order, which are pinned, each metric's summary
// (last, min, max), the group-by column and the sort: kept per project on the server as view
// settings of kinds `tbl_*` (viewstate.js), so a reload or another browser shows the same table.
//   tbl_col   column id -> 1 shown / 0 hidden (absent: the default, system columns hidden)
//   tbl_pin   column id -> 1 (pinned columns follow the name column and stay in view)
//   tbl_order column id -> position (set for every column once the user reorders)
//   tbl_summary metric key -> 0 last / 1 min / 2 max
//   tbl_group column id -> 1 (at most one)
//   tbl_sort  column id -> 1 ascending / -1 descending (at most one)
import { SUMMARIES } from "./fields.js";
import { saveView } from "./viewstate.js";

const LATE = 100000; // columns without a saved position come after the positioned ones

function one(saved, kind) {
  const entries = [...(saved.get(kind) ?? new Map())];
  return entries.length ? entries[0] : null;
}

export class ColumnState {
  constructor(projectId, saved = new Map()) {
    this.projectId = projectId;
    const kind = (k) => new Map(saved.get(k) ?? []);
    this.shown = kind("tbl_col");
    this.pinned = new Set([...kind("tbl_pin")].filter(([, v]) => v > 0).map(([id]) => id));
    this.order = kind("tbl_order");
    this.summaries = kind("tbl_summary");
    const group = one(saved, "tbl_group");
    this.group = group ? group[0] : null;
    const sort = one(saved, "tbl_sort");
    this.sort = sort ? { col: sort[0], desc: sort[1] < 0 } : { col: "start", desc: true };
  }

  save(set, remove = []) {
    saveView(this.projectId, set, remove);
  }

  isShown(column) {
    if (column.id === "name") return true;
    const saved = this.shown.get(column.id);
    return saved == null ? !column.system : saved > 0;
  }

  summaryOf(key) {
    return SUMMARIES[this.summaries.get(key) ?? 0] ?? "last";
  }

  // Every column in display order (name first, then pinned, then the rest), each with its
  // metric summary; `visible` keeps only the shown ones.
  arrange(all, visible = true) {
    const index = new Map(all.map((c, i) => [c.id, i]));
    const rank = (c) => (this.order.has(c.id) ? this.order.get(c.id) : LATE + index.get(c.id));
    const sorted = [...all].sort((a, b) => rank(a) - rank(b));
    const name = sorted.filter((c) => c.id === "name");
    const pinned = sorted.filter((c) => c.id !== "name" && this.pinned.has(c.id));
    const rest = sorted.filter((c) => c.id !== "name" && !this.pinned.has(c.id));
    return [...name, ...pinned, ...rest]
      .filter((c) => !visible || this.isShown(c))
      .map((c) => (c.kind === "metric" ? { ...c, summary: this.summaryOf(c.key), pinned: this.pinned.has(c.id) }
        : { ...c, pinned: this.pinned.has(c.id) }));
  }

  setShown(id, on) {
    this.shown.set(id, on ? 1 : 0);
    this.save([{ kind: "tbl_col", name: id, value: on ? 1 : 0 }]);
  }

  setPinned(id, on) {
    if (on) this.pinned.add(id);
    else this.pinned.delete(id);
    this.save(on ? [{ kind: "tbl_pin", name: id, value: 1 }] : [], on ? [] : [{ kind: "tbl_pin", name: id }]);
  }

  // Move a column `delta` places among `all` (in display order); every position is saved,
  // so later columns (a new config key) keep the order the user made around them.
  move(all, id, delta) {
    const ids = this.arrange(all, false).map((c) => c.id);
    const from = ids.indexOf(id);
    const to = Math.max(0, Math.min(ids.length - 1, from + delta));
    if (from < 0 || from === to) return;
    ids.splice(to, 0, ...ids.splice(from, 1));
    this.order = new Map(ids.map((c, i) => [c, Math.min(i, 1000)]));
    this.save(ids.map((name, i) => ({ kind: "tbl_order", name, value: Math.min(i, 1000) })));
  }

  setSummary(key, which) {
    const value = Math.max(0, SUMMARIES.indexOf(which));
    this.summaries.set(key, value);
    this.save(value ? [{ kind: "tbl_summary", name: key, value }] : [], value ? [] : [{ kind: "tbl_summary", name: key }]);
  }

  setGroup(id) {
    const old = this.group;
    this.group = id || null;
    this.save(this.group ? [{ kind: "tbl_group", name: this.group, value: 1 }] : [],
      old && old !== this.group ? [{ kind: "tbl_group", name: old }] : []);
  }

  setSort(col, desc) {
    const old = this.sort.col;
    this.sort = { col, desc };
    this.save([{ kind: "tbl_sort", name: col, value: desc ? -1 : 1 }], old !== col ? [{ kind: "tbl_sort", name: old }] : []);
  }

  // Back to the defaults: every tbl_* choice forgotten.
  reset(all) {
    const remove = [];
    for (const [kind, names] of [["tbl_col", this.shown.keys()], ["tbl_pin", this.pinned], ["tbl_order", this.order.keys()],
      ["tbl_summary", this.summaries.keys()]]) for (const name of names) remove.push({ kind, name });
    this.shown = new Map();
    this.pinned = new Set();
    this.order = new Map();
    this.summaries = new Map();
    this.save([], remove);
    return this.arrange(all);
  }
}
