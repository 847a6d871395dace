"""v1 experiments (= runyard projects of the caller's tenant): create, list, read, update, archive."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.params import Offset
from runyard.server.responses import JSONResponse
from runyard.server.v1.access import load_experiment
from runyard.server.v1.schemas import (
    ERRORS,
    CreateExperiment,
    ExperimentListOut,
    ExperimentOut,
    UpdateExperiment,
)
from runyard.server.v1.shapes import experiment_json, merge_tags, tags_to_list
from runyard.store import Store

router = APIRouter(prefix="/api/v1/experiments", tags=["experiments-v1"], responses=ERRORS)


@router.post("", status_code=201, response_model=ExperimentOut, summary="Create an experiment")
async def create_experiment(body: CreateExperiment, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """201 with the experiment; 409 when the name is taken in the tenant (deleted ones included)."""
    tags = tags_to_list(body.tags)
    project = await call(store.create_project, body.name, tenant=tenant, description=body.description,
                         tags=tags, artifact_location=body.artifact_location)
    return JSONResponse(experiment_json(project), status_code=201)


def _page(store: Store, tenant: str, search: str | None, stage: str, limit: int, offset: int) -> dict[str, Any]:
    found = store.list_projects(tenant=tenant, search=search, lifecycle=stage, limit=limit, offset=offset)
    total = store.count_projects(tenant=tenant, search=search, lifecycle=stage)
    return {"experiments": [experiment_json(p) for p in found], "total": total, "limit": limit, "offset": offset}


@router.get("", response_model=ExperimentListOut, summary="List experiments")
async def list_experiments(
    store: StoreDep,
    tenant: TenantDep,
    search: Annotated[str | None, Query(max_length=255, description="case-insensitive substring of the name")] = None,
    lifecycle_stage: Literal["active", "deleted"] = "active",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> JSONResponse:
    """The caller's experiments, ordered by id."""
    return JSONResponse(await call(_page, store, tenant, search, lifecycle_stage, limit, offset))


@router.get("/{experiment_id}", response_model=ExperimentOut, summary="Get an experiment")
async def get_experiment(experiment_id: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """The experiment, deleted or not."""
    return JSONResponse(experiment_json(await load_experiment(store, experiment_id, tenant)))


@router.patch("/{experiment_id}", response_model=ExperimentOut, summary="Update an experiment")
async def update_experiment(
    experiment_id: str, body: UpdateExperiment, store: StoreDep, tenant: TenantDep
) -> JSONResponse:
    """Change the fields given; `tags` is merged (null removes a tag); 409 on a taken name."""
    project = await load_experiment(store, experiment_id, tenant)
    tags = None if body.tags is None else merge_tags(project.tags, body.tags)
    updated = await call(store.update_project, project.id, name=body.name, description=body.description,
                         tags=tags, artifact_location=body.artifact_location)
    return JSONResponse(experiment_json(updated))


@router.delete("/{experiment_id}", response_model=ExperimentOut, summary="Archive (soft-delete) an experiment")
async def delete_experiment(experiment_id: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Lifecycle becomes `deleted`; runs and data stay; restore brings it back."""
    project = await load_experiment(store, experiment_id, tenant)
    return JSONResponse(experiment_json(await call(store.set_project_lifecycle, project.id, "deleted")))


@router.post("/{experiment_id}/restore", response_model=ExperimentOut, summary="Restore an archived experiment")
async def restore_experiment(experiment_id: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Lifecycle becomes `active` again."""
    project = await load_experiment(store, experiment_id, tenant)
    return JSONResponse(experiment_json(await call(store.set_project_lifecycle, project.id, "active")))
