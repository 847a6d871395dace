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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from runyard.errors import StoreError
from runyard.store.codec import (
    TimeDeltas,
    decode_steps,
    decode_times,
    decode_values,
    time_deltas,
    times_at,
    times_from_deltas,
)
from runyard.store.models import FloatArray, IntArray, MetricColumns
from runyard.store.series import PARALLEL_POINTS, merge_chunks
from runyard.store.sql.metrics import ChunkRow

DEFAULT_CACHE_BYTES = 256 << 20
_BYTES_PER_POINT = 24


@dataclass(slots=True)
class DeferredTimes:
    """Wall times not yet summed: per chunk its deltas (or its decoded times) and first position."""

    parts: list[TimeDeltas | FloatArray]
    offsets: IntArray


class LoadedSeries:
    """A key's steps and values; wall times decoded, or kept per chunk as deltas until asked for.

    Downsampling needs only one time per bucket, and a running sum over every delta costs
    as much as the rest of a cold read, so it is deferred to the first full read.
    """

    __slots__ = ("_times", "steps", "values")

    def __init__(self, steps: IntArray, values: FloatArray, times: FloatArray | DeferredTimes) -> None:
        self.steps = steps
        self.values = values
        # One attribute, replaced whole, so concurrent readers never see half a decode.
        self._times = times

    def __len__(self) -> int:
        return len(self.steps)

    def times_at(self, index: IntArray) -> FloatArray:
        """Wall times at the given positions."""
        state = self._times
        if not isinstance(state, DeferredTimes):
            picked: FloatArray = state[index]
            return picked
        order = None
        if len(index) > 1 and not bool((index[1:] >= index[:-1]).all()):
            order = np.argsort(index, kind="stable")
            index = index[order]
        out = np.empty(len(index), dtype=np.float64)
        bounds = [*np.searchsorted(index, state.offsets).tolist(), len(index)]
        for chunk, part in enumerate(state.parts):
            first, stop = bounds[chunk], bounds[chunk + 1]
            if first == stop:
                continue
            local = index[first:stop] - state.offsets[chunk]
            out[first:stop] = times_at(part, local) if isinstance(part, TimeDeltas) else part[local]
        if order is not None:
            unsorted = np.empty_like(out)
            unsorted[order] = out
            out = unsorted
        return out

    def columns(self) -> MetricColumns:
        """The full series, decoding wall times on first use (then kept)."""
        state = self._times
        if isinstance(state, DeferredTimes):
            # Concurrent callers may both decode; the results are identical and either is kept.
            times = np.empty(len(self), dtype=np.float64)
            for start, part in zip(state.offsets.tolist(), state.parts, strict=True):
                if isinstance(part, TimeDeltas):
                    times_from_deltas(part, times[start:start + part.n])
                else:
                    times[start:start + len(part)] = part
            times.flags.writeable = bool(self.steps.flags.writeable)
            self._times = state = times
        return MetricColumns(self.steps, self.values, state)

    def freeze(self) -> None:
        """Make the arrays read-only (callers share a cached series)."""
        self.steps.flags.writeable = False
        self.values.flags.writeable = False
        if not isinstance(self._times, DeferredTimes):
            self._times.flags.writeable = False


class SeriesCache:
    """LRU of whole decoded series, keyed by metric key id and checked against chunk ids."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[int, tuple[tuple[int, ...], LoadedSeries]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key_id: int, chunk_ids: tuple[int, ...]) -> LoadedSeries | None:
        """The cached series when it was built from exactly these chunks."""
        with self._lock:
            found = self._entries.get(key_id)
            if found is None or found[0] != chunk_ids:
                return None
            self._entries.move_to_end(key_id)
            return found[1]

    def put(self, key_id: int, chunk_ids: tuple[int, ...], series: LoadedSeries) -> None:
        """Remember a series (made read-only: callers share it)."""
        # Sized as if times were decoded: a series with deferred times may decode them later.
        size = len(series) * _BYTES_PER_POINT
        if size > self._max_bytes // 2:
            return
        series.freeze()
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


class Assembly:
    """One series being decoded: chunks are handed in as their blobs arrive from SQLite."""

    def __init__(self, rows: Sequence[ChunkRow], pool: ThreadPoolExecutor | None, lazy_times: bool) -> None:
        self._rows = list(rows)
        self._pool = pool
        self._index = {row.id: i for i, row in enumerate(self._rows)}
        self._futures: list[Future[None]] = []
        self._added = 0
        # Disjoint chunks in step order (the usual case) decode straight into their place;
        # others decode apart and merge, where deferring times would gain nothing.
        self._ordered = all(prev.last_step < nxt.first_step for prev, nxt in itertools.pairwise(self._rows))
        self._lazy = lazy_times and self._ordered
        self._chunks: list[MetricColumns | None] = [None] * len(self._rows)
        self._parts: list[TimeDeltas | FloatArray | None] = [None] * len(self._rows)
        total = sum(row.n for row in self._rows)
        self._offsets: list[int] = np.cumsum([0] + [row.n for row in self._rows]).tolist()
        self._steps = np.empty(total if self._ordered else 0, np.int64)
        self._values = np.empty(total if self._ordered else 0, np.float64)
        self._times = np.empty(total if self._ordered and not self._lazy else 0, np.float64)

    def _decode(self, index: int) -> None:
        row = self._rows[index]
        if not self._ordered:
            self._chunks[index] = row.decode()
            return
        lo, hi = self._offsets[index], self._offsets[index + 1]
        decode_steps(row.n, row.first_step, row.stride, row.steps, self._steps[lo:hi])
        decode_values(row.n, row.values_codec, row.values, self._values[lo:hi])
        if not self._lazy:
            decode_times(row.n, row.times_codec, row.times, self._times[lo:hi])
            return
        deltas = time_deltas(row.n, row.times_codec, row.times)
        self._parts[index] = deltas if deltas is not None else decode_times(row.n, row.times_codec, row.times)

    def add(self, row: ChunkRow) -> None:
        """Start decoding one chunk whose blobs are loaded (in a worker when there is a pool)."""
        index = self._index[row.id]
        self._added += 1
        if self._pool is None:
            self._decode(index)
        else:
            self._futures.append(self._pool.submit(self._decode, index))

    def result(self) -> LoadedSeries:
        """The step-sorted series, once every chunk was added; the later write of a step wins."""
        for future in self._futures:
            future.result()
        if self._added != len(self._rows):
            raise StoreError(f"{len(self._rows) - self._added} of {len(self._rows)} metric chunks were never loaded")
        if not self._ordered:
            merged = merge_chunks([chunk for chunk in self._chunks if chunk is not None])
            return LoadedSeries(merged.steps, merged.values, merged.times)
        if not self._lazy:
            return LoadedSeries(self._steps, self._values, self._times)
        parts = [part for part in self._parts if part is not None]
        return LoadedSeries(self._steps, self._values, DeferredTimes(parts, np.asarray(self._offsets[:-1], np.int64)))


class Assembler:
    """Decodes chunk rows (with blobs) into one step-sorted series, in parallel when large."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="runyard-decode")

    def start(self, rows: Sequence[ChunkRow], *, lazy_times: bool = False) -> Assembly:
        """An assembly of these chunks (metadata only so far); `add` each as its blobs load."""
        parallel = len(rows) > 1 and sum(row.n for row in rows) >= PARALLEL_POINTS
        return Assembly(rows, self._pool if parallel else None, lazy_times)

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The decode threads, for other work on a series just read."""
        return self._pool

    def close(self) -> None:
        """Stop the decode threads."""
        self._pool.shutdown(wait=False)
