"""SQL for key-value tags of projects and runs (MLflow's experiment and run tags)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from runyard.store.sql.conn import Conn
from runyard.store.sql.rows import record_change

# The owner column of each key-value table.
_OWNER = {"project_tags": "project_id", "run_tags": "run_id"}


def read(conn: Conn, table: str, owner_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Owner id -> {key: value} (every id asked for is present), in chunks under SQLite's variable limit."""
    column = _OWNER[table]
    wanted = list(dict.fromkeys(owner_ids))
    found: dict[int, dict[str, str]] = {owner: {} for owner in wanted}
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        for owner, key, value in conn.execute(
            f"SELECT {column}, key, value FROM {table} WHERE {column} IN ({','.join('?' * len(part))})"
            " ORDER BY key", part,
        ):
            found[owner][key] = value
    return found


def write(conn: Conn, table: str, owner: int, values: Mapping[str, str], deletes: Sequence[str]) -> None:
    """Set `values` and remove the keys in `deletes` of one owner."""
    column = _OWNER[table]
    conn.executemany(f"INSERT INTO {table} ({column}, key, value) VALUES (?, ?, ?)"
                     f" ON CONFLICT ({column}, key) DO UPDATE SET value = excluded.value",
                     [(owner, key, value) for key, value in values.items()])
    conn.executemany(f"DELETE FROM {table} WHERE {column} = ? AND key = ?", [(owner, key) for key in deletes])
    if table == "run_tags":
        record_change(conn, owner, "run_updated", {"fields": ["tag_values"]})
