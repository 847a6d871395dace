// What a project page remembers about its layout, kept on the server per project
// (`/web/api/projects/{id}/view`), so a reload or another browser opens the page as it was left.
//
// Settings are (kind, name) -> small integer (-1000..1000). Each view namespaces its kinds:
// `ws_*` workspace, `tbl_*` runs table, `cmp_*` comparison views. A string choice (the x-axis
// metric) is a name with value 1. Saving is debounced and fire-and-forget: a burst of
// changes (dragging a slider, ticking columns) is one request; a failure shows in the
// page's status line and never breaks the page.
import { debug, getJSON, putJSON } from "./common.js";

const SAVE_AFTER_MS = 300;
const pending = new Map(); // project id -> Map "kind\0name" -> {kind, name, value} (value undefined: remove)
const timers = new Map();
// The saves sent, one after another: two PUTs in flight at once could be applied in either order,
// and an older value would then overwrite a newer one.
let sending = Promise.resolve();

function url(projectId) {
  return `/web/api/projects/${encodeURIComponent(projectId)}/view`;
}

function toMap(settings) {
  const byKind = new Map();
  for (const { kind, name, value } of settings) {
    if (!byKind.has(kind)) byKind.set(kind, new Map());
    byKind.get(kind).set(name, value);
  }
  return byKind;
}

// The project's settings: Map kind -> Map name -> value (empty when nothing is stored, or the read failed).
export async function loadView(projectId) {
  try {
    const answer = await getJSON(url(projectId));
    return toMap(answer.settings);
  } catch (err) {
    showProblem(`layout not loaded: ${err.message}`);
    return new Map();
  }
}

// Store `set` ([{kind, name, value}]) and forget `remove` ([{kind, name}]), soon; later changes
// of the same (kind, name) win.
export function saveView(projectId, set = [], remove = []) {
  const queue = pending.get(projectId) ?? new Map();
  pending.set(projectId, queue);
  for (const { kind, name } of remove) queue.set(`${kind}\0${name}`, { kind, name, value: undefined });
  for (const { kind, name, value } of set) queue.set(`${kind}\0${name}`, { kind, name, value });
  clearTimeout(timers.get(projectId));
  timers.set(projectId, setTimeout(() => flush(projectId), SAVE_AFTER_MS));
}

// Send what is queued now (the page calls it when hidden; tests await it).
export async function flushView(projectId) {
  clearTimeout(timers.get(projectId));
  const queue = pending.get(projectId);
  pending.delete(projectId);
  if (queue && queue.size) flush(projectId, queue);
  await sending; // every save asked for so far has been answered
}

async function flush(projectId, queue = pending.get(projectId), keepalive = false) {
  pending.delete(projectId);
  if (!queue || !queue.size) return;
  const changes = [...queue.values()];
  const body = {
    set: changes.filter((c) => c.value !== undefined),
    remove: changes.filter((c) => c.value === undefined).map(({ kind, name }) => ({ kind, name })),
  };
  // keepalive: the request outlives the page when it is sent while the page closes (no waiting then).
  const send = () => keepalive
    ? fetch(url(projectId), { method: "PUT", keepalive, headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) })
    : putJSON(url(projectId), body);
  const sent = (keepalive ? send() : sending.then(send)).then(
    () => (debug.viewSaves = (debug.viewSaves || 0) + 1),
    (err) => showProblem(`layout not saved: ${err.message}`),
  );
  sending = sent;
  await sent;
}

function showProblem(text) {
  console.warn(text);
  const el = document.getElementById("view-status") ?? document.getElementById("chart-status");
  if (el) el.textContent = text;
}

// A page being closed right after a change still saves it.
addEventListener("pagehide", () => {
  for (const [projectId, queue] of [...pending]) {
    clearTimeout(timers.get(projectId));
    flush(projectId, queue, true);
  }
});
