"""A live run: the cheap `log()` hot path and the way a run ends."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from runyard.sdk.buffer import ColumnQueue
from runyard.sdk.columns import Record
from runyard.sdk.console import ConsoleCapture, LineBuffer
from runyard.sdk.flusher import Flusher
from runyard.sdk.lifecycle import Lifecycle, exception_status, format_traceback
from runyard.sdk.media import Media, split_media
from runyard.sdk.media_writer import MediaWriter
from runyard.sdk.run_fields import MetricDefinitions, RunField
from runyard.sdk.sink import RunHandle, Sink
from runyard.sdk.system_info import collect
from runyard.sdk.system_monitor import SystemMonitor
from runyard.sdk.transposer import Transposer
from runyard.sdk.values import check_step, coerce_record, to_jsonable
from runyard.sdk.warn import WarnOnce
from runyard.store.models import TERMINAL_STATUSES, Artifact

_now = time.time

FLUSH_THRESHOLD = 10_000  # records: wake the flusher early past this
MAX_BUFFERED = 100_000  # records (~30 MB): log() waits for the writer past this (backpressure)
FINISH_TIMEOUT_S = 30.0  # finish() gives up on an unwritable store after this
SYSTEM_INFO_WAIT_S = 3.0
MONITOR_WAIT_S = 2.0  # finish() waits this long for a sample under way


class Run:
    """One run being recorded; created by `runyard.init`, not directly."""

    def __init__(
        self,
        sink: Sink,
        handle: RunHandle,
        data_dir: Path,
        *,
        capture_console: bool = True,
        heartbeat_interval: float = 10.0,
        flush_interval: float = 0.5,
        flush_threshold: int = FLUSH_THRESHOLD,
        max_buffered: int = MAX_BUFFERED,
        collect_system_info: bool = True,
        monitor_interval: float | None = None,
        on_end: Callable[[Run], None] | None = None,
    ) -> None:
        self._sink = sink
        self._handle = handle
        self._dir = data_dir
        self._records: list[Record] = []
        self._step = handle.next_step
        self._threshold = flush_threshold
        self._max_buffered = max(max_buffered, flush_threshold + 1)
        self._active = True
        self._warn = WarnOnce()
        self._lines = LineBuffer()
        queue = ColumnQueue()
        self._transposer = Transposer(
            self._records, queue, self._warn, interval=flush_interval, name=f"runyard-transposer-{handle.id}"
        )
        self._flusher = Flusher(
            handle.id,
            sink,
            queue,
            self._lines,
            self._warn,
            interval=flush_interval,
            heartbeat_interval=heartbeat_interval,
            name=f"runyard-flusher-{handle.id}",
        )
        self._wake = self._transposer.wake
        publish = self._publish_field
        self._config = RunField("config", handle.config, publish)
        self._summary = RunField("summary", handle.summary, publish)
        self._metric_defs = MetricDefinitions(handle.metric_defs, publish)
        self._console = ConsoleCapture(self._lines) if capture_console else None
        self._lifecycle = Lifecycle(self._end)
        self._finish_lock = threading.RLock()
        self._finishing = False
        self._finished = False
        self._status: str | None = None
        self._on_end = on_end
        self._pid = os.getpid()
        self.points_written = 0
        self._sysinfo_thread: threading.Thread | None = None
        self._media: MediaWriter | None = None
        # System metrics skip the record buffer: they go straight to the column queue.
        self._monitor = None if monitor_interval is None else SystemMonitor(
            queue.put, self._warn, interval=monitor_interval, start_time=handle.start_time,
            disk_path=data_dir, name=f"runyard-monitor-{handle.id}")
        if collect_system_info:
            self._sysinfo_thread = threading.Thread(
                target=self._collect_system_info, name="runyard-sysinfo", daemon=True
            )

    def _start(self) -> None:
        self._transposer.start()
        self._flusher.start()
        if self._sysinfo_thread is not None:
            self._sysinfo_thread.start()
        if self._monitor is not None:
            self._monitor.start()
        if self._console is not None:
            self._console.start()
        self._lifecycle.install()

    def _collect_system_info(self) -> None:
        try:
            info = collect()
            info["monitor_interval_s"] = self._monitor.interval if self._monitor is not None else 0
            self._flusher.set_system_info(info)
        except Exception as exc:
            self._warn("system", f"could not collect system info: {exc!r}")

    # -- identity ------------------------------------------------------------------
    @property
    def id(self) -> int:
        """The run's integer id."""
        return self._handle.id

    @property
    def uid(self) -> str:
        """The run's string uid (`run-YYYYMMDD_HHMMSS-xxxxxxxx`)."""
        return self._handle.uid

    @property
    def name(self) -> str:
        """The run's name, unique in its project."""
        return self._handle.name

    @property
    def project(self) -> str:
        """The project's name."""
        return self._handle.project

    @property
    def dir(self) -> Path:
        """The data dir the run is stored in."""
        return self._dir

    @property
    def resumed(self) -> bool:
        """Whether this run continues an earlier one."""
        return self._handle.resumed

    @property
    def step(self) -> int:
        """The step the next `log()` without `step=` gets."""
        return self._step

    @property
    def status(self) -> str:
        """`running` until finished, then the final status."""
        return self._status or "running"

    def __repr__(self) -> str:
        return f"<runyard.Run {self.project}/{self.name} id={self.id} {self.status}>"

    # -- the hot path ----------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None) -> None:
        """Queue metric values for one step; no I/O, raises only for misuse."""
        if not self._active:
            self._raise_inactive()
        if type(data) is not dict:
            data = _as_mapping(data)
        record = data.copy()
        media = None
        for key, value in record.items():
            tv = type(value)
            if (tv is float or tv is int) and type(key) is str and key:
                continue
            record, media = split_media(record)
            record = coerce_record(record)
            break
        if step is None:
            step = self._step
        elif type(step) is not int or step < 0:
            step = check_step(step)
        self._step = step + 1
        if media:
            self._queue_media(step, media)
            if not record:
                return
        records = self._records
        records.append((step, _now(), record))
        if len(records) >= self._threshold:
            self._on_threshold()

    def _queue_media(self, step: int, media: Mapping[str, Media]) -> None:
        # The media thread starts with the first media item: runs logging only scalars never have one.
        if self._media is None:
            self._media = MediaWriter(self.id, self._sink, self._warn, name=f"runyard-media-{self.id}")
            self._media.start()
        for key, item in media.items():
            self._media.put(key, step, item)

    def _on_threshold(self) -> None:
        if not self._wake.is_set():
            self._wake.set()
        if len(self._records) >= self._max_buffered:
            self._transposer.backpressure(self._max_buffered)

    def _raise_inactive(self) -> None:
        raise RuntimeError(
            f"run {self.name!r} is already finished ({self.status}); call runyard.init() to start a new run"
        )

    # -- metadata --------------------------------------------------------------------
    def log_params(self, params: Mapping[str, Any]) -> None:
        """Merge hyperparameters into the run's params (written now)."""
        self._check_active()
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping, got {type(params).__name__}")
        self._sink.log_params(self.id, to_jsonable(params))

    def set_tags(self, tags: Iterable[str]) -> None:
        """Replace the run's tags (written now)."""
        self._check_active()
        if isinstance(tags, str):
            raise TypeError("tags must be a list of strings, not a string")
        self._sink.update_run(self.id, tags=list(tags))

    def log_artifact(self, path: str | os.PathLike[str], name: str | None = None) -> Artifact:
        """Copy a file into the run's artifacts (written now)."""
        self._check_active()
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"artifact {str(source)!r} is not a file")
        return self._sink.add_artifact(self.id, source, name)

    def _check_active(self) -> None:
        if not self._active:
            self._raise_inactive()

    @property
    def config(self) -> RunField:
        """The run's config: `run.config.update({...})` or `run.config["lr"] = ...` merge and write it."""
        return self._config

    @property
    def summary(self) -> RunField:
        """Values that sum the run up (`run.summary["best_acc"] = 0.9`); they win over last logged values."""
        return self._summary

    def define_metric(self, name: str, step_metric: str | None = None) -> None:
        """Record that metric `name` (or a glob such as `"val/*"`) is charted against the key `step_metric`."""
        self._metric_defs.define(name, step_metric)

    def _publish_field(self, field: str, value: dict[str, Any]) -> None:
        self._check_active()
        self._flusher.set_run_fields(**{field: value})

    # -- ending ----------------------------------------------------------------------
    def finish(self, status: str | None = None) -> None:
        """Write everything, record the final status (`finished` by default) and stop; idempotent."""
        if status is not None and status not in TERMINAL_STATUSES:
            raise ValueError(f"status must be one of {sorted(TERMINAL_STATUSES)}, got {status!r}")
        self._end(status or "finished", None)

    def _end(self, status: str, traceback_text: str | None) -> bool:
        with self._finish_lock:
            if self._finished:
                return True
            if self._finishing:
                # Re-entered from a signal handler while finishing: let the outer call
                # write this status instead and re-raise the signal once done.
                self._status = status
                return False
            self._finishing = True
            self._status = status
            try:
                self._shutdown(traceback_text)
            finally:
                self._finished = True
                if self._on_end is not None:
                    self._on_end(self)
                self._lifecycle.uninstall()
            return True

    def _shutdown(self, traceback_text: str | None) -> None:
        self._active = False
        if os.getpid() != self._pid:
            return  # a forked child: the parent owns the run and its threads
        if traceback_text:
            self._lines.add_text("stderr", traceback_text)
        if self._console is not None:
            self._console.stop()
        if self._monitor is not None:
            self._monitor.stop(MONITOR_WAIT_S)
        deadline = time.monotonic() + FINISH_TIMEOUT_S
        if self._media is not None:
            self._media.stop(timeout=FINISH_TIMEOUT_S)  # writes what is still pending first
            if self._media.pending():
                self._warn("media-lost", f"could not write all media of run {self.name!r} within "
                                         f"{FINISH_TIMEOUT_S:.0f} s; the rest is lost")
        self._transposer.stop(timeout=max(0.0, deadline - time.monotonic()))
        self._flusher.stop(timeout=max(0.0, deadline - time.monotonic()))
        if self._sysinfo_thread is not None and self._sysinfo_thread.is_alive():
            self._sysinfo_thread.join(SYSTEM_INFO_WAIT_S)
        if not self._drain(deadline):
            self._warn(
                "lost",
                f"could not write all data of run {self.name!r} within {FINISH_TIMEOUT_S:.0f} s; "
                "what was still buffered is lost",
            )
        self.points_written = self._flusher.points_written
        try:
            self._sink.set_status(self.id, self._status or "finished")
        except Exception as exc:
            self._warn("status", f"could not write the final status of run {self.name!r}: {exc!r}")
        with contextlib.suppress(Exception):
            self._sink.close()

    def _drain(self, deadline: float) -> bool:
        # In the calling thread, after the background threads stopped: convert and write
        # everything, retrying a failing store until the deadline.
        while True:
            self._transposer.convert(force=True)
            left = max(0.0, deadline - time.monotonic())
            if self._flusher.flush(timeout=left) and not self._records and not self._flusher.pending():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    # -- context manager -------------------------------------------------------------
    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        status = exception_status(exc_type, exc)
        text = format_traceback(exc_type, exc, tb) if exc_type is not None and status != "finished" else None
        self._end(status, text)


def _as_mapping(data: object) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    raise TypeError(f"runyard.log expects a dict of metric values, got {type(data).__name__}")
