"""MLflow experiments (= the caller's runyard projects): create, get, get-by-name, search, update, delete, restore, tags."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard.errors import ConflictError, InvalidInputError, NotFoundError
from runyard.server.deps import StoreDep, TenantDep
from runyard.server.mlflow import ids
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.filters import Identifier, parse_filter, parse_order
from runyard.server.mlflow.matching import Value, order, select
from runyard.server.mlflow.paging import page, with_token
from runyard.server.mlflow.schemas import (
    CreateExperiment,
    ExperimentRef,
    ExperimentTag,
    ExperimentTagKey,
    SearchExperiments,
    UpdateExperiment,
)
from runyard.server.mlflow.shapes import experiment_json, ms
from runyard.server.mlflow.tags import NOTE, experiment_tags
from runyard.server.responses import JSONResponse
from runyard.store import Project, Store
from runyard.store.validate_batch import check_tag_values

PREFIX = "/api/2.0/mlflow/experiments"
router = APIRouter(prefix=PREFIX, tags=["mlflow"], route_class=MlflowRoute)
FILTER_ATTRIBUTES = frozenset({"name", "creation_time", "last_update_time"})
NUMERIC_ATTRIBUTES = frozenset({"creation_time", "last_update_time"})
ORDER_ATTRIBUTES = FILTER_ATTRIBUTES | {"experiment_id"}
VIEWS = {"ACTIVE_ONLY": ("active",), "DELETED_ONLY": ("deleted",), "ALL": ("active", "deleted")}
Id = Annotated[str, Query(max_length=1_000)]


def _answer(store: Store, project: Project) -> JSONResponse:
    tags = store.project_tag_values([project.id])[project.id]
    return JSONResponse({"experiment": experiment_json(project, tags)})


@router.post("/create", summary="Create an experiment")
def create_experiment(body: CreateExperiment, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"experiment_id"}`; RESOURCE_ALREADY_EXISTS when the name is taken (deleted experiments included)."""
    if body.name.strip() == ids.DEFAULT_EXPERIMENT_NAME:
        ids.default_experiment(store, tenant)  # exists for every tenant: creating it again is taken
    tags, _none = check_tag_values({tag.key: tag.value for tag in body.tags}, ())  # before anything is written
    note = tags.pop(NOTE, "")
    try:
        project = store.create_project(body.name, tenant=tenant, artifact_location=body.artifact_location, notes=note)
    except ConflictError:
        raise ConflictError(f"Experiment(name={body.name}) already exists.") from None
    if tags:
        store.set_project_tag_values(project.id, tags)
    return JSONResponse({"experiment_id": ids.experiment_id(project)})


@router.get("/get", summary="Get an experiment by id")
def get_experiment(experiment_id: Id, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"experiment"}`, deleted or not; RESOURCE_DOES_NOT_EXIST for an unknown id."""
    return _answer(store, ids.experiment(store, experiment_id, tenant))


@router.get("/get-by-name", summary="Get an experiment by name")
def get_experiment_by_name(experiment_name: Id, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"experiment"}`; RESOURCE_DOES_NOT_EXIST when the caller has no experiment of that name."""
    if experiment_name == ids.DEFAULT_EXPERIMENT_NAME:
        return _answer(store, ids.default_experiment(store, tenant))
    try:
        project = store.get_project_by_name(experiment_name, tenant=tenant)
    except NotFoundError:
        raise NotFoundError(f"Could not find experiment with name {experiment_name}") from None
    return _answer(store, project)


def _value(project: Project, tags: dict[int, dict[str, str]], target: Identifier) -> Value:
    if target.entity == "tag":
        return experiment_tags(project, tags[project.id]).get(target.key)
    if target.key == "name":
        return project.name
    if target.key == "experiment_id":
        return float(0 if ids.experiment_id(project) == ids.DEFAULT_EXPERIMENT_ID else project.id)
    seconds = project.created_at if target.key == "creation_time" else project.updated_at
    return float(ms(seconds) or 0)


def _search(store: Store, tenant: str, query: SearchExperiments) -> dict[str, Any]:
    stages = VIEWS.get(query.view_type)
    if stages is None:
        raise InvalidInputError(f"view_type must be one of {sorted(VIEWS)}, not {query.view_type!r}")
    clauses = parse_filter(query.filter, FILTER_ATTRIBUTES, NUMERIC_ATTRIBUTES)
    if any(c.target.entity not in ("attribute", "tag") for c in clauses):
        raise InvalidInputError("experiments are filtered by attributes (name, creation_time, last_update_time) "
                                "and tags only")
    orders = parse_order(query.order_by or ["creation_time DESC", "experiment_id ASC"], ORDER_ATTRIBUTES)
    if "active" in stages:
        ids.default_experiment(store, tenant)
    projects = [p for p in store.list_projects(tenant=tenant, lifecycle=None) if p.lifecycle in stages]
    tags = store.project_tag_values([p.id for p in projects])
    found = order(select(projects, clauses, lambda p, t: _value(p, tags, t)), orders,
                  lambda p, t: _value(p, tags, t))
    shown, next_token = page(found, query.page_token, query.max_results)
    return with_token("experiments", [experiment_json(p, tags[p.id]) for p in shown], next_token)


@router.post("/search", summary="Search experiments")
def search_experiments(body: SearchExperiments, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"experiments", "next_page_token"?}`: filter by name/tags/times, order_by, paged with opaque tokens."""
    return JSONResponse(_search(store, tenant, body))


