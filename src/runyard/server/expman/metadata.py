"""expman metadata: an experiment's display name, description, tags and project; a run's name, description, tags.

expman-rs's web app reads these and writes them from its "Edit Metadata" and "Edit Run"
forms. An expman experiment is a runyard project addressed by name, and runyard keeps no
display name apart from that name nor any grouping above projects, so `display_name` is
always the name and `project` always null: a PATCH that would change either is refused
(400) rather than dropped; renaming is the Experiments API v1's `PATCH`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.edits import EditedTags
from runyard.server.expman import PREFIX, TAG, lookup, shapes
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.responses import JSONResponse
from runyard.store import Project, Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"error": "..."}`'}})
MAX_DESCRIPTION = 100_000


class _Edit(BaseModel):
    """Fields to change; null ones stay as they are. Tags replace the old list."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    tags: EditedTags = None


class ExperimentEdit(_Edit):
    """What "Edit Metadata" sends: `{"display_name", "description", "tags", "project"}`."""

    display_name: str | None = None
    project: str | None = None


class RunEdit(_Edit):
    """What "Edit Run" sends: `{"name", "description", "tags"}`; a new name renames the run."""

    name: str | None = None


def experiment_metadata(project: Project) -> dict[str, Any]:
    """expman's `ExperimentMetadata`."""
    return {"display_name": project.name, "description": project.description, "tags": list(project.tags),
            "project": None}


def _get_experiment(store: Store, experiment: str, tenant: str) -> dict[str, Any]:
    return experiment_metadata(lookup.project(store, experiment, tenant))


@router.get("/{experiment}/metadata", summary="An experiment's metadata (expman's web app)")
async def get_experiment_metadata(experiment: ExperimentName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"display_name", "description", "tags", "project"}`: the name, null project (no grouping above)."""
    return JSONResponse(await call(_get_experiment, store, experiment, tenant))


def _edit_experiment(store: Store, experiment: str, tenant: str, body: ExperimentEdit) -> dict[str, Any]:
    project = lookup.project(store, experiment, tenant)
    if body.display_name not in (None, "", project.name):
        raise InvalidInputError("an experiment's display name is its name here; rename it with "
                                "PATCH /api/v1/experiments/{id}")
    if body.project not in (None, ""):
        raise InvalidInputError("runyard has no projects above experiments: `project` must be null")
    if body.description is not None or body.tags is not None:
        project = store.update_project(project.id, description=body.description, tags=body.tags)
    return experiment_metadata(project)


@router.patch("/{experiment}/metadata", summary="Edit an experiment's description and tags",
              responses={400: {"description": "a display name or project that runyard cannot keep"}})
async def edit_experiment_metadata(experiment: ExperimentName, body: ExperimentEdit, store: StoreDep,
                                   tenant: TenantDep) -> JSONResponse:
    """Sets `description` and/or `tags` (null: unchanged); answers the metadata."""
    return JSONResponse(await call(_edit_experiment, store, experiment, tenant, body))


def _get_run(store: Store, experiment: str, name: str, tenant: str) -> dict[str, Any]:
    found = lookup.run(store, experiment, name, tenant)
    summaries = store.metric_summaries([found.run.id]).get(found.run.id, {})
    return shapes.run_json(found.run, found.project.name, summaries)


@router.get("/{experiment}/runs/{run}/metadata", summary="A run as expman's web app reads it")
async def get_run_metadata(experiment: ExperimentName, run: RunName, store: StoreDep,
                           tenant: TenantDep) -> JSONResponse:
    """The run's entry of the run list (`id`, `name`, `status`, times, `scalars`, `vectors`, ...)."""
    return JSONResponse(await call(_get_run, store, experiment, run, tenant))


def _edit_run(store: Store, experiment: str, name: str, tenant: str, body: RunEdit) -> dict[str, Any]:
    found = lookup.run(store, experiment, name, tenant)
    rename = body.name if body.name not in (None, "", found.run.name) else None
    run = found.run
    if rename is not None or body.description is not None or body.tags is not None:
        run = store.update_run(run.id, name=rename, description=body.description, tags=body.tags)
    summaries = store.metric_summaries([run.id]).get(run.id, {})
    return shapes.run_json(run, found.project.name, summaries)


@router.patch("/{experiment}/runs/{run}/metadata", summary="Edit a run's name, description and tags",
              responses={409: {"description": "the new name is taken in the experiment"}})
async def edit_run_metadata(experiment: ExperimentName, run: RunName, body: RunEdit, store: StoreDep,
                            tenant: TenantDep) -> JSONResponse:
    """Null fields stay; a new `name` renames the run (its URLs change with it). Answers the run."""
    return JSONResponse(await call(_edit_run, store, experiment, run, tenant, body))
