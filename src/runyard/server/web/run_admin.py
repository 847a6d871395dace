"""Archive, restore and delete runs from the dashboard (each asked for, and confirmed, by the user).

Archiving is the run's archived mark (`runyard.run_lifecycle`: MLflow's soft delete): its data
stays, the dashboard's views leave it out until it is restored. Deleting removes the run with
its metrics, logs and artifact files; a running run is refused (stop it first), as in the
SwanLab dialect. Every run named must belong to the path's project: one unknown (or another
tenant's) run is a 404 and nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from runyard import lookup, run_lifecycle
from runyard.access import Kind, missing
from runyard.errors import ConflictError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.params import INT64_MAX
from runyard.server.responses import JSONResponse
from runyard.store import Run, Store

router = APIRouter(prefix="/web/api", include_in_schema=False)
MAX_RUNS = 1000
RunIds = Annotated[list[Annotated[int, Field(ge=1, le=INT64_MAX)]], Field(min_length=1, max_length=MAX_RUNS)]


class ArchiveRuns(BaseModel):
    """Archive the runs (`archived: true`) or restore them (`false`)."""

    model_config = ConfigDict(extra="forbid")
    runs: RunIds
    archived: bool = True


class DeleteRuns(BaseModel):
    """Delete the runs for good."""

    model_config = ConfigDict(extra="forbid")
    runs: RunIds


def _project_runs(store: Store, project_id: str, run_ids: list[int], tenant: str) -> list[Run]:
    """The runs, each checked to be the caller's and in the project."""
    project = lookup.project_by_id(store, lookup.parse_id(project_id, "project"), tenant)
    lookup.check_runs(store, run_ids, tenant)
    runs = [store.get_run(run_id) for run_id in dict.fromkeys(run_ids)]
    for run in runs:
        if run.project_id != project.id:
            raise missing(Kind.RUN, run.id)
    return runs


def _archive(store: Store, project_id: str, body: ArchiveRuns, tenant: str) -> dict[str, Any]:
    runs = _project_runs(store, project_id, body.runs, tenant)
    for run in runs:
        run_lifecycle.set_archived(store, run.id, body.archived)
    return {"runs": [run.id for run in runs], "archived": body.archived}


def _delete(store: Store, project_id: str, body: DeleteRuns, tenant: str) -> dict[str, Any]:
    runs = _project_runs(store, project_id, body.runs, tenant)
    running = [run.name for run in runs if run.status == "running"]
    if running:
        raise ConflictError(f"run {running[0]!r} is running: stop it before deleting it")
    for run in runs:
        store.delete_run(run.id)
    return {"deleted": [run.id for run in runs]}


@router.post("/projects/{project_id}/runs/archive")
async def archive_runs(project_id: str, body: ArchiveRuns, store: StoreDep, tenant: TenantDep) -> Response:
    """Archive (or restore) runs of the project: hidden from the dashboard's views, data kept."""
    return JSONResponse(await call(_archive, store, project_id, body, tenant))


@router.post("/projects/{project_id}/runs/delete")
async def delete_runs(project_id: str, body: DeleteRuns, store: StoreDep, tenant: TenantDep) -> Response:
    """Delete runs of the project with their metrics, logs and files; 409 (nothing deleted) if one is running."""
    return JSONResponse(await call(_delete, store, project_id, body, tenant))
