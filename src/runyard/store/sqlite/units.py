"""SQL for a unit of work: every part of a `WriteBatch` inside the one transaction it runs in.

The writer runs each operation in a savepoint, so an error in any part (a taken name, a bad
param, a run deleted meanwhile) rolls the whole unit back and the batch id stays unrecorded:
a resend after fixing nothing fails the same way, a resend after a crash applies it whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from runyard.store.sqlite import changes, history, keyvalues, logs, metrics, runs
from runyard.store.sqlite.metrics import PreparedKey
from runyard.store.sqlite.rows import require_run
from runyard.store.units import Applied, WriteBatch


def _seen(conn: sqlite3.Connection, run_id: int, batch_id: str) -> bool:
    query = "SELECT 1 FROM batches WHERE run_id = ? AND batch_id = ?"
    return conn.execute(query, (run_id, batch_id)).fetchone() is not None


def apply(
    conn: sqlite3.Connection, run_id: int, batch: WriteBatch, prepared: Sequence[PreparedKey]
) -> tuple[Applied, list[int]]:
    """Write a checked batch (metrics already encoded as `prepared`); returns (outcome, keys due for compaction)."""
    require_run(conn, run_id)
    if batch.batch_id is not None and _seen(conn, run_id, batch.batch_id):
        return Applied(0, replayed=True), []
    fields = batch.run_fields()
    if fields:
        runs.update(conn, run_id, fields)
    if batch.resume is not None:
        owner = batch.resume
        runs.resume(conn, run_id, owner.host, owner.pid, owner.pid_started_at)
    if batch.params:
        if batch.fixed_params:
            runs.check_fixed_params(conn, run_id, batch.params)
        runs.log_params(conn, run_id, batch.params)
    if batch.tag_values or batch.tag_deletes:
        keyvalues.write(conn, "run_tags", run_id, batch.tag_values or {}, batch.tag_deletes)
    due: list[int] = []
    if prepared:
        _seq, due = metrics.write(conn, run_id, prepared)
    if batch.history:
        history.append(conn, run_id, batch.history)
    if batch.logs:
        logs.write(conn, run_id, batch.logs)
    if batch.status is not None:
        runs.set_status(conn, run_id, batch.status, None)
    seq = changes.last_seq(conn)
    if batch.batch_id is not None:
        conn.execute("INSERT INTO batches (batch_id, run_id, seq) VALUES (?, ?, ?)", (batch.batch_id, run_id, seq))
    return Applied(seq), due
