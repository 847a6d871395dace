// Drawing the axes of the parallel coordinates (parallel.js): title, kind, ticks (categories
// thinned so labels never overlap), the brush; and the scale of the colour column.
import { scaleColour } from "./axis.js";
import { fmtNum } from "./common.js";

export const HEIGHT = 380;
export const PAD = { top: 50, bottom: 22, left: 72, right: 72 };

export function drawAxis(ctx, view, i) {
  const x = view.axisX(i);
  const axis = view.axes[i];
  const column = view.columns[i];
  const spacing = view.columns.length > 1 ? view.axisX(1) - view.axisX(0) : view.width;
  ctx.strokeStyle = "#4a5263";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x, view.y(1));
  ctx.lineTo(x, view.y(0));
  ctx.stroke();
  ctx.fillStyle = "#1d2330";
  ctx.font = "600 12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(fit(ctx, column.label + (axis.log ? " (log)" : ""), spacing - 10), x, 18);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#6b7385";
  ctx.fillText(fit(ctx, column.kind || "", spacing - 10), x, 32);
  // Tick labels left of the axis; categories thinned so labels never overlap.
  const ticks = axis.ticks();
  const gap = ticks.length > 1 ? Math.abs(view.y(ticks[1].pos) - view.y(ticks[0].pos)) : 99;
  const every = Math.max(1, Math.ceil(13 / Math.max(gap, 0.001)));
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ticks.forEach((t, k) => {
    if (k % every) return;
    const y = view.y(t.pos);
    ctx.fillStyle = "#4a5263";
    ctx.fillRect(x - 3, y, 6, 1);
    ctx.fillStyle = "#6b7385";
    ctx.fillText(fit(ctx, t.label, Math.min(PAD.left, spacing / 2) - 8), x - 6, y);
  });
  ctx.textBaseline = "alphabetic";
  const brush = view.brushes.get(column.id);
  if (brush) {
    ctx.fillStyle = "rgba(47, 111, 222, 0.18)";
    ctx.strokeStyle = "#2f6fde";
    // A numeric brush is kept in values: placed again on the axis as it is scaled now.
    const clamp = (p) => Math.min(1, Math.max(0, p));
    const [a, b] = brush.keys ? [brush.a, brush.b] : [clamp(axis.pos(brush.lo)), clamp(axis.pos(brush.hi))];
    const top = view.y(b);
    ctx.fillRect(x - 8, top, 16, view.y(a) - top);
    ctx.strokeRect(x - 8, top, 16, view.y(a) - top);
  }
}

// The colour scale of the colour column, bottom right: low value, gradient, high value.
export function drawColourScale(ctx, view) {
  const axis = view.colourAxis;
  if (!axis || (!axis.numeric && !axis.cats.length)) return;
  const width = 120;
  const x = view.width - PAD.right - width;
  const y = view.height - 12;
  for (let k = 0; k < width; k++) {
    ctx.fillStyle = scaleColour(k / (width - 1));
    ctx.fillRect(x + k, y, 1, 8);
  }
  const ends = axis.numeric ? [axis.valueAt(0), axis.valueAt(1)].map(fmtNum) : [axis.labels.get(axis.cats[0]), axis.labels.get(axis.cats.at(-1))];
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#6b7385";
  ctx.textBaseline = "top";
  ctx.textAlign = "right";
  ctx.fillText(`${fit(ctx, view.colourColumn.label, 160)}  ${ends[0]}`, x - 4, y - 1);
  ctx.textAlign = "left";
  ctx.fillText(ends[1], x + width + 4, y - 1);
  ctx.textBaseline = "alphabetic";
}

// `text` cut with an ellipsis to fit `width` pixels.
export function fit(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return `${s}…`;
}
