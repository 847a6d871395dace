"""`runyard.Api` history() of 1M points: from the data dir vs from `runyard serve` (loopback).

Run: `.venv/bin/python bench/bench_remote_api.py` (about 30 s). Seeds a fresh data dir with
two runs of 1,000,000 points each: `one-key` (one key of 1M points) and `ten-keys` (10 keys of
100,000 points on shared steps), starts `runyard serve` on a free loopback port, and times
`run.history()` (the polars frame, every point) both ways. "cold": the first history() of a
freshly opened Api (local: a fresh store, nothing decoded yet; remote: the server's first
read of that run); "warm": the best of 5 more on the same Api. Every remote frame is checked
bit for bit against the local one. Prints a table; writes bench/results/remote_api.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import LiveServer

from bench.bench_foundation import realistic_series
from runyard.api import Api
from runyard.store import open_store

RESULTS = Path(__file__).resolve().parent / "results"
POINTS = 1_000_000
REPEAT = 5


def seed(data_dir: Path) -> None:
    """`bench/one-key`: 1 key x 1M points; `bench/ten-keys`: 10 keys x 100k points."""
    with open_store(data_dir) as store:
        project = store.create_project("bench")
        one = store.create_run(project.id, name="one-key")
        store.append_metrics(one.id, {"loss": realistic_series(POINTS)})
        ten = store.create_run(project.id, name="ten-keys")
        keys = {f"metric/{i}": realistic_series(POINTS // 10, seed=i) for i in range(10)}
        store.append_metrics(ten.id, keys)
        for run in (one, ten):
            store.set_run_status(run.id, "finished")


def _seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Bitwise equal: schema, nulls and the bytes of every column."""
    return a.schema == b.schema and all(
        a[c].is_null().to_list() == b[c].is_null().to_list()
        and np.asarray(a[c].to_numpy()).tobytes() == np.asarray(b[c].to_numpy()).tobytes()
        for c in a.columns
    )


def measure(target: str, ref: str) -> tuple[dict[str, float], pl.DataFrame]:
    """Cold (first history() of a fresh Api) and warm (best of REPEAT) milliseconds."""
    with Api(target) as api:
        run = api.run(ref)
        cold = _seconds(run.history)
        warm = [_seconds(run.history) for _ in range(REPEAT)]
        frame = run.history()
        lookup = min(_seconds(lambda: api.run(ref)) for _ in range(REPEAT))
    return {"cold_ms": cold * 1e3, "warm_ms": min(warm) * 1e3, "warm_median_ms": statistics.median(warm) * 1e3,
            "run_lookup_ms": lookup * 1e3}, frame


def main() -> None:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="runyard-bench-") as work:
        data_dir = Path(work) / "data"
        seed(data_dir)
        server = LiveServer(data_dir).start()
        try:
            for name in ("one-key", "ten-keys"):
                local, local_frame = measure(str(data_dir), f"bench/{name}")
                remote, remote_frame = measure(server.url, f"bench/{name}")
                assert local_frame.height * (local_frame.width - 1) == POINTS
                assert same(local_frame, remote_frame), f"{name}: remote frame differs from local"
                results[name] = {"local": local, "remote": remote}
        finally:
            server.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "remote_api.json").write_text(json.dumps(results, indent=2))
    print(f"{'run (1M points)':<12} {'side':<7} {'cold ms':>9} {'warm ms':>9} {'median':>9} {'run() ms':>9}")
    for name, sides in results.items():
        for side, row in sides.items():
            print(f"{name:<12} {side:<7} {row['cold_ms']:>9.1f} {row['warm_ms']:>9.1f} "
                  f"{row['warm_median_ms']:>9.1f} {row['run_lookup_ms']:>9.2f}")
        extra = sides["remote"]["cold_ms"] - sides["local"]["cold_ms"]
        print(f"{name:<12} remote cold - local cold: {extra:+.1f} ms; remote warm: "
              f"{POINTS / sides['remote']['warm_ms'] / 1e3:.1f} M points/s")


if __name__ == "__main__":
    main()
