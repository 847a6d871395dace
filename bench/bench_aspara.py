"""Dashboard API (Aspara) benchmark: 100 runs overlaid, 1 metric, 100k points each, over HTTP.

Run: `.venv/bin/python bench/bench_aspara.py` (a minute or two). Seeds a fresh data dir with
100 runs of a realistic 100k-point `loss` (plus an `acc` key the requests leave out),
written in SDK-sized batches and compacted, starts `runyard serve` on a free loopback port,
and times `GET /api/projects/{project}/runs/metrics?runs=r000,...,r099&metrics=loss` with
`max_points` (the DESIGN target: <= 300 ms) in JSON and msgpack, cold (first request after
start) and warm (best of 5). Prints a table; writes bench/results/aspara.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer

from bench.bench_foundation import realistic_series
from runyard.store import MetricColumns, open_store

RESULTS = Path(__file__).resolve().parent / "results"
PROJECT = "overlay"
BATCH = 10_000


def seed(data_dir: Path, runs: int, points: int) -> list[str]:
    """`runs` runs of `points` points of loss (and acc), written in batches, then compacted."""
    names = [f"r{index:03d}" for index in range(runs)]
    with open_store(data_dir) as store:
        project = store.create_project(PROJECT)
        for index, name in enumerate(names):
            run = store.create_run(project.id, name=name)
            loss = realistic_series(points, seed=index)
            for start in range(0, points, BATCH):
                part = slice(start, start + BATCH)
                acc = MetricColumns(loss.steps[part], 1.0 - loss.values[part], loss.times[part])
                store.append_metrics(run.id, {"loss": MetricColumns(loss.steps[part], loss.values[part],
                                                                     loss.times[part]), "acc": acc})
            store.set_run_status(run.id, "finished")
        store.compact()
    return names


def _get(client: httpx.Client, path: str, params: dict[str, Any]) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed, len(response.content)


def measure(url: str, names: list[str], max_points: int, repeat: int = 5) -> dict[str, float]:
    """Cold and warm times (ms) and body sizes of the overlay request, JSON and msgpack."""
    path = f"/api/projects/{PROJECT}/runs/metrics"
    base = {"runs": ",".join(names), "metrics": "loss", "max_points": max_points}
    out: dict[str, float] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        start = time.perf_counter()
        first = client.get(path, params=base)
        out["json_cold_ms"] = (time.perf_counter() - start) * 1000
        series = first.json()["metrics"]["loss"]
        assert len(series) == len(names), "every run answered"
        out["points_per_series"] = float(np.mean([len(s["steps"]) for s in series.values()]))
        for fmt in ("json", "msgpack"):
            params = {**base, "format": fmt}
            samples = [_get(client, path, params) for _ in range(repeat)]
            out[f"{fmt}_warm_ms"] = min(t for t, _ in samples) * 1000
            out[f"{fmt}_bytes"] = float(samples[0][1])
        full = [_get(client, f"/api/projects/{PROJECT}/runs/{names[0]}/metrics",
                     {"metrics": "loss", "format": "msgpack", "arrays": "binary"}) for _ in range(repeat)]
        out["one_run_full_100k_binary_ms"] = min(t for t, _ in full) * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--max-points", type=int, nargs="+", default=[1000, 300])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="runyard-bench-aspara-") as work:
        data_dir = Path(work) / "data"
        began = time.perf_counter()
        names = seed(data_dir, args.runs, args.points)
        print(f"seeded {args.runs} runs x {args.points} points x 2 keys in {time.perf_counter() - began:.1f} s")
        results: dict[str, Any] = {"runs": args.runs, "points": args.points}
        for max_points in args.max_points:
            server = LiveServer(data_dir).start()  # fresh process: the first request is cold
            try:
                results[f"max_points={max_points}"] = measure(server.url, names, max_points)
            finally:
                server.stop()
    print(f"\n{args.runs} runs overlaid, 1 metric, {args.points} points each (target: <= 300 ms)")
    print(f"{'request':<18}{'pts/series':>11}{'json cold':>11}{'json warm':>11}{'msgpack warm':>14}"
          f"{'json bytes':>12}{'1 run full (bin)':>18}")
    for name, row in results.items():
        if isinstance(row, dict):
            print(f"{name:<18}{row['points_per_series']:>11.0f}{row['json_cold_ms']:>9.0f}ms"
                  f"{row['json_warm_ms']:>9.0f}ms{row['msgpack_warm_ms']:>12.0f}ms{row['json_bytes']:>12.0f}"
                  f"{row['one_run_full_100k_binary_ms']:>16.1f}ms")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "aspara.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
