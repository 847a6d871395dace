"""Issue 15's "Must show": two replicas on one PostgreSQL + one bucket keep every promise of one server.

Live streams across replicas (ids strictly increasing, nothing skipped, exact `Last-Event-ID`
resume on the other replica), no point lost or doubled when a replica is SIGKILLed mid-run,
artifacts written through one replica and read through the other, and the cross-replica
wake-up surviving its LISTEN connection being killed.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

import runyard
from tests.replicas.conftest import V1, Cluster, end_run, log_points, pg_rows
from tests.sse_client import Event, read_events


def stream_url(base: str, run_id: int, after: int | None = 0) -> str:
    return f"{base}{V1}/runs/{run_id}/stream" + ("" if after is None else f"?after={after}")


class Follower(threading.Thread):
    """Reads one run's stream (from its first event) until the run ends; `events` as they came."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.events: list[Event] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.events = read_events(self.url, headers=self.headers, timeout=90)
        except BaseException as exc:  # re-raised by result()
            self.error = exc

    def result(self, timeout: float = 90) -> list[Event]:
        self.join(timeout)
        assert not self.is_alive(), f"the stream {self.url} did not end"
        if self.error is not None:
            raise self.error
        return self.events


def ids(events: list[Event]) -> list[int]:
    return [int(e.id) for e in events if e.id is not None]


def steps_of(events: list[Event], key: str = "x") -> list[int]:
    """Every step the `metrics` events carried for `key`, in arrival order."""
    return [step for e in events if e.event == "metrics" for step in e.data["metrics"].get(key, {}).get("steps", [])]


def assert_strictly_increasing(values: list[int]) -> None:
    assert values and all(b > a for a, b in itertools.pairwise(values)), values[:50]


def run_seqs(cluster: Cluster, run_id: int, upto: int) -> list[int]:
    """The sequence numbers of the run's changes a stream tells (metrics, logs, status) up to `upto`,
    straight from the changes table."""
    rows = pg_rows(cluster.store_url, "SELECT seq FROM changes WHERE run_id = %s AND seq <= %s "
                                      "AND kind IN ('metrics', 'logs', 'status') ORDER BY seq", (run_id, upto))
    return [int(row[0]) for row in rows]


def assert_told_everything(cluster: Cluster, run_id: int, events: list[Event]) -> None:
    """Ids strictly increasing, the stream ended with the run, and no change of the run was skipped."""
    told = ids(events)
    assert_strictly_increasing(told)
    assert events[-1].event == "status"
    expected = run_seqs(cluster, run_id, told[-1])
    missing = sorted(set(expected) - set(told))
    details = pg_rows(cluster.store_url, "SELECT seq, kind, detail FROM changes WHERE seq = ANY(%s)", (missing,))
    assert told == expected, f"not told: {details}; steps told: {sorted(steps_of(events))}"


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sdk_logs_through_the_proxy_while_replica_b_streams_every_event(cluster: Cluster, tmp_path: Path) -> None:
    run = runyard.init(project="sdk", name="through-lb", server=cluster.lb, token=cluster.token,
                       dir=tmp_path / "client", capture_console=False, system_info=False)
    stored = cluster.store.get_run_by_uid(run.uid)
    follower = Follower(stream_url(cluster.b, stored.id), cluster.auth)
    follower.start()
    for step in range(400):
        run.log({"x": step / 2}, step=step)
        if step % 50 == 0:
            time.sleep(0.02)  # several batches, not one
    run.finish()
    events = follower.result()
    assert_told_everything(cluster, stored.id, events)  # what B sent is the change log, in order
    assert sorted(steps_of(events)) == list(range(400))  # every point once


def test_a_replica_sigkilled_and_restarted_mid_run_loses_and_doubles_nothing(cluster: Cluster, tmp_path: Path) -> None:
    before = list(cluster.proxy.connections)
    run = runyard.init(project="sdk", name="killed-replica", server=cluster.lb, token=cluster.token,
                       dir=tmp_path / "client", capture_console=False, system_info=False)
    # The replica the SDK's connection went to is the one killed: its batches in flight must go elsewhere.
    victim = max(range(2), key=lambda i: cluster.proxy.connections[i] - before[i])
    total = 600
    for step in range(total):
        run.log({"x": step / 2}, step=step)
        if step == total // 3:
            process = cluster.servers[victim].proc
            assert process is not None
            process.kill()  # SIGKILL: no drain, no goodbye
            process.wait()
            took_over = cluster.proxy.connections[1 - victim]
        if step == 2 * total // 3:
            cluster.servers[victim] = cluster.replica(victim).start(timeout_s=60)
        time.sleep(0.005)  # the run spans several of the SDK's flushes
    run.finish()
    stored = cluster.store.get_run_by_uid(run.uid)
    series = cluster.store.read_metric(stored.id, "x")
    assert series.steps.tolist() == list(range(total))
    assert np.array_equal(series.values, np.arange(total) / 2)
    assert cluster.store.metric_summaries([stored.id])[stored.id]["x"].count == total
    assert cluster.store.get_run(stored.id).status == "finished"
    assert cluster.proxy.connections[1 - victim] > took_over  # the other replica took the SDK over


