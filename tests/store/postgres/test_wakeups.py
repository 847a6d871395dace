"""Commit listeners wake on other replicas' commits (NOTIFY after commit, one LISTEN per process), also after
the LISTEN connection was killed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

from runyard.store.postgres.store import PostgresStore
from tests.store.helpers import cols

WAIT_S = 15.0  # generous: a loaded 2-core machine; a working wake-up takes milliseconds


def _listening(store: PostgresStore, times: int = 1) -> int:
    """Wait until LISTEN was established `times` times (and the wake-up after it ran); its server pid."""
    deadline = time.monotonic() + WAIT_S
    while store._db.listen_connects < times or (pid := store._db.listen_pid) is None:
        assert time.monotonic() < deadline, f"LISTEN was not established {times} time(s)"
        time.sleep(0.01)
    return pid


def test_a_commit_on_one_replica_wakes_the_other_even_after_its_listen_connection_was_killed(
        db_url: str, open_pg: Callable[[], PostgresStore]) -> None:
    follower, writer = open_pg(), open_pg()
    woken = threading.Event()
    follower.add_commit_listener(woken.set)
    first_pid = _listening(follower)
    run = writer.create_run(writer.create_project("p").id)
    assert woken.wait(WAIT_S)  # the other replica's commits woke it

    with psycopg.connect(db_url, autocommit=True) as admin:
        (killed,) = admin.execute("SELECT pg_terminate_backend(%s)", (first_pid,)).fetchone() or (False,)
    assert killed
    assert _listening(follower, times=2) != first_pid
    woken.clear()
    writer.append_metrics(run.id, {"m": cols([0], [1.0])})
    assert woken.wait(WAIT_S)
    assert follower.changes_since(0, run_id=run.id)[-1].kind == "metrics"


def test_own_commits_wake_once_from_the_writer_not_again_from_listen(
        open_pg: Callable[[], PostgresStore]) -> None:
    store = open_pg()
    calls: list[float] = []
    store.add_commit_listener(lambda: calls.append(time.monotonic()))
    _listening(store)  # the wake-up after connecting (a follower drains what it may have missed) has run
    calls.clear()
    store.create_project("p")
    time.sleep(0.5)  # time for a notification of its own to arrive, were it not filtered
    assert len(calls) == 1
