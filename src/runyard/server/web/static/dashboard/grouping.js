// Grouping the runs table by a column: one header row per distinct value (collapsible, with its
// run count) above its runs, and the groups announced to the page (`runyard:groups`), so the
// charts draw each group's mean with a min-max band.
import { fmtNum } from "./common.js";
import { columnValue } from "./fields.js";
import { colourAt } from "./palette.js";

const EMPTY = "\u0000none"; // the key of runs without a value in the column

function keyOf(value) {
  if (value == null || value === "") return EMPTY;
  return typeof value === "number" ? `n:${value}` : `s:${value}`;
}

function labelOf(value) {
  if (value == null || value === "") return "(none)";
  return typeof value === "number" ? fmtNum(value) : String(value);
}

function compareValues(a, b) {
  if (a.empty !== b.empty) return a.empty ? 1 : -1;
  if (typeof a.value === "number" && typeof b.value === "number") return a.value - b.value;
  return String(a.value).localeCompare(String(b.value), undefined, { numeric: true });
}

// Groups of `rows` (already sorted: each group keeps that order) by `column`, ordered by value.
export function groupRows(rows, column) {
  const groups = new Map();
  for (const row of rows) {
    const value = columnValue(row, column);
    const key = keyOf(value);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, value, empty: key === EMPTY, label: labelOf(value), rows: [] }));
    group.rows.push(row);
  }
  const sorted = [...groups.values()].sort(compareValues);
  sorted.forEach((g, i) => (g.colour = colourAt(i)));
  return sorted;
}

// The table's display list: a header item per group, then its rows unless it is collapsed.
export function groupItems(groups, collapsed) {
  const items = [];
  for (const group of groups) {
    items.push({ group });
    if (!collapsed.has(group.key)) for (const row of group.rows) items.push(row);
  }
  return items;
}

// `runyard:groups` on the document; sent again only when the groups' members changed.
let lastSent = null;
export function announceGroups(column, groups) {
  const detail = column
    ? { column: column.id, groups: groups.map((g) => ({ key: g.key, label: g.label, colour: g.colour, runIds: g.rows.map((r) => r.id) })) }
    : { column: null };
  const signature = JSON.stringify(detail);
  if (signature === lastSent) return;
  lastSent = signature;
  document.dispatchEvent(new CustomEvent("runyard:groups", { detail }));
}
