from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from runyard.errors import SchemaTooNewError, StoreError
from runyard.store import Store, open_store
from runyard.store.sqlite.schema import SCHEMA_VERSION
from tests.store.helpers import cols


@pytest.mark.sqlite_only(reason="PRAGMA user_version (PostgreSQL: tests/store/postgres/test_schema_and_recovery.py)")
def test_newer_schema_refused(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "runyard.db") as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match="newer runyard"):
        open_store(tmp_path)


@pytest.mark.sqlite_only(reason="an empty SQLite file upgraded (PostgreSQL: tests/store/postgres/test_schema_and_recovery.py)")
def test_older_schema_upgraded(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "runyard.db").close()  # an empty v0 database
    with open_store(tmp_path) as store:
        store.create_project("p")
    with sqlite3.connect(tmp_path / "runyard.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.mark.sqlite_only(reason="data dir paths and files")
def test_bad_data_dirs(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        open_store(tmp_path / "file")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "runyard.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a runyard database"):
        open_store(tmp_path / "d")
    with pytest.raises(StoreError, match="no runyard data"):
        open_store(tmp_path / "empty", create=False)


def test_data_survives_reopen(store_opener: Callable[[], Store]) -> None:
    with store_opener() as store:
        run = store.create_run(store.create_project("p").id)
        store.append_metrics(run.id, {"m": cols(range(10), np.arange(10.0))})
    with store_opener() as store:
        assert store.read_metric(run.id, "m").values.tolist() == list(np.arange(10.0))


def test_many_threads_group_commit(store_opener: Callable[[], Store]) -> None:
    with store_opener() as store:
        run = store.create_run(store.create_project("p").id)
        errors: list[BaseException] = []

        def worker(k: int) -> None:
            try:
                for i in range(20):
                    store.append_metrics(run.id, {f"k{k}": cols([i], [float(i)])}, batch_id=f"{k}-{i}")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        summaries = store.metric_summaries([run.id])[run.id]
        assert {key: s.count for key, s in summaries.items()} == {f"k{k}": 20 for k in range(8)}


_WRITER = """
import sys, numpy as np
from runyard.store import open_store, MetricColumns
store = open_store(sys.argv[1])
project = store.get_or_create_project("shared")
run = store.create_run(project.id, name=sys.argv[2])
for i in range(200):
    store.append_metrics(run.id, {"m": MetricColumns(np.array([i]), np.array([float(i)]), np.array([0.0]))})
store.set_run_status(run.id, "finished")
store.close()
"""


@pytest.mark.sqlite_only(reason="processes sharing one SQLite file (PostgreSQL: tests/store/postgres/test_change_order.py)")
def test_two_processes_one_data_dir(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), f"w{k}"], stderr=subprocess.PIPE,
                              text=True) for k in range(2)]
    outcomes = [(proc.wait(timeout=120), proc.stderr.read() if proc.stderr else "") for proc in procs]
    assert [code for code, _err in outcomes] == [0, 0], outcomes
    with open_store(tmp_path) as store:
        project = store.get_project_by_name("shared")
        for k in range(2):
            run = store.get_run_by_name(project.id, f"w{k}")
            assert run.status == "finished"
            assert store.read_metric(run.id, "m").values.tolist() == [float(i) for i in range(200)]
