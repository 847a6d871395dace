// The run diff as a page of its own (/projects/{project}/diff?runs=1,2,3): a link that
// shows the same comparison to whoever opens it. The project's runs come from the runs
// table's read; "only differences" is the project's setting, as on the project page.
import { debug, getJSON, pageData } from "./common.js";
import { RunDiff } from "./diff.js";
import { runColour } from "./palette.js";
import { loadView, saveView } from "./viewstate.js";

const { project } = pageData();
const runHref = (row) => `/projects/${encodeURIComponent(project.name)}/runs/${encodeURIComponent(row.name)}`;

async function main() {
  const [answer, saved] = await Promise.all([getJSON(`/web/api/projects/${project.id}/runs`), loadView(project.id)]);
  const diff = new RunDiff({
    container: document.getElementById("diff-page"), colourOf: runColour, runHref,
    onlyDifferences: saved.get("cmp_diffonly")?.get("on") === 1,
    onToggle: (on) => saveView(project.id, [{ kind: "cmp_diffonly", name: "on", value: on ? 1 : 0 }]),
  });
  const byId = new Map(answer.runs.map((r) => [r.id, r]));
  const ids = (new URLSearchParams(location.search).get("runs") ?? "").split(",").filter(Boolean).map(Number);
  diff.setRuns(ids.map((id) => byId.get(id)).filter(Boolean));
  debug.ready = true;
}

main().catch((err) => {
  console.error(err);
  document.getElementById("diff-page").textContent = String(err);
});
