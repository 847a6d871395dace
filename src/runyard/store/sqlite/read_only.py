"""Opening a database this process may not write: a read-only data dir (an archive, a shared mount).

The store runs in WAL mode, and SQLite's plain `mode=ro` still needs the `-shm` file: it
works while a writer elsewhere keeps `-wal`/`-shm` there, but in a directory we cannot
write with no `-shm` left (the usual state after a clean close) it cannot open at all.
Then `immutable=1` reads the main file alone, which is complete exactly when no `-wal`
holds unmerged pages; with a non-empty `-wal` the data dir is refused instead of being
read without its latest writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from runyard.errors import StoreError
from runyard.store.sqlite.dialect import SQLiteConn
from runyard.store.sqlite.schema import SCHEMA_VERSION, check_not_newer

Connect = Callable[[str], SQLiteConn]


def _uri(path: Path, flag: str) -> str:
    return f"file:{quote(str(path.resolve()))}?{flag}"


def _version(connect: Connect, uri: str) -> int:
    conn = connect(uri)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads a page: the open really works
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def read_only_connector(path: Path, connect: Connect) -> str:
    """The URI every read connection opens; `StoreError` when the file cannot be read as it is."""
    try:
        uri = _uri(path, "mode=ro")
        version = _version(connect, uri)
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"{path} has writes left in {wal.name} that only a process with write access to the data dir "
                "can read: open it once with write access (any runyard command does), then read it here"
            ) from None
        uri = _uri(path, "immutable=1")
        version = _version(connect, uri)
    check_not_newer(version, str(path))
    if version < SCHEMA_VERSION:
        raise StoreError(f"{path} was written by an older runyard (schema v{version}, this one needs "
                         f"v{SCHEMA_VERSION}) and is read-only here: open it once with write access to upgrade it")
    return uri
