"""SQLite connections: one writer thread with group commit, a bounded pool of reader connections."""

from __future__ import annotations

import contextlib
import errno
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from runyard.errors import (
    InsufficientStorageError,
    InvalidInputError,
    ReadOnlyError,
    RunyardError,
    StoreError,
)
from runyard.store.sql.conn import Conn
from runyard.store.sql.database import IdleHook
from runyard.store.sqlite.dialect import SQLiteConn
from runyard.store.sqlite.pool import ReaderPool
from runyard.store.sqlite.read_only import read_only_connector
from runyard.store.sqlite.schema import migrate
from runyard.store.write_queue import Op, WriteQueue, fail, settle

T = TypeVar("T")
log = logging.getLogger("runyard.store")
_BUSY_TIMEOUT_MS = 60_000


def _connect(path: Path | str, *, uri: bool = False) -> SQLiteConn:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000, uri=uri,
        factory=SQLiteConn,
    )
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = OFF")
    # A bounded page cache: decoded series have their own cache, and the writer mostly appends.
    conn.execute("PRAGMA cache_size = -8192")
    return conn


def _as_store_error(exc: sqlite3.Error | OSError | UnicodeEncodeError | OverflowError, path: Path) -> RunyardError:
    # Values no check upstream caught still must not be a 500: text SQLite cannot encode, ints past int64.
    if isinstance(exc, UnicodeEncodeError):
        return InvalidInputError("text with a lone surrogate cannot be stored (not valid Unicode)")
    if isinstance(exc, OverflowError):
        return InvalidInputError(f"a number is out of the store's range (int64): {exc}")
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or "disk is full" in text:
        return InsufficientStorageError("disk full while writing the database")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not a runyard database (or is damaged): {text}")
    return StoreError(f"database error on {path}: {text}")


class SQLiteDatabase:
    """Owns the SQLite file: serialized writes in batched transactions, concurrent reads (a `sql.database.Database`).

    `read_only`: no writer thread and no migration; readers open the file with SQLite's
    `mode=ro` (or `immutable=1` where even that needs write access, see `read_only.py`);
    every write raises `ReadOnlyError`.
    """

    def __init__(self, path: Path, idle_hook: IdleHook, *,
                 read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._closed = False
        self._listeners: list[Callable[[], None]] = []
        self._ops = WriteQueue()
        self._idle_hook = idle_hook
        self._writer: threading.Thread | None = None
        self._writer_conn: SQLiteConn | None = None
        if read_only:
            try:
                uri = read_only_connector(path, lambda target: _connect(target, uri=True))
            except sqlite3.Error as exc:
                raise _as_store_error(exc, path) from exc
            self._readers = ReaderPool(lambda: _connect(uri, uri=True))
            return
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        while True:
            first: SQLiteConn | None = None
            try:
                first = _connect(path)
                # Switching to WAL can report "locked" at once, without the busy handler,
                # while another process creates or migrates the same new database.
                first.execute("PRAGMA journal_mode = WAL")
                migrate(first, str(path))
                break
            except sqlite3.OperationalError as exc:
                if first is not None:
                    first.close()
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise _as_store_error(exc, path) from exc
                time.sleep(0.02)
            except sqlite3.Error as exc:
                raise _as_store_error(exc, path) from exc
        assert first is not None
        self._writer_conn = first
        self._readers = ReaderPool(lambda: _connect(path))
        self._writer = threading.Thread(target=self._ops.run, args=(self._run_group, self._run_idle),
                                        name="runyard-store-writer", daemon=True)
        self._writer.start()

    # -- reads -----------------------------------------------------------------------
    def read(self, fn: Callable[[SQLiteConn], T]) -> T:
        """Run `fn` in one read transaction so it sees a single snapshot."""
        try:
            conn = self._readers.acquire()
        except sqlite3.Error as exc:
            raise _as_store_error(exc, self.path) from exc
        try:
            conn.execute("BEGIN")
            try:
                return fn(conn)
            finally:
                conn.execute("COMMIT")
        except (sqlite3.Error, UnicodeEncodeError, OverflowError) as exc:
            raise _as_store_error(exc, self.path) from exc
        finally:
            self._readers.release(conn)

    # -- writes ----------------------------------------------------------------------
    def write(self, fn: Callable[[SQLiteConn], T]) -> T:
        """Run `fn` inside the writer's next transaction and wait for the commit."""
        return self.submit(fn).result()

    def submit(self, fn: Callable[[SQLiteConn], T]) -> Future[T]:
        """Queue `fn` for the writer; the future resolves after its transaction commits."""
        if self._closed:
            raise StoreError("store is closed")
        self.check_writable()
        return self._ops.submit(fn)

    def check_writable(self) -> None:
        """`ReadOnlyError` when the store is open read-only (before a write touches any file)."""
        if self.read_only:
            raise ReadOnlyError(f"the data dir {self.path.parent} is open read-only (this process has no write "
                                "access to it): it can be read, not written")

    def _begin(self, conn: Conn) -> None:
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _run_group(self, group: list[Op]) -> None:
        conn = self._writer_conn
        assert conn is not None  # the writer thread runs only when the store is writable
        outcomes: list[tuple[bool, Any]] = []
        try:
            self._begin(conn)
            for index, (fn, _future) in enumerate(group):
                conn.execute(f"SAVEPOINT op{index}")
                try:
                    outcomes.append((True, fn(conn)))
                    conn.execute(f"RELEASE op{index}")
                except BaseException as exc:  # one bad op must not sink its neighbours
                    conn.execute(f"ROLLBACK TO op{index}")
                    conn.execute(f"RELEASE op{index}")
                    if isinstance(exc, sqlite3.Error | OSError | UnicodeEncodeError | OverflowError):
                        exc = _as_store_error(exc, self.path)
                    outcomes.append((False, exc))
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            error = _as_store_error(exc, self.path)
            fail(group, error)
            return
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # a listener must never break the writer
                log.exception("commit listener failed")
        settle(group, outcomes)

    def _run_idle(self) -> float | None:
        """Background work (compaction) between writes; returns when to look again."""
        assert self._writer_conn is not None
        try:
            return self._idle_hook(self._writer_conn)
        except (sqlite3.Error, OSError):
            with contextlib.suppress(sqlite3.Error):
                if self._writer_conn.in_transaction:
                    self._writer_conn.execute("ROLLBACK")
            return 5.0

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Called in the writer thread after every commit."""
        self._listeners.append(listener)

    def in_transaction(self, conn: Conn, fn: Callable[[Conn], T]) -> T:
        """Run `fn` in its own write transaction on the writer's connection (idle hooks only).

        Committed when `fn` returns, rolled back when it raises; waits out other processes' locks.
        """
        self._begin(conn)
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def close(self) -> None:
        """Finish queued writes, stop the writer, close every connection."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None and self._writer_conn is not None:
            self._ops.stop()
            self._writer.join()
            self._writer_conn.close()
        self._readers.close()
