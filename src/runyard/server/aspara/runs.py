"""Runs of a project: list, params, metadata (read and edit), delete; and the run-detail JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from runyard.server.aspara import PREFIX, TAG, lookup, shapes
from runyard.server.aspara.metadata import MetadataUpdate
from runyard.server.aspara.path_params import ProjectName, RunName
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.store import RunQuery, SortKey, Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})
BY_NAME = (SortKey("attributes", "name"),)


def _list(store: Store, project: str, tenant: str) -> list[dict[str, Any]]:
    owner = lookup.project(store, project, tenant)
    runs = store.search_runs(RunQuery(project_ids=(owner.id,), order_by=BY_NAME))
    summaries = store.metric_summaries([run.id for run in runs]) if runs else {}
    return [shapes.run_summary(run, summaries.get(run.id, {}), len(store.list_artifacts(run.id))) for run in runs]


@router.get("/{project}/runs", summary="List runs in a project")
async def list_runs_api(project: ProjectName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Every run of the project, sorted by name: status, times, tags, counts."""
    return JSONResponse(await call(_list, store, project, tenant))


def run_detail_json(store: Store, project: str, run: str, tenant: str) -> dict[str, Any]:
    """The run page's JSON (blocking): `shapes.run_detail` of the named run; 404 when unknown."""
    found = lookup.run(store, project, run, tenant)
    summaries = store.metric_summaries([found.run.id]).get(found.run.id, {})
    return shapes.run_detail(found.project, found.run, summaries, store.list_artifacts(found.run.id))


def _params(store: Store, project: str, run: str, tenant: str) -> dict[str, Any]:
    found = lookup.run(store, project, run, tenant)
    return {"project": found.project.name, "run": found.run.name, "params": shapes.params(found.run)}


@router.get("/{project}/runs/{run}/params", summary="Parameters of a run")
async def get_params_api(project: ProjectName, run: RunName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"project", "run", "params"}`: the run's config with explicitly logged params on top."""
    return JSONResponse(await call(_params, store, project, run, tenant))


def _metadata(store: Store, project: str, run: str, tenant: str) -> dict[str, Any]:
    found = lookup.run(store, project, run, tenant)
    return shapes.run_metadata(found.project, found.run)


@router.get("/{project}/runs/{run}/metadata", summary="Get run metadata")
async def get_run_metadata_api(project: ProjectName, run: RunName, store: StoreDep,
                               tenant: TenantDep) -> JSONResponse:
    """Notes and tags, with the run's id, status, times and params."""
    return JSONResponse(await call(_metadata, store, project, run, tenant))


def _update(store: Store, project: str, run: str, tenant: str, body: MetadataUpdate) -> dict[str, Any]:
    found = lookup.run(store, project, run, tenant)
    updated = found.run
    if body.notes is not None or body.tags is not None:
        updated = store.update_run(updated.id, notes=body.notes, tags=body.tags)
    return shapes.run_metadata(found.project, updated)


@router.put("/{project}/runs/{run}/metadata", summary="Update run metadata")
async def update_run_metadata_api(project: ProjectName, run: RunName, body: MetadataUpdate, store: StoreDep,
                                  tenant: TenantDep) -> JSONResponse:
    """Set `notes` and/or `tags` (tags replace the list); answers the metadata as now stored."""
    return JSONResponse(await call(_update, store, project, run, tenant, body))


def _delete(store: Store, project: str, run: str, tenant: str) -> str:
    found = lookup.run(store, project, run, tenant)
    store.delete_run(found.run.id)
    return f"Run '{found.project.name}/{found.run.name}' deleted successfully"


@router.delete("/{project}/runs/{run}", summary="Delete a run")
async def delete_run(project: ProjectName, run: RunName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Remove the run with its metrics, logs and artifact files. Irreversible."""
    return JSONResponse({"message": await call(_delete, store, project, run, tenant)})
