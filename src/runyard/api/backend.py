"""Where the read API gets its data: a local data dir (reading over HTTP is not implemented)."""

from __future__ import annotations

import os
from pathlib import Path

from runyard.errors import RunyardError, StoreError
from runyard.paths import resolve_data_dir
from runyard.store import Store, open_store


class RemoteNotSupportedError(RunyardError, NotImplementedError):
    """`runyard.Api` was given a server URL: it reads local data dirs only (501)."""

    status = 501


def is_url(target: str | os.PathLike[str] | None) -> bool:
    """Whether `target` names a server rather than a local data dir."""
    return isinstance(target, str) and target.startswith(("http://", "https://"))


def open_backend(target: str | os.PathLike[str] | None) -> tuple[Store, str]:
    """Open the store behind `target`; returns it with a human-readable location."""
    if is_url(target):
        raise RemoteNotSupportedError(
            f"cannot read from {target}: runyard.Api reads a local data dir only (reading from a "
            "server over HTTP is not implemented); pass the data dir's path, or set RUNYARD_DIR"
        )
    data_dir = resolve_data_dir(target)
    return open_local(data_dir), str(data_dir)


def open_local(data_dir: Path) -> Store:
    """Open an existing local data dir without creating anything."""
    if not data_dir.exists():
        raise StoreError(
            f"no runyard data dir at {data_dir}; pass another dir (--dir) or set RUNYARD_DIR"
        )
    if not data_dir.is_dir():
        raise StoreError(f"runyard data dir {data_dir} is not a directory")
    return open_store(data_dir, create=False)
