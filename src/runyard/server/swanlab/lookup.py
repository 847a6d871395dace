"""Which project the dashboard shows, and experiments by id (blocking: call through `deps.call`).

The project: `?project=NAME` when given, else the server's `default_project` setting
(`runyard serve --project NAME` / `RUNYARD_PROJECT`), else the project of the caller's
tenant whose newest run started last (a project without runs counts by its creation
time; ties go to the higher id). Another tenant's project or run is simply not found (404): a 403 would leak that
it exists.
"""

from __future__ import annotations

from runyard import access
from runyard.errors import NotFoundError
from runyard.store import Project, Run, RunQuery, SortKey, Store

NEWEST_FIRST = (SortKey("attributes", "start_time", descending=True), SortKey("attributes", "id", descending=True))


def project_by_name(store: Store, name: str, tenant: str) -> Project:
    """The active project of that name in the tenant; `NotFoundError` otherwise."""
    try:
        found = store.get_project_by_name(name, tenant=tenant)
    except NotFoundError:
        found = None
    if found is None or found.lifecycle != "active":
        raise NotFoundError(f"project {name!r} not found")
    return found


def _latest_activity(store: Store, project: Project) -> float:
    newest = store.search_runs(RunQuery(project_ids=(project.id,), order_by=NEWEST_FIRST, limit=1))
    return newest[0].start_time if newest else project.created_at


def chosen_project(store: Store, requested: str | None, configured: str | None, tenant: str) -> Project:
    """The project to show: the request's, the server's default, else the most recently active."""
    name = requested if requested is not None else configured
    if name is not None:
        return project_by_name(store, name, tenant)
    projects = store.list_projects(tenant=tenant)
    if not projects:
        raise NotFoundError("no project yet: log a run first, or name one with ?project=NAME")
    return max(projects, key=lambda p: (_latest_activity(store, p), p.id))


def experiment(store: Store, experiment_id: int, tenant: str) -> tuple[Project, Run]:
    """The run with that id and its project, if the caller may see it; `NotFoundError` otherwise."""
    missing = NotFoundError(f"experiment {experiment_id} not found")
    try:
        run = store.get_run(experiment_id)
        project = store.get_project(run.project_id)
    except NotFoundError:
        raise missing from None
    if not access.owns(tenant, project) or project.lifecycle != "active":
        raise missing
    return project, run


def runs_count(store: Store, project: Project) -> int:
    """How many runs (SwanLab: experiments) the project has."""
    return store.count_runs(RunQuery(project_ids=(project.id,)))
