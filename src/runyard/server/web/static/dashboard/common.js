// Shared helpers of the dashboard pages: fetching, formatting, colors, the live stream.

// What tests (and curious users) can inspect: charts, fetches, stream state.
export const debug = (window.runyard = window.runyard || { charts: {}, fetches: [], stream: null });

export function pageData() {
  return JSON.parse(document.getElementById("page-data").textContent);
}

// A 401 means the sign-in cookie no longer works (token revoked, browser restarted):
// sign in again, then come back to this page.
function signInAgain(response) {
  if (response.status === 401) location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  signInAgain(response);
  if (!response.ok) throw new Error(`${response.status} ${url}: ${await response.text()}`);
  return response.json();
}

export function putJSON(url, body) {
  return sendJSON("PUT", url, body);
}

export function postJSON(url, body) {
  return sendJSON("POST", url, body);
}

async function sendJSON(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  signInAgain(response);
  if (!response.ok) throw new Error(`${response.status} ${url}: ${await response.text()}`);
  return response.json();
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// JSON spells NaN and infinities as strings; charts want numbers or null (a gap).
export function num(value) {
  if (typeof value === "number") return value;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  if (value === "NaN") return NaN;
  return value == null ? null : Number(value);
}

export function fmtNum(value) {
  const v = num(value);
  if (v == null) return "";
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : v.toPrecision(4).replace(/\.?0+$/, "");
}

export function fmtDuration(ms) {
  if (ms == null || ms < 0) return "";
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  return h ? `${h}h ${String(m % 60).padStart(2, "0")}m` : `${m}m ${String(Math.floor(s % 60)).padStart(2, "0")}s`;
}

export function fmtTime(ms) {
  if (ms == null) return "";
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

// Run colours live in palette.js (colour-blind safe, stable per run); this name stays for older callers.
export { runColour as runColor } from "./palette.js";

export function metadataUrl(project, runName) {
  return `/api/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(runName)}/metadata`;
}

// One SSE connection for many runs; events come in change order, so the last id seen is
// an exact resume point. The page always reconnects by itself with `after=` it: the
// browser's own retry would repeat the first URL, whose older `after` wins over Last-Event-ID.
export class LiveStream {
  constructor(handlers) {
    this.handlers = handlers; // {metrics(data), logs(data), status(data)}
    this.runIds = [];
    this.lastId = null; // last event id seen, or the sequence the page's data was read at
    this.source = null;
    this.retryTimer = null;
    this.retryMs = 500;
    this.indicator = document.getElementById("live-indicator");
    debug.stream = this;
  }

  // Follow these runs from `after` (the change sequence their shown data was read at).
  follow(runIds, after) {
    this.runIds = [...new Set(runIds.map(Number))];
    if (this.lastId == null) this.lastId = after;
    this.connect();
  }

  connect() {
    this.close();
    if (!this.runIds.length) return;
    const source = (this.source = new EventSource(`/web/api/stream?runs=${this.runIds.join(",")}&after=${this.lastId}`));
    // A `media` event (a logged image/histogram/table) also goes to the page as `runyard:media`, for media.js.
    for (const kind of ["metrics", "logs", "status", "media"]) {
      source.addEventListener(kind, (event) => {
        if (event.lastEventId) this.lastId = Number(event.lastEventId);
        const data = JSON.parse(event.data);
        this.handlers[kind]?.(data);
        if (kind === "media") document.dispatchEvent(new CustomEvent("runyard:media", { detail: data }));
      });
    }
    source.addEventListener("resync", (event) => {
      if (event.lastEventId) this.lastId = Number(event.lastEventId);
      this.reconnectSoon(0);
    });
    source.addEventListener("end", () => {
      this.close();
      this.setIndicator("ended");
    });
    source.onopen = () => {
      this.retryMs = 500;
      this.setIndicator("live");
    };
    source.onerror = () => {
      this.setIndicator("reconnecting");
      this.reconnectSoon(this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10000);
    };
  }

  reconnectSoon(ms) {
    this.close();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), ms);
  }

  close() {
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  setIndicator(state) {
    debug.streamState = state;
    if (!this.indicator) return;
    this.indicator.hidden = false;
    this.indicator.textContent = state;
    this.indicator.dataset.state = state;
  }
}
