"""Dashboard speed in real Chromium: 1,000 runs x 20 metrics x 10,000 steps (200M points).

Run: `.venv/bin/python bench/bench_dashboard.py [--runs 1000] [--metrics 20] [--steps 10000]`.
Seeds a fresh data dir through `Store.apply` (one batch per run: every metric at once),
starts `runyard serve`, opens the project page in Chromium (Playwright, /usr/bin/chromium)
and reads the page's own performance marks (issue 16):
- navigation -> `runyard:table-ready` and -> `runyard:charts-ready` (first charts drawn; target
  <= 1 s), cold (server caches empty) and warm (reload);
- table interactions, each from the user's action to `runyard:table-updated` (the table
  rendered and laid out) and to the next painted frame (target <= 100 ms): sort, filter (the server parses
  and answers the ids), group by a column and back, show a column, change a metric's summary;
- parallel coordinates over the 1,000 runs: navigation -> `runyard:parallel-ready` and one
  redraw (target <= 300 ms).
Writes bench/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer

from runyard.store import MetricColumns, Store, WriteBatch, open_store

RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
KEYS = ["loss", "acc", "lr", "grad_norm", "tokens_per_s"]
SECTIONS = ["train", "val", "test", "eval"]
OPTIMIZERS = ["sgd", "adam", "adamw", "lion"]
REPEAT = 5


def metric_names(count: int) -> list[str]:
    """`train/loss`, `train/acc`, ..., `val/loss`, ...: sections as a training script logs them."""
    return [f"{SECTIONS[i // len(KEYS) % len(SECTIONS)]}/{KEYS[i % len(KEYS)]}" + (f"_{i}" if i >= 20 else "")
            for i in range(count)]


def seed(store: Store, runs: int, metrics: int, steps: int) -> float:
    """The bench project (a sweep: lr x width x optimizer); answers the seconds it took."""
    project = store.create_project("bench")
    rng = np.random.default_rng(0)
    names = metric_names(metrics)
    step = np.arange(steps, dtype=np.int64)
    decay = np.exp(-step / (steps / 4))
    began = time.perf_counter()
    start = time.time() - 86_400
    for i in range(runs):
        lr = float(10 ** rng.uniform(-4, -1))
        run = store.create_run(
            project.id, name=f"run-{i:04d}", start_time=start + i * 60, tags=["sweep"] if i % 10 else ["sweep", "best"],
            params={"lr": lr, "seed": i},
            config={"model": {"width": 64 * (1 + i % 4), "depth": 2 + i % 6}, "optimizer": OPTIMIZERS[i % 4],
                    "data": {"batch": 2 ** (4 + i % 5), "augment": bool(i % 2)}})
        times = start + i * 60 + step * 0.5
        columns = {name: MetricColumns(step, decay * rng.uniform(0.5, 2) + 0.02 * rng.standard_normal(steps) + 0.1, times)
                   for name in names}
        store.apply(run.id, WriteBatch(metrics=columns))
        store.set_run_status(run.id, "finished", end_time=start + i * 60 + steps * 0.5)
    store.compact()
    return time.perf_counter() - began


# In the page: do the action, then wait for the next `runyard:table-updated` mark; answers the
# milliseconds from the action to the mark (the table rendered and laid out) and to the next
# painted frame.
TIMED = """async () => {
  const before = performance.getEntriesByName('runyard:table-updated').length;
  const t = performance.now();
  ACTION;
  while (performance.getEntriesByName('runyard:table-updated').length === before) {
    await new Promise((r) => setTimeout(r, 1));
  }
  const laidOut = performance.getEntriesByName('runyard:table-updated')[before].startTime - t;
  // ...and to the frame that shows it (after the next animation frame's rendering)
  await new Promise((r) => requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); }));
  return [laidOut, performance.now() - t];
}"""
ACTIONS = {
    "sort": "document.querySelector(\"#runs-table th[data-col='metrics.train/loss']\").click()",
    "filter": """const input = document.querySelector('#run-filter');
      input.value = input.value === 'lr < 0.001 and optimizer = adam' ? 'model.width >= 128 sweep' : 'lr < 0.001 and optimizer = adam';
      input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));""",
    "group": """const s = document.querySelector('#group-by');
      s.value = s.value ? '' : 'config.optimizer'; s.dispatchEvent(new Event('change'));""",
    "column_toggle": "document.querySelector(\"#column-picker li[data-col='config.data.augment'] input.col-shown\").click()",
    "summary_choice": """const s = document.querySelector("#column-picker li[data-col='metrics.train/loss'] select.col-summary");
      s.value = s.value === 'min' ? 'max' : 'min'; s.dispatchEvent(new Event('change', {bubbles: true}));""",
}


def mark(page: Any, name: str) -> float | None:
    found: float | None = page.evaluate(f"performance.getEntriesByName({name!r})[0]?.startTime ?? null")
    return found


def open_page(page: Any, url: str) -> dict[str, float | None]:
    """Navigate and wait for the first charts; the marks' times since navigation (ms)."""
    page.goto(url)
    page.wait_for_function("performance.getEntriesByName('runyard:charts-ready').length > 0", timeout=120_000)
    page.wait_for_function("performance.getEntriesByName('runyard:parallel-ready').length > 0", timeout=120_000)
    return {name: mark(page, f"runyard:{name}") for name in ("table-ready", "charts-ready", "parallel-ready")}


