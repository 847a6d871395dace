"""SQL for a unit of work: every part of a `WriteBatch` inside the one transaction it runs in.

The writer runs each operation in a savepoint, so an error in any part (a taken name, a bad
param, a run deleted meanwhile) rolls the whole unit back and the batch id stays unrecorded:
a resend after fixing nothing fails the same way, a resend after a crash applies it whole.
The batch id is claimed before anything else is written and rolled back with the rest on error.
"""

from __future__ import annotations

from collections.abc import Sequence

from runyard.store.sql import changes, history, keyvalues, logs, metrics, runs
from runyard.store.sql.conn import Conn
from runyard.store.sql.metrics import PreparedKey
from runyard.store.sql.rows import require_run
from runyard.store.units import Applied, WriteBatch


def _claim(conn: Conn, run_id: int, batch_id: str) -> bool:
    """Record the batch id first (its seq is set at the end): False when it was already applied.

    Claiming before writing, rather than looking first, keeps a batch applied once even where two
    writers could send the same batch at the same time: the second insert finds the first's row.
    """
    query = ("INSERT INTO batches (batch_id, run_id, seq) VALUES (?, ?, 0)"
             " ON CONFLICT (run_id, batch_id) DO NOTHING RETURNING run_id")
    return conn.execute(query, (batch_id, run_id)).fetchone() is not None


def apply(
    conn: Conn, run_id: int, batch: WriteBatch, prepared: Sequence[PreparedKey]
) -> tuple[Applied, list[int]]:
    """Write a checked batch (metrics already encoded as `prepared`); returns (outcome, keys due for compaction)."""
    require_run(conn, run_id)
    if batch.batch_id is not None and not _claim(conn, run_id, batch.batch_id):
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
        conn.execute("UPDATE batches SET seq = ? WHERE run_id = ? AND batch_id = ?", (seq, run_id, batch.batch_id))
    return Applied(seq), due
