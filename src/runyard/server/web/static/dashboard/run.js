// Run page: its charts, live console, status, and tags/notes editing.
import { ChartBoard } from "./board.js";
import { debug, esc, getJSON, LiveStream, metadataUrl, pageData, putJSON } from "./common.js";

const MAX_CONSOLE_LINES = 5000;
const page = pageData();
const run = page.run;
const $ = (id) => document.getElementById(id);

const board = new ChartBoard({ container: $("charts"), runInfo: () => run });
const consoleEl = $("console");

function addLines(lines) {
  if (!lines.length) return;
  const stick = consoleEl.scrollTop + consoleEl.clientHeight >= consoleEl.scrollHeight - 4;
  const html = lines.map((l) => `<span class="${l.stream === "stderr" ? "err" : ""}">${esc(l.line)}</span>\n`).join("");
  consoleEl.insertAdjacentHTML("beforeend", html);
  while (consoleEl.childElementCount > MAX_CONSOLE_LINES) consoleEl.firstElementChild.remove();
  if (stick) consoleEl.scrollTop = consoleEl.scrollHeight;
}

function showStatus(status) {
  const el = $("run-status");
  el.textContent = status;
  el.dataset.status = status;
  run.status = status;
}

let lastLogId = 0;
const stream = new LiveStream({
  metrics: (data) => board.appendLive(data.run_id, data.metrics),
  logs: (data) => {
    const fresh = data.lines.filter((l) => l.id > lastLogId);
    if (fresh.length) lastLogId = fresh[fresh.length - 1].id;
    addLines(fresh);
  },
  status: (data) => showStatus(data.status.toLowerCase()),
});

// Click "edit", change, then "save" (the same button), stored through the metadata API.
function editable(field, toValue, show) {
  const button = $(`${field}-edit`);
  const input = $(`${field}-input`);
  const view = $(`${field}-view`);
  button.addEventListener("click", async () => {
    if (input.hidden) {
      input.hidden = false;
      view.hidden = true;
      button.textContent = "save";
      input.focus();
      return;
    }
    const value = toValue(input.value);
    try {
      const answer = await putJSON(metadataUrl(page.project.name, run.name), { [field]: value });
      show(answer[field] ?? value);
      input.hidden = true;
      view.hidden = false;
      button.textContent = "edit";
      debug.saved = (debug.saved || 0) + 1;
    } catch (err) {
      console.warn("could not save", field, err);
      button.title = `not saved: ${err.message}`;
    }
  });
}

editable("tags", (text) => text.split(",").map((t) => t.trim()).filter(Boolean),
  (tags) => ($("tags-view").innerHTML = tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")));
editable("notes", (text) => text, (notes) => ($("notes-view").textContent = notes));

board.wireControls();

async function main() {
  const logs = await getJSON(`/web/api/runs/${run.id}/logs?tail=1000`);
  addLines(logs.lines);
  if (logs.lines.length) lastLogId = logs.lines[logs.lines.length - 1].id;
  board.runIds = [run.id];
  board.setKeys(page.keys);
  if (!page.keys.length) $("chart-status").textContent = "no metrics logged yet";
  stream.follow([run.id], logs.cursor);
  debug.ready = true;
}

main().catch((err) => console.error(err));
