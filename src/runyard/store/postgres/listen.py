"""Wake-ups across processes sharing one PostgreSQL database (server replicas): NOTIFY after commit, LISTEN.

A notification is a hint, never the truth: followers read the change log (`changes_since`),
and a notification lost (the listener reconnecting, a replica's notifier down) only delays
them until their poll. Hence:

- `Notifier` sends `pg_notify('runyard_changes', '<seq>')` from its own thread on its own
  autocommit connection, *after* the data transaction committed: a NOTIFY inside the
  data transaction would take PostgreSQL's global notify lock at every commit,
  serializing all committers. Commits closer than `DEBOUNCE_S` share one notification.
- `Listener` holds one autocommit connection per process in `LISTEN runyard_changes` and
  calls `wake` for every notification from another process (this process's own commits
  already woke its followers from the writer thread), and once after each (re)connect,
  so that a follower drains what committed while nobody listened.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg

log = logging.getLogger("runyard.store")

CHANNEL = "runyard_changes"
DEBOUNCE_S = 0.01  # at most ~100 notifications a second per process
WAIT_S = 0.25  # how long a listener waits between looks at its stop flag
BACKOFF_S = (0.05, 2.0)  # reconnect delays: first, longest

Connect = Callable[[], psycopg.Connection[Any]]


def _pid(conn: psycopg.Connection[Any] | None) -> int | None:
    return None if conn is None or conn.closed else conn.info.backend_pid


def _close(conn: psycopg.Connection[Any] | None) -> None:
    if conn is not None:
        with contextlib.suppress(psycopg.Error):
            conn.close()


class Notifier:
    """Sends the newest committed seq to every listener of the database, debounced, off the writer's path."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self._conn: psycopg.Connection[Any] | None = None
        self._cond = threading.Condition()
        self._latest = 0
        self._sent = 0
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="runyard-pg-notify", daemon=True)
        self._thread.start()

    @property
    def backend_pid(self) -> int | None:
        """The server process of this notifier's connection (its notifications carry it)."""
        return _pid(self._conn)

    def changed(self, seq: int) -> None:
        """Changes up to `seq` committed (called by the writer after COMMIT)."""
        with self._cond:
            if seq > self._latest:
                self._latest = seq
                self._cond.notify()

    def _loop(self) -> None:
        stop = threading.Event()
        while True:
            with self._cond:
                while self._latest <= self._sent and not self._closed:
                    self._cond.wait()
                if self._latest <= self._sent:
                    break
                seq = self._latest
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = self._connect()
                self._conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(seq)))
            except psycopg.Error as exc:
                # A lost hint: other replicas' followers catch up at their next poll.
                log.warning("could not notify other processes of change %d: %s", seq, exc)
                self._drop()
                stop.wait(BACKOFF_S[0])
            self._sent = seq
            stop.wait(DEBOUNCE_S)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        _close(conn)

    def close(self) -> None:
        """Send what is pending, stop the thread, close the connection."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        self._drop()


class Listener:
    """One LISTEN connection per process; `wake` on every notification of another process and after (re)connecting."""

    def __init__(self, connect: Connect, wake: Callable[[], None], own_pid: Callable[[], int | None]) -> None:
        self._connect = connect
        self._wake = wake
        self._own_pid = own_pid
        self._stop = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self.connects = 0  # LISTENs established (each followed by its wake-up), for tests and diagnostics
        self._thread = threading.Thread(target=self._loop, name="runyard-pg-listen", daemon=True)
        self._thread.start()

    @property
    def backend_pid(self) -> int | None:
        """The server process of the LISTEN connection (None while reconnecting)."""
        return _pid(self._conn)

    def _loop(self) -> None:
        delay = BACKOFF_S[0]
        while not self._stop.is_set():
            try:
                self._conn = self._connect()
                self._conn.execute(f"LISTEN {CHANNEL}")
                delay = BACKOFF_S[0]
                self._call_wake()
                self.connects += 1
                while not self._stop.is_set():
                    for note in self._conn.notifies(timeout=WAIT_S):
                        if note.pid != self._own_pid():
                            self._call_wake()
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning("LISTEN %s lost (%s); reconnecting in %.2f s", CHANNEL, exc, delay)
            finally:
                self._drop()
            self._stop.wait(delay)
            delay = min(delay * 2, BACKOFF_S[1])

    def _call_wake(self) -> None:
        try:
            self._wake()
        except Exception:  # a listener must never stop the wake-ups
            log.exception("commit listener failed")

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        _close(conn)

    def close(self) -> None:
        """Stop listening (within `WAIT_S`) and close the connection."""
        self._stop.set()
        self._thread.join()
