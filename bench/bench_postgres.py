"""Team-scale benchmarks (issue 15): PostgreSQL beside SQLite, through one and two `runyard serve` replicas.

Run: `.venv/bin/python bench/bench_postgres.py` (a few minutes; `--only postgresql` or
`--only sqlite` for one backend). Needs `runyard[postgres]` and a PostgreSQL server where it
may create databases: $RUNYARD_TEST_PG, else postgresql://postgres@127.0.0.1:5432/test. It
makes its own database `runyard_t_<random>` and drops it afterwards. The same workload runs on
the embedded store (a data dir; its "replicas" are two servers on the same data dir):

- SDK remote ingest: 1M points (3 keys) from one SDK process through one replica; then two
  SDK processes at once, 1M points each, each through its own replica (points/s of both).
- full read of a 1M-point key from the store, cold (decode cache cleared) and warm;
- search of 10,000 runs (filter on a param and a metric, sort on the metric), from the store
  and through a replica's REST API;
- log -> SSE: a point logged over HTTP on one replica until the SSE event of a client
  following the run on the other replica arrives.

Prints a table; writes bench/results/postgres.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer
from tests.pg import fresh_database
from tests.sse_client import parse_lines

from bench.bench_foundation import _best, realistic_series
from bench.bench_server import REMOTE_INGEST
from runyard.store import MetricColumns, RunQuery, Store, open_store, parse_filter, parse_order_by

RESULTS = Path(__file__).resolve().parent / "results"
INGEST_CALLS = 333_334  # x 3 keys: 1M points per SDK process
READ_POINTS = 1_000_000
SEARCH_RUNS = 10_000
SSE_POINTS = 200
SEARCH_FILTER = "params.lr = 0.01 and metrics.val/loss < 0.5"
SEARCH_ORDER = "metrics.val/loss asc"

TARGETS: list[tuple[str, str, float, str]] = [
    ("ingest_one_replica", "SDK remote ingest, one replica, 1M points (points/s)", 300_000, ">="),
    ("ingest_two_replicas", "SDK remote ingest, two replicas, 2 x 1M points (points/s)", 500_000, ">="),
    ("full_read_cold_ms", "full read of 1M points from the store, cold (ms)", 60, "<="),
    ("full_read_warm_ms", "full read of 1M points from the store, warm (ms)", float("nan"), ""),
    ("search_store_ms", "search 10,000 runs, filter + sort + count, store (ms)", 100, "<="),
    ("search_http_ms", "search 10,000 runs, filter + sort, REST on a replica (ms)", 100, "<="),
    ("sse_p50_ms", "log on replica A -> SSE event from replica B, p50 (ms)", 50, "<="),
    ("sse_p99_ms", "log on replica A -> SSE event from replica B, p99 (ms)", float("nan"), ""),
]


@dataclass
class Backend:
    """Where the store lives: a data dir (SQLite) or a database URL with a data dir for the servers' files."""

    name: str
    location: str
    work: Path

    def open(self) -> Store:
        if self.name == "sqlite":
            return open_store(self.location)
        return open_store(self.location, data_dir=self.work)  # the data dir holds the artifact files

    def replica(self, index: int) -> LiveServer:
        # Each replica has a data dir of its own (its files); with SQLite both serve the one data dir.
        if self.name == "sqlite":
            return LiveServer(Path(self.location))
        return LiveServer(self.work / f"replica-{index}", extra=["--store", self.location])


@contextlib.contextmanager
def replicas(backend: Backend, count: int) -> Iterator[list[LiveServer]]:
    """`count` servers on the backend's store, stopped afterwards."""
    started: list[LiveServer] = []
    try:
        for index in range(count):
            started.append(backend.replica(index).start(timeout_s=60))
        yield started
    finally:
        for server in started:
            server.stop()


def _ingest(work: Path, urls: list[str]) -> float:
    """Points/s of one SDK process per URL, all at once, until the last finish() returns."""
    began = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-c", REMOTE_INGEST, str(work / f"client-{index}"),
                                  str(INGEST_CALLS), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for index, url in enumerate(urls)]
    for child in children:
        _out, err = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"SDK ingest failed: {err[-2000:]}")
    return len(urls) * INGEST_CALLS * 3 / (time.perf_counter() - began)


def ingest(backend: Backend) -> dict[str, float]:
    """SDK remote mode through one replica, then through two at once."""
    with replicas(backend, 2) as servers:
        one = _ingest(backend.work / "one", [servers[0].url])
        two = _ingest(backend.work / "two", [server.url for server in servers])
    return {"ingest_one_replica": one, "ingest_two_replicas": two}


def seed(store: Store) -> tuple[int, int]:
    """A run with a 1M-point key (SDK-sized batches, then compacted) and a project of 10,000 runs."""
    run = store.create_run(store.create_project("reads").id)
    series = realistic_series(READ_POINTS)
    for start in range(0, READ_POINTS, 10_000):
        part = slice(start, start + 10_000)
        store.append_metrics(run.id, {"loss": MetricColumns(series.steps[part], series.values[part],
                                                            series.times[part])})
    store.compact()
    project = store.create_project("search")
    rng = np.random.default_rng(0)
    choices = [(float(rng.choice([1e-3, 1e-2, 1e-1])), int(rng.integers(1, 9)), float(rng.random()))
               for _ in range(SEARCH_RUNS)]

    def one(index: int) -> None:
        lr, layers, loss = choices[index]
        made = store.create_run(project.id, name=f"r{index}", params={"lr": lr, "layers": layers},
                                status="finished")
        store.append_metrics(made.id, {"val/loss": MetricColumns(np.array([0]), np.array([loss]),
                                                                 np.array([1.7e9]))})

    # Many writers at once: the store's group commit shares one transaction among them.
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(one, range(SEARCH_RUNS)))
    return run.id, project.id


