"""Decoded chunks kept in memory (bounded by bytes) and decoded in parallel when large.

Chunk rows are immutable and their ids are never reused (AUTOINCREMENT; compaction
writes new rows), so an id always names the same points.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from runyard.store.models import MetricColumns
from runyard.store.sqlite.metrics import ChunkRow

DEFAULT_CACHE_BYTES = 256 << 20
_PARALLEL_POINTS = 200_000
_BYTES_PER_POINT = 24


class ChunkCache:
    """LRU of decoded chunks by chunk id."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES, workers: int = 2) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[int, MetricColumns] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="runyard-decode")

    def known_ids(self) -> frozenset[int]:
        """Ids whose blobs need not be fetched."""
        with self._lock:
            return frozenset(self._entries)

    def _get(self, chunk_id: int) -> MetricColumns | None:
        with self._lock:
            found = self._entries.get(chunk_id)
            if found is not None:
                self._entries.move_to_end(chunk_id)
            return found

    def _put(self, chunk_id: int, columns: MetricColumns) -> None:
        size = len(columns) * _BYTES_PER_POINT
        if size > self._max_bytes // 4:
            return
        with self._lock:
            if chunk_id in self._entries:
                return
            self._entries[chunk_id] = columns
            self._bytes += size
            while self._bytes > self._max_bytes and self._entries:
                _old_id, old = self._entries.popitem(last=False)
                self._bytes -= len(old) * _BYTES_PER_POINT

    def decode_all(self, rows: Sequence[ChunkRow]) -> list[MetricColumns] | None:
        """Columns of every row in order; None if a row without blobs fell out of the cache."""
        result: list[MetricColumns | None] = [self._get(row.id) if not row.values else None for row in rows]
        if any(found is None and not row.values for found, row in zip(result, rows, strict=True)):
            return None
        todo = [i for i, found in enumerate(result) if found is None]
        points = sum(rows[i].n for i in todo)
        if len(todo) > 1 and points >= _PARALLEL_POINTS:
            decoded = list(self._pool.map(lambda i: rows[i].decode(), todo))
        else:
            decoded = [rows[i].decode() for i in todo]
        for i, columns in zip(todo, decoded, strict=True):
            result[i] = columns
            self._put(rows[i].id, columns)
        return [found for found in result if found is not None]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
