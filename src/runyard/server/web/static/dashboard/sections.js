// How the workspace sorts charts into sections: by the key's prefix (`train/loss` is in
// `train`), keys without one together, `system/*` (the SDK's resource metrics) last and
// closed, so a page opens on the user's own metrics. Pinned charts sit in a section of
// their own at the top, hidden ones in a closed one at the bottom. The two special ids
// contain "/", which no prefix can, so they never meet a metric's section.
export const NO_PREFIX = "";
export const SYSTEM = "system";
export const PINNED = "/pinned";
export const HIDDEN = "/hidden";

export function sectionOf(key) {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : NO_PREFIX;
}

export function sectionLabel(id) {
  return { [NO_PREFIX]: "charts", [PINNED]: "pinned", [HIDDEN]: "hidden" }[id] ?? id;
}

function rank(id) {
  if (id === PINNED) return 0;
  if (id === NO_PREFIX) return 1;
  if (id === SYSTEM) return 3;
  if (id === HIDDEN) return 4;
  return 2;
}

// Section display order: pinned, unprefixed, prefixes A-Z, system, hidden.
export function compareSections(a, b) {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function openByDefault(id) {
  return id !== SYSTEM && id !== HIDDEN;
}
