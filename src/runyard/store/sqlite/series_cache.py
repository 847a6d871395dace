"""Reading a key's chunks into one series: parallel decode, and a bounded cache of results.

Chunk rows are immutable and their ids never reused (AUTOINCREMENT; compaction writes new
rows), so the tuple of a key's chunk ids identifies its exact points: a cached series is
valid exactly while that tuple is unchanged.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from runyard.store.models import MetricColumns
from runyard.store.series import merge_chunks
from runyard.store.sqlite.metrics import ChunkRow

DEFAULT_CACHE_BYTES = 256 << 20
_PARALLEL_POINTS = 150_000
_BYTES_PER_POINT = 24


class SeriesCache:
    """LRU of whole decoded series, keyed by metric key id and checked against chunk ids."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[int, tuple[tuple[int, ...], MetricColumns]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key_id: int, chunk_ids: tuple[int, ...]) -> MetricColumns | None:
        """The cached series when it was built from exactly these chunks."""
        with self._lock:
            found = self._entries.get(key_id)
            if found is None or found[0] != chunk_ids:
                return None
            self._entries.move_to_end(key_id)
            return found[1]

    def put(self, key_id: int, chunk_ids: tuple[int, ...], series: MetricColumns) -> None:
        """Remember a series (made read-only: callers share it)."""
        size = len(series) * _BYTES_PER_POINT
        if size > self._max_bytes // 2:
            return
        for array in (series.steps, series.values, series.times):
            array.flags.writeable = False
        with self._lock:
            old = self._entries.pop(key_id, None)
            if old is not None:
                self._bytes -= len(old[1]) * _BYTES_PER_POINT
            self._entries[key_id] = (chunk_ids, series)
            self._bytes += size
            while self._bytes > self._max_bytes and self._entries:
                _key, (_ids, evicted) = self._entries.popitem(last=False)
                self._bytes -= len(evicted) * _BYTES_PER_POINT

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class Assembler:
    """Decodes chunk rows (with blobs) into one step-sorted series."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="runyard-decode")

    def assemble(self, rows: Sequence[ChunkRow]) -> MetricColumns:
        """Decode straight into one set of arrays when chunks are in step order, else merge."""
        total = sum(row.n for row in rows)
        ordered = all(prev.last_step < nxt.first_step for prev, nxt in itertools.pairwise(rows))
        if not ordered:
            return merge_chunks([row.decode() for row in rows])
        out = MetricColumns(np.empty(total, np.int64), np.empty(total, np.float64), np.empty(total, np.float64))
        offsets = np.cumsum([0] + [row.n for row in rows]).tolist()

        def decode(index: int) -> None:
            lo, hi = offsets[index], offsets[index + 1]
            rows[index].decode(MetricColumns(out.steps[lo:hi], out.values[lo:hi], out.times[lo:hi]))

        if len(rows) > 1 and total >= _PARALLEL_POINTS:
            list(self._pool.map(decode, range(len(rows))))
        else:
            for index in range(len(rows)):
                decode(index)
        return out

    def close(self) -> None:
        """Stop the decode threads."""
        self._pool.shutdown(wait=False)
