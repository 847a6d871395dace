"""Row <-> record conversion, the one-row look-ups and the change-log helper shared by the SQL modules."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson

from runyard.errors import InvalidInputError, NotFoundError
from runyard.store.models import Project, Run
from runyard.store.sql.conn import Conn

PROJECT_COLUMNS = (
    "id, tenant, name, description, tags, notes, lifecycle, artifact_location, created_at, updated_at"
)
RUN_COLUMNS = (
    "runs.id, runs.uid, runs.project_id, runs.name, runs.status, runs.description, runs.notes, "
    "runs.tags, runs.config, runs.params, runs.system, runs.start_time, runs.end_time, "
    "runs.heartbeat_at, runs.updated_at, runs.host, runs.pid, runs.pid_started_at, runs.summary, runs.metric_defs"
)


def dumps(value: Any) -> str:
    """JSON text for a column; NaN/Inf become null (config values, not metrics)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except orjson.JSONEncodeError as exc:
        raise InvalidInputError(f"value cannot be stored as JSON: {exc}") from None


def loads(text: str | bytes) -> Any:
    """Parse a JSON column."""
    return orjson.loads(text)


def fetch_one(conn: Conn, sql: str, args: tuple[Any, ...], missing: str) -> Any:
    """The first row `sql` selects; `NotFoundError(missing)` when it selects none."""
    row = conn.execute(sql, args).fetchone()
    if row is None:
        raise NotFoundError(missing)
    return row


def insert_id(conn: Conn, sql: str, args: Sequence[Any]) -> int:
    """Run an INSERT that ends in `RETURNING id` and return the new row's id."""
    return int(conn.execute(sql, args).fetchone()[0])


def require_run(conn: Conn, run_id: int) -> None:
    """`NotFoundError` unless a run with that id exists."""
    fetch_one(conn, "SELECT 1 FROM runs WHERE id = ?", (run_id,), f"run {run_id} not found")


def project_from_row(row: Sequence[Any]) -> Project:
    """A `Project` from a row selected with PROJECT_COLUMNS."""
    return Project(
        id=row[0], tenant=row[1], name=row[2], description=row[3], tags=loads(row[4]),
        notes=row[5], lifecycle=row[6], artifact_location=row[7], created_at=row[8],
        updated_at=row[9],
    )


def run_from_row(row: Sequence[Any]) -> Run:
    """A `Run` from a row selected with RUN_COLUMNS."""
    return Run(
        id=row[0], uid=row[1], project_id=row[2], name=row[3], status=row[4],
        description=row[5], notes=row[6], tags=loads(row[7]), config=loads(row[8]),
        params=loads(row[9]), system=loads(row[10]), start_time=row[11], end_time=row[12],
        heartbeat_at=row[13], updated_at=row[14], host=row[15], pid=row[16],
        pid_started_at=row[17], summary=loads(row[18]), metric_defs=loads(row[19]),
    )


def record_change(
    conn: Conn, run_id: int | None, kind: str, detail: dict[str, Any] | None = None
) -> int:
    """Append to the change log; its sequence number orders every committed write."""
    row = conn.execute(
        "INSERT INTO changes (run_id, kind, detail, created_at) VALUES (?, ?, ?, ?) RETURNING seq",
        (run_id, kind, dumps(detail or {}), time.time()),
    ).fetchone()
    return int(row[0])
