"""MLflow runs (= runyard runs, addressed by uid): create, get, update, delete, restore.

MLflow run names need not be unique; runyard's are unique in a project (other dialects
address runs by name). The MLflow name is the `mlflow.runName` tag; the runyard name is the
same text, suffixed `-2`, `-3`, ... when taken. MLflow's delete is soft: the run is marked
deleted for MLflow (searches hide it, restore brings it back) and stays a runyard run.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard import run_lifecycle
from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep
from runyard.server.mlflow import ids, tags
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.rules import check_tags
from runyard.server.mlflow.schemas import CreateRun, RunRef, UpdateRun
from runyard.server.mlflow.shapes import STATUS_IN, run_info_json, run_json
from runyard.server.responses import JSONResponse
from runyard.store import Run, Store, WriteBatch
from runyard.store.free_names import first_free_name
from runyard.store.models import TERMINAL_STATUSES

router = APIRouter(prefix="/api/2.0/mlflow/runs", tags=["mlflow"], route_class=MlflowRoute)
Id = Annotated[str, Query(max_length=1_000)]


def rename(store: Store, run: Run, wanted: str) -> Run:
    """Give the runyard run the MLflow name (suffixed when taken); unchanged when it already has it."""
    if run.name == wanted or (run.name.startswith(f"{wanted}-") and run.name[len(wanted) + 1:].isdigit()):
        return run
    return first_free_name(wanted, lambda name: store.update_run(run.id, name=name))


def status_of(text: str) -> str:
    """runyard status of an MLflow RunStatus; 400 for anything else."""
    status = STATUS_IN.get(text)
    if status is None:
        raise InvalidInputError(f"Invalid run status {text!r}: one of {sorted(STATUS_IN)}")
    return status


def get_run_json(store: Store, run_id: str, tenant: str) -> dict[str, Any]:
    """The MLflow Run message of the caller's run."""
    found = ids.run(store, run_id, tenant)
    values = store.run_tag_values([found.run.id])[found.run.id]
    summaries = store.metric_summaries([found.run.id])[found.run.id]
    return run_json(found.project, found.run, values, summaries, store.run_links([found.run.id]).get(found.run.id))


@router.post("/create", summary="Create a run")
def create_run(body: CreateRun, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"run"}`: running, named by `run_name` or the `mlflow.runName` tag (a name is generated when neither)."""
    project = ids.active_experiment(store, body.experiment_id, tenant)
    sent = {tag.key: tag.value for tag in body.tags}
    check_tags(sent)  # refused before the run exists: nothing is half-written
    start = None if body.start_time is None else body.start_time / 1000
    wanted = (body.run_name or sent.get(tags.RUN_NAME, "")).strip()

    def create(name: str | None) -> Run:
        return store.create_run(project.id, name=name, uid=uuid.uuid4().hex, start_time=start)

    run = first_free_name(wanted, create) if wanted else create(None)
    sent[tags.RUN_NAME] = wanted or run.name
    if body.user_id:
        sent.setdefault(tags.USER, body.user_id)
    writes = tags.tag_writes(run, {}, sent)
    store.apply(run.id, WriteBatch(tag_values=writes.values, notes=writes.notes, tags=writes.list_tags))
    return JSONResponse({"run": get_run_json(store, run.uid, tenant)})


@router.get("/get", summary="Get a run")
def get_run(store: StoreDep, tenant: TenantDep, run_id: Id = "", run_uuid: Id = "") -> JSONResponse:
    """`{"run"}`: info, latest metrics, params and tags; RESOURCE_DOES_NOT_EXIST for an unknown id."""
    return JSONResponse({"run": get_run_json(store, run_id or run_uuid, tenant)})


@router.post("/update", summary="Update a run's status, end time or name")
def update_run(body: UpdateRun, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"run_info"}`; a terminal status records `end_time` (now when not sent)."""
    found = ids.run(store, body.ref, tenant)
    run = found.run
    status = None if body.status is None else status_of(body.status)
    if body.run_name:
        run = rename(store, run, body.run_name.strip() or run.name)
        store.set_run_tag_values(run.id, {tags.RUN_NAME: body.run_name})
    if status is not None:
        end = None if body.end_time is None or status not in TERMINAL_STATUSES else body.end_time / 1000
        run = store.set_run_status(run.id, status, end_time=end)
    values = store.run_tag_values([run.id])[run.id]
    return JSONResponse({"run_info": run_info_json(found.project, run, values)})


def _set_lifecycle(store: Store, run_id: str, tenant: str, deleted: bool) -> None:
    run_lifecycle.set_archived(store, ids.run(store, run_id, tenant).run.id, deleted)


@router.post("/delete", summary="Delete (soft) a run")
def delete_run(body: RunRef, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`: MLflow's searches hide the run until it is restored; runyard keeps it and its data."""
    _set_lifecycle(store, body.ref, tenant, deleted=True)
    return JSONResponse({})


@router.post("/restore", summary="Restore a deleted run")
def restore_run(body: RunRef, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`: the run is active for MLflow again."""
    _set_lifecycle(store, body.ref, tenant, deleted=False)
    return JSONResponse({})
