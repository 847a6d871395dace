"""The background thread that turns buffered dict-per-step records into per-key columns."""

from __future__ import annotations

import threading

from runyard.sdk.background import BackgroundLoop
from runyard.sdk.buffer import ColumnQueue, take
from runyard.sdk.columns import Record, to_columns
from runyard.sdk.warn import WarnOnce

CHUNK_RECORDS = 50_000
MAX_QUEUED_POINTS = 1_000_000  # ~24 MB of columns waiting for a slow or failing writer


class Transposer(BackgroundLoop):
    """Converts records to columns every `interval` seconds, or sooner when `wake` is set.

    When the writer falls far behind (`max_queued_points` waiting) it stops converting, so
    records pile up in the raw buffer and `log()` eventually applies backpressure. After
    `stop()`, `convert(force=True)` does the rest.
    """

    def __init__(
        self,
        records: list[Record],
        queue: ColumnQueue,
        warn: WarnOnce,
        *,
        interval: float = 0.5,
        chunk_records: int = CHUNK_RECORDS,
        max_queued_points: int = MAX_QUEUED_POINTS,
        name: str = "runyard-transposer",
    ) -> None:
        self.wake = threading.Event()
        super().__init__(name, wake=self.wake)
        self.records = records
        self.queue = queue
        self.warn = warn
        self.interval = interval
        self.chunk_records = chunk_records
        self.max_queued_points = max_queued_points
        self.drained = threading.Event()
        self.points_dropped = 0
        self._lock = threading.Lock()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.queue.points >= self.max_queued_points:
                # Writer far behind: leave `wake` set (so log() stops setting it) and nap.
                self._stop.wait(0.1)
            else:
                self.wake.wait(self.interval)
                self.wake.clear()
            if not self._stop.is_set():
                self.convert()

    def convert(self, *, force: bool = False) -> None:
        """Move buffered records into the column queue, chunk by chunk."""
        with self._lock:
            # Only what is there now (all of it when forced): chasing a logger that keeps
            # appending would hold the GIL against it for no gain.
            left = len(self.records)
            while force or (left > 0 and self.queue.points < self.max_queued_points):
                batch = take(self.records, self.chunk_records)
                left -= len(batch)
                self.drained.set()
                if not batch:
                    return
                try:
                    columns = to_columns(batch)
                except Exception as exc:  # a bug, not I/O: retrying cannot help
                    self.points_dropped += sum(len(r[2]) for r in batch)
                    self.warn("transpose", f"dropped {len(batch)} records that could not be converted: {exc!r}")
                    continue
                self.queue.put(columns)

    def backpressure(self, limit: int) -> None:
        """Block the logging thread until fewer than `limit` records wait (last resort)."""
        self.warn(
            "backpressure",
            f"more than {limit:,} logged records are waiting to be written; log() now waits "
            "for the store to catch up",
        )
        while len(self.records) >= limit:
            if not self._thread.is_alive():
                self.convert()  # no background thread (stopped, or a forked child): do it here
                if len(self.records) >= limit:
                    return  # the writer refuses more: never hang the caller without a thread
                continue
            self.drained.clear()
            self.wake.set()
            self.drained.wait(0.5)
