"""Pinning, hiding and collapsing charts: `PATCH /api/v1/chart/{id}/status`, `PATCH /api/v1/namespace/{id}/opened`.

Ids name their scope (`runyard.server.swanlab.ids`); what the user chose is kept in the store
(`runyard.server.swanlab.view`), so it holds across reloads and browsers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from runyard import lookup as runyard_lookup
from runyard.errors import InvalidInputError, NotFoundError
from runyard.lookup import INT64_MAX
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.swanlab import charts, ids, lookup, scopes, shapes
from runyard.server.swanlab.common import ROUTER_OPTIONS
from runyard.server.swanlab.view import HIDDEN, NAMESPACE, PINNED, SECTION, chart_setting
from runyard.store import MetricSummary, Project, Store
from runyard.store.view_state import ViewSetting

chart_router = APIRouter(prefix="/api/v1/chart", **ROUTER_OPTIONS)
namespace_router = APIRouter(prefix="/api/v1/namespace", **ROUTER_OPTIONS)
ChartId = Annotated[int, Path(ge=1, le=ids.MAX_ID, description="a chart id from `.../chart` or `/project/charts`")]
NamespaceId = Annotated[int, Path(ge=-2, le=ids.MAX_ID, description="a namespace id; -1 pinned, -2 hidden")]
SECTIONS = {charts.PINNED_ID: PINNED, charts.HIDDEN_ID: HIDDEN}


class Target:
    """The scope a chart or namespace id names, loaded: its project, run (None: compare page) and keys."""

    def __init__(self, store: Store, ref: ids.ChartRef, tenant: str) -> None:
        self.store = store
        if ref.multi:
            self.project = _active_project(store, ref.scope_id, tenant)
            self.run = None
            _runs, summaries = scopes.project_runs(store, self.project)
            self.summaries: list[dict[str, MetricSummary]] = list(summaries.values())
        else:
            found = lookup.experiment(store, ref.scope_id, tenant)
            self.project, self.run = found.project, found.run
            self.summaries = [store.metric_summaries([found.run.id]).get(found.run.id, {})]
        ranked = charts.first_logged(self.summaries)
        if ref.rank >= len(ranked):
            raise NotFoundError("chart not found")
        self.key = ranked[ref.rank]

    def layout(self) -> dict[str, Any]:
        """The scope's charts and namespaces as they are now."""
        if self.run is None:
            return scopes.project_charts(self.store, self.project)
        return scopes.run_charts(self.store, self.project, self.run, self.summaries[0],
                                 lookup.runs_count(self.store, self.project))


def _active_project(store: Store, project_id: int, tenant: str) -> Project:
    project = runyard_lookup.project_by_id(store, project_id, tenant)
    if project.lifecycle != "active":
        raise NotFoundError(f"project {project_id} not found")
    return project


class ChartStatus(BaseModel):
    """1 pinned, 0 normal, -1 hidden."""

    model_config = ConfigDict(extra="ignore")
    status: Literal[-1, 0, 1]


def _set_status(store: Store, chart_id: int, status: int, tenant: str) -> dict[str, Any]:
    target = Target(store, ids.parse(chart_id), tenant)
    store.set_view_settings(*chart_setting(target.project.id, target.run.id if target.run else None, target.key, status))
    return shapes.envelope({"groups": charts.with_chart_objects(target.layout())})


@chart_router.patch("/{chart_id}/status", summary="Pin, hide or restore a chart")
async def set_chart_status(chart_id: ChartId, body: ChartStatus, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"status": 1}` pins, `-1` hides, `0` restores; answers the scope's namespaces with their charts (`groups`)."""
    return JSONResponse(await call(_set_status, store, chart_id, body.status, tenant))


class Opened(BaseModel):
    """swanboard's collapse toggle: the state and, for the pinned/hidden sections, whose they are."""

    model_config = ConfigDict(extra="ignore")
    opened: bool
    experiment_id: int | None = Field(default=None, ge=1, le=INT64_MAX)
    project_id: int | None = Field(default=None, ge=1, le=INT64_MAX)


def _section(store: Store, name: str, body: Opened, tenant: str) -> ViewSetting:
    if body.experiment_id is not None:
        found = lookup.experiment(store, body.experiment_id, tenant)
        return ViewSetting(found.project.id, found.run.id, SECTION, name, int(body.opened))
    if body.project_id is not None:
        return ViewSetting(_active_project(store, body.project_id, tenant).id, None, SECTION, name, int(body.opened))
    raise InvalidInputError("Request parameter 'experiment_id' or 'project_id'")


def _set_opened(store: Store, namespace_id: int, body: Opened, tenant: str) -> dict[str, Any]:
    if namespace_id in SECTIONS:
        store.set_view_settings([_section(store, SECTIONS[namespace_id], body, tenant)])
    elif namespace_id == 0:
        raise NotFoundError("namespace 0 not found")
    else:
        target = Target(store, ids.parse(namespace_id), tenant)
        run_id = target.run.id if target.run else None
        name = charts.namespace_of(target.key)
        store.set_view_settings([ViewSetting(target.project.id, run_id, NAMESPACE, name, int(body.opened))])
    return shapes.envelope(None)


@namespace_router.patch("/{namespace_id}/opened", summary="Expand or collapse a chart group")
async def set_namespace_opened(namespace_id: NamespaceId, body: Opened, store: StoreDep,
                               tenant: TenantDep) -> JSONResponse:
    """`{"opened": true|false}`; the pinned (-1) and hidden (-2) sections also name their experiment or project."""
    return JSONResponse(await call(_set_opened, store, namespace_id, body, tenant))
