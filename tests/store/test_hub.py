"""Conformance: hub experiments and the embedded hub queue."""

from __future__ import annotations

import pytest

from runyard.errors import ConflictError, NotFoundError
from runyard.store import Store


def test_hub_experiment_lifecycle(store: Store) -> None:
    made = store.hub_create_experiment("exp", tenant="default", type="toy", config={"a": 1},
                                       state={"status": "created"})
    assert (made.name, made.tenant, made.type, made.config, made.state) == (
        "exp", "default", "toy", {"a": 1}, {"status": "created"})
    with pytest.raises(ConflictError):
        store.hub_create_experiment("exp", tenant="other", type="toy", config={}, state={})
    updated = store.hub_update_experiment("exp", state={"status": "trained", "model_run": "r1"})
    assert updated.config == {"a": 1} and updated.state["model_run"] == "r1"
    store.hub_create_experiment("b", tenant="acme", type="toy", config={}, state={})
    assert [r.name for r in store.hub_list_experiments()] == ["exp", "b"]
    assert [r.name for r in store.hub_list_experiments(tenant="acme")] == ["b"]
    store.hub_delete_experiment("exp")
    with pytest.raises(NotFoundError):
        store.hub_get_experiment("exp")
    with pytest.raises(NotFoundError):
        store.hub_delete_experiment("exp")
    with pytest.raises(NotFoundError):
        store.hub_update_experiment("exp", config={})


def test_hub_queue_read_ack_purge(store: Store) -> None:
    assert store.hub_queue_push("q", [b"1", b"2", b"3"]) == 3
    store.hub_queue_push("other", [b"x"])
    waiting = store.hub_queue_read("q")
    assert [m.payload for m in waiting] == [b"1", b"2", b"3"]
    assert [m.payload for m in store.hub_queue_read("q", limit=2)] == [b"1", b"2"]
    # Reading does not consume: only an ack does, up to the id read.
    assert store.hub_queue_size("q") == 3
    store.hub_queue_push("q", [b"4"])
    assert store.hub_queue_ack("q", waiting[-1].id) == 3
    assert [m.payload for m in store.hub_queue_read("q")] == [b"4"]
    assert store.hub_queue_purge("q") == 1
    assert store.hub_queue_size("q") == 0 and store.hub_queue_size("other") == 1
