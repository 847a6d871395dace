"""Artifact files under `<data>/artifacts/<run uid>/` (and logged models' files): atomic writes, confined paths.

The rows that list them are `runyard.store.sql.artifacts`.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from runyard.errors import (
    ConflictError,
    InsufficientStorageError,
    InvalidInputError,
    PayloadTooLargeError,
    RunyardError,
    StoreError,
)
from runyard.store.run_data import ByteStream
from runyard.store.validate_paths import UPLOAD_PREFIX, clean_name, confined, run_folder

_COPY_BLOCK = 1 << 20
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


def write_file(root: Path, uid: str, name: str, source: ByteStream,
               max_bytes: int | None = None) -> tuple[str, int, str]:
    """Copy a stream into `<root>/<uid>/<name>` atomically; returns (clean name, size, sha256)."""
    return write_into(lambda: run_folder(root, uid), name, source, max_bytes)


def write_into(locate: Callable[[], Path], name: str, source: ByteStream,
               max_bytes: int | None = None) -> tuple[str, int, str]:
    """Copy a stream into `<folder>/<name>` atomically, `locate` giving the checked folder (a run's, a model's)."""
    cleaned = clean_name(name)
    folder = locate()
    target = confined(folder, cleaned)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, folder, cleaned) from None
    confined(locate(), cleaned)  # re-check: a symlinked parent may have appeared
    if target.is_dir():
        raise ConflictError(f"artifact {cleaned!r} is a folder of other artifacts; choose another name")
    digest = hashlib.sha256()
    size = 0
    temp_name = ""
    try:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=UPLOAD_PREFIX)
        with os.fdopen(fd, "wb") as out:
            while block := source.read(_COPY_BLOCK):
                size += len(block)
                if max_bytes is not None and size > max_bytes:
                    raise PayloadTooLargeError(f"artifact {cleaned!r} is larger than {max_bytes} bytes")
                digest.update(block)
                out.write(block)
        os.replace(temp_name, target)
    except BaseException as exc:
        if temp_name:
            Path(temp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _os_error(exc, folder, cleaned) from None
        raise
    return cleaned, size, digest.hexdigest()


def remove_run_folder(root: Path, uid: str) -> None:
    """Delete a run's artifact folder, if any; never the root, anything above it or a symlink's target."""
    try:
        folder = run_folder(root, uid)
    except InvalidInputError:
        if uid and "/" not in uid and uid not in (".", "..") and (root / uid).is_symlink():
            (root / uid).unlink()  # a link planted as a run folder: drop the link, not its target
            return
        log.warning("not deleting the artifact folder of run uid %r: it is not inside %s", uid, root)
        return
    shutil.rmtree(folder, ignore_errors=True)


def remove_files(folder: Path, paths: list[str]) -> None:
    """Delete those files of a folder (confined), then the folders they leave empty."""
    for path in paths:
        target = confined(folder, path)
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != folder.resolve() and parent.is_relative_to(folder.resolve()):
            try:
                parent.rmdir()
            except OSError:
                break  # not empty: other files remain
            parent = parent.parent
