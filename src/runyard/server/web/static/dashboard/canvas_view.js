// What the canvas views of the comparison (parallel coordinates, scatter) share: two stacked
// canvases, the base (everything, redrawn when data changes) and an overlay (the hovered
// run, a brush being dragged; redrawn on every pointer move), sized for the device's pixel
// ratio; the hovered and isolated run. Subclasses implement draw() and drawOverlay().
export class CanvasView {
  constructor({ container, className, height, onHover }) {
    this.height = height;
    this.onHover = onHover;
    this.wrap = document.createElement("div");
    this.wrap.className = className;
    this.base = document.createElement("canvas");
    this.over = document.createElement("canvas");
    this.over.className = "pc-over";
    this.wrap.append(this.base, this.over);
    container.append(this.wrap);
    this.hovered = null;
    this.isolated = null;
    // Drawn again when the width changes, and first when a hidden tab is shown.
    new ResizeObserver(() => this.draw()).observe(this.wrap);
  }

  // A cleared 2D context of `canvas` at the view's size, in CSS pixels.
  sized(canvas) {
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(this.width * dpr) || canvas.height !== this.height * dpr) {
      canvas.width = Math.round(this.width * dpr);
      canvas.height = this.height * dpr;
      canvas.style.width = `${this.width}px`;
      canvas.style.height = `${this.height}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    return ctx;
  }

  // The pointer's position over the overlay, in CSS pixels.
  local(e) {
    const box = this.over.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }

  // The pointer is over run `id` (null: none): highlight it and tell the page.
  hover(id) {
    if (id === this.hovered) return;
    this.hovered = id;
    this.drawOverlay();
    this.onHover(id);
  }

  // Another view hovers a run: highlight it here, without telling the page again.
  highlight(id) {
    if (id === this.hovered) return;
    this.hovered = id;
    this.drawOverlay();
  }

  isolate(id) {
    this.isolated = id;
    this.draw();
  }
}
