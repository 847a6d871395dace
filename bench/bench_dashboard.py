"""Dashboard speed in real Chromium: 1,000 runs in the table, 100 runs overlaid (100k points each).

Run: `.venv/bin/python bench/bench_dashboard.py [--runs 1000] [--overlay 100] [--points 100000]`.
Seeds a data dir (1,000 runs with params and short metrics; 100 of them with a
100k-point `loss`), starts `runyard serve`, opens the project page with the 100 heavy runs
selected and measures, in the page: table rendered, every chart drawn, the series answer
(server + transfer + parse) and the draw, then smoothing, a zoom re-fetch, a table sort
and a table filter. Needs /usr/bin/chromium and playwright. Writes bench/results/dashboard.json.
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer

from runyard.store import MetricColumns, Store, open_store

RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _series(n: int, rng: np.random.Generator, start: float) -> MetricColumns:
    steps = np.arange(n, dtype=np.int64)
    values = np.exp(-steps / (n / 4)) * rng.uniform(0.5, 2) + 0.05 * rng.standard_normal(n) + 0.1
    return MetricColumns(steps, values, start + steps * 0.01)


def seed(store: Store, runs: int, overlay: int, points: int) -> list[int]:
    """The bench project; returns the ids of the heavy runs."""
    project = store.create_project("bench")
    rng = np.random.default_rng(0)
    heavy: list[int] = []
    start = time.time() - 86_400
    for i in range(runs):
        run = store.create_run(project.id, name=f"run-{i:04d}", start_time=start + i * 60,
                               params={"lr": float(10 ** rng.uniform(-4, -1)), "batch": int(2 ** rng.integers(4, 9)),
                                       "seed": i, "optimizer": ["sgd", "adam", "adamw"][i % 3]},
                               tags=["sweep"] if i % 10 else ["sweep", "best"])
        n = points if i < overlay else 100
        store.append_metrics(run.id, {"loss": _series(n, rng, start + i * 60),
                                      "acc": _series(min(n, 1000), rng, start + i * 60)})
        store.set_run_status(run.id, "finished", end_time=start + i * 60 + n * 0.01)
        if i < overlay:
            heavy.append(run.id)
    store.compact()
    return heavy


def measure(url: str, heavy: list[int]) -> dict[str, Any]:
    """Open the project page and time what a user waits for."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as config, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                             env={**os.environ, "XDG_CONFIG_HOME": config, "HOME": config})
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        began = time.perf_counter()
        page.goto(f"{url}/projects/bench?runs={','.join(map(str, heavy))}")
        page.wait_for_function("window.runyard && window.runyard.ready", timeout=120_000)
        table_s = time.perf_counter() - began
        page.wait_for_function("window.runyard.fetches.filter(f => f.runs > 0).length >= 2", timeout=120_000)
        charts_s = time.perf_counter() - began
        fetches = page.evaluate("window.runyard.fetches")
        loss = next(f for f in fetches if f["key"] == "loss")
        rows = page.locator("#runs-table tbody tr[data-id]").count()
        listed = page.locator("#run-count").text_content()

        # Again with the server's series cache and the browser's asset cache warm.
        began = time.perf_counter()
        page.reload()
        page.wait_for_function("window.runyard && window.runyard.ready", timeout=120_000)
        page.wait_for_function("window.runyard.fetches.filter(f => f.runs > 0).length >= 2", timeout=120_000)
        warm_s = time.perf_counter() - began
        warm = next(f for f in page.evaluate("window.runyard.fetches") if f["key"] == "loss")

        count = len(fetches)
        t0 = time.perf_counter()
        page.locator("#smoothing").fill("0.9")  # reloads after a 200 ms debounce
        page.wait_for_function(f"window.runyard.fetches.length >= {count + 2}", timeout=120_000)
        smoothing_s = time.perf_counter() - t0 - 0.2
        smooth = [f for f in page.evaluate("window.runyard.fetches") if f["key"] == "loss"][-1]

        count = len(page.evaluate("window.runyard.fetches"))
        box = page.locator(".chart[data-key='loss'] .u-over").bounding_box()
        assert box is not None
        y = box["y"] + box["height"] / 2
        t0 = time.perf_counter()
        page.mouse.move(box["x"] + box["width"] * 0.3, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.32, y, steps=4)
        page.mouse.up()
        page.wait_for_function(f"window.runyard.fetches.length > {count}", timeout=120_000)
        zoom_s = time.perf_counter() - t0
        zoom = page.evaluate("window.runyard.fetches").pop()

        sort_ms = []
        for _ in range(5):
            sort_ms.append(page.evaluate("""() => {
                const t = performance.now();
                document.querySelector("#runs-table th[data-col='metrics.loss']").click();
                document.body.offsetHeight;  // force the layout the user waits for
                return performance.now() - t; }"""))
        filter_ms = page.evaluate("""() => {
            const input = document.querySelector('#run-filter');
            const t = performance.now();
            input.value = 'lr<0.001 optimizer=adam';
            input.dispatchEvent(new Event('input'));
            document.body.offsetHeight;
            return performance.now() - t; }""")
        browser.close()
    return {
        "table": listed,
        "table_rows_in_dom": rows,
        "page_to_table_s": table_s,
        "page_to_all_charts_s": charts_s,
        "loss_series_fetch_ms": loss["ms"],
        "loss_draw_ms": loss["drawMs"],
        "loss_points_drawn": loss["points"],
        "warm_page_to_all_charts_s": warm_s,
        "warm_loss_series_fetch_ms": warm["ms"],
        "smoothing_reload_s": smoothing_s,
        "smoothed_fetch_ms": smooth["ms"],
        "zoom_refetch_s": zoom_s,
        "zoom_fetch_ms": zoom["ms"],
        "zoom_points": zoom["points"],
        "sort_1000_rows_ms": statistics.median(sort_ms),
        "filter_1000_rows_ms": filter_ms,
        "page_errors": errors,
    }


def main() -> None:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--overlay", type=int, default=100)
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        t0 = time.perf_counter()
        with open_store(data) as store:
            heavy = seed(store, args.runs, args.overlay, args.points)
        print(f"seeded {args.runs} runs ({args.overlay} x {args.points} points) in {time.perf_counter() - t0:.1f} s")
        server = LiveServer(Path(data)).start()
        try:
            results = measure(server.url, heavy)
        finally:
            server.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"),
                                                        "args": vars(args), "results": results}, indent=2))
    for key, value in results.items():
        print(f"{key:28} {value:10.3f}" if isinstance(value, float) else f"{key:28} {value}")


if __name__ == "__main__":
    main()
