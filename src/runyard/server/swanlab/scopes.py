"""The charts of an experiment page and of the project's compare page, with the user's view settings.

Blocking (store reads): call through `deps.call`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runyard.server.swanlab import charts, shapes
from runyard.server.swanlab.times import iso
from runyard.server.swanlab.view import HIDDEN, PINNED, View, views
from runyard.store import MetricSummary, Project, Run, RunQuery, Store


def with_sections(nested: dict[str, Any], view: View) -> dict[str, Any]:
    """A nested experiment or project object carrying its pinned/hidden sections' open state."""
    return {**nested, "pinned_opened": view.section_opened(PINNED), "hidden_opened": view.section_opened(HIDDEN)}


def run_charts(store: Store, project: Project, run: Run, summaries: Mapping[str, MetricSummary],
               runs_count: int) -> dict[str, Any]:
    """`{"charts", "namespaces"}` of one experiment (`GET .../chart`, `.../status`)."""
    view = views(store.view_settings(project.id)).get(run.id, View())
    nested = with_sections({**shapes.experiment_brief(run, shapes.update_time(run, summaries)),
                            "project_id": shapes.project_brief(project, runs_count)}, view)
    scope = charts.Scope(run.id, multi=False, experiment=nested, project=None, created=iso(run.start_time))
    ranked = charts.first_logged([summaries])
    return charts.charts_json(scope, ranked, {key: {key: run.id} for key in ranked}, view)


def project_runs(store: Store, project: Project) -> tuple[list[Run], dict[int, dict[str, MetricSummary]]]:
    """The project's runs, oldest first, and their metric summaries."""
    runs = store.search_runs(RunQuery(project_ids=(project.id,)))
    return runs, (store.metric_summaries([run.id for run in runs]) if runs else {})


def project_charts(store: Store, project: Project) -> dict[str, Any]:
    """`{"charts", "namespaces"}` of the compare page: one chart per key, every run that logged it."""
    runs, summaries = project_runs(store, project)
    view = views(store.view_settings(project.id)).get(None, View())
    ranked = charts.first_logged(summaries.values())
    sources = {key: {run.name: run.id for run in runs if key in summaries[run.id]} for key in ranked}
    nested = with_sections(shapes.project_brief(project, len(runs)), view)
    scope = charts.Scope(project.id, multi=True, experiment=None, project=nested, created=iso(project.created_at))
    return charts.charts_json(scope, ranked, sources, view)
