"""SQL for the change log: the newest sequence number and the changes after one."""

from __future__ import annotations

from runyard.store.models import Change
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import loads


def last_seq(conn: Conn) -> int:
    """Sequence number of the newest change (0 when none); inside a write, this transaction's last."""
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])


def since(conn: Conn, seq: int, limit: int, run_id: int | None) -> list[Change]:
    """Changes after `seq`, oldest first (one run's when `run_id` is given)."""
    if run_id is None:
        rows = conn.execute(
            "SELECT seq, run_id, kind, detail, created_at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT seq, run_id, kind, detail, created_at FROM changes WHERE run_id = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (run_id, seq, limit),
        ).fetchall()
    return [Change(row[0], row[1], row[2], loads(row[3]), row[4]) for row in rows]
