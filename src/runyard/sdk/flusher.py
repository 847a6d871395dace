"""The background thread that writes column batches, console lines, system info and heartbeats."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from runyard.errors import InvalidInputError, RunyardError, StoreError
from runyard.sdk.background import BackgroundLoop
from runyard.sdk.buffer import ColumnQueue
from runyard.sdk.console import LineBuffer, LogRecord
from runyard.sdk.sink import Sink
from runyard.sdk.warn import WarnOnce
from runyard.store.models import MetricColumns

BATCH_LINES = 50_000
MAX_BACKOFF_S = 10.0


def _transient(exc: BaseException) -> bool:
    # Deliberate refusals (bad input, run deleted) fail the same way on every retry.
    return isinstance(exc, StoreError) or not isinstance(exc, RunyardError)


class Flusher(BackgroundLoop):
    """Writes through a sink, off the training thread; never raises into the caller.

    Wakes when columns are queued, every `interval` seconds for console lines, and sends
    a heartbeat every `heartbeat_interval`. A failed write keeps its batch with the same
    batch id (so the retry is idempotent) and is retried with backoff. After `stop()`,
    `flush()` writes what is left.
    """

    def __init__(
        self,
        run_id: int,
        sink: Sink,
        queue: ColumnQueue,
        lines: LineBuffer,
        warn: WarnOnce,
        *,
        interval: float = 0.5,
        heartbeat_interval: float = 10.0,
        name: str = "runyard-flusher",
    ) -> None:
        super().__init__(name, wake=queue.ready)
        self.run_id = run_id
        self.sink = sink
        self.queue = queue
        self.lines = lines
        self.warn = warn
        self.interval = interval
        self.heartbeat_interval = heartbeat_interval
        self.points_written = 0
        self.points_dropped = 0
        self._lock = threading.Lock()  # one write at a time keeps batches in log order
        self._retry_metrics: tuple[str, dict[str, MetricColumns]] | None = None
        self._retry_logs: tuple[str, list[LogRecord]] | None = None
        # Run fields to replace on the next write (system info, config, summary, metric
        # definitions): the latest value of each wins, so a summary set every step costs one write.
        self._fields: dict[str, Any] = {}
        self._fields_lock = threading.Lock()
        self._failures = 0
        self._next_try = 0.0

    def set_system_info(self, info: Mapping[str, Any]) -> None:
        """Queue the run's system info for the next write."""
        self.set_run_fields(system=dict(info))

    def set_run_fields(self, **fields: Mapping[str, Any]) -> None:
        """Queue run fields (each replaced whole) for the next write; cheap, no I/O."""
        with self._fields_lock:
            self._fields.update(fields)

    def pending(self) -> bool:
        """Whether anything is still unwritten."""
        return bool(
            self.queue.points or len(self.lines) or self._retry_metrics or self._retry_logs or self._fields
        )

    def _loop(self) -> None:
        next_beat = time.monotonic() + self.heartbeat_interval
        while not self._stop.is_set():
            now = time.monotonic()
            if self._failures:
                # Backing off: sleep through wake-ups so a full queue cannot spin us.
                self._stop.wait(max(0.0, min(self._next_try, next_beat) - now))
            else:
                self.queue.ready.wait(max(0.0, min(self.interval, next_beat - now)))
            if self._stop.is_set():
                break
            now = time.monotonic()
            if now >= self._next_try:
                self.flush()
            if now >= next_beat:
                next_beat = now + self.heartbeat_interval
                self._heartbeat()

    def _heartbeat(self) -> None:
        try:
            self.sink.heartbeat(self.run_id)
        except Exception as exc:
            self.warn("heartbeat", f"heartbeat for run {self.run_id} failed: {exc!r}")

    def flush(self, timeout: float = -1) -> bool:
        """Write all that is queued now; False when a write failed (kept for a retry).

        With a `timeout`, gives up (False) when another flush holds the writer that long,
        e.g. a background write stuck on a hung store.
        """
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            self._flush_metrics()
            self._flush_logs()
            self._flush_run_fields()
        except Exception as exc:
            self._failures += 1
            self._next_try = time.monotonic() + min(MAX_BACKOFF_S, 0.25 * 2**self._failures)
            self.warn(
                "write",
                f"writing run {self.run_id} failed ({exc!r}); the data is kept in memory "
                "and retried in the background",
            )
            return False
        finally:
            self._lock.release()
        self._failures = 0
        self._next_try = 0.0
        return True

    def _flush_metrics(self) -> None:
        # A pending retry first, then one merged write of all that queued up meanwhile; the
        # loop comes back for more, so heartbeats go out even under a steady stream.
        if self._retry_metrics is not None:
            self._write_metrics(*self._retry_metrics)
            self._retry_metrics = None
        columns = self.queue.take_all()
        if columns:
            self._retry_metrics = (uuid.uuid4().hex, columns)
            self._write_metrics(*self._retry_metrics)
            self._retry_metrics = None

    def _write_metrics(self, batch_id: str, columns: dict[str, MetricColumns]) -> None:
        points = sum(len(c) for c in columns.values())
        try:
            self.sink.write_metrics(self.run_id, columns, batch_id)
        except InvalidInputError:
            self._write_keys_apart(batch_id, columns)
            return
        except Exception as exc:
            if _transient(exc):
                raise
            self.points_dropped += points
            self.warn("refused", f"the store refused metrics of run {self.run_id}: {exc}")
            return
        self.points_written += points

    def _write_keys_apart(self, batch_id: str, columns: dict[str, MetricColumns]) -> None:
        # One bad key must not sink the others: key by key, dropping only the refused.
        for index, (key, cols) in enumerate(columns.items()):
            try:
                self.sink.write_metrics(self.run_id, {key: cols}, f"{batch_id}-{index}")
            except Exception as exc:
                if _transient(exc):
                    raise
                self.points_dropped += len(cols)
                self.warn(f"refused:{key}", f"the store refused metric {key!r}: {exc}")
            else:
                self.points_written += len(cols)

    def _flush_logs(self) -> None:
        while True:
            if self._retry_logs is None:
                batch = self.lines.take(BATCH_LINES)
                if not batch:
                    return
                self._retry_logs = (uuid.uuid4().hex, batch)
            batch_id, lines = self._retry_logs
            try:
                self.sink.write_logs(self.run_id, lines, batch_id)
            except Exception as exc:
                if _transient(exc):
                    raise
                self.warn("refused-logs", f"the store refused console lines of run {self.run_id}: {exc}")
            self._retry_logs = None

    def _flush_run_fields(self) -> None:
        with self._fields_lock:
            fields, self._fields = self._fields, {}
        if not fields:
            return
        try:
            self.sink.update_run(self.run_id, **fields)
        except Exception as exc:
            if _transient(exc):
                with self._fields_lock:  # kept for the retry, unless a newer value came meanwhile
                    self._fields = {**fields, **self._fields}
                raise
            self.warn(f"refused-{'+'.join(sorted(fields))}",
                      f"the store refused {', '.join(sorted(fields))} of run {self.run_id}: {exc}")
