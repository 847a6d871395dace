"""Where the read API gets its data: a local data dir (`LocalBackend`) or a server (`HttpBackend`).

`Api` and `ApiRun` talk to a `ReadBackend` only, so every read has one meaning whichever
side answers it; `open_backend` picks the side from what the caller passed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runyard.errors import RunyardError, StoreError
from runyard.store import Store, open_store

if TYPE_CHECKING:
    from runyard.api.objects import ApiProject
    from runyard.api.records import RunRecord, RunSearch
    from runyard.store import Artifact, LogLine, MetricColumns


class RemoteNotSupportedError(RunyardError, NotImplementedError):
    """An `Api` reading a server was asked for something only a local data dir has (501)."""

    status = 501


class ReadBackend(Protocol):
    """The reads behind `runyard.Api`; `location` names the data dir or the server."""

    location: str

    def projects(self) -> list[ApiProject]: ...
    def project(self, name: str) -> ApiProject: ...
    def runs(self, project: str | None, search: RunSearch) -> list[RunRecord]: ...
    def count_runs(self, project: str | None, search: RunSearch) -> int: ...
    def run(self, ref: str | int) -> RunRecord: ...
    def reload(self, run_id: int) -> RunRecord: ...
    def mark_stale_runs(self) -> list[int]: ...
    def read_metrics(self, run_id: int, keys: list[str], step_min: int | None,
                     step_max: int | None) -> dict[str, MetricColumns]: ...
    def read_logs(self, run_id: int, tail: int | None) -> list[LogLine]: ...
    def list_artifacts(self, run_id: int) -> list[Artifact]: ...
    def artifact_path(self, run_id: int, name: str) -> str: ...
    def local_store(self) -> Store: ...
    def close(self) -> None: ...


def is_url(target: str | os.PathLike[str] | None) -> bool:
    """Whether `target` names a server rather than a local data dir."""
    return isinstance(target, str) and target.startswith(("http://", "https://"))


def open_backend(target: str | os.PathLike[str] | None, token: str | None = None) -> ReadBackend:
    """A server's backend for an http(s) URL, else the data dir's (RUNYARD_DIR, ./runyard)."""
    if is_url(target):
        from runyard.api.remote import HttpBackend  # httpx is imported only to read a server

        assert isinstance(target, str)
        return HttpBackend(target, token)
    from runyard.api.local import LocalBackend
    from runyard.paths import resolve_data_dir

    data_dir = resolve_data_dir(target)
    return LocalBackend(open_local(data_dir), str(data_dir))


def open_local(data_dir: Path) -> Store:
    """Open an existing local data dir without creating anything."""
    if not data_dir.exists():
        raise StoreError(
            f"no runyard data dir at {data_dir}; pass another dir (--dir) or set RUNYARD_DIR"
        )
    if not data_dir.is_dir():
        raise StoreError(f"runyard data dir {data_dir} is not a directory")
    return open_store(data_dir, create=False)
