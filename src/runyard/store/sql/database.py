"""What `SqlStore` needs of a backend's connection handling: serialized writes, snapshot reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from runyard.store.sql.conn import Conn

T = TypeVar("T")

# Called by the writer between writes (background compaction); returns when to look again (None: on the next write).
IdleHook = Callable[[Conn], "float | None"]


class Database(Protocol):
    """One backend's transactions. Writes are serialized (one at a time, in commit order); reads see one snapshot.

    Errors of the driver never leave it: they become `runyard.errors` (bad input 4xx, the rest `StoreError`).
    """

    @property
    def read_only(self) -> bool:
        """Every write raises `ReadOnlyError`."""

    def read(self, fn: Callable[[Conn], T]) -> T:
        """Run `fn` in one read transaction (a single snapshot)."""

    def write(self, fn: Callable[[Conn], T]) -> T:
        """Run `fn` in a write transaction (a savepoint of a group commit) and return its result once committed."""

    def in_transaction(self, conn: Conn, fn: Callable[[Conn], T]) -> T:
        """From an idle hook: run `fn` in its own write transaction on the writer's connection `conn`."""

    def check_writable(self) -> None:
        """`ReadOnlyError` when writes are refused (called before files are written beside the database)."""

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every commit (in any process sharing the database, where the backend can tell)."""

    def close(self) -> None:
        """Finish queued writes and release every connection."""
