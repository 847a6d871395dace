"""SQL for metric chunks and per-key summaries."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from runyard.errors import NotFoundError
from runyard.store.codec import (
    EncodedChunk,
    decode_steps,
    decode_times,
    decode_values,
    encode_chunk,
)
from runyard.store.models import MetricColumns, MetricSummary
from runyard.store.series import merge_chunks
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import insert_id, record_change, require_run

SMALL_CHUNK = 16_384
TARGET_CHUNK = 65_536
COMPACT_WHEN_SMALL = 16


@dataclass(slots=True)
class PreparedKey:
    """One key of a batch, encoded off the writer thread."""

    key: str
    chunk: EncodedChunk
    last_value: float
    last_time: float


@dataclass(slots=True)
class ChunkRow:
    """A chunk's identity and, when fetched, its blobs."""

    id: int
    n: int
    first_step: int
    last_step: int
    stride: int | None
    steps: bytes | None = None
    values_codec: int = 0
    values: bytes = b""
    times_codec: int = 0
    times: bytes = b""

    def decode(self, out: MetricColumns | None = None) -> MetricColumns:
        """Decoded columns of the chunk, written into `out` (arrays of length n) when given."""
        return MetricColumns(
            decode_steps(self.n, self.first_step, self.stride, self.steps, None if out is None else out.steps),
            decode_values(self.n, self.values_codec, self.values, None if out is None else out.values),
            decode_times(self.n, self.times_codec, self.times, None if out is None else out.times),
        )


def _null_nan(value: float) -> float | None:
    return None if math.isnan(value) else value


def _summary_args(chunk: EncodedChunk, last_value: float, last_time: float) -> tuple[Any, ...]:
    return (chunk.n, chunk.vmin, chunk.vmax, chunk.first_step, chunk.last_step,
            _null_nan(last_value), last_time)


def _insert_chunk(conn: Conn, key_id: int, seq: int, chunk: EncodedChunk, created_at: float) -> None:
    conn.execute(
        "INSERT INTO metric_chunks (key_id, seq, created_at, n, first_step, last_step, vmin, vmax,"
        " step_stride, steps, values_codec, vals, times_codec, times)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key_id, seq, created_at, chunk.n, chunk.first_step, chunk.last_step, chunk.vmin, chunk.vmax,
         chunk.step_stride, chunk.steps_blob, chunk.values_codec, chunk.values_blob,
         chunk.times_codec, chunk.times_blob),
    )


def chunk_rows(
    conn: Conn, key_id: int, step_min: int | None = None, step_max: int | None = None
) -> list[ChunkRow]:
    """Chunk metadata of a key in write order (no blobs); see `fill_blobs`."""
    sql = "SELECT id, n, first_step, last_step, step_stride FROM metric_chunks WHERE key_id = ?"
    args: list[Any] = [key_id]
    if step_min is not None:
        sql += " AND last_step >= ?"
        args.append(step_min)
    if step_max is not None:
        sql += " AND first_step <= ?"
        args.append(step_max)
    return [ChunkRow(*row) for row in conn.execute(sql + " ORDER BY seq, id", args)]


def fill_blobs(
    conn: Conn, rows: Sequence[ChunkRow], on_row: Callable[[ChunkRow], None] | None = None
) -> None:
    """Load the blobs of the given chunk rows, calling `on_row` as each one is complete."""
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        # Streamed: each chunk decodes (on the assembler's threads) while the next one's blobs still arrive.
        for cid, steps, vcodec, vals, tcodec, times in conn.stream(
            f"SELECT id, steps, values_codec, vals, times_codec, times FROM metric_chunks WHERE id IN ({marks})",
            part,
        ):
            row = by_id[cid]
            row.steps, row.values_codec, row.values, row.times_codec, row.times = steps, vcodec, vals, tcodec, times
            if on_row is not None:
                on_row(row)


def loaded_rows(conn: Conn, key_id: int) -> list[ChunkRow]:
    """Every chunk of a key with its blobs."""
    rows = chunk_rows(conn, key_id)
    fill_blobs(conn, rows)
    return rows


def key_id(conn: Conn, run_id: int, key: str) -> int:
    """Id of a (run, key); NotFoundError naming what is missing."""
    row = conn.execute("SELECT id FROM metric_keys WHERE run_id = ? AND key = ?", (run_id, key)).fetchone()
    if row is None:
        require_run(conn, run_id)
        raise NotFoundError(f"metric {key!r} not found in run {run_id}")
    return int(row[0])


def _recompute_summary(conn: Conn, kid: int) -> None:
    series = merge_chunks([row.decode() for row in loaded_rows(conn, kid)])
    finite = series.values[~np.isnan(series.values)]
    conn.execute(
        "UPDATE metric_keys SET count = ?, vmin = ?, vmax = ?, first_step = ?, last_step = ?,"
        " last_value = ?, last_time = ? WHERE id = ?",
        (len(series), float(finite.min()) if len(finite) else None,
         float(finite.max()) if len(finite) else None, int(series.steps[0]), int(series.steps[-1]),
         _null_nan(float(series.values[-1])), float(series.times[-1]), kid),
    )


