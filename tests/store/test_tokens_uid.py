from __future__ import annotations

import io

import pytest

from runyard.errors import ConflictError, InvalidInputError, NotFoundError, PayloadTooLargeError
from runyard.store import Store


def test_tokens(store: Store) -> None:
    token, secret = store.create_token("acme", name="ci")
    assert secret.startswith("ry_") and len(secret) > 40 and token.prefix == secret[:10]
    _other, other_secret = store.create_token("globex")
    assert store.tenant_for_token(secret) == "acme"
    assert store.tenant_for_token(other_secret) == "globex"
    assert store.tenant_for_token("ry_wrong") is None
    assert [t.tenant for t in store.list_tokens()] == ["acme", "globex"]
    assert [t.id for t in store.list_tokens(tenant="acme")] == [token.id]
    revoked = store.revoke_token(token.id)
    assert revoked.revoked_at is not None
    assert store.tenant_for_token(secret) is None
    with pytest.raises(NotFoundError):
        store.revoke_token(999)
    with pytest.raises(InvalidInputError):
        store.create_token("")


def test_client_chosen_uid(store: Store) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, uid="run-20250101_000000-abcdef12")
    assert store.get_run_by_uid("run-20250101_000000-abcdef12").id == run.id
    with pytest.raises(ConflictError):
        store.create_run(project.id, uid="run-20250101_000000-abcdef12")
    with pytest.raises(InvalidInputError):
        store.create_run(project.id, uid="../../etc")


def test_artifact_stream_limit(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    art = store.add_artifact_stream(run.id, "a/b.bin", io.BytesIO(b"x" * 100), max_bytes=100)
    assert art.size == 100
    with pytest.raises(PayloadTooLargeError):
        store.add_artifact_stream(run.id, "big.bin", io.BytesIO(b"x" * 101), max_bytes=100)
    assert [a.path for a in store.list_artifacts(run.id)] == ["a/b.bin"]
    run_dir = store.open_artifact(run.id, "a/b.bin").local_path.parent.parent
    assert sorted(p.name for p in run_dir.rglob("*")) == ["a", "b.bin"]  # no temp file left


def test_start_time_settable(store: Store) -> None:
    project = store.create_project("p")
    run = store.create_run(project.id, start_time=1_600_000_000.0, status="finished")
    assert run.start_time == 1_600_000_000.0 and run.end_time is not None and run.end_time > run.start_time


def test_batch_ids_are_per_run(store: Store) -> None:
    import numpy as np

    from runyard.store import MetricColumns

    project = store.create_project("p")
    first, second = store.create_run(project.id), store.create_run(project.id)
    batch = {"m": MetricColumns(np.array([0]), np.array([1.0]), np.array([0.0]))}
    assert store.append_metrics(first.id, batch, batch_id="same") > 0
    assert store.append_metrics(second.id, batch, batch_id="same") > 0  # another run: applied
    assert store.append_metrics(second.id, batch, batch_id="same") == 0


def test_unstorable_params_refused(store: Store) -> None:
    run = store.create_run(store.create_project("p").id)
    with pytest.raises(InvalidInputError):
        store.log_params(run.id, {"huge": 2**70})
    assert store.get_run(run.id).params == {}