def measure(url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as config, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                             env={**os.environ, "XDG_CONFIG_HOME": config, "HOME": config})
        # bypass_csp: Playwright's wait_for_function evaluates its predicate, which the page's CSP forbids.
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        cold = open_page(page, f"{url}/projects/bench")
        page.reload()
        page.wait_for_function("performance.getEntriesByName('runyard:charts-ready').length > 0", timeout=120_000)
        page.wait_for_function("performance.getEntriesByName('runyard:parallel-ready').length > 0", timeout=120_000)
        warm = {name: mark(page, f"runyard:{name}") for name in ("table-ready", "charts-ready", "parallel-ready")}
        rows = page.evaluate("window.runyard.table.runs.size")
        page.locator("#column-picker summary").click()
        interactions = {}
        for name, action in ACTIONS.items():
            times = [page.evaluate(TIMED.replace("ACTION", "{" + action + "}")) for _ in range(REPEAT)]
            interactions[name] = {"rendered_median_ms": statistics.median(t[0] for t in times),
                                  "painted_median_ms": statistics.median(t[1] for t in times),
                                  "painted_max_ms": max(t[1] for t in times)}
        redraw = [page.evaluate("() => { const t = performance.now(); window.runyard.compare.drawParallel();"
                                " return performance.now() - t; }") for _ in range(REPEAT)]
        axes = page.evaluate("window.runyard.compare.state.axes.length")
        browser.close()
    return {"rows": rows, "cold_ms": cold, "warm_ms": warm, "table_interactions": interactions,
            "parallel_axes": axes, "parallel_redraw_ms": {"median": statistics.median(redraw), "max": max(redraw)},
            "page_errors": errors}


def main() -> None:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        with open_store(data) as store:
            seeded_s = seed(store, args.runs, args.metrics, args.steps)
        points = args.runs * args.metrics * args.steps
        print(f"seeded {args.runs} runs x {args.metrics} metrics x {args.steps} steps ({points / 1e6:.0f}M points)"
              f" in {seeded_s:.1f} s")
        server = LiveServer(Path(data)).start()
        try:
            t0 = time.perf_counter()
            httpx.get(f"{server.url}/web/api/projects/1/runs", timeout=60).raise_for_status()
            rows_ms = (time.perf_counter() - t0) * 1000
            results = {"seed_s": seeded_s, "runs_answer_ms": rows_ms, **measure(server.url)}
        finally:
            server.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"),
                                                        "args": vars(args), "results": results}, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
