"""Artifact writes that the file system refuses are 400/409/507, never a 500 or a jammed run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runyard.errors import ConflictError, InvalidInputError
from runyard.store import Store

# A real "file too large" (EFBIG) from the kernel: the child caps its file size and ignores SIGXFSZ.
_CHILD = textwrap.dedent("""
    import io, resource, signal, sys
    from pathlib import Path
    from runyard.errors import InsufficientStorageError
    from runyard.store import open_store
    store = open_store(sys.argv[1])
    run = store.create_run(store.create_project("p").id, uid="run-efbig")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))
    try:
        store.add_artifact_stream(run.id, "big.bin", io.BytesIO(b"x" * (3 << 20)))
    except InsufficientStorageError as exc:
        print("507", exc)
    leftovers = [p.name for p in (Path(sys.argv[1]) / "artifacts").rglob("*") if p.is_file()]
    print("files", leftovers, [a.path for a in store.list_artifacts(run.id)])
""")


def test_file_too_large_is_insufficient_storage_and_leaves_nothing(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path / "data")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("507")
    assert done.stdout.splitlines()[1] == "files [] []"


@pytest.fixture
def run_id(store: Store) -> int:
    return store.create_run(store.create_project("p").id).id


def test_component_and_total_length(store: Store, run_id: int) -> None:
    store.add_artifact_bytes(run_id, "a" * 255, b"x")
    store.add_artifact_bytes(run_id, "/".join(["b" * 200] * 5), b"x")
    for name in ("a" * 256, "d/" + "é" * 128, "/".join(["c" * 200] * 6)):
        with pytest.raises(InvalidInputError, match="long"):
            store.add_artifact_bytes(run_id, name, b"x")


def test_file_and_folder_collisions_are_conflicts(store: Store, run_id: int) -> None:
    store.add_artifact_bytes(run_id, "a", b"file")
    with pytest.raises(ConflictError, match="'a'"):
        store.add_artifact_bytes(run_id, "a/b", b"x")
    store.add_artifact_bytes(run_id, "d/x", b"x")
    with pytest.raises(ConflictError, match="'d'"):
        store.add_artifact_bytes(run_id, "d", b"x")
    assert [a.path for a in store.list_artifacts(run_id)] == ["a", "d/x"]
    folder = store.open_artifact(run_id, "a").local_path.parent
    assert sorted(p.name for p in folder.rglob("*")) == ["a", "d", "x"]


def test_upload_temp_names_are_reserved(store: Store, run_id: int) -> None:
    with pytest.raises(InvalidInputError):
        store.add_artifact_bytes(run_id, "x/.upload-abc", b"x")
