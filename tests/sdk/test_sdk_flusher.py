"""The background writer against a fake sink: batching, failures, retries, bounds."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runyard.sdk import RunyardWarning
from runyard.sdk import run as run_module
from runyard.sdk.run import Run
from runyard.sdk.sink import RunSpec
from tests.sdk.helpers import MemorySink

_made: list[tuple[MemorySink, Run]] = []


def make_run(sink: MemorySink, **options: Any) -> Run:
    handle = sink.open_run(RunSpec(project="p"))
    options.setdefault("capture_console", False)
    options.setdefault("collect_system_info", False)
    run = Run(sink, handle, Path("."), **options)
    run._start()
    _made.append((sink, run))
    return run


@pytest.fixture(autouse=True)
def _finish_made_runs() -> Iterator[None]:
    """A failed assertion must not leave a run blocked on a closed gate."""
    yield
    while _made:
        sink, run = _made.pop()
        sink.gate.set()
        sink.fail = False
        run.finish()


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_background_flush_without_finish() -> None:
    sink = MemorySink()
    run = make_run(sink, flush_interval=0.05)
    for i in range(10):
        run.log({"a": float(i)})
    assert wait_until(lambda: len(sink.values("a")) == 10)
    run.finish()
    assert sink.status == "finished" and sink.closed


def test_threshold_wakes_the_flusher_early() -> None:
    sink = MemorySink()
    run = make_run(sink, flush_interval=30.0, flush_threshold=100)
    for i in range(150):
        run.log({"a": float(i)})
    assert wait_until(lambda: len(sink.values("a")) >= 100, timeout=3)
    run.finish()
    assert sink.values("a") == [float(i) for i in range(150)]


def test_log_never_waits_for_a_stuck_store() -> None:
    sink = MemorySink()
    sink.gate.clear()  # every write blocks until the gate opens
    run = make_run(sink, flush_interval=0.01, flush_threshold=50)
    started = time.perf_counter()
    for i in range(20_000):
        run.log({"a": float(i), "b": 1.0})
    assert time.perf_counter() - started < 2.0
    assert wait_until(lambda: sink.calls >= 1)
    assert sink.batches == []  # the writer is stuck inside the sink
    sink.gate.set()
    run.finish()
    assert sink.steps("a") == list(range(20_000))
    assert sink.values("b") == [1.0] * 20_000


def test_write_errors_warn_once_and_data_is_retried() -> None:
    sink = MemorySink()
    sink.fail = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = make_run(sink, flush_interval=0.01)
        for i in range(100):
            run.log({"a": float(i)})
        assert wait_until(lambda: sink.calls >= 3)  # retried, with backoff
        for i in range(100, 200):
            run.log({"a": float(i)})
        sink.fail = False
        run.finish()
    ours = [w for w in caught if issubclass(w.category, RunyardWarning)]
    assert len(ours) == 1 and "disk on fire" in str(ours[0].message)
    assert sink.values("a") == [float(i) for i in range(200)]
    assert sink.status == "finished"
    # A retried batch keeps its id, so the store can skip one it already applied.
    ids = [bid for bid, _ in sink.batches]
    assert len(ids) == len(set(ids))


def test_finish_gives_up_on_a_dead_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "FINISH_TIMEOUT_S", 0.5)
    sink = MemorySink()
    sink.fail = True
    run = make_run(sink, flush_interval=0.01)
    run.log({"a": 1.0})
    started = time.monotonic()
    with pytest.warns(RunyardWarning):
        run.finish()
    assert time.monotonic() - started < 5
    assert sink.closed and sink.batches == []


def test_memory_stays_bounded_with_a_slow_store() -> None:
    sink = MemorySink()
    sink.delay = 0.05
    run = make_run(sink, flush_interval=0.01, flush_threshold=1_000, max_buffered=5_000)
    run._transposer.max_queued_points = 20_000
    peak_records = peak_queued = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(200_000):
            run.log({"a": float(i), "b": 2.0})
            if i % 500 == 0:
                peak_records = max(peak_records, len(run._records))
                peak_queued = max(peak_queued, run._transposer.queue.points)
    run.finish()
    assert peak_records <= 5_000
    assert peak_queued <= 20_000 + 2 * 50_000  # the cap plus the chunk in flight
    assert any("waits" in str(w.message) for w in caught)  # backpressure said so
    assert sink.steps("a") == list(range(200_000))


def test_heartbeats_and_system_info() -> None:
    sink = MemorySink()
    run = make_run(sink, heartbeat_interval=0.05, collect_system_info=True)
    assert wait_until(lambda: sink.heartbeats >= 3)
    run.finish()
    assert sink.system is not None and "python_version" in sink.system


def test_logging_from_many_threads() -> None:
    sink = MemorySink()
    run = make_run(sink, flush_interval=0.01, flush_threshold=500)

    def worker(key: str) -> None:
        for i in range(5_000):
            run.log({key: float(i)})

    threads = [threading.Thread(target=worker, args=(f"k{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.finish()
    for n in range(4):
        assert sink.values(f"k{n}") == [float(i) for i in range(5_000)]
    steps = sorted(s for n in range(4) for s in sink.steps(f"k{n}"))
    assert len(steps) == 20_000
