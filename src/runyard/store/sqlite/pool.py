"""Read connections owned by the store: checked out for one read, returned after it, closed by the store.

Connections used to live in thread-locals: a worker thread that ended (the server's
thread pool retires idle threads) left its connection open (two or three descriptors)
until the process ran out of descriptors. Here no connection belongs to a thread: at most
`size` are open at once, at most `keep` wait idle between reads, and `close` closes all.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable

from runyard.errors import StoreError
from runyard.store.sqlite.dialect import SQLiteConn

MAX_READERS = 16  # concurrent reads; more wait for a free connection
KEEP_IDLE = 8  # connections kept open between bursts (warm page caches)


class ReaderPool:
    """A bounded set of read-only connections shared by every thread."""

    def __init__(self, connect: Callable[[], SQLiteConn], *, size: int = MAX_READERS,
                 keep: int = KEEP_IDLE, wait_s: float = 60.0) -> None:
        self._connect = connect
        self._size = size
        self._keep = keep
        self._wait_s = wait_s
        # One plain lock on the fast path; the condition is only waited on when all are in use.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._idle: list[SQLiteConn] = []
        self._open = 0
        self._waiting = 0
        self._closed = False

    def acquire(self) -> SQLiteConn:
        """A connection for this caller alone until `release`."""
        with self._lock:
            if self._idle and not self._closed:
                return self._idle.pop()  # the most recently used: its page cache is warm
        deadline = 0.0
        with self._lock:
            while True:
                if self._closed:
                    raise StoreError("store is closed")
                if self._idle:
                    return self._idle.pop()
                if self._open < self._size:
                    self._open += 1
                    break
                deadline = deadline or time.monotonic() + self._wait_s
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError(f"no database connection free after {self._wait_s:.0f} s")
                self._waiting += 1
                try:
                    self._cond.wait(left)
                finally:
                    self._waiting -= 1
        try:
            conn = self._connect()
            conn.execute("PRAGMA query_only = 1")
        except BaseException:
            self._forget()
            raise
        return conn

    def release(self, conn: SQLiteConn) -> None:
        """Give a connection back; beyond `keep` idle ones (or once closed) it is closed."""
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        with self._lock:
            kept = not self._closed and len(self._idle) < self._keep and not conn.in_transaction
            if kept:
                self._idle.append(conn)
                if self._waiting:
                    self._cond.notify()
                return
        self._forget()
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    def _forget(self) -> None:
        with self._cond:
            self._open -= 1
            if self._waiting:
                self._cond.notify()

    def idle_count(self) -> int:
        """Idle connections now held (for tests and diagnostics)."""
        with self._cond:
            return len(self._idle)

    def close(self) -> None:
        """Close idle connections now; ones in use are closed when given back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._cond.notify_all()
        for conn in idle:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
