"""The run's media thread: encodes logged media and stores them as artifacts, off the training thread.

`put` never blocks and never raises: pending media wait in a queue bounded by count and
by bytes, and when it is full the oldest pending item is dropped (one warning per run),
so a training loop logging images faster than they can be written keeps its pace and its
memory. A failed encode or write drops that item with a warning; the run goes on.
"""

from __future__ import annotations

import collections
import threading

from runyard.sdk.background import BackgroundLoop
from runyard.sdk.media import Media
from runyard.sdk.media_encode import encode
from runyard.sdk.sink import Sink
from runyard.sdk.warn import WarnOnce

MAX_PENDING = 256  # items
MAX_PENDING_BYTES = 64 << 20  # what the pending items hold (copies of arrays, values, rows); also bounds finish()


class MediaWriter(BackgroundLoop):
    """Writes `(key, step, media)` items in the order logged; `stop()` writes what is still pending."""

    def __init__(self, run_id: int, sink: Sink, warn: WarnOnce, *, max_pending: int = MAX_PENDING,
                 max_bytes: int = MAX_PENDING_BYTES, name: str = "runyard-media") -> None:
        self._ready = threading.Event()
        super().__init__(name, wake=self._ready)
        self.run_id = run_id
        self.sink = sink
        self.warn = warn
        self.max_pending = max(1, max_pending)
        self.max_bytes = max_bytes
        self.written = 0  # items stored
        self.dropped = 0  # items dropped because the queue was full
        self.failed = 0  # items that could not be encoded or stored
        self._pending: collections.deque[tuple[str, int, Media]] = collections.deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = False

    def put(self, key: str, step: int, item: Media) -> None:
        """Queue one item; drops the oldest pending ones when over the bounds. No I/O."""
        dropped = 0
        with self._lock:
            self._pending.append((key, step, item))
            self._bytes += item.nbytes
            while len(self._pending) > 1 and (len(self._pending) > self.max_pending or self._bytes > self.max_bytes):
                _key, _step, old = self._pending.popleft()
                self._bytes -= old.nbytes
                dropped += 1
            self.dropped += dropped
        if dropped:
            self.warn("media-dropped", f"media are logged faster than they can be written; dropped the oldest "
                                       f"pending items (at most {self.max_pending} items / {self.max_bytes >> 20} MiB "
                                       "wait to be written)")
        self._ready.set()

    def pending(self) -> int:
        """How many items wait to be written (the one being written included)."""
        with self._lock:
            return len(self._pending) + int(self._busy)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued item is written (tests and `finish`); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._ready.wait()
            self._ready.clear()
            self.write_pending()
        self.write_pending()

    def write_pending(self) -> None:
        """Encode and store every queued item, oldest first."""
        while True:
            with self._lock:
                if not self._pending:
                    self._idle.notify_all()
                    return
                key, step, item = self._pending.popleft()
                self._bytes -= item.nbytes
                self._busy = True
            try:
                self._write(key, step, item)
            finally:
                with self._lock:
                    self._busy = False

    def _write(self, key: str, step: int, item: Media) -> None:
        try:
            files = encode(key, step, item)
        except Exception as exc:
            self.failed += 1
            self.warn(f"media-encode:{key}", f"could not encode {item.kind} {key!r} at step {step}; dropped it: {exc!r}")
            return
        try:
            for path, data in files:
                self.sink.add_artifact_bytes(self.run_id, path, data)
        except Exception as exc:
            self.failed += 1
            self.warn(f"media-write:{key}", f"could not store {item.kind} {key!r} at step {step}; dropped it: {exc!r}")
            return
        self.written += 1
