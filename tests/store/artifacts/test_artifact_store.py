"""The ArtifactStore contract on both backends: round trips, hashes, limits, misses, deletes, shapes."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from runyard.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    ServiceUnavailableError,
)
from runyard.store.artifacts import ArtifactStore, Folder
from runyard.store.artifacts.objects import PART

RUN = Folder.run("r1")


def _put(artifacts: ArtifactStore, name: str, data: bytes, folder: Folder = RUN, **kw: int) -> None:
    stored = artifacts.put(folder, name, io.BytesIO(data), **kw)
    assert (stored.name, stored.size, stored.sha256) == (name, len(data), hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("size", [0, 5, PART, 2 * PART + 12345])
def test_round_trip_with_sha256(artifacts: ArtifactStore, size: int) -> None:
    data = os.urandom(size)
    _put(artifacts, "plots/a.bin", data)
    opened = artifacts.open(RUN, "plots/./a.bin")
    assert (opened.name, opened.filename, opened.size) == ("plots/a.bin", "a.bin", size)
    chunks = list(opened.chunks())
    assert b"".join(chunks) == data
    assert all(len(chunk) <= PART for chunk in chunks)
    assert (opened.local_path is not None) == (artifacts.backend == "local")
    assert artifacts.files(RUN) == [("plots/a.bin", size)]


def test_replacing_a_file_and_folders_apart(artifacts: ArtifactStore) -> None:
    _put(artifacts, "a.txt", b"first")
    _put(artifacts, "a.txt", b"second!")
    _put(artifacts, "a.txt", b"model file", Folder.model("m-0123456789abcdef0123456789abcdef"))
    _put(artifacts, "c.txt", b"other run", Folder.run("r1x"))
    assert artifacts.open(RUN, "a.txt").read_bytes() == b"second!"
    assert artifacts.files(RUN) == [("a.txt", 7)]
    assert artifacts.files(Folder.model("m-0123456789abcdef0123456789abcdef")) == [("a.txt", 10)]
    assert artifacts.files(Folder.run("nothing-here")) == []


@pytest.mark.parametrize("size", [100, PART + 100])
def test_max_bytes_refused_and_nothing_left(artifacts: ArtifactStore, size: int, request: pytest.FixtureRequest) -> None:
    _put(artifacts, "kept.txt", b"kept")
    with pytest.raises(PayloadTooLargeError) as refused:
        artifacts.put(RUN, "big.bin", io.BytesIO(os.urandom(size)), max_bytes=size - 1)
    assert refused.value.status == 413
    assert artifacts.files(RUN) == [("kept.txt", 4)]
    with pytest.raises(NotFoundError):
        artifacts.open(RUN, "big.bin")
    if artifacts.backend == "s3":  # no object and no multipart upload left open in the bucket
        server = request.getfixturevalue("s3_server")
        assert server.keys(artifacts.location.removeprefix("s3://").split("/")[0]) == ["runyard/r1/kept.txt"]
    else:
        assert sorted(p.name for p in Path(artifacts.location, "r1").iterdir()) == ["kept.txt"]
    _put(artifacts, "big.bin", b"x" * size, max_bytes=size)  # exactly the limit is accepted


def test_missing_files_are_not_found(artifacts: ArtifactStore) -> None:
    _put(artifacts, "plots/a.txt", b"a")
    for name in ("nope.txt", "plots", "plots/a.txt/b"):
        with pytest.raises(NotFoundError):
            artifacts.open(RUN, name)
    with pytest.raises(NotFoundError):
        artifacts.open(Folder.run("other"), "plots/a.txt")
    for name in ("../r1x/c.txt", "/etc/passwd", "a\\b", ".upload-x"):
        with pytest.raises(InvalidInputError):
            artifacts.open(RUN, name)
    with pytest.raises(InvalidInputError):
        artifacts.open(Folder.run(".."), "a.txt")


def test_delete_files_and_whole_folders(artifacts: ArtifactStore) -> None:
    for name in ("a.txt", "d/b.txt", "d/e/c.txt", "keep/x.txt"):
        _put(artifacts, name, name.encode())
    _put(artifacts, "c.txt", b"other run", Folder.run("r1x"))
    artifacts.delete(RUN, ["d/b.txt", "d/e/c.txt", "never-there.txt"])
    assert artifacts.files(RUN) == [("a.txt", 5), ("keep/x.txt", 10)]
    if artifacts.backend == "local":  # folders left empty go too
        assert not Path(artifacts.location, "r1", "d").exists()
    _put(artifacts, "d", b"a file where a folder was")
    artifacts.remove_folder(RUN)
    assert artifacts.files(RUN) == []
    assert artifacts.files(Folder.run("r1x")) == [("c.txt", 9)]  # a folder with the same start is untouched
    artifacts.remove_folder(Folder.run("never-made"))


def test_a_file_and_a_folder_cannot_share_a_name(artifacts: ArtifactStore) -> None:
    _put(artifacts, "a/b.txt", b"b")
    with pytest.raises(ConflictError, match="is a folder"):
        artifacts.put(RUN, "a", io.BytesIO(b"x"))
    with pytest.raises(ConflictError, match=r"needs a folder 'a/b\.txt'"):
        artifacts.put(RUN, "a/b.txt/c", io.BytesIO(b"x"))
    assert artifacts.files(RUN) == [("a/b.txt", 1)]


def test_a_file_replaced_while_read_fails_the_read_instead_of_mixing(artifacts: ArtifactStore) -> None:
    first, second = b"1" * (PART + 10), b"2" * (PART + 10)
    _put(artifacts, "m.bin", first)
    opened = artifacts.open(RUN, "m.bin")
    chunks = opened.chunks()
    head = next(chunks)
    _put(artifacts, "m.bin", second)
    if artifacts.backend == "s3":  # ranges are pinned to the ETag seen when opened
        with pytest.raises(ServiceUnavailableError, match=r"cannot read 'm\.bin'"):
            b"".join(chunks)
    else:  # the open file handle keeps the first file (replaced by rename)
        assert head + b"".join(chunks) == first


def test_an_opened_file_reads_as_a_stream_copies_and_hashes(artifacts: ArtifactStore, tmp_path: Path) -> None:
    data = os.urandom(PART + 4321)  # two chunks from object storage, several from disk
    _put(artifacts, "w.bin", data)
    reader = artifacts.open(RUN, "w.bin").reader()
    pieces = []
    while piece := reader.read(777_777):
        assert len(piece) <= 777_777
        pieces.append(piece)
    assert b"".join(pieces) == data and reader.read(10) == b""
    assert artifacts.open(RUN, "w.bin").reader().read() == data
    digest = hashlib.sha256(data).hexdigest()
    assert artifacts.open(RUN, "w.bin").sha256() == digest
    assert artifacts.open(RUN, "w.bin").save_as(tmp_path / "copy.bin") == digest
    assert (tmp_path / "copy.bin").read_bytes() == data
    # Another store's put reads straight from it: what `runyard migrate` does.
    copied = artifacts.put(Folder.run("r2"), "w.bin", artifacts.open(RUN, "w.bin").reader())
    assert (copied.size, copied.sha256) == (len(data), digest)
