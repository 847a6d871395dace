"""Run uids have a strict shape and every run folder stays strictly inside the artifact root."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runyard.errors import InvalidInputError
from runyard.paths import ARTIFACTS_DIR_NAME, DB_FILE_NAME
from runyard.store import RunQuery, Store, open_store
from runyard.store.artifacts import Folder, LocalArtifacts

GOOD_UIDS = ["run-20250321_125806-a3b1799d", "run-client-1", "abc", "a.b_c-d", "0", "x" * 64]
BAD_UIDS = ["..", ".", "...", "a..b", "../x", "a/b", "a\\b", "-x", ".x", "_x", "", "x" * 65, "run²",
            "Run-A", "a b", "a\x00b", "\u202ea"]


@pytest.mark.parametrize("uid", GOOD_UIDS)
def test_good_uids_are_taken(store: Store, uid: str) -> None:
    run = store.create_run(store.create_project("p").id, uid=uid)
    assert store.get_run_by_uid(uid).id == run.id
    store.add_artifact_bytes(run.id, "a.txt", b"x")
    store.delete_run(run.id)


@pytest.mark.parametrize("uid", BAD_UIDS)
def test_bad_uids_are_refused(store: Store, uid: str) -> None:
    project = store.create_project("p")
    with pytest.raises(InvalidInputError):
        store.create_run(project.id, uid=uid)
    assert store.count_runs(RunQuery()) == 0


def _legacy_run(data: Path, uid: str) -> int:
    """A row written by an older runyard whose uid rule accepted dot-only uids."""
    with open_store(data) as store:
        run = store.create_run(store.create_project("p").id, uid="run-legacy")
    conn = sqlite3.connect(data / DB_FILE_NAME)
    with conn:
        conn.execute("UPDATE runs SET uid = ? WHERE id = ?", (uid, run.id))
    conn.close()
    return run.id


@pytest.mark.parametrize("uid", ["..", "."])
def test_legacy_dot_uid_never_touches_outside_its_folder(tmp_path: Path, uid: str) -> None:
    data = tmp_path / "data"
    run_id = _legacy_run(data, uid)
    with open_store(data) as store:
        other = store.create_run(store.create_project("q").id)
        store.add_artifact_bytes(other.id, "keep.txt", b"other tenant")
        assert store.get_run(run_id).uid == uid  # reading the row still works
        with pytest.raises(InvalidInputError):
            store.add_artifact_bytes(run_id, "runyard.db", b"overwritten")
        with pytest.raises(InvalidInputError):
            store.add_artifact_bytes(run_id, f"{other.uid}/keep.txt", b"overwritten")
        store.delete_run(run_id)
        assert (data / DB_FILE_NAME).is_file() and (data / ARTIFACTS_DIR_NAME).is_dir()
        assert store.read_artifact(other.id, "keep.txt") == b"other tenant"
        assert [p.name for p in store.list_projects()] == ["p", "q"]


def test_legacy_dot_uid_in_deleted_project_keeps_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_id = _legacy_run(data, "..")
    with open_store(data) as store:
        kept = store.create_run(store.create_project("q").id)
        store.add_artifact_bytes(kept.id, "keep.txt", b"x")
        store.delete_project(store.get_run(run_id).project_id)
        assert [p.name for p in store.list_projects()] == ["q"]
        assert store.read_artifact(kept.id, "keep.txt") == b"x"
    assert (data / DB_FILE_NAME).is_file() and (data / ARTIFACTS_DIR_NAME).is_dir()


def test_symlinked_run_folder_is_neither_written_nor_followed_on_delete(store: Store, tmp_path: Path) -> None:
    run = store.create_run(store.create_project("p").id)
    root = Path(store.artifacts.location)  # type: ignore[attr-defined]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    root.mkdir(parents=True, exist_ok=True)
    (root / run.uid).symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidInputError):
        store.add_artifact_bytes(run.id, "evil.txt", b"x")
    store.delete_run(run.id)
    assert (outside / "precious.txt").read_text() == "keep" and not (outside / "evil.txt").exists()


@pytest.mark.parametrize("uid", ["..", ".", "", "a/..", "../data"])
def test_remove_tree_refuses_anything_not_strictly_inside(tmp_path: Path, uid: str) -> None:
    root = tmp_path / "data" / ARTIFACTS_DIR_NAME
    (root / "run-a").mkdir(parents=True)
    (root / "run-a" / "f").write_bytes(b"x")
    LocalArtifacts(root).remove_folder(Folder.run(uid))
    assert (root / "run-a" / "f").is_file()
    LocalArtifacts(root).remove_folder(Folder.run("run-a"))
    assert not (root / "run-a").exists() and root.is_dir()
