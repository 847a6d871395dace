"""Conformance: hub experiments, the embedded hub queue and hub model provenance, all per tenant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runyard.errors import ConflictError, NotFoundError
from runyard.store import Store, open_store
from runyard.store.sqlite.schema import MIGRATIONS


def test_hub_experiment_lifecycle(store: Store) -> None:
    made = store.hub_create_experiment("exp", tenant="default", type="toy", config={"a": 1},
                                       state={"status": "created"})
    assert (made.name, made.tenant, made.type, made.config, made.state) == (
        "exp", "default", "toy", {"a": 1}, {"status": "created"})
    with pytest.raises(ConflictError):
        store.hub_create_experiment("exp", tenant="default", type="toy", config={}, state={})
    updated = store.hub_update_experiment("exp", tenant="default", state={"status": "trained", "model_run": "r1"})
    assert updated.config == {"a": 1} and updated.state["model_run"] == "r1"
    store.hub_create_experiment("b", tenant="acme", type="toy", config={}, state={})
    assert [r.name for r in store.hub_list_experiments()] == ["exp", "b"]
    assert [r.name for r in store.hub_list_experiments(tenant="acme")] == ["b"]
    store.hub_delete_experiment("exp", tenant="default")
    with pytest.raises(NotFoundError):
        store.hub_get_experiment("exp", tenant="default")
    with pytest.raises(NotFoundError):
        store.hub_delete_experiment("exp", tenant="default")
    with pytest.raises(NotFoundError):
        store.hub_update_experiment("exp", tenant="default", config={})


def test_hub_names_are_per_tenant(store: Store) -> None:
    store.hub_create_experiment("sales", tenant="acme", type="toy", config={"who": "a"}, state={})
    store.hub_create_experiment("sales", tenant="bravo", type="toy", config={"who": "b"}, state={})
    assert store.hub_get_experiment("sales", tenant="acme").config == {"who": "a"}
    store.hub_update_experiment("sales", tenant="bravo", config={"who": "b2"})
    assert store.hub_get_experiment("sales", tenant="acme").config == {"who": "a"}
    store.hub_delete_experiment("sales", tenant="acme")
    assert store.hub_get_experiment("sales", tenant="bravo").config == {"who": "b2"}
    with pytest.raises(NotFoundError):
        store.hub_get_experiment("sales", tenant="acme")


def test_hub_queue_read_ack_purge(store: Store) -> None:
    t = "default"
    assert store.hub_queue_push("q", [b"1", b"2", b"3"], tenant=t) == 3
    store.hub_queue_push("other", [b"x"], tenant=t)
    store.hub_queue_push("q", [b"theirs"], tenant="acme")
    waiting = store.hub_queue_read("q", tenant=t)
    assert [m.payload for m in waiting] == [b"1", b"2", b"3"]
    assert [m.payload for m in store.hub_queue_read("q", tenant=t, limit=2)] == [b"1", b"2"]
    # Reading does not consume: only an ack does, up to the id read.
    assert store.hub_queue_size("q", tenant=t) == 3
    store.hub_queue_push("q", [b"4"], tenant=t)
    assert store.hub_queue_ack("q", waiting[-1].id, tenant=t) == 3
    assert [m.payload for m in store.hub_queue_read("q", tenant=t)] == [b"4"]
    assert store.hub_queue_purge("q", tenant=t) == 1
    assert store.hub_queue_size("q", tenant=t) == 0 and store.hub_queue_size("other", tenant=t) == 1
    # The other tenant's queue of the same name was never touched, not even by the ack.
    assert [m.payload for m in store.hub_queue_read("q", tenant="acme")] == [b"theirs"]


def test_hub_model_records(store: Store) -> None:
    run = store.create_run(store.get_or_create_project("p").id)
    with pytest.raises(NotFoundError):
        store.hub_get_model(run.id)
    made = store.hub_record_model(run.id, tenant="default", experiment="p", files={"model/m.joblib": "ab" * 32})
    assert store.hub_get_model(run.id) == made
    assert (made.run_id, made.tenant, made.experiment, made.files) == (run.id, "default", "p",
                                                                       {"model/m.joblib": "ab" * 32})


@pytest.mark.sqlite_only(reason="a migration of SQLite schema v3 (PostgreSQL starts at the current schema)")
def test_v3_hub_rows_are_kept_under_their_tenant(tmp_path: Path) -> None:
    """A database of the global-name schema: experiments keep their tenant, queued rows go with
    the experiment of their name, and rows of a name nobody owned stay with the default tenant."""
    path = tmp_path / "data"
    path.mkdir()
    with sqlite3.connect(path / "runyard.db") as conn:
        for migration in MIGRATIONS[:3]:
            conn.executescript(migration)
        conn.execute("PRAGMA user_version = 3")
        conn.execute("INSERT INTO hub_experiments VALUES ('sales', 'acme', 'toy', '{}', '{\"status\": \"trained\"}',"
                     " 1, 1)")
        conn.execute("INSERT INTO hub_queue (queue, payload, created_at) VALUES ('sales', x'31', 1)")
        conn.execute("INSERT INTO hub_queue (queue, payload, created_at) VALUES ('orphan', x'32', 1)")
    with open_store(path) as store:
        record = store.hub_get_experiment("sales", tenant="acme")
        assert record.state == {"status": "trained"}
        assert [m.payload for m in store.hub_queue_read("sales", tenant="acme")] == [b"1"]
        assert store.hub_queue_size("sales", tenant="default") == 0
        assert [m.payload for m in store.hub_queue_read("orphan", tenant="default")] == [b"2"]
        store.hub_create_experiment("sales", tenant="bravo", type="toy", config={}, state={})
