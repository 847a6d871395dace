// Chart lines from `/web/api/series`, for any number of runs.
import { getJSON } from "./common.js";

const MAX_PER_REQUEST = 200; // /web/api/series takes at most this many runs a request

// Lines of `key` for any number of runs (one request per 200): run id -> the answer's line.
export async function fetchSeries(key, runIds, params) {
  const chunks = [];
  for (let i = 0; i < runIds.length; i += MAX_PER_REQUEST) chunks.push(runIds.slice(i, i + MAX_PER_REQUEST));
  const answers = await Promise.all(chunks.map((ids) => {
    const query = new URLSearchParams(params);
    query.set("keys", key);
    query.set("runs", ids.join(","));
    return getJSON(`/web/api/series?${query}`);
  }));
  return Object.assign({}, ...answers.map((a) => a.metrics[key] || {}));
}
