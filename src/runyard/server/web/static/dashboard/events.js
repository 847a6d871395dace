// The page events through which the views follow each other (docs/dashboard.md):
// hovering a run highlights it everywhere, clicking isolates it, grouping the table
// groups the charts. Plain CustomEvents on `document`, so a view needs no other view's module.
export const HOVER = "runyard:hover"; // {runId | null}
export const ISOLATE = "runyard:isolate"; // {runId | null}
export const GROUPS = "runyard:groups"; // {column, groups: [{key, label, colour, runIds}]} or {column: null}

export function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

export function listen(name, handler) {
  document.addEventListener(name, (event) => handler(event.detail ?? {}));
}
