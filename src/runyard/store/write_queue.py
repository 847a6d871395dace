"""The queue behind a backend's single writer thread: ops wait with their futures and are committed in groups.

A group is what the writer runs in one transaction (each op in its own savepoint): under load
many callers share one commit, so the price of a commit (an fsync, the PostgreSQL change
counter) is paid per group, not per write.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
Op = tuple[Callable[[Any], Any], "Future[Any]"]
MAX_GROUP = 256


class WriteQueue:
    """Ops for one writer thread, taken in groups of up to `MAX_GROUP`, until `stop`."""

    def __init__(self) -> None:
        self._ops: queue.Queue[Op | None] = queue.Queue()

    def submit(self, fn: Callable[[Any], T]) -> Future[T]:
        """Queue `fn`; its future resolves once the writer settled its group."""
        future: Future[T] = Future()
        self._ops.put((fn, future))
        return future

    def stop(self) -> None:
        """The writer ends after the ops queued before this."""
        self._ops.put(None)

    def empty(self) -> bool:
        return self._ops.empty()

    def take(self, timeout: float | None) -> list[Op] | None:
        """The next group (waiting up to `timeout`; [] when none came); None once stopped."""
        try:
            first = self._ops.get(timeout=timeout)
        except queue.Empty:
            return []
        if first is None:
            return None
        group = [first]
        while len(group) < MAX_GROUP:
            try:
                nxt = self._ops.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self._ops.put(None)  # stop after this group
                break
            group.append(nxt)
        return group

    def run(self, run_group: Callable[[list[Op]], None], run_idle: Callable[[], float | None]) -> None:
        """The writer thread's loop: groups as they come, idle work (compaction) when the queue is empty."""
        wait: float | None = None
        while True:
            group = self.take(wait)
            if group is None:
                return
            if group:
                run_group(group)
            if self.empty():
                wait = run_idle()


def settle(group: list[Op], outcomes: list[tuple[bool, Any]]) -> None:
    """Resolve each op's future with its result (True, value) or its error (False, exception)."""
    for (ok, value), (_fn, future) in zip(outcomes, group, strict=True):
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def fail(group: list[Op], error: BaseException) -> None:
    """Every op of a group that was not committed fails with `error`."""
    for _fn, future in group:
        future.set_exception(error)
