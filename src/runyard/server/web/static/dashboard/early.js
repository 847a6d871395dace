// Classic (non-module) script, run while the page is still parsing: it starts the project page's
// first data requests before the ~35 modules have loaded, instead of after (a few hundred ms on a
// cold page). `getJSON` (common.js) takes a started request for the same URL instead of asking again.
(() => {
  // Loaded from the head, before the page's body exists: the project id comes from the tag itself.
  const projectId = Number(document.currentScript?.dataset.projectId);
  if (!Number.isSafeInteger(projectId)) return;
  const started = new Map();
  const start = (url) => {
    const request = fetch(url, { headers: { Accept: "application/json" } });
    request.catch(() => {}); // a failure is reported by getJSON when asked; never unasked
    started.set(url, request);
  };
  start(`/web/api/projects/${projectId}/runs?archived=0`);
  start(`/web/api/projects/${projectId}/view`);
  window.runyardEarly = started;
})();
