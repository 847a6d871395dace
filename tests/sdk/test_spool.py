"""Spool files, drains, and the remote sink's reactions to outages and refusals (no real server)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import ormsgpack
import pytest

import runyard
from runyard.errors import AuthError, InvalidInputError
from runyard.sdk import remote_sink
from runyard.sdk.drain import drain, drain_held
from runyard.sdk.http_client import IngestClient, Unavailable
from runyard.sdk.remote_sink import split_batch, split_lines
from runyard.sdk.spool import Spool, find_spools, owner_alive
from runyard.sdk.wire import PREFIX, Request, decode_batch, json_request, metrics_request
from runyard.store import MetricColumns

Outcome = Callable[[Request], Exception | None]


class FakeClient(IngestClient):
    """Answers like a server would, or fails as told; records what was accepted."""

    outcome: Outcome = staticmethod(lambda request: None)  # type: ignore[assignment]
    accepted: list[Request] = []  # noqa: RUF012 - reset by the fixture

    made: list[tuple[str, str | None]] = []  # noqa: RUF012 - (server, token) of each client

    def __init__(self, server: str = "http://fake", token: str | None = None, **_: Any) -> None:
        self.server = server
        type(self).made.append((server, token))

    def send(self, request: Request, deadline: float | None = None) -> dict[str, Any]:
        failure = type(self).outcome(request)
        if failure is not None:
            raise failure
        type(self).accepted.append(request)
        if request.kind == "create":
            body = orjson.loads(request.body)
            return {"run": {"id": 7, "uid": body["uid"], "name": body.get("name") or "fake",
                            "project": body["project"], "project_id": 1}, "next_step": 0, "resumed": False}
        if request.kind == "artifact":
            return {"path": "a", "size": 1, "sha256": "0" * 64}
        return {}

    def close(self) -> None:
        pass


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeClient]]:
    monkeypatch.setattr(remote_sink, "IngestClient", FakeClient)
    FakeClient.accepted = []
    FakeClient.made = []
    FakeClient.outcome = staticmethod(lambda request: None)  # type: ignore[assignment]
    yield FakeClient


def cols(n: int, start: int = 0) -> MetricColumns:
    steps = np.arange(start, start + n, dtype=np.int64)
    return MetricColumns(steps, steps * 1.5, steps + 1e9)


def points_of(requests: list[Request], key: str) -> list[float]:
    values: list[float] = []
    for request in requests:
        if request.kind == "metrics":
            batch = decode_batch(ormsgpack.unpackb(request.body), 10**9)
            if key in batch.metrics:
                values += batch.metrics[key].values.tolist()
    return values


def test_spool_is_ordered_durable_and_atomic(tmp_path: Path) -> None:
    spool = Spool.of_run(tmp_path, "run-a")
    source = tmp_path / "model.bin"
    source.write_bytes(b"v1")
    first = spool.append(json_request("create", f"{PREFIX}/runs", {"project": "p"}))
    second = spool.append(metrics_request("run-a", "b1", {"x": cols(3)}))
    third = spool.append(Request("artifact", "/x?name=m", file=source))
    source.write_bytes(b"v2 changed later")
    assert (first, second, third) == (1, 2, 3)
    reopened = Spool.of_run(tmp_path, "run-a")
    assert reopened.seqs() == [1, 2, 3]
    assert reopened.read(2).points == 3 and reopened.read(2).kind == "metrics"
    blob = reopened.read(3).file
    assert blob is not None and blob.read_bytes() == b"v1"  # copied at append time
    assert not [p for p in spool.root.iterdir() if p.name.startswith(".tmp")]
    reopened.remove(1)
    assert Spool.of_run(tmp_path, "run-a").seqs() == [2, 3]
    assert reopened.append(json_request("status", "/s", {})) == 4  # numbers never go back
    assert [s.uid for s in find_spools(tmp_path)] == ["run-a"]
    for seq in reopened.seqs():
        reopened.remove(seq)
    assert reopened.discard_if_empty() and find_spools(tmp_path) == []


def test_spool_lock_is_exclusive(tmp_path: Path) -> None:
    spool = Spool.of_run(tmp_path, "run-l")
    other = Spool.of_run(tmp_path, "run-l")  # flock: a second open file counts as another holder
    assert spool.lock() and spool.lock()
    assert not other.lock()
    spool.unlock()
    assert other.lock()
    other.unlock()


def test_owner_alive() -> None:
    import os
    import socket

    me = {"host": socket.gethostname(), "pid": os.getpid(), "pid_started_at": 0.0}
    assert owner_alive(me)
    assert not owner_alive({**me, "released_at": 1.0})
    assert not owner_alive({**me, "pid": 2**22 + 12345})
    assert not owner_alive({})


def test_split_batch_keeps_every_point() -> None:
    batch = {"a": cols(25), "b": cols(3), "c": cols(10)}
    parts = list(split_batch(batch, 10))
    assert [sum(len(c) for c in part.values()) for part in parts] == [10, 10, 10, 8]
    for key, whole in batch.items():
        joined = np.concatenate([part[key].values for part in parts if key in part])
        assert np.array_equal(joined, whole.values)
    assert list(split_batch(batch, 100)) == [batch]


def test_split_lines_by_size() -> None:
    lines = [(float(i), "stdout", "x" * 100) for i in range(10)]
    parts = list(split_lines(lines, 350))
    assert [len(part) for part in parts] == [3, 3, 3, 1]
    assert [line for part in parts for line in part] == lines
    assert list(split_lines([(0.0, "stdout", "y" * 1000)], 10)) == [[(0.0, "stdout", "y" * 1000)]]


def test_drain_drops_refused_and_stops_when_unreachable(tmp_path: Path) -> None:
    spool = Spool.of_run(tmp_path, "run-d")
    for index in range(5):
        spool.append(json_request("params", f"/p{index}", {"i": index}))
    outcomes: dict[str, Exception] = {"/p1": InvalidInputError("bad"), "/p3": Unavailable("down")}
    FakeClient.accepted = []
    FakeClient.outcome = staticmethod(lambda request: outcomes.get(request.path))  # type: ignore[assignment]
    report = drain(spool, FakeClient())
    assert [r.path for r in FakeClient.accepted] == ["/p0", "/p2"]
    assert report.sent == 2 and report.dropped == ["bad"] and report.unavailable
    assert spool.seqs() == [4, 5]  # the unsent ones stay, in order
    outcomes["/p3"] = AuthError("no")
    report = drain(spool, FakeClient())
    assert report.auth_refused and spool.seqs() == [4, 5]
    outcomes.clear()
    assert drain(spool, FakeClient()).sent == 2 and spool.seqs() == []


def test_a_request_the_server_fails_on_is_held_and_the_rest_goes_on(tmp_path: Path) -> None:
    spool = Spool.of_run(tmp_path, "run-h")
    spool.append(json_request("create", f"{PREFIX}/runs", {"project": "p", "uid": "run-h"}))
    for index in range(3):
        spool.append(json_request("params", f"/p{index}", {"i": index}))
    outcomes: dict[str, Exception] = {"/p1": Unavailable("answered 500", suspect=True)}
    FakeClient.accepted = []
    FakeClient.outcome = staticmethod(lambda request: outcomes.get(request.path))  # type: ignore[assignment]
    strikes: dict[int, int] = {}
    for _ in range(2):  # not held at once: a 500 may be a passing hiccup
        report = drain(spool, FakeClient(), strikes=strikes)
        assert report.unavailable and not report.held and spool.seqs() == [3, 4]
    report = drain(spool, FakeClient(), strikes=strikes)
    assert report.held == ["a params request (answered 500)"] and report.stopped is None
    assert [r.path for r in FakeClient.accepted] == [f"{PREFIX}/runs", "/p0", "/p2"]
    assert spool.seqs() == [] and spool.held() == [3] and not spool.empty()
    assert spool.append(json_request("params", "/p3", {})) == 4  # after the held one: blobs never collide
    assert Spool.of_run(tmp_path, "run-h").held() == [3]  # on disk, for sync
    assert drain_held(spool, FakeClient()).stopped == "answered 500" and spool.held() == [3]
    outcomes.clear()
    assert drain(spool, FakeClient()).sent == 1 and drain_held(spool, FakeClient()).sent == 1
    assert spool.empty() and spool.discard_if_empty()


def test_a_create_is_never_held(tmp_path: Path) -> None:
    spool = Spool.of_run(tmp_path, "run-c")
    spool.append(json_request("create", f"{PREFIX}/runs", {"project": "p", "uid": "run-c"}))
    spool.append(json_request("params", "/p", {}))
    FakeClient.outcome = staticmethod(  # type: ignore[assignment]
        lambda request: Unavailable("500", suspect=True) if request.kind == "create" else None)
    report = drain(spool, FakeClient(), hold_after=1)
    assert report.unavailable and spool.seqs() == [1, 2] and spool.held() == []


def test_transient_failures_are_retried_then_sent(tmp_path: Path, fake: type[FakeClient]) -> None:
    failures = {"metrics": 2}

    def flaky(request: Request) -> Exception | None:
        if failures.get(request.kind, 0) > 0:
            failures[request.kind] -= 1
            return Unavailable("503")
        return None

    fake.outcome = staticmethod(flaky)  # type: ignore[assignment]
    with runyard.init(project="p", server="http://fake", dir=tmp_path, capture_console=False,
                      system_info=False) as run:
        for i in range(100):
            run.log({"x": float(i)})
    assert points_of(fake.accepted, "x") == [float(i) for i in range(100)]
    assert [r.kind for r in fake.accepted][-1] == "status" and find_spools(tmp_path) == []


def test_unreachable_at_init_runs_spool_only(tmp_path: Path, fake: type[FakeClient]) -> None:
    fake.outcome = staticmethod(lambda request: Unavailable("refused"))  # type: ignore[assignment]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = runyard.init(project="p", name="offline", server="http://fake", dir=tmp_path, capture_console=False,
                           system_info=False, drain_timeout=0.2)
        assert run.id == 0 and run.uid.startswith("run-") and run.name == "offline"
        for i in range(10):
            run.log({"x": float(i)})
        run.log_params({"a": 1})
        run.finish()
    messages = [str(w.message) for w in caught]
    assert any("unreachable" in m for m in messages) and any("runyard sync" in m for m in messages)
    spool = Spool.of_run(tmp_path, run.uid)
    kinds = [spool.read(seq).kind for seq in spool.seqs()]
    assert kinds[0] == "create" and kinds[-1] == "status" and "metrics" in kinds and "params" in kinds
    assert orjson.loads(spool.read(1).body)["rename_taken"] is True
    assert spool.owner()["released_at"] > 0 and not owner_alive(spool.owner())
    fake.outcome = staticmethod(lambda request: None)  # type: ignore[assignment]
    assert drain(spool, FakeClient()).sent == len(kinds)
    assert points_of(fake.accepted, "x") == [float(i) for i in range(10)]


def test_resume_needs_the_server(tmp_path: Path, fake: type[FakeClient]) -> None:
    fake.outcome = staticmethod(lambda request: Unavailable("refused"))  # type: ignore[assignment]
    with pytest.raises(ConnectionError, match="cannot resume"):
        runyard.init(project="p", name="x", resume=True, server="http://fake", dir=tmp_path, capture_console=False)


def test_bad_data_is_dropped_with_one_warning(tmp_path: Path, fake: type[FakeClient]) -> None:
    def refuse_bad_key(request: Request) -> Exception | None:
        # Decoded, not a byte search: a random hex batch id can contain "bad".
        if request.kind == "metrics" and "bad" in ormsgpack.unpackb(request.body)["metrics"]:
            return InvalidInputError("server refused metrics (400): metric 'bad' is odd")
        return None

    fake.outcome = staticmethod(refuse_bad_key)  # type: ignore[assignment]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with runyard.init(project="p", server="http://fake", dir=tmp_path, capture_console=False,
                          system_info=False) as run:
            for i in range(50):
                run.log({"good": float(i), "bad": 1.0})
    refused = [w for w in caught if "refused" in str(w.message)]
    assert len(refused) == 1 and "'bad'" in str(refused[0].message)
    assert points_of(fake.accepted, "good") == [float(i) for i in range(50)]
    assert find_spools(tmp_path) == []


def test_refused_token_keeps_data_for_sync(tmp_path: Path, fake: type[FakeClient]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = runyard.init(project="p", server="http://fake", dir=tmp_path, capture_console=False,
                           system_info=False, drain_timeout=5.0)
        fake.outcome = staticmethod(lambda request: AuthError("server refused metrics (401): revoked"))  # type: ignore[assignment]
        for i in range(20):
            run.log({"x": float(i)})
        run.log_params({"k": 1})
        run.finish()
    auth = [w for w in caught if "refused this token" in str(w.message)]
    assert len(auth) == 1 and "runyard sync" in str(auth[0].message)
    spool = Spool.of_run(tmp_path, run.uid)
    kinds = [spool.read(seq).kind for seq in spool.seqs()]
    assert "metrics" in kinds and "params" in kinds and kinds[-1] == "status"


def test_server_and_token_from_the_environment_at_init(tmp_path: Path, fake: type[FakeClient],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNYARD_SERVER", " http://from-env:8000 ")
    monkeypatch.setenv("RUNYARD_TOKEN", "secret-1")
    runyard.init(project="p", dir=tmp_path, capture_console=False, system_info=False).finish()
    assert fake.made == [("http://from-env:8000", "secret-1")]
    assert fake.accepted[0].kind == "create" and fake.accepted[-1].kind == "status"
    runyard.init(project="p", dir=tmp_path, capture_console=False, system_info=False, token="mine").finish()
    assert fake.made[-1] == ("http://from-env:8000", "mine")
    local = runyard.init(project="p", dir=tmp_path, capture_console=False, system_info=False, server="")
    local.finish()  # "" forces local mode: the run is in the data dir's store
    assert len(fake.made) == 2 and local.id > 0 and (tmp_path / "runyard.db").exists()
    with pytest.raises(ValueError, match="http"):
        runyard.init(project="p", dir=tmp_path, server="ftp://x")
