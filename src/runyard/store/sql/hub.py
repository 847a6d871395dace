"""SQL for ExperimentHub: hub experiments, the embedded queue and model provenance, per tenant."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from runyard.errors import ConflictError
from runyard.store.hub_records import HubExperimentRecord, HubModelRecord, QueuedMessage
from runyard.store.sql.conn import Conn, limit_arg
from runyard.store.sql.rows import dumps, fetch_one, loads

_COLUMNS = "name, tenant, type, config, state, created_at, updated_at"
_KEY = "tenant = ? AND name = ?"


def _record(row: tuple[Any, ...]) -> HubExperimentRecord:
    return HubExperimentRecord(row[0], row[1], row[2], loads(row[3]), loads(row[4]), row[5], row[6])


def create(conn: Conn, name: str, tenant: str, type_: str,
           config: Mapping[str, Any], state: Mapping[str, Any]) -> HubExperimentRecord:
    """Insert a hub experiment; ConflictError when the tenant already has one of that name."""
    now = time.time()
    try:
        conn.execute(
            "INSERT INTO hub_experiments (name, tenant, type, config, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, tenant, type_, dumps(dict(config)), dumps(dict(state)), now, now),
        )
    except conn.IntegrityError:
        raise ConflictError(f"experiment {name!r} already exists") from None
    return get(conn, tenant, name)


def get(conn: Conn, tenant: str, name: str) -> HubExperimentRecord:
    """The tenant's hub experiment of that name."""
    return _record(fetch_one(conn, f"SELECT {_COLUMNS} FROM hub_experiments WHERE {_KEY}", (tenant, name),
                             f"experiment {name!r} not found"))


def update(conn: Conn, tenant: str, name: str, config: Mapping[str, Any] | None,
           state: Mapping[str, Any] | None) -> HubExperimentRecord:
    """Replace config and/or state."""
    get(conn, tenant, name)
    key = (tenant, name)
    if config is not None:
        conn.execute(f"UPDATE hub_experiments SET config = ? WHERE {_KEY}", (dumps(dict(config)), *key))
    if state is not None:
        conn.execute(f"UPDATE hub_experiments SET state = ? WHERE {_KEY}", (dumps(dict(state)), *key))
    conn.execute(f"UPDATE hub_experiments SET updated_at = ? WHERE {_KEY}", (time.time(), *key))
    return get(conn, tenant, name)


def list_(conn: Conn, tenant: str | None) -> list[HubExperimentRecord]:
    """Hub experiments, oldest first."""
    if tenant is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM hub_experiments ORDER BY created_at, id").fetchall()
    else:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM hub_experiments WHERE tenant = ?"
                            " ORDER BY created_at, id", (tenant,)).fetchall()
    return [_record(row) for row in rows]


def delete(conn: Conn, tenant: str, name: str) -> None:
    """Remove a hub experiment (its runyard project and runs stay)."""
    get(conn, tenant, name)
    conn.execute(f"DELETE FROM hub_experiments WHERE {_KEY}", (tenant, name))


def queue_push(conn: Conn, tenant: str, queue: str, payloads: Sequence[bytes]) -> int:
    """Append messages in order; returns how many."""
    now = time.time()
    conn.executemany("INSERT INTO hub_queue (tenant, queue, payload, created_at) VALUES (?, ?, ?, ?)",
                     [(tenant, queue, bytes(payload), now) for payload in payloads])
    return len(payloads)


def queue_read(conn: Conn, tenant: str, queue: str, limit: int | None) -> list[QueuedMessage]:
    """Waiting messages, oldest first (left in place until acknowledged)."""
    rows = conn.execute("SELECT id, queue, payload, created_at FROM hub_queue WHERE tenant = ? AND queue = ?"
                        " ORDER BY id LIMIT ?", (tenant, queue, limit_arg(limit))).fetchall()
    return [QueuedMessage(row[0], row[1], bytes(row[2]), row[3]) for row in rows]


def queue_ack(conn: Conn, tenant: str, queue: str, up_to_id: int) -> int:
    """Remove the messages up to and including `up_to_id`; returns how many."""
    cursor = conn.execute("DELETE FROM hub_queue WHERE tenant = ? AND queue = ? AND id <= ?",
                          (tenant, queue, up_to_id))
    return cursor.rowcount


def queue_purge(conn: Conn, tenant: str, queue: str) -> int:
    """Remove every waiting message; returns how many."""
    return conn.execute("DELETE FROM hub_queue WHERE tenant = ? AND queue = ?", (tenant, queue)).rowcount


def queue_size(conn: Conn, tenant: str, queue: str) -> int:
    """How many messages wait."""
    return int(conn.execute("SELECT count(*) FROM hub_queue WHERE tenant = ? AND queue = ?",
                            (tenant, queue)).fetchone()[0])


def record_model(conn: Conn, run_id: int, tenant: str, experiment: str,
                 files: Mapping[str, str]) -> HubModelRecord:
    """Record (or replace) the files a hub job saved as the model of a run."""
    conn.execute("INSERT INTO hub_models (run_id, tenant, experiment, files, created_at) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT (run_id) DO UPDATE SET tenant = excluded.tenant, experiment = excluded.experiment,"
                 " files = excluded.files, created_at = excluded.created_at",
                 (run_id, tenant, experiment, dumps(dict(files)), time.time()))
    return get_model(conn, run_id)


def get_model(conn: Conn, run_id: int) -> HubModelRecord:
    """The provenance record of a run's hub model."""
    row = fetch_one(conn, "SELECT run_id, tenant, experiment, files, created_at FROM hub_models WHERE run_id = ?",
                    (run_id,), f"run {run_id} holds no model saved by the hub")
    return HubModelRecord(row[0], row[1], row[2], loads(row[3]), row[4])