def write(conn: Conn, run_id: int, prepared: Sequence[PreparedKey]) -> tuple[int, list[int]]:
    """Write encoded points of an existing run; returns (change seq, key ids that now deserve compaction)."""
    detail: dict[str, list[int]] = {}
    for p in prepared:
        n, first, last = detail.get(p.key, [0, p.chunk.first_step, p.chunk.last_step])
        detail[p.key] = [n + p.chunk.n, min(first, p.chunk.first_step), max(last, p.chunk.last_step)]
    seq = record_change(conn, run_id, "metrics", {"keys": detail})
    now = time.time()
    to_compact: list[int] = []
    for item in prepared:
        chunk = item.chunk
        small = 1 if chunk.n < SMALL_CHUNK else 0
        row = conn.execute(
            "SELECT id, count, vmin, vmax, first_step, last_step, small_chunks FROM metric_keys"
            " WHERE run_id = ? AND key = ?" + conn.dialect.for_update,
            (run_id, item.key),
        ).fetchone()
        if row is None:
            new_id = insert_id(
                conn,
                "INSERT INTO metric_keys (run_id, key, count, vmin, vmax, first_step, last_step,"
                " last_value, last_time, small_chunks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (run_id, item.key, *_summary_args(chunk, item.last_value, item.last_time), small),
            )
            _insert_chunk(conn, new_id, seq, chunk, now)
            continue
        kid, count, vmin, vmax, _first_step, last_step, small_chunks = row
        _insert_chunk(conn, kid, seq, chunk, now)
        if chunk.first_step > last_step:
            # Pure append: summaries combine without reading old points.
            mins = [v for v in (vmin, chunk.vmin) if v is not None]
            maxs = [v for v in (vmax, chunk.vmax) if v is not None]
            conn.execute(
                "UPDATE metric_keys SET count = ?, vmin = ?, vmax = ?, last_step = ?, last_value = ?,"
                " last_time = ?, small_chunks = ? WHERE id = ?",
                (count + chunk.n, min(mins) if mins else None, max(maxs) if maxs else None,
                 chunk.last_step, _null_nan(item.last_value), item.last_time, small_chunks + small, kid),
            )
        else:
            # Overlap or out-of-order: rare (retries, backfills), so recompute exactly.
            conn.execute("UPDATE metric_keys SET small_chunks = ? WHERE id = ?", (small_chunks + small, kid))
            _recompute_summary(conn, kid)
        if small_chunks + small >= COMPACT_WHEN_SMALL:
            to_compact.append(kid)
    return seq, to_compact


def compact_key(conn: Conn, kid: int, older_than: float) -> int:
    """Merge runs of consecutive small chunks written before `older_than`; returns chunks removed."""
    rows = conn.execute(
        "SELECT id, seq, created_at, n FROM metric_chunks WHERE key_id = ? ORDER BY seq, id", (kid,)
    ).fetchall()
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    current_points = 0
    for cid, seq, created_at, n in rows:
        eligible = n < SMALL_CHUNK and created_at < older_than
        if not eligible or current_points + n > TARGET_CHUNK:
            if len(current) > 1:
                groups.append(current)
            current, current_points = [], 0
        if eligible:
            current.append((cid, seq))
            current_points += n
    if len(current) > 1:
        groups.append(current)
    removed = 0
    by_id = {row.id: row for row in chunk_rows(conn, kid)} if groups else {}
    for group in groups:
        ids = [cid for cid, _seq in group]
        marks = ",".join("?" * len(ids))
        merging = [by_id[cid] for cid in ids]
        fill_blobs(conn, merging)  # only this group's blobs, not the whole key's again
        merged = merge_chunks([row.decode() for row in merging])
        conn.execute(f"DELETE FROM metric_chunks WHERE id IN ({marks})", ids)
        # The merged chunk takes the place of the newest one it replaces, keeping write order.
        _insert_chunk(conn, kid, group[-1][1], encode_chunk(merged), older_than)
        removed += len(ids) - 1
    (small,) = conn.execute(
        "SELECT count(*) FROM metric_chunks WHERE key_id = ? AND n < ?", (kid, SMALL_CHUNK)
    ).fetchone()
    conn.execute("UPDATE metric_keys SET small_chunks = ? WHERE id = ?", (small, kid))
    return removed


def key_ids_to_compact(conn: Conn, run_id: int | None) -> list[int]:
    """Keys with at least two small chunks."""
    sql = "SELECT id FROM metric_keys WHERE small_chunks >= 2"
    args: list[Any] = []
    if run_id is not None:
        sql += " AND run_id = ?"
        args.append(run_id)
    return [row[0] for row in conn.execute(sql, args)]


def summaries(conn: Conn, run_ids: Sequence[int]) -> dict[int, dict[str, MetricSummary]]:
    """Per-key summaries for the given runs."""
    result: dict[int, dict[str, MetricSummary]] = {run_id: {} for run_id in run_ids}
    ids = list(result)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        for row in conn.execute(
            # A key's row is inserted when it is first logged: its id orders keys by first logging.
            "SELECT run_id, key, count, vmin, vmax, first_step, last_step, last_value, last_time, id"
            f" FROM metric_keys WHERE run_id IN ({marks}) ORDER BY key",
            part,
        ):
            run_id, key, count, vmin, vmax, first_step, last_step, last_value, last_time, first_logged = row
            nan = float("nan")
            result[run_id][key] = MetricSummary(
                run_id, key, count, nan if vmin is None else vmin, nan if vmax is None else vmax,
                first_step, last_step, nan if last_value is None else last_value, last_time, first_logged,
            )
    return result


def encode(batch: Mapping[str, MetricColumns]) -> list[PreparedKey]:
    """Encode checked, step-sorted columns into chunks (in the caller's thread, not the writer's)."""
    prepared = []
    for key, clean in batch.items():
        # Bounded chunks: reads decode them in parallel and a zoom decodes only its edges.
        for start in range(0, len(clean), TARGET_CHUNK):
            part = MetricColumns(clean.steps[start:start + TARGET_CHUNK], clean.values[start:start + TARGET_CHUNK],
                                 clean.times[start:start + TARGET_CHUNK])
            prepared.append(PreparedKey(key, encode_chunk(part), float(part.values[-1]), float(part.times[-1])))
    return prepared
