"""SQL for ExperimentHub: hub experiments (name, type, config, state) and the embedded queue."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.errors import ConflictError, NotFoundError
from runyard.store.hub_records import HubExperimentRecord, QueuedMessage
from runyard.store.sqlite.rows import dumps, loads

_COLUMNS = "name, tenant, type, config, state, created_at, updated_at"


def _record(row: tuple[Any, ...]) -> HubExperimentRecord:
    return HubExperimentRecord(row[0], row[1], row[2], loads(row[3]), loads(row[4]), row[5], row[6])


def create(conn: sqlite3.Connection, name: str, tenant: str, type_: str,
           config: Mapping[str, Any], state: Mapping[str, Any]) -> HubExperimentRecord:
    """Insert a hub experiment; ConflictError when the name is taken (in any tenant)."""
    now = time.time()
    try:
        conn.execute(
            "INSERT INTO hub_experiments (name, tenant, type, config, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, tenant, type_, dumps(dict(config)), dumps(dict(state)), now, now),
        )
    except sqlite3.IntegrityError:
        raise ConflictError(f"experiment {name!r} already exists") from None
    return get(conn, name)


def get(conn: sqlite3.Connection, name: str) -> HubExperimentRecord:
    """Hub experiment by name."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM hub_experiments WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"experiment {name!r} not found")
    return _record(row)


def update(conn: sqlite3.Connection, name: str, config: Mapping[str, Any] | None,
           state: Mapping[str, Any] | None) -> HubExperimentRecord:
    """Replace config and/or state."""
    get(conn, name)
    if config is not None:
        conn.execute("UPDATE hub_experiments SET config = ? WHERE name = ?", (dumps(dict(config)), name))
    if state is not None:
        conn.execute("UPDATE hub_experiments SET state = ? WHERE name = ?", (dumps(dict(state)), name))
    conn.execute("UPDATE hub_experiments SET updated_at = ? WHERE name = ?", (time.time(), name))
    return get(conn, name)


def list_(conn: sqlite3.Connection, tenant: str | None) -> list[HubExperimentRecord]:
    """Hub experiments, oldest first."""
    if tenant is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM hub_experiments ORDER BY created_at, name").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM hub_experiments WHERE tenant = ?"
                            " ORDER BY created_at, name", (tenant,)).fetchall()
    return [_record(row) for row in rows]


def delete(conn: sqlite3.Connection, name: str) -> None:
    """Remove a hub experiment (its runyard project and runs stay)."""
    get(conn, name)
    conn.execute("DELETE FROM hub_experiments WHERE name = ?", (name,))


def queue_push(conn: sqlite3.Connection, queue: str, payloads: Sequence[bytes]) -> int:
    """Append messages in order; returns how many."""
    now = time.time()
    conn.executemany("INSERT INTO hub_queue (queue, payload, created_at) VALUES (?, ?, ?)",
                     [(queue, bytes(payload), now) for payload in payloads])
    return len(payloads)


def queue_read(conn: sqlite3.Connection, queue: str, limit: int | None) -> list[QueuedMessage]:
    """Waiting messages, oldest first (left in place until acknowledged)."""
    rows = conn.execute("SELECT id, queue, payload, created_at FROM hub_queue WHERE queue = ?"
                        " ORDER BY id LIMIT ?", (queue, -1 if limit is None else limit)).fetchall()
    return [QueuedMessage(row[0], row[1], bytes(row[2]), row[3]) for row in rows]


def queue_ack(conn: sqlite3.Connection, queue: str, up_to_id: int) -> int:
    """Remove the messages up to and including `up_to_id`; returns how many."""
    cursor = conn.execute("DELETE FROM hub_queue WHERE queue = ? AND id <= ?", (queue, up_to_id))
    return cursor.rowcount


def queue_purge(conn: sqlite3.Connection, queue: str) -> int:
    """Remove every waiting message; returns how many."""
    return conn.execute("DELETE FROM hub_queue WHERE queue = ?", (queue,)).rowcount


def queue_size(conn: sqlite3.Connection, queue: str) -> int:
    """How many messages wait."""
    return int(conn.execute("SELECT count(*) FROM hub_queue WHERE queue = ?", (queue,)).fetchone()[0])
