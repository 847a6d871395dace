"""SQL for console log lines."""

from __future__ import annotations

from collections.abc import Sequence

from runyard.store.models import LogLine
from runyard.store.sql.conn import Conn, limit_arg
from runyard.store.sql.rows import record_change, require_run
from runyard.store.units import LogEntry


def write(conn: Conn, run_id: int, lines: Sequence[LogEntry]) -> int:
    """Insert checked lines of an existing run; returns the change seq."""
    (before,) = conn.execute("SELECT coalesce(max(id), 0) FROM log_lines").fetchone()
    conn.executemany(
        "INSERT INTO log_lines (run_id, time, stream, line) VALUES (?, ?, ?, ?)",
        [(run_id, when, stream, text) for when, stream, text in lines],
    )
    (last,) = conn.execute("SELECT max(id) FROM log_lines").fetchone()
    return record_change(conn, run_id, "logs", {"after_id": before, "last_id": last, "count": len(lines)})


def read(conn: Conn, run_id: int, after_id: int, limit: int | None, tail: int | None) -> list[LogLine]:
    """Lines after `after_id`, oldest first; `tail` keeps the newest N."""
    require_run(conn, run_id)
    if tail is not None:
        rows = conn.execute(
            "SELECT id, run_id, time, stream, line FROM log_lines WHERE run_id = ? AND id > ?"
            " ORDER BY id DESC LIMIT ?",
            (run_id, after_id, tail),
        ).fetchall()
        rows.reverse()
    else:
        rows = conn.execute(
            "SELECT id, run_id, time, stream, line FROM log_lines WHERE run_id = ? AND id > ?"
            " ORDER BY id LIMIT ?",
            (run_id, after_id, limit_arg(limit)),
        ).fetchall()
    return [LogLine(*row) for row in rows]
