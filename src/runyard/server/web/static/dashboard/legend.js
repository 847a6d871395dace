// The workspace legend: one entry per charted run (or per group when the table is
// grouped), in its chart colour. Hovering an entry highlights that run in every view,
// clicking it isolates the run (click again, or another entry, to change); the entries
// follow the same events when another view (the table, a chart line) raises them.
import { esc } from "./common.js";
import { emit, HOVER, ISOLATE, listen } from "./events.js";

export class Legend {
  constructor(el) {
    this.el = el;
    this.isolated = null;
    this.hovered = null; // the entry under the pointer: one event per entry entered
    if (!el) return;
    el.addEventListener("mouseover", (e) => {
      const item = e.target.closest("[data-run]");
      const id = item ? Number(item.dataset.run) : null;
      if (id !== this.hovered) emit(HOVER, { runId: (this.hovered = id) });
    });
    el.addEventListener("mouseleave", () => emit(HOVER, { runId: (this.hovered = null) }));
    el.addEventListener("click", (e) => {
      const item = e.target.closest("[data-run]");
      if (!item) return;
      const id = Number(item.dataset.run);
      emit(ISOLATE, { runId: this.isolated === id ? null : id });
    });
    listen(HOVER, ({ runId }) => this.mark("hot", runId));
    listen(ISOLATE, ({ runId }) => {
      this.isolated = runId ?? null;
      this.el.classList.toggle("isolating", this.isolated != null);
      this.mark("isolated", this.isolated);
    });
  }

  mark(cls, runId) {
    for (const item of this.el.querySelectorAll(`.${cls}`)) item.classList.remove(cls);
    if (runId != null) this.el.querySelector(`[data-run="${Number(runId)}"]`)?.classList.add(cls);
  }

  // items: [{runId?, label, colour, note?}] (groups have no runId: they only show).
  render(items) {
    if (!this.el) return;
    this.el.hidden = items.length < 2;
    this.el.innerHTML = items.map((item) => {
      const run = item.runId != null ? ` data-run="${Number(item.runId)}"` : "";
      const cls = item.runId != null && item.runId === this.isolated ? " isolated" : "";
      return `<button type="button" class="ws-legend-item${cls}"${run} title="${esc(item.title ?? item.label)}">` +
        `<span class="swatch" style="background:${esc(item.colour)}"></span>${esc(item.label)}` +
        `${item.note ? ` <span class="muted">${esc(item.note)}</span>` : ""}</button>`;
    }).join("");
  }
}
