"""What Aspara's own page templates are given, built from runyard's store (blocking).

Aspara 0.1.0 renders its four pages server-side (`aspara/dashboard/routes/html_routes.py`,
`services/template_service.py`); these are the same contexts, field for field, from
runyard's projects and runs, so its templates render unchanged. Times are formatted in the
server's local time zone, as Aspara formats them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runyard.server.aspara import lookup
from runyard.server.run_shapes import STATUSES, last_update, params
from runyard.store import MetricSummary, Project, Run, RunQuery, SortKey, Store

BY_NAME = (SortKey("attributes", "name"),)
LONG_DATE = "%B %d, %Y at %I:%M %p"
SHORT_DATE = "%b %d, %Y at %I:%M %p"


@dataclass(frozen=True, slots=True)
class Page:
    """A template to render (Aspara's name, without `.mustache`) with its context."""

    template: str
    context: dict[str, Any]


def _formatted(seconds: float | None, pattern: str = LONG_DATE) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "N/A"
    try:
        return datetime.fromtimestamp(seconds).strftime(pattern)
    except (OverflowError, OSError, ValueError):  # a time no calendar date has (beyond year 9999)
        return "N/A"


def _crumbs(*items: tuple[str, str | None]) -> list[dict[str, Any]]:
    """Aspara's breadcrumbs: the first is Home (with its icon)."""
    return [{"label": label, **({"url": url} if url else {}), "is_home": index == 0, "is_not_first": index != 0}
            for index, (label, url) in enumerate(items)]


def _status(run: Run) -> dict[str, Any]:
    word, finished, _code = STATUSES.get(run.status, ("maybe_failed", True, None))
    return {"status": word, "is_finished": finished, "is_wip": word == "wip"}


def _run_entry(run: Run, summaries: Mapping[str, MetricSummary]) -> dict[str, Any]:
    updated = last_update(run, summaries)
    return {"name": run.name, "last_update": int(updated * 1000), "formatted_last_update": _formatted(updated),
            "param_count": len({**run.config, **run.params}), "tags": list(run.tags), "has_tags": bool(run.tags),
            "is_corrupted": False, "error_message": None, **_status(run)}


def _runs(store: Store, project: Project) -> tuple[list[Run], dict[int, dict[str, MetricSummary]]]:
    runs = store.search_runs(RunQuery(project_ids=(project.id,), order_by=BY_NAME))
    return runs, store.metric_summaries([run.id for run in runs]) if runs else {}


def projects_page(store: Store, tenant: str) -> Page:
    """`/`: every project of the tenant with its run count, tags and last update."""
    listed = []
    for project in store.list_projects(tenant=tenant):
        runs = store.search_runs(RunQuery(project_ids=(project.id,)))
        updated = max([project.updated_at, *(last_update(run, {}) for run in runs)])
        listed.append({"name": project.name, "run_count": len(runs), "last_update": int(updated * 1000),
                       "formatted_last_update": _formatted(updated), "tags": list(project.tags)})
    return Page("projects_list", {"page_title": "Aspara", "breadcrumbs": _crumbs(("Home", None)),
                                  "projects": listed, "has_projects": bool(listed),
                                  "project_search_mode": "realtime", "read_only": False})


def project_page(store: Store, name: str, tenant: str) -> Page:
    """`/projects/{project}`: the runs to pick for the metric charts."""
    project = lookup.project(store, name, tenant)
    runs, summaries = _runs(store, project)
    entries = [_run_entry(run, summaries.get(run.id, {})) for run in runs]
    newest = max((entry["last_update"] / 1000 for entry in entries), default=None)
    return Page("project_detail", {
        "page_title": f"{project.name} - Metrics", "breadcrumbs": _crumbs(("Home", "/"), (project.name, None)),
        "project": project.name, "runs": entries, "has_runs": bool(entries), "run_count": len(entries),
        "formatted_project_last_update": _formatted(newest, SHORT_DATE), "read_only": False})


def runs_page(store: Store, name: str, tenant: str) -> Page:
    """`/projects/{project}/runs`: the runs as cards with status, tags and last update."""
    project = lookup.project(store, name, tenant)
    runs, summaries = _runs(store, project)
    entries = [_run_entry(run, summaries.get(run.id, {})) for run in runs]
    return Page("runs_list", {
        "page_title": f"{project.name} - Runs",
        "breadcrumbs": _crumbs(("Home", "/"), (project.name, f"/projects/{project.name}"), ("Runs", None)),
        "project": project.name, "runs": entries, "has_runs": bool(entries), "read_only": False})


def _duration(run: Run, summaries: Mapping[str, MetricSummary]) -> str:
    end = run.end_time if run.end_time is not None else max(
        (s.last_time for s in summaries.values() if math.isfinite(s.last_time)), default=None)
    if end is None:
        return "N/A"
    minutes, seconds = divmod(int(max(end - run.start_time, 0.0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours else f"{minutes}m {seconds:02d}s"


def run_page(store: Store, project_name: str, name: str, tenant: str) -> Page:
    """`/projects/{project}/runs/{run}`: params, tags, notes, artifacts and charts (Aspara's template
    shows no latest values, so none are given)."""
    found = lookup.run(store, project_name, name, tenant)
    project, run = found.project, found.run
    summaries = store.metric_summaries([run.id]).get(run.id, {})
    listed = [{"key": key, "value": value} for key, value in params(run).items()]
    artifacts = [{"name": artifact.path, "file_size": artifact.size, "description": None}
                 for artifact in store.list_artifacts(run.id)]
    return Page("run_detail", {
        "page_title": f"{run.name} - Details",
        "breadcrumbs": _crumbs(("Home", "/"), (project.name, f"/projects/{project.name}"),
                               ("Runs", f"/projects/{project.name}/runs"), (run.name, None)),
        "project": project.name, "run_name": run.name, "params": listed, "has_params": bool(listed),
        "formatted_start_time": _formatted(run.start_time), "duration": _duration(run, summaries),
        "tags": list(run.tags), "has_tags": bool(run.tags), "artifacts": artifacts,
        "has_artifacts": bool(artifacts), "is_corrupted": False, "error_message": None, "read_only": False})


def not_found_page(message: str) -> Page:
    """Aspara's 404 page."""
    return Page("error_404", {"page_title": "Not Found", "breadcrumbs": _crumbs(("Home", "/")),
                              "error_title": "Not Found", "error_message": message, "has_suggestions": False,
                              "read_only": False})
