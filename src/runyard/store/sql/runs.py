"""SQL for runs: create, read, update, status, liveness and delete."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.store.liveness import owner_alive
from runyard.store.models import RUN_STATUSES, TERMINAL_STATUSES, Run
from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import (
    RUN_COLUMNS,
    dumps,
    fetch_one,
    insert_id,
    record_change,
    run_from_row,
)
from runyard.store.validate import check_encodable, check_name, check_tags, check_text, check_uid
from runyard.store.validate_numbers import (
    check_document,
    check_document_size,
    check_process,
    check_time,
)

_ADJECTIVES = ("brisk", "calm", "eager", "fuzzy", "gentle", "lucky", "proud", "quiet", "rapid", "sunny", "vivid", "witty")
_NOUNS = ("otter", "falcon", "maple", "comet", "river", "ember", "lynx", "cedar", "orbit", "pixel", "tiger", "willow")


def new_uid(now: float) -> str:
    """`run-YYYYMMDD_HHMMSS-xxxxxxxx`, sortable by start time."""
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(now))
    return f"run-{stamp}-{uuid.uuid4().hex[:8]}"


def _document(value: Any, what: str) -> str:
    """A JSON object field as stored text: bounded nesting and size."""
    return check_document_size(dumps(check_document(value, what)), what)


def get(conn: Conn, run_id: int) -> Run:
    """Run by id."""
    return run_from_row(fetch_one(
        conn, f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,), f"run {run_id} not found"
    ))


def get_by_uid(conn: Conn, uid: str) -> Run:
    """Run by uid."""
    return run_from_row(fetch_one(
        conn, f"SELECT {RUN_COLUMNS} FROM runs WHERE uid = ?", (uid,), f"run {uid!r} not found"
    ))


def get_by_name(conn: Conn, project_id: int, name: str) -> Run:
    """Run by name in a project."""
    return run_from_row(fetch_one(
        conn, f"SELECT {RUN_COLUMNS} FROM runs WHERE project_id = ? AND name = ?", (project_id, name),
        f"run {name!r} not found",
    ))


def _fresh_name(conn: Conn, project_id: int) -> str:
    (count,) = conn.execute("SELECT count(*) FROM runs WHERE project_id = ?", (project_id,)).fetchone()
    rng = random.Random()
    for attempt in range(100):
        name = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{count + 1 + attempt}"
        if conn.execute("SELECT 1 FROM runs WHERE project_id = ? AND name = ?", (project_id, name)).fetchone() is None:
            return name
    return f"run-{uuid.uuid4().hex[:12]}"


def create(conn: Conn, project_id: int, fields: dict[str, Any]) -> Run:
    """Insert a run."""
    fetch_one(conn, "SELECT lifecycle FROM projects WHERE id = ?", (project_id,), f"project {project_id} not found")
    status = fields.get("status", "running")
    if status not in RUN_STATUSES:
        raise InvalidInputError(f"status must be one of {RUN_STATUSES}")
    uid = fields.get("uid")
    uid = new_uid(time.time()) if uid is None else check_uid(uid)
    name = fields.get("name")
    name = _fresh_name(conn, project_id) if name is None else check_name(name, "run")
    now = time.time()
    start = now if fields.get("start_time") is None else check_time(fields["start_time"], "start_time")
    if conn.execute("SELECT 1 FROM runs WHERE uid = ?", (uid,)).fetchone() is not None:
        raise ConflictError(f"run uid {uid!r} already exists")
    try:
        run_id = insert_id(
            conn,
            "INSERT INTO runs (uid, project_id, name, status, description, notes, tags, config,"
            " params, system, start_time, end_time, heartbeat_at, updated_at, host, pid, pid_started_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                uid, project_id, name, status,
                check_text(fields.get("description", ""), "description"),
                check_text(fields.get("notes", ""), "notes"),
                dumps(check_tags(fields.get("tags", ()))),
                _document(fields.get("config") or {}, "config"),
                _document(fields.get("params") or {}, "params"),
                _document(fields.get("system") or {}, "system"),
                start, now if status in TERMINAL_STATUSES else None, now, now,
                *check_process(fields.get("host", ""), fields.get("pid", 0), fields.get("pid_started_at", 0.0)),
            ),
        )
    except conn.IntegrityError:  # the uid is free (checked above): the name is taken
        raise ConflictError(f"run {name!r} already exists in this project") from None
    record_change(conn, run_id, "run_created", {"project_id": project_id, "status": status})
    return get(conn, run_id)


def update(conn: Conn, run_id: int, fields: Mapping[str, Any]) -> Run:
    """Replace the given fields."""
    get(conn, run_id)
    values: dict[str, Any] = {}
    if fields.get("name") is not None:
        values["name"] = check_name(fields["name"], "run")
    for text_field in ("description", "notes"):
        if fields.get(text_field) is not None:
            values[text_field] = check_text(fields[text_field], text_field)
    if fields.get("tags") is not None:
        values["tags"] = dumps(check_tags(fields["tags"]))
    for json_field in ("config", "system", "summary", "metric_defs"):
        if fields.get(json_field) is not None:
            values[json_field] = _document(fields[json_field], json_field)
    if not values:
        return get(conn, run_id)
    values["updated_at"] = time.time()
    assignments = ", ".join(f"{column} = ?" for column in values)
    try:
        conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [*values.values(), run_id])
    except conn.IntegrityError:
        raise ConflictError(f"run {values.get('name')!r} already exists in this project") from None
    record_change(conn, run_id, "run_updated", {"fields": sorted(values)})
    return get(conn, run_id)


def check_fixed_params(conn: Conn, run_id: int, params: Mapping[str, Any]) -> None:
    """`InvalidInputError` when a param already holds a value other than the one sent (params that never change)."""
    current = get(conn, run_id).params
    for key, value in params.items():
        if key in current and current[key] != value:
            raise InvalidInputError(
                f"param {key!r} of run {run_id} already has value {str(current[key])[:100]!r}; it cannot be "
                f"changed to {str(value)[:100]!r}"
            )


def log_params(conn: Conn, run_id: int, params: Mapping[str, Any]) -> Run:
    """Merge params."""
    current = get(conn, run_id)
    if not isinstance(params, Mapping) or any(not isinstance(k, str) or not k for k in params):
        raise InvalidInputError("params must be an object with non-empty string keys")
    for key in params:
        check_encodable(key, "param name")
    merged = _document({**current.params, **check_document(params, "params")}, "params")
    conn.execute("UPDATE runs SET params = ?, updated_at = ? WHERE id = ?", (merged, time.time(), run_id))
    record_change(conn, run_id, "params", {"keys": sorted(params)})
    return get(conn, run_id)


def set_status(conn: Conn, run_id: int, status: str, end_time: float | None) -> Run:
    """Set status; terminal ones close the run."""
    if status not in RUN_STATUSES:
        raise InvalidInputError(f"status must be one of {RUN_STATUSES}")
    if end_time is not None:
        end_time = check_time(end_time, "end_time")
    get(conn, run_id)
    now = time.time()
    end = (end_time or now) if status in TERMINAL_STATUSES else None
    conn.execute(
        "UPDATE runs SET status = ?, end_time = ?, updated_at = ?, heartbeat_at = ? WHERE id = ?",
        (status, end, now, now, run_id),
    )
    record_change(conn, run_id, "status", {"status": status})
    return get(conn, run_id)


def resume(conn: Conn, run_id: int, host: str, pid: int, pid_started_at: float) -> Run:
    """Running again, owned by a new process."""
    owner = check_process(host, pid, pid_started_at)
    get(conn, run_id)
    now = time.time()
    conn.execute(
        "UPDATE runs SET status = 'running', end_time = NULL, heartbeat_at = ?, updated_at = ?,"
        " host = ?, pid = ?, pid_started_at = ? WHERE id = ?",
        (now, now, *owner, run_id),
    )
    record_change(conn, run_id, "status", {"status": "running", "resumed": True})
    return get(conn, run_id)


def heartbeat(conn: Conn, run_id: int) -> None:
    """Touch the heartbeat."""
    cursor = conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", (time.time(), run_id))
    if cursor.rowcount == 0:
        raise NotFoundError(f"run {run_id} not found")


def stale_candidates(conn: Conn, stale_after_s: float) -> list[int]:
    """Running runs whose process is gone (same host) or whose heartbeat stopped.

    Runs with pid 0 (created over REST without an SDK process) have no liveness to judge.
    """
    rows = conn.execute(
        "SELECT id, host, pid, pid_started_at, heartbeat_at FROM runs WHERE status = 'running' AND pid > 0"
    ).fetchall()
    return [run_id for run_id, host, pid, started_at, beat in rows
            if not owner_alive(host, pid, started_at, beat, stale_after_s)]


def mark_crashed(conn: Conn, run_ids: Sequence[int]) -> list[int]:
    """Set crashed on those still running (re-checked inside the write transaction)."""
    marked = []
    for run_id in run_ids:
        cursor = conn.execute(
            "UPDATE runs SET status = 'crashed', end_time = heartbeat_at, updated_at = ?"
            " WHERE id = ? AND status = 'running'",
            (time.time(), run_id),
        )
        if cursor.rowcount:
            record_change(conn, run_id, "status", {"status": "crashed"})
            marked.append(run_id)
    return marked


def delete_rows(conn: Conn, run_id: int) -> str:
    """Delete a run and everything attached; returns its uid for file cleanup."""
    run = get(conn, run_id)
    conn.execute(
        "DELETE FROM metric_chunks WHERE key_id IN (SELECT id FROM metric_keys WHERE run_id = ?)", (run_id,)
    )
    for table in ("metric_keys", "log_lines", "artifacts", "batches", "run_tags", "metric_history",
                  "run_dataset_inputs", "run_model_links"):
        conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))
    conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
    record_change(conn, run_id, "run_deleted", {"project_id": run.project_id})
    return run.uid

