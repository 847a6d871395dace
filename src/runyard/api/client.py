"""`runyard.Api`: read projects, runs and metric histories from a data dir or a server."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runyard.api.backend import open_backend
from runyard.api.local import STALE_AFTER_S, LocalBackend
from runyard.api.objects import ApiProject, ApiRun
from runyard.api.records import RunSearch
from runyard.store import Store

__all__ = ["STALE_AFTER_S", "Api"]


class Api:
    """Read access to runyard data: `Api()` uses RUNYARD_DIR or ./runyard; a path picks a dir,
    an `http(s)://` URL a server (`token`, else RUNYARD_TOKEN, authenticates)."""

    def __init__(self, dir_or_url: str | os.PathLike[str] | None = None, *, token: str | None = None) -> None:
        self._backend = open_backend(dir_or_url, token)
        self.location = self._backend.location

    @classmethod
    def from_store(cls, store: Store, location: str = "<store>") -> Api:
        """Wrap an already open store (the caller keeps ownership of closing it)."""
        api = cls.__new__(cls)
        api._backend, api.location = LocalBackend(store, location), location
        return api

    @property
    def store(self) -> Store:
        """The store the API reads from (a local data dir only)."""
        return self._backend.local_store()

    def close(self) -> None:
        """Release the store or the connection."""
        self._backend.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Api {self.location}>"

    # -- projects ------------------------------------------------------------------
    def projects(self) -> list[ApiProject]:
        """All active projects with their run counts, ordered by id."""
        return self._backend.projects()

    def project(self, name: str) -> ApiProject:
        """One project by name; `NotFoundError` when there is none."""
        return self._backend.project(name)

    # -- runs ----------------------------------------------------------------------
    def runs(
        self,
        project: str | ApiProject | None = None,
        *,
        status: str | Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        params: Mapping[str, Any] | None = None,
        filter: str | None = None,
        order_by: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[ApiRun]:
        """Runs of a project (all projects when None) matching every condition given.

        `filter` uses the store's language (`metrics.loss < 0.5 and params.lr = 0.01`),
        `order_by` terms like `"metrics.loss asc"`.
        """
        search = RunSearch.of(status, tags, params, filter, order_by, limit)
        return [ApiRun(self._backend, found) for found in self._backend.runs(_name(project), search)]

    def count_runs(
        self,
        project: str | ApiProject | None = None,
        *,
        status: str | Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        params: Mapping[str, Any] | None = None,
        filter: str | None = None,
    ) -> int:
        """How many runs `runs` would return without a limit."""
        search = RunSearch.of(status, tags, params, filter, None, None)
        return self._backend.count_runs(_name(project), search)

    def run(self, ref: str | int) -> ApiRun:
        """One run by uid, `project/name` or integer id; `NotFoundError` when none matches."""
        return ApiRun(self._backend, self._backend.run(ref))

    def mark_stale_runs(self) -> list[int]:
        """Mark running runs whose process is gone as crashed; returns their ids (a server does this itself)."""
        return self._backend.mark_stale_runs()


def _name(project: str | ApiProject | None) -> str | None:
    return project.name if isinstance(project, ApiProject) else project
