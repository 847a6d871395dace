"""SQL for a metric's full history (`runyard.store.history`): chunk rows per (run, key)."""

from __future__ import annotations

from collections.abc import Mapping

from runyard.store.history import HISTORY_CHUNK_POINTS, concat, distinct_points, pack, unpack
from runyard.store.models import MetricColumns
from runyard.store.sql.conn import Conn


def append(conn: Conn, run_id: int, points: Mapping[str, MetricColumns]) -> None:
    """Append each key's points: into the key's newest chunk while it is small, else as a new chunk."""
    for key, columns in points.items():
        if not len(columns):
            continue
        tail = conn.execute(
            "SELECT id, n, points FROM metric_history WHERE run_id = ? AND key = ? ORDER BY id DESC LIMIT 1",
            (run_id, key),
        ).fetchone()
        if tail is not None and tail[1] + len(columns) <= HISTORY_CHUNK_POINTS:
            merged = concat([unpack(tail[2]), columns])
            conn.execute("UPDATE metric_history SET n = ?, points = ? WHERE id = ?",
                         (len(merged), pack(merged), tail[0]))
            continue
        for start in range(0, len(columns), HISTORY_CHUNK_POINTS):
            part = MetricColumns(columns.steps[start:start + HISTORY_CHUNK_POINTS],
                                 columns.values[start:start + HISTORY_CHUNK_POINTS],
                                 columns.times[start:start + HISTORY_CHUNK_POINTS])
            conn.execute("INSERT INTO metric_history (run_id, key, n, points) VALUES (?, ?, ?, ?)",
                         (run_id, key, len(part), pack(part)))


def read(conn: Conn, run_id: int, key: str) -> MetricColumns | None:
    """Every distinct point of the key's history in MLflow's order; None when the key has no history."""
    blobs = [row[0] for row in conn.execute(
        "SELECT points FROM metric_history WHERE run_id = ? AND key = ? ORDER BY id", (run_id, key))]
    if not blobs:
        return None
    return distinct_points(concat([unpack(blob) for blob in blobs]))