@router.get("/search", summary="Search experiments (query string)")
def search_experiments_get(
    store: StoreDep, tenant: TenantDep,
    max_results: Annotated[int, Query(ge=1, le=50_000)] = 1000,
    page_token: Annotated[str | None, Query(max_length=1_000)] = None,
    filter: Annotated[str, Query(max_length=10_000)] = "",
    order_by: Annotated[list[str] | None, Query(max_length=100)] = None,
    view_type: Annotated[str, Query(max_length=20)] = "ACTIVE_ONLY",
) -> JSONResponse:
    """The same search with its fields in the query string (repeated `order_by`)."""
    query = SearchExperiments(max_results=max_results, page_token=page_token, filter=filter,
                              order_by=order_by or [], view_type=view_type)
    return JSONResponse(_search(store, tenant, query))


@router.post("/update", summary="Rename an experiment")
def update_experiment(body: UpdateExperiment, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; RESOURCE_ALREADY_EXISTS when the new name is taken."""
    project = ids.experiment(store, body.experiment_id, tenant)
    if project.name == ids.DEFAULT_EXPERIMENT_NAME and body.new_name != project.name:
        raise InvalidInputError("the Default experiment (id 0) keeps its name in runyard")
    store.update_project(project.id, name=body.new_name)
    return JSONResponse({})


@router.post("/delete", summary="Delete (soft) an experiment")
def delete_experiment(body: ExperimentRef, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`: lifecycle becomes deleted; its runs and data stay (restore brings it back)."""
    store.set_project_lifecycle(ids.experiment(store, body.experiment_id, tenant).id, "deleted")
    return JSONResponse({})


@router.post("/restore", summary="Restore a deleted experiment")
def restore_experiment(body: ExperimentRef, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`: lifecycle becomes active again."""
    store.set_project_lifecycle(ids.experiment(store, body.experiment_id, tenant).id, "active")
    return JSONResponse({})


@router.post("/set-experiment-tag", summary="Set an experiment tag")
def set_experiment_tag(body: ExperimentTag, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; the value replaces any earlier one."""
    project = ids.experiment(store, body.experiment_id, tenant)
    if body.key == NOTE:
        store.update_project(project.id, notes=body.value)
    else:
        store.set_project_tag_values(project.id, {body.key: body.value})
    return JSONResponse({})


@router.post("/delete-experiment-tag", summary="Delete an experiment tag")
def delete_experiment_tag(body: ExperimentTagKey, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; RESOURCE_DOES_NOT_EXIST when the experiment has no such tag."""
    project = ids.experiment(store, body.experiment_id, tenant)
    if body.key not in experiment_tags(project, store.project_tag_values([project.id])[project.id]):
        raise NotFoundError(f"No tag with name: {body.key} in experiment with id {body.experiment_id}")
    if body.key == NOTE:
        store.update_project(project.id, notes="")
    else:
        store.set_project_tag_values(project.id, {}, deletes=[body.key])
    return JSONResponse({})
