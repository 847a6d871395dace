"""`LocalBackend`: the read API over a data dir opened in this process (every tenant's runs by id or uid)."""

from __future__ import annotations

from runyard import lookup
from runyard.api.downloads import DownloadFolder
from runyard.api.objects import ApiProject
from runyard.api.records import RunRecord, RunSearch, sorted_summaries
from runyard.api.search import build_query
from runyard.errors import NotFoundError, StoreError
from runyard.store import Artifact, LogLine, MetricColumns, Project, Run, RunQuery, Store

STALE_AFTER_S = 120.0


def search_query(project_ids: tuple[int, ...], search: RunSearch) -> RunQuery:
    """The store query of a `RunSearch` (the server's read route builds it the same way)."""
    return build_query(
        project_ids, status=search.status, tags=search.tags, params=search.params,
        filter=search.filter, order_by=search.order_by, limit=search.limit,
    )


def run_records(store: Store, runs: list[Run], project_names: dict[int, str]) -> list[RunRecord]:
    """Runs with their project names and summaries, read in one summaries query."""
    summaries = store.metric_summaries([r.id for r in runs]) if runs else {}
    for run in runs:
        if run.project_id not in project_names:
            project_names[run.project_id] = store.get_project(run.project_id).name
    return [RunRecord(r, project_names[r.project_id], sorted_summaries(summaries.get(r.id, {}))) for r in runs]


def project_view(store: Store, project: Project) -> ApiProject:
    """A project with its run count."""
    count = store.count_runs(RunQuery(project_ids=(project.id,)))
    return ApiProject(project.id, project.name, project.description, project.tags, project.notes,
                      project.created_at, count)


class LocalBackend:
    """Reads one open store; names resolve in the default tenant, ids and uids in every tenant."""

    def __init__(self, store: Store, location: str) -> None:
        self.store = store
        self.location = location
        self._project_names: dict[int, str] = {}
        self._downloads = DownloadFolder()

    def local_store(self) -> Store:
        return self.store

    def close(self) -> None:
        self.store.close()
        self._downloads.cleanup()

    def projects(self) -> list[ApiProject]:
        return [self._view(p) for p in self.store.list_projects()]

    def project(self, name: str) -> ApiProject:
        return self._view(self._get_project(name))

    def _view(self, project: Project) -> ApiProject:
        self._project_names[project.id] = project.name
        return project_view(self.store, project)

    def _get_project(self, name: str) -> Project:
        try:
            return self.store.get_project_by_name(name)
        except NotFoundError:
            raise NotFoundError(f"project {name!r} not found in {self.location}") from None

    def _query(self, project: str | None, search: RunSearch) -> RunQuery:
        ids = () if project is None else (self._get_project(project).id,)
        return search_query(ids, search)

    def runs(self, project: str | None, search: RunSearch) -> list[RunRecord]:
        query = self._query(project, search)
        self.mark_stale_runs()
        return run_records(self.store, self.store.search_runs(query), self._project_names)

    def count_runs(self, project: str | None, search: RunSearch) -> int:
        return self.store.count_runs(self._query(project, search))

    def run(self, ref: str | int) -> RunRecord:
        self.mark_stale_runs()
        # The one resolver of the server too; a local reader sees every tenant (tenant=None).
        loc = self.location.replace("{", "{{").replace("}", "}}")
        words = lookup.Wording(
            project=f"project {{name!r}} not found in {loc}",
            run=f"run {{name!r}} not found in project {{project!r}} ({loc})",
            run_ref=f"run with id {{ref}} not found in {loc}",
            ref=f"run {{ref!r}} not found in {loc} (give a uid, project/name or id)",
        )
        found = lookup.run_by_ref(self.store, ref, None, words)
        self._project_names[found.project.id] = found.project.name
        return run_records(self.store, [found.run], self._project_names)[0]

    def reload(self, run_id: int) -> RunRecord:
        return run_records(self.store, [self.store.get_run(run_id)], self._project_names)[0]

    def mark_stale_runs(self) -> list[int]:
        try:
            return self.store.mark_stale_runs_crashed(stale_after_s=STALE_AFTER_S)
        except (StoreError, OSError):
            # Reading must still work from a read-only or full data dir.
            return []

    def read_metrics(self, run_id: int, keys: list[str], step_min: int | None,
                     step_max: int | None) -> dict[str, MetricColumns]:
        return {k: self.store.read_metric(run_id, k, step_min=step_min, step_max=step_max) for k in keys}

    def read_logs(self, run_id: int, tail: int | None) -> list[LogLine]:
        return self.store.read_logs(run_id, tail=tail)

    def list_artifacts(self, run_id: int) -> list[Artifact]:
        return self.store.list_artifacts(run_id)

    def artifact_path(self, run_id: int, name: str) -> str:
        opened = self.store.open_artifact(run_id, name)
        if opened.local_path is not None:
            return str(opened.local_path)
        target = self._downloads.target(run_id, opened.name)  # object storage: a copy, fetched once
        if not target.exists():
            opened.save_as(target)
        return str(target)
