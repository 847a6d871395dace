"""Where artifact bytes live, apart from the metadata store: the `ArtifactStore` interface.

The metadata store keeps the rows (path, size, sha256); an `ArtifactStore` keeps the bytes,
in a local folder or in object storage. Files belong to a `Folder`: a run's (by uid) or a
logged model's (by model id). Writes stream with bounded memory and hash while streaming;
reads hand out chunks, plus the local path when the bytes are on this machine's disk so a
route can still send the file with `sendfile`.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.store.logged_models import check_model_id
from runyard.store.run_data import ByteStream
from runyard.store.validate_paths import MODELS_FOLDER, plain_component

READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Folder:
    """The files of one run (`kind="run"`, by uid) or one logged model (`kind="model"`, by model id)."""

    kind: Literal["run", "model"]
    id: str

    @classmethod
    def run(cls, uid: str) -> Folder:
        return cls("run", uid)

    @classmethod
    def model(cls, model_id: str) -> Folder:
        return cls("model", check_model_id(model_id))

    @property
    def key(self) -> str:
        """The folder's path under the artifact root: `<uid>` or `.logged-models/<model id>`."""
        if not plain_component(self.id):
            raise InvalidInputError(f"{self.kind} id {self.id!r:.80} cannot name an artifact folder")
        return self.id if self.kind == "run" else f"{MODELS_FOLDER}/{self.id}"


@dataclass(frozen=True, slots=True)
class Stored:
    """What a write stored: the clean name, its size and the sha256 of its bytes."""

    name: str
    size: int
    sha256: str


class ArtifactFile(abc.ABC):
    """An opened artifact: its size, its bytes as chunks, and its local path when it has one."""

    def __init__(self, name: str, size: int, local_path: Path | None = None) -> None:
        self.name = name  # the clean path inside its folder
        self.size = size
        self.local_path = local_path

    @property
    def filename(self) -> str:
        """The last part of the name, what a download is saved as."""
        return self.name.rsplit("/", 1)[-1]

    @abc.abstractmethod
    def chunks(self) -> Iterator[bytes]:
        """The bytes, in order, in pieces of bounded size (blocking: iterate off the event loop)."""

    def read_bytes(self) -> bytes:
        """All the bytes at once: for small files only (manifests, plot specs)."""
        return b"".join(self.chunks())

    def save_as(self, target: Path) -> str:
        """Copy the bytes into the local file `target` (replaced); returns their sha256, hashed on the way."""
        digest = hashlib.sha256()
        try:
            with target.open("wb") as out:
                for chunk in self.chunks():
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            target.unlink(missing_ok=True)  # never a partial copy that looks whole
            raise
        return digest.hexdigest()

    def sha256(self) -> str:
        """The sha256 of the bytes as they are now, read through once."""
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def reader(self) -> ChunkReader:
        """The bytes as a file-like `read(size)`: what another store's `put` (or a copy) reads from."""
        return ChunkReader(self.chunks())


class ChunkReader:
    """`read(size)` over an iterator of chunks, holding at most one chunk."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._held = memoryview(b"")

    def read(self, size: int = -1, /) -> bytes:
        if not self._held:
            self._held = memoryview(next(self._chunks, b""))
        if size < 0:
            out = bytes(self._held) + b"".join(self._chunks)
            self._held = memoryview(b"")
            return out
        out, self._held = bytes(self._held[:size]), self._held[size:]
        return out


class ArtifactStore(abc.ABC):
    """The bytes of artifacts and logged-model files, by folder and clean relative name."""

    backend: str  # "local" or "s3": what /health names
    location: str  # the folder or the s3:// URL, never a credential

    @abc.abstractmethod
    def put(self, folder: Folder, name: str, stream: ByteStream, *, max_bytes: int | None = None) -> Stored:
        """Store a stream as `name` (replacing one of that name), hashing it on the way.

        `PayloadTooLargeError` past `max_bytes`, `ConflictError` when `name` is a folder of other
        files or lies under a file; nothing of a refused write is left behind.
        """

    @abc.abstractmethod
    def open(self, folder: Folder, name: str) -> ArtifactFile:
        """The file `name` for reading; `NotFoundError` when there is none."""

    @abc.abstractmethod
    def files(self, folder: Folder) -> list[tuple[str, int]]:
        """(name, size) of every file of the folder, by name."""

    @abc.abstractmethod
    def delete(self, folder: Folder, names: Sequence[str]) -> None:
        """Delete those files (missing ones are ignored), and any folder they leave empty."""

    @abc.abstractmethod
    def remove_folder(self, folder: Folder) -> None:
        """Delete every file of the folder (its run or model is being deleted)."""


class Hash(Protocol):
    """What `hashlib.sha256()` gives: fed block by block."""

    def update(self, data: bytes, /) -> None: ...


def hashed_blocks(stream: ByteStream, name: str, max_bytes: int | None, digest: Hash,
                  block: int = READ_BLOCK) -> Iterator[bytes]:
    """The stream's blocks, each added to `digest`; `PayloadTooLargeError` once past `max_bytes`."""
    size = 0
    while data := stream.read(block):
        size += len(data)
        if max_bytes is not None and size > max_bytes:
            raise PayloadTooLargeError(f"artifact {name!r} is larger than {max_bytes} bytes")
        digest.update(data)
        yield data
