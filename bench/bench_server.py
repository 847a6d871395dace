"""Server benchmarks: start-up, 1M-point history over HTTP, 10,000-run search, SDK ingest.

Run: `.venv/bin/python bench/bench_server.py` (about a minute). Starts `runyard serve` on a
free loopback port with a fresh data dir. Prints a table; writes bench/results/server.json.
When MLflow is installed (`pip install mlflow`), the same history and search workloads
run against an MLflow tracking server on SQLite for comparison.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import ormsgpack

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer

from bench.bench_foundation import realistic_series
from runyard.store import MetricColumns, open_store

RESULTS = Path(__file__).resolve().parent / "results"
SEARCH_RUNS = 10_000

REMOTE_INGEST = r"""
import sys, time, runyard
calls = int(sys.argv[2])
start = time.perf_counter()
run = runyard.init(project="bench", dir=sys.argv[1], server=sys.argv[3], capture_console=False)
log = run.log
for step in range(calls):
    log({"loss": 1.0 / (step + 1), "acc": step * 1e-6, "lr": 0.001})
run.finish()
print(time.perf_counter() - start)
"""


def _timed(fn: Any, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples)


def startup(work: Path) -> float:
    """Median seconds from spawning `runyard serve` to the first 200 from /health."""
    times = []
    for attempt in range(3):
        server = LiveServer(work / f"start{attempt}")
        try:
            times.append(server.start().started_in_s)
        finally:
            server.stop()
    return statistics.median(times)


def seed(data_dir: Path) -> tuple[int, int]:
    """A 1M-point run and a project of 10,000 runs with params and a metric each."""
    with open_store(data_dir) as store:
        big = store.create_run(store.create_project("history").id)
        series = realistic_series(1_000_000)
        store.append_metrics(big.id, {"loss": series})
        project = store.create_project("search")
        rng = np.random.default_rng(0)
        for index in range(SEARCH_RUNS):
            run = store.create_run(project.id, name=f"r{index}", params={"lr": float(rng.choice([1e-3, 1e-2, 1e-1])),
                                   "layers": int(rng.integers(1, 9))}, status="finished")
            store.append_metrics(run.id, {"val/loss": MetricColumns(np.array([0]), rng.random(1), np.array([1.7e9]))})
        return big.id, project.id


def _arrays_via_http_client(port: int, path: str) -> np.ndarray:
    """GET with the standard library's client, then unpack to numpy (what a script sees)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    data = ormsgpack.unpackb(body)["metrics"]["loss"]
    return np.frombuffer(data["values"], "<f8")


def http_numbers(url: str, big_run: int, project_id: int) -> dict[str, float]:
    """History and search latencies through the REST API."""
    client = httpx.Client(base_url=url, timeout=60)
    history = f"/api/v1/experiments/runs/{big_run}/metrics/history?keys=loss"
    port = int(url.rsplit(":", 1)[1])
    first_start = time.perf_counter()
    values = _arrays_via_http_client(port, history + "&format=msgpack")
    first_ms = (time.perf_counter() - first_start) * 1e3
    assert len(values) == 1_000_000
    search = (f"/api/v1/experiments/runs?experiment_id={project_id}&filter=params.lr%20%3D%200.01%20and%20"
              f"metrics.val/loss%20%3C%200.5&order_by=metrics.val/loss%20asc&limit=100")
    found = client.get(search).json()
    assert found["total"] > 0
    results = {
        "history_1m_msgpack_first_ms": first_ms,
        "history_1m_msgpack_ms": _timed(lambda: _arrays_via_http_client(port, history + "&format=msgpack")) * 1e3,
        "history_1m_msgpack_httpx_ms": _timed(
            lambda: ormsgpack.unpackb(client.get(history + "&format=msgpack").content)) * 1e3,
        "history_1m_arrow_ms": _timed(lambda: client.get(history + "&format=arrow")) * 1e3,
        "history_1m_json_ms": _timed(lambda: client.get(history), repeat=3) * 1e3,
        "downsampled_1m_ms": _timed(lambda: client.get(
            f"/api/v1/experiments/runs/{big_run}/metrics/downsampled?keys=loss&buckets=1000")) * 1e3,
        "search_10k_runs_ms": _timed(lambda: client.get(search)) * 1e3,
        "search_matches": float(found["total"]),
    }
    client.close()
    return results


def remote_ingest(work: Path, url: str) -> float | None:
    """Points/s of the SDK in remote mode: 1M points (3 keys), until finish() returns."""
    calls = 333_334
    try:
        out = subprocess.run([sys.executable, "-c", REMOTE_INGEST, str(work / "client"), str(calls), url],
                             capture_output=True, text=True, timeout=300, check=True)
    except subprocess.CalledProcessError as exc:
        print(f"remote ingest unavailable: {exc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return calls * 3 / float(out.stdout.split()[-1])


def main() -> None:
    """Run everything and print the table."""
    with tempfile.TemporaryDirectory(prefix="runyard-bench-server-") as tmp:
        work = Path(tmp)
        results: dict[str, float | None] = {"startup_s": startup(work)}
        big_run, project_id = seed(work / "data")
        server = LiveServer(work / "data").start()
        try:
            results.update(http_numbers(server.url, big_run, project_id))
            results["ingest_points_per_s"] = remote_ingest(work, server.url)
        finally:
            server.stop()
    RESULTS.mkdir(exist_ok=True)
    payload = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "results": results}
    (RESULTS / "server.json").write_text(json.dumps(payload, indent=2))
    rows = [
        ("startup_s", "server start to first answer (s)", 1.0, "<="),
        ("ingest_points_per_s", "SDK -> server ingest, 1M points (points/s)", 500_000, ">="),
        ("history_1m_msgpack_first_ms", "1M-point history, msgpack, first request, cold (ms)", 50, "<="),
        ("history_1m_msgpack_ms", "1M-point history, msgpack, http.client + unpack (ms)", 50, "<="),
        ("history_1m_msgpack_httpx_ms", "1M-point history, msgpack, httpx + unpack (ms)", 50, "<="),
        ("history_1m_arrow_ms", "full history 1M points, Arrow over HTTP (ms)", float("nan"), ""),
        ("history_1m_json_ms", "full history 1M points, JSON over HTTP (ms)", float("nan"), ""),
        ("downsampled_1m_ms", "1,000 buckets of 1M points over HTTP (ms)", 15, "<="),
        ("search_10k_runs_ms", "search 10,000 runs, filter + sort, HTTP (ms)", 100, "<="),
    ]
    print(f"{'measure':52} {'value':>12} {'target':>10}  ok")
    for key, label, target, op in rows:
        value = results.get(key)
        if value is None:
            print(f"{label:52} {'n/a':>12}")
            continue
        ok = "-" if not op else ("yes" if (value <= target if op == "<=" else value >= target) else "NO")
        print(f"{label:52} {value:12.2f} {'' if not op else f'{target:g}':>10}  {ok}")


if __name__ == "__main__":
    main()
