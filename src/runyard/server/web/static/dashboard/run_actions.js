// What the runs table's toolbar does to the ticked runs: archive, restore or delete them
// (each confirmed in a dialog first), and export the table as shown to a CSV file.
import { fmtTime, postJSON } from "./common.js";
import { columnValue } from "./fields.js";

// Ask in the page's <dialog>; resolves true when the user confirms.
export function confirmAction(dialog, text, action) {
  dialog.querySelector(".confirm-text").textContent = text;
  dialog.querySelector("button[value=ok]").textContent = action;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

function plural(n, what) {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

// Archive (or restore) runs; answers the ids changed.
export async function archiveRuns(projectId, runIds, archived) {
  const answer = await postJSON(`/web/api/projects/${projectId}/runs/archive`, { runs: runIds, archived });
  return answer.runs;
}

export async function deleteRuns(projectId, runIds) {
  const answer = await postJSON(`/web/api/projects/${projectId}/runs/delete`, { runs: runIds });
  return answer.deleted;
}

export function describe(action, runs) {
  const names = runs.slice(0, 5).map((r) => r.name).join(", ") + (runs.length > 5 ? ", ..." : "");
  const what = plural(runs.length, "run");
  if (action === "delete") return `Delete ${what} (${names}) with their metrics, logs and files? This cannot be undone.`;
  if (action === "archive") return `Archive ${what} (${names})? They are hidden from the dashboard until restored; nothing is lost.`;
  return `Restore ${what} (${names})?`;
}

// A spreadsheet must not run a cell as a formula: text starting with = + - @ gets a quote.
function cell(value) {
  if (value == null || (typeof value === "number" && Number.isNaN(value))) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function exported(row, column) {
  if (column.id === "start") return fmtTime(row.start_time);
  if (column.id === "duration") {
    const ms = columnValue(row, column);
    return ms == null ? null : ms / 1000;
  }
  return columnValue(row, column);
}

function heading(column) {
  if (column.id === "duration") return "duration_s";
  return column.kind === "metric" && column.summary !== "last" ? `${column.id} (${column.summary})` : column.id;
}

// The CSV text of `rows` with `columns` (as shown: order, metric summaries).
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => cell(heading(c))).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(exported(row, c))).join(","));
  return lines.join("\r\n") + "\r\n";
}

export function downloadCsv(fileName, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
