"""PostgreSQL connections: one writer thread with group commit, a pool of readers, wake-ups across replicas.

Connections per process (per `runyard serve` replica), to size `max_connections` by:
- readers: a psycopg_pool `ConnectionPool`, `pool_min` (default 1) kept open, up to
  `pool_max` (default 10); a read waits up to 60 s for a free one, then fails with 503.
  The server's thread pool runs at most ~40 store calls at once, and a read holds its
  connection only for its own statements, so 10 serve a busy replica;
- one writer connection (every write of the process goes through it, in groups);
- one notify connection (opened at the first committed change) and, once something
  follows changes (a server's SSE feed), one LISTEN connection.
So `pool_max + 3` per replica: N replicas need N * (pool_max + 3) below the server's
`max_connections` (PostgreSQL's default 100: up to 7 replicas at the default sizes).

Writes: every transaction first locks the `change_counter` row (`FOR UPDATE`). That
serializes writers across replicas exactly as SQLite's single writer does, so the shared
read-modify-write SQL stays correct, change seqs are gapless and in commit order, and
no deadlock can form (the counter is always the first lock taken). Ops are grouped (up
to 256 per transaction, each in a SAVEPOINT so one bad op does not sink the rest), so
the counter is paid per group. A connection lost before COMMIT was sent is replaced
and the group run again; lost during COMMIT, the outcome is unknown: the group fails
with 503 (the SDK's batch ids make its retry safe).

Reads: each in one REPEATABLE READ READ ONLY transaction (one snapshot, as SQLite's).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import psycopg
import psycopg_pool

from runyard.errors import (
    RunyardError,
    StoreError,
    StoreUnavailableError,
)
from runyard.store.postgres.conn import PgConn, Raw
from runyard.store.postgres.errors import as_store_error, safe_name
from runyard.store.postgres.listen import Listener, Notifier
from runyard.store.postgres.schema import migrate
from runyard.store.sql.conn import Conn
from runyard.store.sql.database import IdleHook
from runyard.store.write_queue import Op, WriteQueue, fail, settle

T = TypeVar("T")
log = logging.getLogger("runyard.store")
_CONNECT_TIMEOUT_S = 10
_RECONNECT_FOR_S = 15.0  # how long the writer retries a lost connection (a server restart) before failing a group
_READ_WAIT_S = 60.0
_LOCK_COUNTER = "SELECT seq FROM change_counter WHERE id = 1 FOR UPDATE"


def _lost(conn: Raw) -> bool:
    return conn.closed or conn.broken


class _ConnectionLost(Exception):
    def __init__(self, cause: BaseException, commit_sent: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.commit_sent = commit_sent


class PgDatabase:
    """Owns the connections to one PostgreSQL database (see the module's docstring)."""

    read_only = False

    def __init__(self, url: str, idle_hook: IdleHook, *, pool_min: int = 1, pool_max: int = 10) -> None:
        self.url = url
        self.name = safe_name(url)
        self._closed = False
        self._listeners: list[Callable[[], None]] = []
        self._listener: Listener | None = None
        self._listener_lock = threading.Lock()
        self._ops = WriteQueue()
        self._idle_hook = idle_hook
        try:
            self._conn = self.connect()
        except psycopg.Error as exc:
            raise as_store_error(exc, self.name) from exc
        try:
            migrate(self._conn, self.name)
        except BaseException as exc:
            self._conn.close()
            if isinstance(exc, psycopg.Error):
                raise as_store_error(exc, self.name) from exc
            raise
        self._pool = psycopg_pool.ConnectionPool(
            url, min_size=pool_min, max_size=pool_max, timeout=_READ_WAIT_S, open=True, num_workers=2,
            kwargs={"autocommit": True, "connect_timeout": _CONNECT_TIMEOUT_S}, name="runyard-readers",
        )
        self._notifier = Notifier(self.connect)
        self._writer = threading.Thread(target=self._ops.run, args=(self._run_group, self._run_idle),
                                        name="runyard-store-writer", daemon=True)
        self._writer.start()

    def connect(self) -> Raw:
        """A new autocommit connection (transactions are begun explicitly)."""
        return psycopg.connect(self.url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT_S)

    # -- reads -----------------------------------------------------------------------
    def read(self, fn: Callable[[Conn], T]) -> T:
        """Run `fn` in one REPEATABLE READ transaction; once more on a fresh connection if a pooled one had died."""
        for attempt in (1, 2):
            used: Raw | None = None
            try:
                with self._pool.connection() as raw:
                    used = raw
                    raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    try:
                        return fn(PgConn(raw))
                    finally:
                        if not _lost(raw):
                            raw.execute("ROLLBACK")
            except psycopg.OperationalError as exc:
                if attempt == 1 and used is not None and _lost(used):
                    self._pool.check()  # replace every idle connection that died with this one (a restart)
                    continue
                raise as_store_error(exc, self.name) from exc
            except (psycopg.Error, psycopg_pool.PoolTimeout, UnicodeEncodeError, OverflowError) as exc:
                raise as_store_error(exc, self.name) from exc
        raise AssertionError("unreachable")

    # -- writes ----------------------------------------------------------------------
    def write(self, fn: Callable[[Conn], T]) -> T:
        """Run `fn` inside the writer's next transaction and wait for the commit."""
        return self.submit(fn).result()

    def submit(self, fn: Callable[[Conn], T]) -> Future[T]:
        """Queue `fn` for the writer; the future resolves after its transaction commits."""
        if self._closed:
            raise StoreError("store is closed")
        return self._ops.submit(fn)

    def check_writable(self) -> None:
        """A PostgreSQL store is always writable (a read-only role fails at its first write instead)."""

    def _begin(self, conn: Raw) -> int:
        """BEGIN and lock the change counter (one round trip); the counter's value."""
        cursor = conn.execute("BEGIN; " + _LOCK_COUNTER)
        cursor.nextset()
        (seq,) = cursor.fetchone() or (0,)
        return int(seq)

    def _attempt(self, group: list[Op]) -> tuple[list[tuple[bool, Any]], int | None]:
        """One transaction of the whole group: each op's outcome, and the newest seq if changes were logged.

        Each op runs in a savepoint so that one failing op does not sink its neighbours; an op
        alone in its group needs none (its failure rolls back a transaction of its own): two
        round trips fewer when writes come one at a time.
        """
        conn = self._conn
        outcomes: list[tuple[bool, Any]] = []
        alone = len(group) == 1
        commit_sent = False
        try:
            before = self._begin(conn)
            pg = PgConn(conn)
            for index, (fn, _future) in enumerate(group):
                if not alone:
                    conn.execute(f"SAVEPOINT op{index}")
                try:
                    outcomes.append((True, fn(pg)))
                    if not alone:
                        conn.execute(f"RELEASE op{index}")
                except BaseException as exc:
                    if _lost(conn):
                        raise _ConnectionLost(exc, commit_sent=False) from exc
                    conn.execute("ROLLBACK" if alone else f"ROLLBACK TO op{index}; RELEASE op{index}")
                    if isinstance(exc, psycopg.Error | UnicodeEncodeError | OverflowError):
                        exc = as_store_error(exc, self.name)
                    outcomes.append((False, exc))
            if alone and not outcomes[0][0]:
                return outcomes, None  # rolled back: nothing to commit
            commit_sent = True  # from here a lost connection leaves the outcome unknown
            (after,) = conn.execute("SELECT seq FROM change_counter WHERE id = 1; COMMIT").fetchone() or (0,)
        except psycopg.Error as exc:
            if _lost(conn):
                raise _ConnectionLost(exc, commit_sent) from exc
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            raise
        return outcomes, (after if after > before else None)

    def _reconnect(self, deadline: float) -> None:
        with contextlib.suppress(psycopg.Error):
            self._conn.close()
        delay = 0.05
        while True:
            try:
                self._conn = self.connect()
                return
            except psycopg.OperationalError:
                if time.monotonic() + delay > deadline or self._closed:  # closing: fail what is queued now
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _run_group(self, group: list[Op]) -> None:
        deadline = time.monotonic() + _RECONNECT_FOR_S
        while True:
            try:
                outcomes, newest = self._attempt(group)
                break
            except _ConnectionLost as lost:
                error: RunyardError = as_store_error(lost.cause, self.name)
                if lost.commit_sent:
                    error = StoreUnavailableError(
                        f"the connection to {self.name} was lost during COMMIT: the write may or may not "
                        "have been applied")
                else:
                    try:
                        self._reconnect(deadline)
                        continue  # nothing of the group was committed: run it again on the new connection
                    except psycopg.Error as exc:
                        error = as_store_error(exc, self.name)
                with contextlib.suppress(psycopg.Error):
                    self._reconnect(time.monotonic())  # the next group starts on a live connection if there is one
            except (psycopg.Error, OSError) as exc:
                error = as_store_error(exc, self.name)
            except Exception as exc:  # never let the writer thread die: every later write would hang
                log.exception("writer failed")
                error = StoreError(f"write failed on {self.name}: {exc}")
            fail(group, error)
            return
        if newest is not None:
            self._notifier.changed(newest)
        self._wake_all()
        settle(group, outcomes)

    def _run_idle(self) -> float | None:
        """Background work (compaction) between writes; returns when to look again."""
        try:
            return self._idle_hook(PgConn(self._conn))
        except (psycopg.Error, RunyardError, OSError) as exc:
            log.warning("background compaction on %s failed: %s", self.name, exc)
            if not _lost(self._conn):
                with contextlib.suppress(psycopg.Error):
                    self._conn.execute("ROLLBACK")
            return 5.0

    def in_transaction(self, conn: Conn, fn: Callable[[Conn], T]) -> T:
        """Run `fn` in its own write transaction on the writer's connection (idle hooks only)."""
        raw = self._conn
        self._begin(raw)
        try:
            result = fn(conn)
        except BaseException:
            if not _lost(raw):
                raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")
        return result

    # -- wake-ups --------------------------------------------------------------------
    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Called after every commit of this process (writer thread) and of any other (LISTEN thread)."""
        self._listeners.append(listener)
        with self._listener_lock:
            if self._listener is None and not self._closed:
                self._listener = Listener(self.connect, self._wake_all, lambda: self._notifier.backend_pid)

    def _wake_all(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # a listener must never break the writer or the LISTEN thread
                log.exception("commit listener failed")

    @property
    def listen_pid(self) -> int | None:
        """The server process of the LISTEN connection (None when not listening)."""
        return None if self._listener is None else self._listener.backend_pid

    @property
    def listen_connects(self) -> int:
        """How many times LISTEN was established (and followers woken after it) in this process."""
        return 0 if self._listener is None else self._listener.connects

    def close(self) -> None:
        """Finish queued writes, stop every thread, close every connection."""
        if self._closed:
            return
        self._closed = True
        self._ops.stop()
        self._writer.join()
        with contextlib.suppress(psycopg.Error):
            self._conn.close()
        self._notifier.close()
        with self._listener_lock:
            if self._listener is not None:
                self._listener.close()
        self._pool.close()
