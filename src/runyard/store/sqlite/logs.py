"""SQL for console log lines."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from runyard.errors import InvalidInputError, NotFoundError
from runyard.store.models import LogLine
from runyard.store.sqlite.rows import record_change
from runyard.store.validate import printable_text
from runyard.store.validate_numbers import check_time

MAX_LINE = 16_384
STREAMS = ("stdout", "stderr", "log")


def check_lines(lines: Sequence[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Validate (time, stream, text); overlong lines are cut and undecodable characters replaced, not refused."""
    checked = []
    for entry in lines:
        try:
            when, stream, text = entry
        except (TypeError, ValueError):
            raise InvalidInputError(f"log line must be (time, stream, text), not {entry!r:.80}") from None
        if stream not in STREAMS:
            raise InvalidInputError(f"log stream must be one of {STREAMS}, not {stream!r:.40}")
        if not isinstance(text, str):
            raise InvalidInputError("log text must be a string")
        checked.append((check_time(when, "log line time"), stream, printable_text(text[:MAX_LINE])))
    return checked


def append(conn: sqlite3.Connection, run_id: int, lines: list[tuple[float, str, str]], batch_id: str | None) -> int:
    """Insert lines; returns the change seq (0 when the batch was applied before)."""
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise NotFoundError(f"run {run_id} not found")
    if batch_id is not None and conn.execute("SELECT 1 FROM batches WHERE run_id = ? AND batch_id = ?", (run_id, batch_id)).fetchone():
        return 0
    if not lines:
        return 0
    (before,) = conn.execute("SELECT coalesce(max(id), 0) FROM log_lines").fetchone()
    conn.executemany(
        "INSERT INTO log_lines (run_id, time, stream, line) VALUES (?, ?, ?, ?)",
        [(run_id, when, stream, text) for when, stream, text in lines],
    )
    (last,) = conn.execute("SELECT max(id) FROM log_lines").fetchone()
    seq = record_change(conn, run_id, "logs", {"after_id": before, "last_id": last, "count": len(lines)})
    if batch_id is not None:
        conn.execute("INSERT INTO batches (batch_id, run_id, seq) VALUES (?, ?, ?)", (batch_id, run_id, seq))
    return seq


def read(conn: sqlite3.Connection, run_id: int, after_id: int, limit: int | None, tail: int | None) -> list[LogLine]:
    """Lines after `after_id`, oldest first; `tail` keeps the newest N."""
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise NotFoundError(f"run {run_id} not found")
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
            (run_id, after_id, -1 if limit is None else limit),
        ).fetchall()
    return [LogLine(*row) for row in rows]