def store_reads(store: Store, run_id: int, project_id: int) -> dict[str, float]:
    """Full read of the 1M-point key and the 10,000-run search, in this process."""
    cache = store._series_cache  # type: ignore[attr-defined]
    got = store.read_metric(run_id, "loss")
    assert len(got) == READ_POINTS

    def cold() -> None:
        cache.clear()
        store.read_metric(run_id, "loss")

    query = RunQuery(project_ids=(project_id,), filters=parse_filter(SEARCH_FILTER),
                     order_by=parse_order_by([SEARCH_ORDER]), limit=100)
    assert store.search_runs(query)
    return {
        "full_read_cold_ms": _best(cold) * 1e3,
        "full_read_warm_ms": _best(lambda: store.read_metric(run_id, "loss")) * 1e3,
        "search_store_ms": _best(lambda: (store.search_runs(query), store.count_runs(query))) * 1e3,
        "search_matches": float(store.count_runs(query)),
    }


def _follow(url: str, received: dict[int, float], ready: threading.Event) -> None:
    with httpx.stream("GET", url, timeout=60) as response:
        ready.set()
        for event in parse_lines(response.iter_lines()):
            if event.event == "metrics":
                now = time.perf_counter()
                for step in event.data["metrics"]["x"]["steps"]:
                    received.setdefault(step, now)
            elif event.event == "status":
                return


def http_numbers(backend: Backend, project_id: int) -> dict[str, float]:
    """Search through a replica's REST API, and log on one replica -> SSE on the other."""
    with replicas(backend, 2) as (first, second):
        client = httpx.Client(base_url=first.url, timeout=60)
        search = {"experiment_id": project_id, "filter": SEARCH_FILTER, "order_by": SEARCH_ORDER, "limit": 100}
        assert client.get("/api/v1/experiments/runs", params=search).json()["total"] > 0
        search_ms = _best(lambda: client.get("/api/v1/experiments/runs", params=search).raise_for_status()) * 1e3
        experiment = client.post("/api/v1/experiments", json={"name": "live"}).json()
        run_id = client.post("/api/v1/experiments/runs", json={"experiment_id": experiment["id"]}).json()["id"]
        received: dict[int, float] = {}
        ready = threading.Event()
        follower = threading.Thread(target=_follow, args=(
            f"{second.url}/api/v1/experiments/runs/{run_id}/stream", received, ready), daemon=True)
        follower.start()
        ready.wait(30)
        time.sleep(0.5)  # the stream's first (empty) snapshot is sent
        sent: dict[int, float] = {}
        for step in range(SSE_POINTS):
            sent[step] = time.perf_counter()
            client.post(f"/api/v1/experiments/runs/{run_id}/log-metrics",
                        json={"metrics": {"x": float(step)}, "step": step}).raise_for_status()
            time.sleep(0.02)
        client.post(f"/api/v1/experiments/runs/{run_id}/end", json={}).raise_for_status()
        follower.join(60)
        client.close()
    delays = sorted(received[step] - sent[step] for step in sent if step in received)
    if len(delays) != SSE_POINTS:
        raise RuntimeError(f"only {len(delays)} of {SSE_POINTS} points reached the other replica's stream")
    return {"search_http_ms": search_ms, "sse_p50_ms": statistics.median(delays) * 1e3,
            "sse_p99_ms": delays[int(len(delays) * 0.99) - 1] * 1e3}


def measure(backend: Backend) -> dict[str, float]:
    """Every number of one backend (seeded first; ingest last, so it does not warm the reads)."""
    print(f"{backend.name}: seeding 1M points and {SEARCH_RUNS:,} runs", file=sys.stderr)
    with backend.open() as store:
        run_id, project_id = seed(store)
    with backend.open() as store:  # a fresh process-like store: nothing cached
        results = store_reads(store, run_id, project_id)
    print(f"{backend.name}: REST search and cross-replica SSE", file=sys.stderr)
    results.update(http_numbers(backend, project_id))
    print(f"{backend.name}: SDK remote ingest", file=sys.stderr)
    results.update(ingest(backend))
    return results


def _cell(value: float | None, target: float, op: str) -> str:
    if value is None:
        return f"{'n/a':>12}"
    ok = "" if not op else (" ok" if (value <= target if op == "<=" else value >= target) else " NO")
    return f"{value:12,.1f}{ok:3}"


def main() -> None:
    """Run both backends and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=("postgresql", "sqlite"), help="measure one backend")
    args = parser.parse_args()
    names = [args.only] if args.only else ["postgresql", "sqlite"]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="runyard-bench-pg-") as tmp:
        for name in names:
            work = Path(tmp) / name
            work.mkdir()
            if name == "sqlite":
                results[name] = measure(Backend(name, str(work / "data"), work))
                continue
            with fresh_database() as url:
                results[name] = measure(Backend(name, url, work))
    RESULTS.mkdir(exist_ok=True)
    payload = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "results": results}
    (RESULTS / "postgres.json").write_text(json.dumps(payload, indent=2))
    print(f"{'measure':60} {'target':>10}" + "".join(f" {name:>15}" for name in names))
    for key, label, target, op in TARGETS:
        target_text = f"{op} {target:g}" if op else ""
        cells = "".join(f" {_cell(results[name].get(key), target, op)}" for name in names)
        print(f"{label:60} {target_text:>10}{cells}")
    for name in names:
        print(f"{name}: search matches {results[name]['search_matches']:.0f}")
    print(f"machine: {os.cpu_count()} CPUs; PostgreSQL and every process of the benchmark share them")


if __name__ == "__main__":
    main()
