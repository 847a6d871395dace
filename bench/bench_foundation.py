"""Foundation benchmarks: SDK log cost, local ingest, store reads, disk use, logger memory.

Run: `.venv/bin/python bench/bench_foundation.py` (about a minute). Each SDK measurement
runs in a fresh child process so one cannot warm or pollute another. Prints a table and
writes bench/results/foundation.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from runyard.store import MetricColumns, open_store

RESULTS = Path(__file__).resolve().parent / "results"

LOG_COST = r"""
import sys, time, statistics, gc, runyard
run = runyard.init(project="bench", dir=sys.argv[1], capture_console=False)
record = {"loss": 0.5, "acc": 0.9, "lr": 0.001}
samples = []
clock = time.perf_counter_ns
for _ in range(20):
    start = clock()
    for _ in range(10_000):
        run.log(record)
    samples.append((clock() - start) / 10_000)
# Per-call timing with the clock read around each call, minus the clock's own cost.
single = []
for _ in range(200_000):
    t0 = clock(); run.log(record); single.append(clock() - t0)
overhead = []
for _ in range(200_000):
    t0 = clock(); overhead.append(clock() - t0)
run.finish()
print(statistics.median(samples), statistics.median(single) - statistics.median(overhead))
"""

LOCAL_INGEST = r"""
import sys, time, runyard
calls = int(sys.argv[2])
start = time.perf_counter()
run = runyard.init(project="bench", dir=sys.argv[1], capture_console=False)
log = run.log
for step in range(calls):
    log({"loss": 1.0 / (step + 1), "acc": step * 1e-6, "lr": 0.001})
run.finish()
print(time.perf_counter() - start)
"""

MEMORY = r"""
import sys, threading, time, psutil, runyard
calls = int(sys.argv[2])
proc = psutil.Process()
peak = [proc.memory_info().rss]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
run = runyard.init(project="bench", dir=sys.argv[1], capture_console=False)
base = proc.memory_info().rss
for step in range(calls):
    run.log({"loss": 1.0 / (step + 1), "acc": step * 1e-6, "lr": 0.001})
run.finish()
done.set()
print(base, peak[0])
"""


def _child(code: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return [float(x) for x in out.stdout.split()]


def _best(fn: Any, repeat: int = 7) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def realistic_series(n: int, seed: int = 0) -> MetricColumns:
    """Consecutive steps, a noisy decaying loss, ~10 ms wall-time deltas."""
    rng = np.random.default_rng(seed)
    steps = np.arange(n, dtype=np.int64)
    values = np.exp(-steps / (n / 5)) + rng.normal(0, 0.05, n)
    times = 1.7e9 + np.cumsum(rng.normal(0.01, 0.001, n))
    return MetricColumns(steps, values, times)


def store_reads(work: Path) -> dict[str, float]:
    """Full and downsampled reads of a 1M-point key, cold (no decode cache) and warm; disk per point."""
    n = 1_000_000
    store = open_store(work / "reads")
    run = store.create_run(store.create_project("bench").id)
    series = realistic_series(n)
    for start in range(0, n, 10_000):  # SDK-sized batches, then compaction, as in real runs
        part = slice(start, start + 10_000)
        store.append_metrics(run.id, {"loss": MetricColumns(series.steps[part], series.values[part], series.times[part])})
    store.compact()
    cache = store._series_cache  # type: ignore[attr-defined]

    def cold_full() -> None:
        cache.clear()
        store.read_metric(run.id, "loss")

    def cold_down() -> None:
        cache.clear()
        store.read_metric_downsampled(run.id, "loss", buckets=1000)

    got = store.read_metric(run.id, "loss")
    assert np.array_equal(got.values, series.values)
    results = {
        "full_read_cold_ms": _best(cold_full) * 1e3,
        "full_read_warm_ms": _best(lambda: store.read_metric(run.id, "loss")) * 1e3,
        "downsample_cold_ms": _best(cold_down) * 1e3,
        "downsample_warm_ms": _best(lambda: store.read_metric_downsampled(run.id, "loss", buckets=1000)) * 1e3,
        "zoom_10pct_cold_ms": _best(lambda: (cache.clear(), store.read_metric_downsampled(
            run.id, "loss", buckets=1000, step_min=450_000, step_max=550_000))) * 1e3,
    }
    store.close()
    db = work / "reads" / "runyard.db"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    with open_store(work / "reads") as reopened:  # checkpointed on close: the file is the data
        reopened.metric_summaries([run.id])
    results["bytes_per_point"] = db.stat().st_size / n
    return results


def sdk_numbers(work: Path) -> dict[str, float]:
    """Numbers that need a logging process of their own."""
    batch_ns, single_ns = _child(LOG_COST, str(work / "cost"))
    ingest_s = _child(LOCAL_INGEST, str(work / "ingest"), str(333_334))[0]
    base_1m, peak_1m = _child(MEMORY, str(work / "mem1"), str(333_334))
    base_3m, peak_3m = _child(MEMORY, str(work / "mem3"), str(1_000_000))
    return {
        "log_call_ns_batched": batch_ns,
        "log_call_ns_single": single_ns,
        "ingest_1m_points_s": ingest_s,
        "rss_growth_1m_points_mb": (peak_1m - base_1m) / 2**20,
        "rss_growth_3m_points_mb": (peak_3m - base_3m) / 2**20,
    }


TARGETS: list[tuple[str, str, float, str]] = [
    ("log_call_ns_single", "median log() call, 3-key dict (ns)", 1500, "<="),
    ("log_call_ns_batched", "mean log() call in 10k loops (ns)", 1500, "<="),
    ("ingest_1m_points_s", "local ingest 1M points until finish() (s)", 2.0, "<="),
    ("full_read_cold_ms", "full read 1M points, cold (ms)", 20, "<="),
    ("full_read_warm_ms", "full read 1M points, decode cache warm (ms)", 20, "<="),
    ("downsample_cold_ms", "1,000 buckets over 1M points, cold (ms)", 15, "<="),
    ("downsample_warm_ms", "1,000 buckets over 1M points, warm (ms)", 15, "<="),
    ("zoom_10pct_cold_ms", "1,000 buckets over a 100k-step zoom, cold (ms)", 15, "<="),
    ("bytes_per_point", "bytes on disk per point", 12, "<="),
    ("rss_growth_1m_points_mb", "logger RSS growth, 1M points (MB)", float("nan"), ""),
    ("rss_growth_3m_points_mb", "logger RSS growth, 3M points (MB)", float("nan"), ""),
]


def main() -> None:
    """Run everything and print the table."""
    with tempfile.TemporaryDirectory(prefix="runyard-bench-") as tmp:
        work = Path(tmp)
        results = {**store_reads(work), **sdk_numbers(work)}
    RESULTS.mkdir(exist_ok=True)
    payload = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "results": results}
    (RESULTS / "foundation.json").write_text(json.dumps(payload, indent=2))
    print(f"{'measure':52} {'value':>10} {'target':>8}  ok")
    for key, label, target, op in TARGETS:
        value = results[key]
        ok = "-" if not op else ("yes" if value <= target else "NO")
        target_text = "" if not op else f"{target:g}"
        print(f"{label:52} {value:10.2f} {target_text:>8}  {ok}")
    growth_ratio = results["rss_growth_3m_points_mb"] / max(results["rss_growth_1m_points_mb"], 1e-9)
    print(f"{'memory bounded (3M growth / 1M growth)':52} {growth_ratio:10.2f} {'~1':>8}")


if __name__ == "__main__":
    main()
