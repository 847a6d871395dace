"""`GET /api/v1/project`: the project being viewed, with its experiments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.swanlab import lookup, scopes, shapes
from runyard.server.swanlab.common import ROUTER_OPTIONS
from runyard.server.swanlab.view import views
from runyard.settings import Settings
from runyard.store import Store

router = APIRouter(prefix="/api/v1/project", **ROUTER_OPTIONS)


def _project(store: Store, settings: Settings, requested: str | None, tenant: str) -> dict[str, Any]:
    project = lookup.chosen_project(store, requested, settings.default_project, tenant)
    runs, summaries = scopes.project_runs(store, project)
    shown = views(store.view_settings(project.id))
    updated = {run.id: shapes.update_time(run, summaries.get(run.id, {})) for run in runs}
    experiments = [shapes.experiment_entry(run, updated[run.id], show=shown[run.id].show if run.id in shown else 1)
                   for run in runs]
    # The project changes whenever one of its runs does (swanboard shows it as "Latest Run").
    latest = max([project.updated_at, *updated.values()])
    charts = len({key for per_run in summaries.values() for key in per_run})
    # With tokens required, callers learn nothing of the server's file system.
    logdir = "" if settings.auth_required else str(settings.data_dir)
    return shapes.envelope(shapes.project_json(project, experiments, charts, logdir, latest))


@router.get("", summary="The project being viewed, with its experiments")
async def get_project(
    store: StoreDep,
    settings: SettingsDep,
    tenant: TenantDep,
    project: Annotated[str | None, Query(
        min_length=1, description="project name; default: the server's --project, else the most recently active")] = None,
) -> JSONResponse:
    """The project (`?project=NAME`, else the server's default) and every experiment (run) in it, oldest first."""
    return JSONResponse(await call(_project, store, settings, project, tenant))
