"""Which project the dashboard shows, and experiments by id (blocking: call through `deps.call`).

The project: `?project=NAME` when given, else the server's `default_project` setting
(`runyard serve --project NAME` / `RUNYARD_PROJECT`), else the project of the caller's
tenant whose newest run started last (a project without runs counts by its creation
time; ties go to the higher id). Look-ups go through `runyard.lookup`: another tenant's
project or run is simply not found (404), worded as SwanLab words it.
"""

from __future__ import annotations

from runyard import lookup
from runyard.errors import NotFoundError
from runyard.store import Project, RunQuery, Store
from runyard.store.query import NEWEST_FIRST

# SwanLab calls runs experiments.
WORDS = lookup.Wording(run_ref="experiment {ref} not found")


def _latest_activity(store: Store, project: Project) -> float:
    newest = store.search_runs(RunQuery(project_ids=(project.id,), order_by=NEWEST_FIRST, limit=1))
    return newest[0].start_time if newest else project.created_at


def chosen_project(store: Store, requested: str | None, configured: str | None, tenant: str) -> Project:
    """The project to show: the request's, the server's default, else the most recently active."""
    name = requested if requested is not None else configured
    if name is not None:
        return lookup.project_by_name(store, name, tenant, WORDS)
    projects = store.list_projects(tenant=tenant)
    if not projects:
        raise NotFoundError("no project yet: log a run first, or name one with ?project=NAME")
    return max(projects, key=lambda p: (_latest_activity(store, p), p.id))


def experiment(store: Store, experiment_id: int, tenant: str) -> lookup.Located:
    """The run with that id and its project, if the caller may see it and the project is active."""
    found = lookup.run_by_id(store, experiment_id, tenant, WORDS)
    if found.project.lifecycle != "active":  # the dashboard shows active projects only
        raise NotFoundError(WORDS.run_ref.format(ref=experiment_id))
    return found


def runs_count(store: Store, project: Project) -> int:
    """How many runs (SwanLab: experiments) the project has."""
    return store.count_runs(RunQuery(project_ids=(project.id,)))
