"""SQLite connections are owned and closed: threads that come and go leave no descriptors behind."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import anyio
import httpx
import pytest

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import RunQuery, Store, open_store
from runyard.store.sqlite.pool import MAX_READERS, ReaderPool

BURSTS = 6
THREADS = 40
# SQLite keeps a closed connection's descriptor while another connection of the process holds a
# lock on the file, and reuses it for the next open: descriptors track the most connections ever
# open at once (the pool's bound), not how many threads came and went (40 more per burst before).
SLACK = MAX_READERS + 4
pytestmark = pytest.mark.sqlite_only(reason="SQLite's reader pool and file descriptors (PostgreSQL: psycopg_pool)")


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")


def _thread_burst(store: Store, run_id: int) -> None:
    start = threading.Barrier(THREADS)

    def reader() -> None:
        start.wait()  # all alive at once: each needs a connection of its own
        for _ in range(5):
            store.get_run(run_id)
            store.search_runs(RunQuery())

    threads = [threading.Thread(target=reader) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_short_lived_threads_leave_no_connections(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:
        run_id = store.create_run(store.create_project("p").id).id
        _thread_burst(store, run_id)
        after_first = _fds()
        counts = []
        for _ in range(BURSTS):
            _thread_burst(store, run_id)
            counts.append(_fds())
        assert max(counts) - after_first <= SLACK, counts
    # Closing the store closes every connection it opened.
    assert _fds() < after_first


def test_asgi_worker_threads_leave_no_connections(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:
        project = store.create_project("p")
        store.create_run(project.id, name="r")
        app = create_app(Settings(data_dir=tmp_path / "data"), store=store)

        async def burst() -> None:
            # Each event loop has its own worker threads; they end with it, as idle ones do in a server.
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                limiter = anyio.to_thread.current_default_thread_limiter()
                limiter.total_tokens = THREADS

                async def one() -> None:
                    response = await client.get("/api/experiments/p/runs/r")
                    assert response.status_code == 200, response.text

                async with anyio.create_task_group() as group:
                    for _ in range(THREADS * 2):
                        group.start_soon(one)

        anyio.run(burst)
        after_first = _fds()
        counts = []
        for _ in range(BURSTS):
            anyio.run(burst)
            counts.append(_fds())
        assert max(counts) - after_first <= SLACK, counts


def test_pool_bounds_concurrent_connections_and_closes_all() -> None:
    opened: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        opened.append(conn)
        return conn

    pool = ReaderPool(connect, size=4, keep=2)
    busy = [0, 0]  # now, most
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            conn = pool.acquire()
            with lock:
                busy[0] += 1
                busy[1] = max(busy)
            conn.execute("SELECT 1")
            with lock:
                busy[0] -= 1
            pool.release(conn)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert busy[1] <= 4 and pool.idle_count() <= 2
    pool.close()
    for conn in opened:
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")  # closed
