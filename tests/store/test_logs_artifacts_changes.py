from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import Store
from tests.store.helpers import cols


@pytest.fixture
def run_id(store: Store) -> int:
    return store.create_run(store.create_project("p").id).id


def test_logs(store: Store, run_id: int) -> None:
    lines = [(float(i), "stdout" if i % 2 else "stderr", f"line {i}") for i in range(10)]
    store.append_logs(run_id, lines[:5], batch_id="l1")
    store.append_logs(run_id, lines[:5], batch_id="l1")  # retried: applied once
    store.append_logs(run_id, lines[5:])
    got = store.read_logs(run_id)
    assert [line.line for line in got] == [f"line {i}" for i in range(10)]
    assert [line.stream for line in got][:2] == ["stderr", "stdout"]
    assert [line.line for line in store.read_logs(run_id, tail=3)] == ["line 7", "line 8", "line 9"]
    after = store.read_logs(run_id, after_id=got[4].id, limit=2)
    assert [line.line for line in after] == ["line 5", "line 6"]
    with pytest.raises(InvalidInputError):
        store.append_logs(run_id, [(0.0, "stdmiddle", "x")])
    with pytest.raises(NotFoundError):
        store.read_logs(12345)


def test_artifacts(store: Store, run_id: int, tmp_path: Path) -> None:
    source = tmp_path / "weights.bin"
    payload = os.urandom(3 << 20)
    source.write_bytes(payload)
    art = store.add_artifact(run_id, source)
    assert (art.path, art.size, art.sha256) == ("weights.bin", len(payload), hashlib.sha256(payload).hexdigest())
    store.add_artifact_bytes(run_id, "plots/a.json", b"{}")
    store.add_artifact_bytes(run_id, "./plots/a.json", b"[1]")  # same name: replaced
    listed = store.list_artifacts(run_id)
    assert [a.path for a in listed] == ["plots/a.json", "weights.bin"]
    assert store.read_artifact(run_id, "plots/a.json") == b"[1]"
    with pytest.raises(NotFoundError):
        store.open_artifact(run_id, "nope.txt")
    with pytest.raises(NotFoundError):
        store.add_artifact(run_id, tmp_path / "missing")


def test_artifact_bytes_sum_the_projects_runs(store: Store, run_id: int) -> None:
    project_id = store.get_run(run_id).project_id
    store.add_artifact_bytes(run_id, "a.bin", b"x" * 10)
    store.add_artifact_bytes(store.create_run(project_id).id, "b.bin", b"y" * 5)
    other = store.create_run(store.create_project("q").id).id
    store.add_artifact_bytes(other, "c.bin", b"z" * 100)
    assert store.artifact_bytes([project_id]) == 15
    assert store.artifact_bytes([project_id, store.get_run(other).project_id]) == 115
    assert store.artifact_bytes([]) == 0


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/passwd", "a\\..\\b", "", "a\x00b", "./.."])
def test_artifact_names_cannot_escape(store: Store, run_id: int, name: str) -> None:
    with pytest.raises(InvalidInputError):
        store.add_artifact_bytes(run_id, name, b"x")
    with pytest.raises((InvalidInputError, NotFoundError)):
        store.open_artifact(run_id, name)


def test_artifact_symlink_escape_refused(store: Store, run_id: int, tmp_path: Path) -> None:
    store.add_artifact_bytes(run_id, "ok.txt", b"x")
    run_dir = store.open_artifact(run_id, "ok.txt").local_path.parent
    outside = tmp_path / "outside"
    outside.mkdir()
    (run_dir / "link").symlink_to(outside)
    with pytest.raises(InvalidInputError):
        store.add_artifact_bytes(run_id, "link/evil.txt", b"x")
    assert not (outside / "evil.txt").exists()


def test_change_feed_is_ordered(store: Store, run_id: int) -> None:
    start = store.last_change_seq()
    store.append_metrics(run_id, {"m": cols([0], [1.0])})
    store.append_logs(run_id, [(0.0, "stdout", "x")])
    store.set_run_status(run_id, "finished")
    changes = store.changes_since(start)
    assert [c.kind for c in changes] == ["metrics", "logs", "status"]
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
    assert changes[0].detail["keys"]["m"] == [1, 0, 0]
    assert changes[2].detail["status"] == "finished" and changes[2].run_id == run_id
    assert store.last_change_seq() == changes[-1].seq
    assert store.changes_since(changes[-1].seq) == []
