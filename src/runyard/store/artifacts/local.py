"""Artifacts in a local folder: `<root>/<run uid>/<name>` and `<root>/.logged-models/<model id>/<name>`.

The layout of every earlier runyard, so an existing data dir keeps working. Writes go to a
temporary `.upload-*` file renamed into place (a listed or served file is always whole);
every path is confined to its folder (symlinks out refused, see `validate_paths`).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from runyard.errors import (
    ConflictError,
    InsufficientStorageError,
    InvalidInputError,
    NotFoundError,
    RunyardError,
    StoreError,
)
from runyard.store.artifacts.base import (
    READ_BLOCK,
    ArtifactFile,
    ArtifactStore,
    Folder,
    Stored,
    hashed_blocks,
)
from runyard.store.run_data import ByteStream
from runyard.store.validate_paths import (
    UPLOAD_PREFIX,
    clean_name,
    confined,
    model_folder,
    run_folder,
)

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
log = logging.getLogger("runyard.store")


def _blocking_file(folder: Path, cleaned: str) -> str | None:
    """The first folder part of `cleaned` that already exists as a file, if any."""
    parts = cleaned.split("/")[:-1]
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        if (folder / prefix).exists() and not (folder / prefix).is_dir():
            return prefix
    return None


def _os_error(exc: OSError, folder: Path, cleaned: str) -> RunyardError:
    """What a file-system refusal means for the client: 409, 400 or 507 (500 only for the unexpected)."""
    if exc.errno in _FULL:
        return InsufficientStorageError(f"no room to store artifact {cleaned!r}: {exc.strerror}")
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = _blocking_file(folder, cleaned) or cleaned
        return ConflictError(f"artifact {cleaned!r} needs a folder {blocker!r}, but {blocker!r} is a file")
    if exc.errno in (errno.EISDIR, errno.ENOTEMPTY):
        return ConflictError(f"artifact {cleaned!r} is a folder of other artifacts; choose another name")
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidInputError(f"artifact name {cleaned[:60]!r}... is too long for the file system")
    return StoreError(f"cannot write artifact {cleaned!r}: {exc.strerror}")


class LocalFile(ArtifactFile):
    """A file on this machine's disk: read in blocks, or sent by its path."""

    local_path: Path

    def chunks(self) -> Iterator[bytes]:
        with self.local_path.open("rb") as source:
            while block := source.read(READ_BLOCK):
                yield block


class LocalArtifacts(ArtifactStore):
    """Files under one root folder on local disk."""

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def folder_path(self, folder: Folder) -> Path:
        """The folder on disk (not created), confined to the root."""
        if folder.kind == "model":
            return model_folder(self.root, folder.id)
        return run_folder(self.root, folder.id)

    def put(self, folder: Folder, name: str, stream: ByteStream, *, max_bytes: int | None = None) -> Stored:
        cleaned = clean_name(name)
        base = self.folder_path(folder)
        target = confined(base, cleaned)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error(exc, base, cleaned) from None
        confined(self.folder_path(folder), cleaned)  # re-check: a symlinked parent may have appeared
        if target.is_dir():
            raise ConflictError(f"artifact {cleaned!r} is a folder of other artifacts; choose another name")
        digest = hashlib.sha256()
        size = 0
        temp_name = ""
        try:
            fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=UPLOAD_PREFIX)
            with os.fdopen(fd, "wb") as out:
                for block in hashed_blocks(stream, cleaned, max_bytes, digest):
                    size += len(block)
                    out.write(block)
            os.replace(temp_name, target)
        except BaseException as exc:
            if temp_name:
                Path(temp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _os_error(exc, base, cleaned) from None
            raise
        return Stored(cleaned, size, digest.hexdigest())

    def open(self, folder: Folder, name: str) -> ArtifactFile:
        cleaned = clean_name(name)
        path = confined(self.folder_path(folder), cleaned)
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        if size < 0 or not path.is_file():
            raise NotFoundError(f"no file {cleaned!r:.80} in the artifacts of {folder.kind} {folder.id}")
        return LocalFile(cleaned, size, path)

    def files(self, folder: Folder) -> list[tuple[str, int]]:
        base = self.folder_path(folder)
        found: list[tuple[str, int]] = []
        for current, dirs, files in os.walk(base):  # os.walk does not follow symlinked folders
            here = Path(current)
            dirs[:] = [name for name in dirs if not (here / name).is_symlink()]
            for name in files:
                path = here / name
                if name.startswith(UPLOAD_PREFIX) or path.is_symlink() or not path.is_file():
                    continue
                found.append((path.relative_to(base).as_posix(), path.stat().st_size))
        return sorted(found)

    def delete(self, folder: Folder, names: Sequence[str]) -> None:
        base = self.folder_path(folder).resolve()
        for name in names:
            target = confined(base, name)
            target.unlink(missing_ok=True)
            parent = target.parent
            while parent != base and parent.is_relative_to(base):
                try:
                    parent.rmdir()
                except OSError:
                    break  # not empty: other files remain
                parent = parent.parent

    def remove_folder(self, folder: Folder) -> None:
        try:
            path = self.folder_path(folder)
        except InvalidInputError:
            planted = self.root / folder.id
            if folder.kind == "run" and "/" not in folder.id and folder.id not in ("", ".", "..") \
                    and planted.is_symlink():
                planted.unlink()  # a link planted as a run folder: drop the link, not its target
                return
            log.warning("not deleting the artifact folder of %s %r: it is not inside %s",
                        folder.kind, folder.id, self.root)
            return
        shutil.rmtree(path, ignore_errors=True)
