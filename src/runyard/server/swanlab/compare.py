"""The project routes behind swanboard's overview table and compare page, and its project buttons.

`GET /api/v1/project/summaries` (the table's metric columns), `GET /api/v1/project/charts`
(one chart per metric key, every experiment that logged it), `PATCH /api/v1/project/update`
(rename, describe) and `DELETE /api/v1/project`. Like `GET /api/v1/project`, each acts on
`?project=NAME`, else the server's default project, else the most recently active one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from runyard.errors import ConflictError
from runyard.jsonenc import json_float
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.swanlab import charts, lookup, scopes, shapes
from runyard.server.swanlab.common import FLOATS, ROUTER_OPTIONS
from runyard.settings import Settings
from runyard.store import Store

router = APIRouter(prefix="/api/v1/project", **ROUTER_OPTIONS)
ProjectQuery = Annotated[str | None, Query(
    min_length=1, description="project name; default: the server's --project, else the most recently active")]


def _summaries(store: Store, settings: Settings, requested: str | None, tenant: str) -> dict[str, Any]:
    project = lookup.chosen_project(store, requested, settings.default_project, tenant)
    runs, summaries = scopes.project_runs(store, project)
    return shapes.envelope({
        "tags": charts.first_logged(summaries.values()),
        "summaries": {run.name: {key: json_float(summary.last_value, FLOATS)
                                 for key, summary in summaries[run.id].items()} for run in runs},
    })


@router.get("/summaries", summary="The latest value of every metric of every experiment")
async def get_summaries(store: StoreDep, settings: SettingsDep, tenant: TenantDep, project: ProjectQuery = None,
                        experiment_names: Annotated[str | None, Query(
                            description="sent by swanboard; every experiment is answered, as its server does")] = None,
                        ) -> JSONResponse:
    """`tags`: metric keys in the order first logged; `summaries`: experiment name -> {key: latest value}."""
    return JSONResponse(await call(_summaries, store, settings, project, tenant))


def _charts(store: Store, settings: Settings, requested: str | None, tenant: str) -> dict[str, Any]:
    project = lookup.chosen_project(store, requested, settings.default_project, tenant)
    return shapes.envelope(scopes.project_charts(store, project))


@router.get("/charts", summary="The compare page's charts: one per metric key, every experiment")
async def get_project_charts(store: StoreDep, settings: SettingsDep, tenant: TenantDep,
                             project: ProjectQuery = None) -> JSONResponse:
    """Charts with `multi: true`; `source` names the experiments that logged the key, `source_map` their ids."""
    return JSONResponse(await call(_charts, store, settings, project, tenant))


class ProjectUpdate(BaseModel):
    """swanboard's project form."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)


def _update(store: Store, settings: Settings, requested: str | None, tenant: str, body: ProjectUpdate) -> dict[str, Any]:
    project = lookup.chosen_project(store, requested, settings.default_project, tenant)
    store.update_project(project.id, name=body.name.strip(), description=body.description or "")
    return shapes.envelope({"updates": body.model_dump()})


@router.patch("/update", summary="Rename or describe the project")
async def update_project(body: ProjectUpdate, store: StoreDep, settings: SettingsDep, tenant: TenantDep,
                         project: ProjectQuery = None) -> JSONResponse:
    """`{"name", "description"}`; a name another project of the tenant has is 409."""
    return JSONResponse(await call(_update, store, settings, project, tenant, body))


def _delete(store: Store, settings: Settings, requested: str | None, tenant: str) -> dict[str, Any]:
    project = lookup.chosen_project(store, requested, settings.default_project, tenant)
    runs, _ = scopes.project_runs(store, project)
    if any(run.status == "running" for run in runs):
        raise ConflictError("Can't delete project since there is experiment running")
    store.delete_project(project.id)
    return shapes.envelope({})


@router.delete("", summary="Delete the project with its experiments")
async def delete_project(store: StoreDep, settings: SettingsDep, tenant: TenantDep,
                         project: ProjectQuery = None) -> JSONResponse:
    """Deletes the project, its runs, metrics, logs and artifact files; 409 while an experiment is running."""
    return JSONResponse(await call(_delete, store, settings, project, tenant))
