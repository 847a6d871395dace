// The runs table's toolbar: group by a column, show archived runs, archive / restore /
// delete the ticked runs (confirmed in a dialog), export the table as shown to CSV.
import { esc } from "./common.js";
import { archiveRuns, confirmAction, deleteRuns, describe, downloadCsv, toCsv } from "./run_actions.js";

const $ = (id) => document.getElementById(id);

function fillGroupBy(select, table) {
  const columns = table.state.arrange(table.allColumns(), false).filter((c) => c.id !== "name");
  const chosen = table.state.group ?? "";
  const signature = columns.map((c) => c.id).join("\n");
  if (select.dataset.signature === signature && select.value === chosen) return;
  select.dataset.signature = signature;
  select.innerHTML = `<option value="">(none)</option>` +
    columns.map((c) => `<option value="${esc(c.id)}">${esc(c.id)}</option>`).join("");
  select.value = chosen;
}

export function wireTableTools({ table, project, reload, setShowArchived }) {
  const status = $("table-status");
  const say = (text) => (status.textContent = text);
  const groupBy = $("group-by");
  groupBy.addEventListener("focus", () => fillGroupBy(groupBy, table));
  groupBy.addEventListener("pointerdown", () => fillGroupBy(groupBy, table));
  groupBy.addEventListener("change", () => {
    table.state.setGroup(groupBy.value || null);
    table.collapsed.clear();
    table.render();
  });
  table.onRender = () => fillGroupBy(groupBy, table);

  $("show-archived").addEventListener("change", async (e) => {
    setShowArchived(e.target.checked);
    $("restore-selected").hidden = !e.target.checked;
    await reload();
  });

  // The ticked runs an action applies to (archived ones only for restore).
  const ticked = (archived) => [...table.selected].map((id) => table.row(id)).filter((r) => r && (archived == null || r.archived === archived));
  const act = async (action, runs, run) => {
    if (!runs.length) {
      say(`tick the runs to ${action} first`);
      return;
    }
    if (!(await confirmAction($("confirm-dialog"), describe(action, runs), action))) return;
    try {
      await run(runs.map((r) => r.id));
      say(`${action}d ${runs.length} run${runs.length === 1 ? "" : "s"}`);
      await reload();
    } catch (err) {
      say(`${action} failed: ${err.message}`);
    }
  };
  $("archive-selected").addEventListener("click", () => act("archive", ticked(false), (ids) => archiveRuns(project.id, ids, true)));
  $("restore-selected").addEventListener("click", () => act("restore", ticked(true), (ids) => archiveRuns(project.id, ids, false)));
  $("delete-selected").addEventListener("click", () => act("delete", ticked(null), (ids) => {
    // Untick them first, so that no view (charts, media) is still following a run about to go.
    table.setSelected([...table.selected].filter((id) => !ids.includes(id)));
    return deleteRuns(project.id, ids);
  }));

  $("export-csv").addEventListener("click", () => {
    const text = toCsv(table.cols, table.shown);
    downloadCsv(`${project.name.replace(/[^\w.-]+/g, "_")}-runs.csv`, text);
    say(`exported ${table.shown.length} runs`);
  });
}
