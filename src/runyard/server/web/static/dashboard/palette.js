// Run colours shared by every view (charts, table, comparison views): colour-blind safe,
// stable per run id, and different for neighbouring ids.
//
// Okabe & Ito's palette (without black, and without yellow, which vanishes on white) then
// Paul Tol's muted colours, ordered so that consecutive entries differ in hue and
// lightness. Run id modulo the palette picks the colour, so run 7 is the same colour on
// every page and after every reload, and runs 7 and 8 never share one. Ids a whole
// palette apart do share a colour: those get a dashed line (`runDash`), which tells them
// apart for colour-blind readers too.
export const PALETTE = Object.freeze([
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#56B4E9", // sky blue
  "#D55E00", // vermillion
  "#332288", // indigo
  "#999933", // olive
  "#882255", // wine
  "#44AA99", // teal
  "#AA4499", // purple
  "#117733", // green
]);

const DASHES = [null, [6, 3], [2, 3]];

function slot(runId) {
  return Math.abs(Math.trunc(Number(runId))) || 0;
}

// The colour of run `runId` (a CSS hex colour).
export function runColour(runId) {
  return PALETTE[slot(runId) % PALETTE.length];
}

// The n-th colour of the palette (groups and other ordered things that are not runs).
export function colourAt(index) {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

// The line dash of run `runId` for canvas/uPlot (null: solid): differs between runs whose colours repeat.
export function runDash(runId) {
  return DASHES[Math.floor(slot(runId) / PALETTE.length) % DASHES.length];
}

// `#rrggbb` with an alpha (bands, faded runs).
export function withAlpha(colour, alpha) {
  const clamped = Math.max(0, Math.min(1, alpha));
  if (/^#[0-9a-f]{6}$/i.test(colour)) return `${colour}${Math.round(clamped * 255).toString(16).padStart(2, "0")}`;
  return `color-mix(in srgb, ${colour} ${Math.round(clamped * 100)}%, transparent)`; // any other CSS colour
}
