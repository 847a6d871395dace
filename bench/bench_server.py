"""Server benchmarks: start-up, 1M-point history over HTTP, 10,000-run search, SDK ingest.

Run: `.venv/bin/python bench/bench_server.py` (about a minute). Starts `runyard serve` on a
free loopback port with a fresh data dir. Prints a table; writes bench/results/server.json.
When MLflow is found (importable here, `--mlflow-python PATH` or $RUNYARD_BENCH_MLFLOW naming
a Python with mlflow or an `mlflow` executable, or `mlflow` on PATH), bench_mlflow.py then
runs the same workloads on MLflow's tracking server (SQLite), about 2 minutes more, and the
two are printed side by side and stored under "mlflow" in server.json. `--no-mlflow` skips it.
"""

from __future__ import annotations

import argparse
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
from bench.bench_mlflow import find_mlflow_python
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


def mlflow_numbers(python: str) -> dict[str, Any] | None:
    """bench_mlflow.py under `python` (after runyard's part, so the two never share the CPUs)."""
    print(f"running bench_mlflow.py with {python} (about 2 minutes)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="runyard-bench-mlflow-out-") as tmp:
        out = Path(tmp) / "mlflow.json"
        try:
            # Without the env var the child uses its own interpreter rather than re-resolving it.
            env = {key: value for key, value in os.environ.items() if key != "RUNYARD_BENCH_MLFLOW"}
            subprocess.run([python, str(Path(__file__).with_name("bench_mlflow.py")), "--json", str(out)],
                           capture_output=True, text=True, timeout=900, check=True, env=env)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            tail = (exc.stderr or "") if isinstance(exc.stderr, str) else ""
            print(f"MLflow benchmark failed: {exc}\n{tail[-2000:]}", file=sys.stderr)
            return None
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _num(value: float | None) -> str:
    return "n/a" if value is None else (f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}")


def print_comparison(ours: dict[str, float | None], theirs: dict[str, Any]) -> None:
    """runyard and MLflow side by side; the last column is how many times faster runyard is."""
    # A ratio of times is left blank where the two read different sizes (history_points < 1M).
    history = f"{1_000_000:,} / {theirs['history_points']:,}"
    # MLflow reads a shorter series than 1M (see bench_mlflow.py); points/s compares across sizes.
    ours, theirs = dict(ours), dict(theirs)
    for key in ("history_1m_msgpack_ms", "history_1m_json_ms"):
        value = ours.get(key)
        ours[key + "_rate"] = 1e9 / value if value else None
    theirs["history_rate"] = theirs["history_points"] * 1e3 / theirs["history_ms"]
    same_size: bool | None = False if theirs["history_points"] == 1_000_000 else None
    rows = [
        ("startup_s", "startup_s", "server start to first answer (s)", False),
        ("ingest_points_per_s", "ingest_points_per_s",
         f"SDK -> server ingest, {1_000_000:,} / {theirs['ingest_points']:,} pts (points/s)", True),
        ("history_1m_msgpack_first_ms", "history_first_ms", f"full history {history} pts, first (ms)", same_size),
        ("history_1m_msgpack_ms", "history_ms", f"full history {history} pts, best format (ms)", same_size),
        ("history_1m_json_ms", "history_ms", f"full history {history} pts, JSON (ms)", same_size),
        ("history_1m_msgpack_ms_rate", "history_rate", "full history read, best format (points/s)", True),
        ("history_1m_json_ms_rate", "history_rate", "full history read, JSON (points/s)", True),
        ("search_10k_runs_ms", "search_ms",
         f"search {SEARCH_RUNS:,} / {theirs['search_runs']:,} runs, filter + sort (ms)", False),
        ("search_matches", "search_matches", "search matches (must be equal)", None),
    ]
    print(f"\n{'same workload, runyard vs MLflow ' + theirs['mlflow_version']:60} {'runyard':>12} "
          f"{'MLflow':>12} {'x faster':>9}")
    for ours_key, theirs_key, label, higher_better in rows:
        mine, other = ours.get(ours_key), theirs.get(theirs_key)
        ratio = "" if higher_better is None or not mine or not other else (
            f"{(mine / other) if higher_better else (other / mine):,.1f}")
        print(f"{label:60} {_num(mine):>12} {_num(None if other is None else float(other)):>12} {ratio:>9}")
    print("runyard: SDK log() in remote mode, history as msgpack (JSON row: JSON); MLflow: MlflowClient "
          "log_batch of 1,000 metrics, get_metric_history (JSON only), search_runs.")


def main() -> None:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mlflow-python", help="Python with mlflow, or an mlflow executable")
    parser.add_argument("--no-mlflow", action="store_true", help="skip the MLflow comparison")
    args = parser.parse_args()
    mlflow_python = None if args.no_mlflow else find_mlflow_python(args.mlflow_python)
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
    theirs = mlflow_numbers(mlflow_python) if mlflow_python else None
    RESULTS.mkdir(exist_ok=True)
    payload = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "results": results,
               "mlflow": theirs}
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
    if theirs:
        print_comparison(results, theirs)
    elif not args.no_mlflow:
        print("\nMLflow comparison skipped: MLflow not found (see bench/README.md) or its run failed.")


if __name__ == "__main__":
    main()
