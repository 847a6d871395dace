"""swanboard's experiment buttons: rename and describe, delete, stop, show or hide on the compare page;
and the Environment page's package list."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from runyard.errors import ConflictError, ForbiddenError
from runyard.server.deps import StoreDep, TenantDep, call, from_another_site
from runyard.server.responses import JSONResponse
from runyard.server.swanlab import lookup, shapes
from runyard.server.swanlab.common import ROUTER_OPTIONS, ExperimentId
from runyard.server.swanlab.times import iso
from runyard.server.swanlab.view import SHOW
from runyard.store import Store
from runyard.store.view_state import ViewSetting

router = APIRouter(prefix="/api/v1/experiment", **ROUTER_OPTIONS)


class ExperimentUpdate(BaseModel):
    """swanboard's experiment form."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)


def _update(store: Store, experiment_id: int, tenant: str, body: ExperimentUpdate) -> dict[str, Any]:
    run = lookup.experiment(store, experiment_id, tenant).run
    name = body.name.strip()
    store.update_run(run.id, name=name, description=body.description or "")
    return shapes.envelope({"name": name, "description": body.description})


@router.patch("/{experiment_id}", summary="Rename or describe an experiment")
async def update_experiment(experiment_id: ExperimentId, body: ExperimentUpdate, store: StoreDep,
                            tenant: TenantDep) -> JSONResponse:
    """`{"name", "description"}`; a name another run of the project has is 409."""
    return JSONResponse(await call(_update, store, experiment_id, tenant, body))


def _delete(store: Store, experiment_id: int, tenant: str) -> dict[str, Any]:
    run = lookup.experiment(store, experiment_id, tenant).run
    if run.status == "running":
        raise ConflictError(f"experiment {experiment_id} is running: stop it first")
    store.delete_run(run.id)
    return shapes.envelope({"experiment_id": run.id})


@router.delete("/{experiment_id}", summary="Delete an experiment")
async def delete_experiment(experiment_id: ExperimentId, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Deletes the run with its metrics, logs and artifact files; 409 while it is running."""
    return JSONResponse(await call(_delete, store, experiment_id, tenant))


def _stop(store: Store, experiment_id: int, tenant: str) -> dict[str, Any]:
    run = lookup.experiment(store, experiment_id, tenant).run
    # Stopping an ended run changes nothing (its own end stays on record): the answer says how it ended.
    stopped = store.set_run_status(run.id, "killed", end_time=time.time()) if run.status == "running" else run
    return shapes.envelope({"id": run.id, "status": shapes.status_code(stopped.status),
                            "finish_time": iso(stopped.end_time)})


@router.get("/{experiment_id}/stop", summary="Mark a running experiment stopped")
async def stop_experiment(experiment_id: ExperimentId, request: Request, store: StoreDep,
                          tenant: TenantDep) -> JSONResponse:
    """A running experiment becomes status -1 (killed) with a finish time, as swanboard's button does; the
    training process is not signalled. An experiment that already ended is answered as it is.

    A GET that writes (swanboard's contract): refused when a browser sends it from another
    site's page, which a GET would otherwise allow (an image tag could stop a run).
    """
    if from_another_site(request):
        raise ForbiddenError("cross-site request refused: stopping an experiment must come from this server's pages")
    return JSONResponse(await call(_stop, store, experiment_id, tenant))


class Visibility(BaseModel):
    """Whether the experiment is drawn on the compare page."""

    show: bool


def _show(store: Store, experiment_id: int, tenant: str, show: bool) -> dict[str, Any]:
    found = lookup.experiment(store, experiment_id, tenant)
    hidden = ViewSetting(found.project.id, found.run.id, SHOW, "", 0)  # shown is the default: no setting
    if show:
        store.set_view_settings([], removed=[hidden])
    else:
        store.set_view_settings([hidden])
    summaries = store.metric_summaries([found.run.id]).get(found.run.id, {})
    entry = shapes.experiment_entry(found.run, shapes.update_time(found.run, summaries), show=int(show))
    return shapes.envelope({"experiment": entry})


@router.patch("/{experiment_id}/show", summary="Show or hide an experiment on the compare page")
async def show_experiment(experiment_id: ExperimentId, body: Visibility, store: StoreDep,
                          tenant: TenantDep) -> JSONResponse:
    """`{"show": false}` hides the experiment's lines on the compare page (kept across reloads)."""
    return JSONResponse(await call(_show, store, experiment_id, tenant, body.show))


def _requirements(store: Store, experiment_id: int, tenant: str) -> dict[str, Any]:
    run = lookup.experiment(store, experiment_id, tenant).run
    found = run.system.get("requirements")
    packages = [str(line) for line in found] if isinstance(found, list) else []
    return shapes.envelope({"requirements": packages})


@router.get("/{experiment_id}/requirements", summary="The Python packages installed when the experiment started")
async def get_requirements(experiment_id: ExperimentId, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`name==version` lines, as the SDK recorded them at `init` (empty for runs logged otherwise)."""
    return JSONResponse(await call(_requirements, store, experiment_id, tenant))
