"""The one liveness rule (`runyard.store.liveness`) used by resume, crash marking and spools."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import psutil

from runyard.store import Store
from runyard.store.liveness import owner_alive, process_alive, run_is_live


def _me() -> tuple[str, int, float]:
    return socket.gethostname(), os.getpid(), psutil.Process().create_time()


def test_process_alive_names_a_process_by_pid_and_start_time() -> None:
    host, pid, started = _me()
    assert process_alive(host, pid, started) and process_alive(host, pid, started)  # second: the cached path
    assert process_alive(host, pid, 0.0)  # no start time known: the pid decides
    assert not process_alive(host, pid, started - 100)  # a recycled pid started at another time
    assert not process_alive("another-host", pid, started)
    assert not process_alive(host, 0, 0.0)


def test_a_process_seen_alive_is_dead_once_it_exits() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = psutil.Process(proc.pid).create_time()
        assert process_alive(socket.gethostname(), proc.pid, started)
    finally:
        proc.kill()
        proc.wait()
    assert not process_alive(socket.gethostname(), proc.pid, started)


def test_other_hosts_live_by_heartbeat() -> None:
    now = time.time()
    assert owner_alive("elsewhere", 5, 0.0, now - 10, stale_after_s=60)
    assert not owner_alive("elsewhere", 5, 0.0, now - 61, stale_after_s=60)
    host, pid, started = _me()
    assert owner_alive(host, pid, started, 0.0)  # this host: the process decides, not the heartbeat


def test_run_is_live_and_crash_marking_agree(store: Store) -> None:
    host, pid, started = _me()
    project = store.create_project("p")
    mine = store.create_run(project.id, host=host, pid=pid, pid_started_at=started)
    gone = store.create_run(project.id, host=host, pid=pid, pid_started_at=started - 100)
    remote = store.create_run(project.id, host="elsewhere", pid=7)
    finished = store.create_run(project.id, host=host, pid=pid, pid_started_at=started, status="finished")
    assert [run_is_live(store.get_run(r.id)) for r in (mine, gone, remote, finished)] == [True, False, True, False]
    assert store.mark_stale_runs_crashed(stale_after_s=60) == [gone.id]
    assert store.mark_stale_runs_crashed(stale_after_s=-1) == [remote.id]  # its heartbeat is now too old
