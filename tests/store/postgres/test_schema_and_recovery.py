"""Replicas starting at once on a new database; a newer schema refused; lost connections replaced; a database
that cannot be reached is a 503, not a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from runyard.errors import SchemaTooNewError, StoreUnavailableError
from runyard.store.artifacts import LocalArtifacts
from runyard.store.postgres.schema import SCHEMA_VERSION, TABLES
from runyard.store.postgres.store import PostgresStore
from tests.store.helpers import cols


def test_stores_opening_a_new_database_at_once_migrate_it_once(
        fresh_url: str, open_pg: Callable[..., PostgresStore]) -> None:
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def start() -> None:
        gate.wait()
        try:
            opened.append(open_pg(fresh_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        present = {row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    assert set(TABLES) | {"change_counter", "schema_version"} <= present
    for k, store in enumerate(opened):
        store.create_project(f"p{k}")
    assert sorted(p.name for p in opened[0].list_projects()) == ["p0", "p1", "p2", "p3"]
    assert opened[0].describe().backend == "postgresql"


def test_a_database_of_a_newer_schema_is_refused(fresh_url: str, open_pg: Callable[..., PostgresStore]) -> None:
    open_pg(fresh_url).close()
    with psycopg.connect(fresh_url) as conn:
        conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(SchemaTooNewError, match="newer runyard"):
        open_pg(fresh_url)


def test_an_unreachable_database_is_unavailable_not_an_internal_error(tmp_path: Path, pg_url: str) -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        PostgresStore("postgresql://postgres:s3cret@127.0.0.1:1/nowhere", artifacts=LocalArtifacts(tmp_path))
    assert caught.value.status == 503
    assert "postgresql://postgres@127.0.0.1:1/nowhere" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_every_connection_killed_the_store_reconnects_and_loses_nothing(
        fresh_url: str, open_pg: Callable[..., PostgresStore]) -> None:
    store = open_pg(fresh_url)
    run = store.create_run(store.create_project("p").id)
    store.append_metrics(run.id, {"m": cols([0], [0.0])})
    assert store.get_run(run.id).name == run.name  # a reader connection is pooled now
    with psycopg.connect(fresh_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()").fetchall()
    assert len(killed) >= 2  # at least the writer and a reader
    store.append_metrics(run.id, {"m": cols([1], [1.0])})  # the writer's group runs again on a new connection
    assert store.read_metric(run.id, "m").values.tolist() == [0.0, 1.0]  # a dead pooled reader is replaced
    assert [c.kind for c in store.changes_since(0, run_id=run.id)].count("metrics") == 2


def test_a_write_whose_connection_dies_before_commit_is_run_again_once(
        fresh_url: str, open_pg: Callable[..., PostgresStore]) -> None:
    store = open_pg(fresh_url)
    run = store.create_run(store.create_project("p").id)
    done: list[BaseException | None] = []
    with psycopg.connect(fresh_url, autocommit=True) as admin, psycopg.connect(fresh_url) as other:
        other.execute("SELECT seq FROM change_counter WHERE id = 1 FOR UPDATE")  # another replica's open write

        def write() -> None:
            try:
                store.append_metrics(run.id, {"m": cols([0, 1], [0.0, 1.0])}, batch_id="b1")
                done.append(None)
            except BaseException as exc:
                done.append(exc)

        writer = threading.Thread(target=write)
        writer.start()
        deadline = time.monotonic() + 15
        while not (waiting := admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query LIKE '%change_counter%'").fetchall()):
            assert time.monotonic() < deadline, "the store's write never waited for the counter"
            time.sleep(0.01)
        admin.execute("SELECT pg_terminate_backend(%s)", (waiting[0][0],))
        other.rollback()
    writer.join(30)
    assert done == [None]  # the group ran again on a new connection
    assert store.read_metric(run.id, "m").values.tolist() == [0.0, 1.0]
    assert [c.kind for c in store.changes_since(0, run_id=run.id)].count("metrics") == 1
