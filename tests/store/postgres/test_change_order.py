"""The change log is in commit order across processes: a follower reading `seq > cursor` never skips one.

With a plain sequence, a writer could take seq 2, another take seq 3 and commit first: a
follower then moves its cursor past 2 and never delivers it. The counter row every write
transaction locks first makes a seq visible only after every smaller one committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

from runyard.store.postgres.store import PostgresStore
from tests.store.helpers import cols


def _wait_blocked(thread: threading.Thread, seconds: float = 0.5) -> bool:
    thread.join(seconds)
    return thread.is_alive()


def test_a_change_is_visible_only_after_every_earlier_one_committed(
        db_url: str, open_pg: Callable[[], PostgresStore]) -> None:
    a, b = open_pg(), open_pg()
    run = a.create_run(a.create_project("p").id)
    start = a.last_change_seq()
    # Another replica's write transaction, open: it holds the counter and has logged a change.
    with psycopg.connect(db_url) as other:
        other.execute("SELECT seq FROM change_counter WHERE id = 1 FOR UPDATE")
        (held,) = other.execute("INSERT INTO changes (run_id, kind, detail, created_at) VALUES (%s, 'logs', '{}', 0)"
                                " RETURNING seq", (run.id,)).fetchone()
        assert held == start + 1
        writer = threading.Thread(target=lambda: b.append_metrics(run.id, {"m": cols([0], [1.0])}))
        writer.start()
        assert _wait_blocked(writer)  # B's write waits for the open transaction: it cannot take seq start + 2
        assert [c.seq for c in a.changes_since(start)] == []
        other.commit()
    writer.join(30)
    assert not writer.is_alive()
    changes = a.changes_since(start)
    assert [(c.seq, c.kind) for c in changes] == [(start + 1, "logs"), (start + 2, "metrics")]


def test_writers_on_two_replicas_give_a_gapless_increasing_log_a_follower_never_skips(
        db_url: str, open_pg: Callable[[], PostgresStore]) -> None:
    replicas = [open_pg(), open_pg()]
    project = replicas[0].create_project("p")
    threads_per_replica, batches = 3, 40
    runs = [[replica.create_run(project.id, name=f"r{r}-{t}") for t in range(threads_per_replica)]
            for r, replica in enumerate(replicas)]
    start = replicas[0].last_change_seq()
    done = threading.Event()
    delivered: list[int] = []
    errors: list[BaseException] = []

    def follow() -> None:
        follower = replicas[1]
        cursor = start
        while True:
            finished = done.is_set()  # read before the drain: one more pass after the writers stop
            for change in follower.changes_since(cursor, limit=50):
                delivered.append(change.seq)
                cursor = change.seq
            if finished:
                return
            time.sleep(0.002)

    def write(replica: PostgresStore, run_id: int) -> None:
        try:
            for i in range(batches):
                replica.append_metrics(run_id, {"m": cols([i], [float(i)])}, batch_id=f"b{i}")
                if i % 4 == 0:
                    replica.append_logs(run_id, [(time.time(), "stdout", f"line {i}")])
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(replica, run.id))
               for replica, replica_runs in zip(replicas, runs, strict=True) for run in replica_runs]
    follower = threading.Thread(target=follow)
    follower.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    follower.join()
    assert errors == []
    expected = threads_per_replica * 2 * (batches + batches // 4)
    assert delivered == list(range(start + 1, start + 1 + expected))  # strictly increasing, none skipped
    with psycopg.connect(db_url) as conn:
        logged = [row[0] for row in conn.execute("SELECT seq FROM changes WHERE seq > %s ORDER BY seq", (start,))]
        (counter,) = conn.execute("SELECT seq FROM change_counter").fetchone() or (0,)
    assert logged == delivered
    assert counter == delivered[-1]
    for replica_runs in runs:
        for run in replica_runs:
            assert replicas[0].read_metric(run.id, "m").values.tolist() == [float(i) for i in range(batches)]
