"""A project's metadata (read and edit) and its deletion."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from runyard.server.aspara import PREFIX, TAG, lookup, shapes
from runyard.server.aspara.metadata import MetadataUpdate
from runyard.server.aspara.path_params import ProjectName
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.store import Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})


def _metadata(store: Store, project: str, tenant: str) -> dict[str, Any]:
    return shapes.project_metadata(lookup.project(store, project, tenant))


@router.get("/{project}/metadata", summary="Get project metadata")
async def get_project_metadata_api(project: ProjectName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"notes", "tags", "created_at", "updated_at"}`."""
    return JSONResponse(await call(_metadata, store, project, tenant))


def _update(store: Store, project: str, tenant: str, body: MetadataUpdate) -> dict[str, Any]:
    owner = lookup.project(store, project, tenant)
    if body.notes is not None or body.tags is not None:
        owner = store.update_project(owner.id, notes=body.notes, tags=body.tags)
    return shapes.project_metadata(owner)


@router.put("/{project}/metadata", summary="Update project metadata")
async def update_project_metadata_api(project: ProjectName, body: MetadataUpdate, store: StoreDep,
                                      tenant: TenantDep) -> JSONResponse:
    """Set `notes` and/or `tags` of an existing project (never creates one); answers the metadata."""
    return JSONResponse(await call(_update, store, project, tenant, body))


def _delete(store: Store, project: str, tenant: str) -> str:
    owner = lookup.project(store, project, tenant)
    store.delete_project(owner.id)
    return f"Project '{owner.name}' deleted successfully"


@router.delete("/{project}", summary="Delete a project")
async def delete_project(project: ProjectName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Remove the project with all its runs, metrics, logs and artifact files. Irreversible."""
    return JSONResponse({"message": await call(_delete, store, project, tenant)})