def test_last_event_id_resumes_exactly_on_the_other_replica(cluster: Cluster) -> None:
    run_id = cluster.new_run("resume")
    log_points(cluster.a, cluster.auth, run_id, range(60))
    end_run(cluster.a, cluster.auth, run_id)
    full = read_events(stream_url(cluster.a, run_id), headers=cluster.auth)
    first = read_events(stream_url(cluster.a, run_id), headers=cluster.auth, until=25)
    rest = read_events(stream_url(cluster.b, run_id, after=None),
                       headers={**cluster.auth, "Last-Event-ID": str(first[-1].id)})
    assert [(e.id, e.event, e.data) for e in first + rest] == [(e.id, e.event, e.data) for e in full]
    assert_told_everything(cluster, run_id, full)


def test_an_artifact_uploaded_through_a_downloads_byte_identical_through_b(cluster: Cluster) -> None:
    run_id = cluster.new_run("artifact")
    payload = os.urandom(3 * (1 << 20) + 17)
    up = httpx.post(f"{cluster.a}{V1}/runs/{run_id}/log-artifact", headers=cluster.auth,
                                  params={"artifact_path": "ckpt"}, files={"file": ("model.bin", payload)}, timeout=60)
    assert up.status_code == 200, up.text
    down = httpx.get(f"{cluster.b}{V1}/read/runs/{run_id}/artifacts/ckpt/model.bin",
                                   headers=cluster.auth, timeout=60)
    assert down.status_code == 200 and down.content == payload


def test_writers_on_both_replicas_are_delivered_in_order_with_none_skipped(cluster: Cluster) -> None:
    runs = [cluster.new_run(f"stress-{i}") for i in range(4)]
    start = cluster.store.last_change_seq()
    followers = [Follower(stream_url(cluster.b, run_id), cluster.auth) for run_id in runs]
    tailed: list[int] = []
    done = threading.Event()

    def tail() -> None:  # a third follower: the change log itself, read while the writes commit
        cursor = start
        while not done.is_set():
            for change in cluster.store.changes_since(cursor, limit=1000):
                tailed.append(change.seq)
                cursor = change.seq
            time.sleep(0.002)

    tailer = threading.Thread(target=tail, daemon=True)
    for thread in (*followers, tailer):
        thread.start()
    writers = [threading.Thread(target=log_points, args=((cluster.a, cluster.b)[i % 2], cluster.auth, run_id,
                                                         range(i * 1000, i * 1000 + 50)))
               for i, run_id in enumerate(runs * 2)]  # each run written through both replicas at once
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(120)
    for run_id in runs:
        end_run(cluster.b, cluster.auth, run_id)
    final = cluster.store.last_change_seq()
    wait_for(lambda: tailed and tailed[-1] >= final, 30, "the tail to reach the last change")
    done.set()
    tailer.join(10)
    every = [int(r[0]) for r in pg_rows(cluster.store_url, "SELECT seq FROM changes WHERE seq > %s ORDER BY seq",
                                        (start,))]
    assert tailed == every  # strictly increasing, none skipped while they were being written
    assert every == list(range(start + 1, start + 1 + len(every)))  # gapless
    for k, (run_id, follower) in enumerate(zip(runs, followers, strict=True)):
        events = follower.result()
        assert_told_everything(cluster, run_id, events)
        written = [*range(k * 1000, k * 1000 + 50), *range((k + 4) * 1000, (k + 4) * 1000 + 50)]
        assert sorted(steps_of(events)) == written


def test_events_still_arrive_after_the_listen_connections_are_killed(cluster: Cluster) -> None:
    listening = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%%'"
    warm = cluster.new_run("warm-up")  # a replica listens once a stream needs its change feed: open one on each
    end_run(cluster.a, cluster.auth, warm)
    for base in (cluster.a, cluster.b):
        assert read_events(stream_url(base, warm), headers=cluster.auth)[-1].event == "status"
    wait_for(lambda: len(pg_rows(cluster.store_url, listening)) >= 2, 20, "both replicas to LISTEN")
    killed = pg_rows(cluster.store_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND query ILIKE 'LISTEN%%'")
    assert len(killed) >= 2 and all(row[0] for row in killed)
    run_id = cluster.new_run("after-listen-killed")
    follower = Follower(stream_url(cluster.b, run_id), cluster.auth)
    follower.start()
    log_points(cluster.a, cluster.auth, run_id, range(30))
    end_run(cluster.a, cluster.auth, run_id)
    events = follower.result(timeout=30)
    assert sorted(steps_of(events)) == list(range(30))
    # The wake-up comes back by itself: each replica listens again.
    wait_for(lambda: len(pg_rows(cluster.store_url, listening)) >= 2, 30, "the replicas to LISTEN again")


def test_each_replica_names_its_backends_and_the_same_last_change(cluster: Cluster) -> None:
    answers = [httpx.get(f"{base}/health", timeout=30).json() for base in (cluster.a, cluster.b)]
    for body in answers:
        assert body["store"]["healthy"] and body["store"]["details"]["backend"] == "postgresql"
        assert body["artifacts"]["details"] == {"backend": "s3"}  # tokens required: no location shown
        assert "location" not in body["store"]["details"] and "data_dir" not in body["store"]["details"]
    assert answers[0]["store"]["details"]["last_change"] == answers[1]["store"]["details"]["last_change"]
