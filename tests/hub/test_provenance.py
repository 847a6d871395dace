"""Model provenance: recorded by the worker, checked by the manager and again by the worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from runyard.hub import provenance
from runyard.hub.errors import UntrustedModelError
from runyard.hub.manager import HubManager
from runyard.store import Store
from tests.hub.conftest import rows

T = "default"


def _trained(manager: HubManager, name: str) -> str:
    manager.queue.publish(T, name, [rows()])
    manager.create(T, name, "toy", {"target": "y"}, ())
    active = manager.get(T, name).active
    assert active is None or active.done.wait(60)
    return str(manager.get(T, name).state["model_run"])


def test_the_worker_records_every_model_file_and_the_manifest(manager: HubManager, store: Store) -> None:
    run = store.get_run_by_uid(_trained(manager, "e"))
    record = store.hub_get_model(run.id)
    assert (record.tenant, record.experiment) == (T, "e")
    assert set(record.files) == {"hub.json", "model/state.json"}
    stored = {item.path: item.sha256 for item in store.list_artifacts(run.id)}
    assert all(stored[path] == digest for path, digest in record.files.items())
    assert provenance.check(store, run, T)["type"] == "toy"


def test_restore_refuses_a_file_changed_after_the_checks(manager: HubManager, store: Store,
                                                         tmp_path: Path) -> None:
    """The worker hashes the very copies the type loads: a file swapped after the manager's
    check (between `predict` and the worker's start) is still refused."""
    run = store.get_run_by_uid(_trained(manager, "w"))
    folder = provenance.restore(store, run, T, tmp_path / "ok")
    assert (folder / "state.json").is_file()
    store.add_artifact_bytes(run.id, "model/extra.pkl", b"never copied")
    assert not (provenance.restore(store, run, T, tmp_path / "extra") / "extra.pkl").exists()
    store.add_artifact_bytes(run.id, "model/state.json", b'{"mean": 1, "prediction": null}')
    with pytest.raises(UntrustedModelError, match=r"model/state\.json changed"):
        provenance.restore(store, run, T, tmp_path / "swapped")
    assert not (tmp_path / "swapped" / "model").exists()
    with pytest.raises(UntrustedModelError, match="not made by the hub"):
        provenance.restore(store, run, "acme", tmp_path / "other")  # another tenant's run


def test_a_worker_given_a_swapped_model_fails_the_prediction(manager: HubManager, store: Store) -> None:
    uid = _trained(manager, "p")
    run = store.get_run_by_uid(uid)
    exp = manager.get(T, "p")
    # Skip the manager's own check, as if the file had been swapped right after it.
    manager._check_trusted = lambda exp: None  # type: ignore[method-assign]
    store.add_artifact_bytes(run.id, "model/state.json", b'{"mean": 1, "prediction": null}')
    with pytest.raises(UntrustedModelError, match="changed after the hub saved it"):
        manager.predict(T, "p", None)
    assert exp.state["model_run"] == uid and exp.state["status"] == "trained"
