// One collapsible section of the workspace: a header (name, chart count, "zoom together")
// over a grid of charts. A closed section's charts are not laid out, so they do not load
// until it is opened (the board loads charts as they scroll into view).
import { esc } from "./common.js";
import { sectionLabel } from "./sections.js";

export class Section {
  constructor(id, { open, linked, onToggle, onLink }) {
    this.id = id;
    this.panels = [];
    this.el = document.createElement("section");
    this.el.className = "ws-section";
    this.el.dataset.section = id;
    this.el.innerHTML = `<div class="ws-section-head">` +
      `<button type="button" class="ws-section-toggle"><span class="caret"></span>` +
      `<span class="ws-section-name">${esc(sectionLabel(id))}</span> <span class="muted ws-count"></span></button>` +
      `<label class="ws-link muted" title="a zoom in one chart of this section zooms them all">` +
      `<input type="checkbox" class="ws-link-zoom"> zoom together</label></div><div class="charts"></div>`;
    this.grid = this.el.querySelector(".charts");
    this.toggle = this.el.querySelector(".ws-section-toggle");
    this.link = this.el.querySelector(".ws-link-zoom");
    this.link.checked = linked;
    this.toggle.addEventListener("click", () => {
      this.setOpen(!this.open);
      onToggle(this.open);
    });
    this.link.addEventListener("change", () => onLink(this.link.checked));
    this.setOpen(open);
  }

  setOpen(open) {
    this.open = open;
    this.el.classList.toggle("closed", !open);
    this.grid.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
  }

  // Charts stay in key order.
  add(panel) {
    const after = this.panels.find((p) => p.key > panel.key);
    this.panels.push(panel);
    this.panels.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.grid.insertBefore(panel.el, after ? after.el : null);
    this.counted();
  }

  remove(panel) {
    this.panels = this.panels.filter((p) => p !== panel);
    panel.el.remove();
    this.counted();
  }

  counted() {
    const shown = this.panels.filter((p) => !p.el.hidden).length;
    this.el.querySelector(".ws-count").textContent = String(shown);
    this.el.hidden = shown === 0;
  }
}
