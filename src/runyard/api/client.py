"""`runyard.Api`: read projects, runs and metric histories from a data dir."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runyard import lookup
from runyard.api.backend import open_backend
from runyard.api.objects import ApiProject, ApiRun
from runyard.api.search import build_query
from runyard.errors import NotFoundError, StoreError
from runyard.store import Project, Run, RunQuery, Store

STALE_AFTER_S = 120.0


class Api:
    """Read access to runyard data: `Api()` uses RUNYARD_DIR or ./runyard; a path picks a dir."""

    def __init__(self, dir_or_url: str | os.PathLike[str] | None = None) -> None:
        self._store, self.location = open_backend(dir_or_url)
        self._project_names: dict[int, str] = {}

    @classmethod
    def from_store(cls, store: Store, location: str = "<store>") -> Api:
        """Wrap an already open store (the caller keeps ownership of closing it)."""
        api = cls.__new__(cls)
        api._store, api.location, api._project_names = store, location, {}
        return api

    @property
    def store(self) -> Store:
        """The store the API reads from."""
        return self._store

    def close(self) -> None:
        """Release the store."""
        self._store.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Api {self.location}>"

    # -- projects ------------------------------------------------------------------
    def projects(self) -> list[ApiProject]:
        """All active projects with their run counts, ordered by id."""
        return [self._project_view(p) for p in self._store.list_projects()]

    def project(self, name: str) -> ApiProject:
        """One project by name; `NotFoundError` when there is none."""
        return self._project_view(self._get_project(name))

    def _get_project(self, name: str) -> Project:
        try:
            project = self._store.get_project_by_name(name)
        except NotFoundError:
            raise NotFoundError(f"project {name!r} not found in {self.location}") from None
        self._project_names[project.id] = project.name
        return project

    def _project_view(self, p: Project) -> ApiProject:
        self._project_names[p.id] = p.name
        count = self._store.count_runs(RunQuery(project_ids=(p.id,)))
        return ApiProject(p.id, p.name, p.description, p.tags, p.notes, p.created_at, count)

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
        query = self._query(project, status, tags, params, filter, order_by, limit)
        self.mark_stale_runs()
        return self._views(self._store.search_runs(query))

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
        query = self._query(project, status, tags, params, filter, None, None)
        return self._store.count_runs(query)

    def _query(
        self,
        project: str | ApiProject | None,
        status: str | Iterable[str] | None,
        tags: Iterable[str] | None,
        params: Mapping[str, Any] | None,
        filter: str | None,
        order_by: Sequence[str] | None,
        limit: int | None,
    ) -> RunQuery:
        if project is None:
            ids: tuple[int, ...] = ()
        elif isinstance(project, ApiProject):
            ids = (project.id,)
        else:
            ids = (self._get_project(project).id,)
        return build_query(
            ids, status=status, tags=tags, params=params, filter=filter,
            order_by=order_by, limit=limit,
        )

    def run(self, ref: str | int) -> ApiRun:
        """One run by uid, `project/name` or integer id; `NotFoundError` when none matches."""
        self.mark_stale_runs()
        return self._views([self._find_run(ref)])[0]

    def _find_run(self, ref: str | int) -> Run:
        # The one resolver of the server too; a local reader sees every tenant (tenant=None).
        loc = str(self.location).replace("{", "{{").replace("}", "}}")
        words = lookup.Wording(
            project=f"project {{name!r}} not found in {loc}",
            run=f"run {{name!r}} not found in project {{project!r}} ({loc})",
            run_ref=f"run with id {{ref}} not found in {loc}",
            ref=f"run {{ref!r}} not found in {loc} (give a uid, project/name or id)",
        )
        found = lookup.run_by_ref(self._store, ref, None, words)
        self._project_names[found.project.id] = found.project.name
        return found.run

    def mark_stale_runs(self) -> list[int]:
        """Mark running runs whose process is gone as crashed; returns their ids."""
        try:
            return self._store.mark_stale_runs_crashed(stale_after_s=STALE_AFTER_S)
        except (StoreError, OSError):
            # Reading must still work from a read-only or full data dir.
            return []

    def _views(self, runs: list[Run]) -> list[ApiRun]:
        summaries = self._store.metric_summaries([r.id for r in runs]) if runs else {}
        return [
            ApiRun(
                self._store, r, self._project_name(r.project_id),
                dict(sorted(summaries.get(r.id, {}).items())),
            )
            for r in runs
        ]

    def _project_name(self, project_id: int) -> str:
        if project_id not in self._project_names:
            self._project_names[project_id] = self._store.get_project(project_id).name
        return self._project_names[project_id]
