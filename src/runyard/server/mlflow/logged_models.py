"""MLflow 3 logged models: create, get, finalize, search, delete, tags, params and their artifact folders.

Every `mlflow.<flavor>.log_model`, autolog and `log_table` go through these: the client creates
a pending model, uploads its files to `mlflow-artifacts:/<experiment>/models/<id>/artifacts`,
then finalizes it (PATCH status READY). A model belongs to an experiment (a project), so to the
caller's tenant; another tenant's model reads as a missing one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard.errors import InvalidInputError, NotFoundError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.mlflow import ids, matching, model_filter
from runyard.server.mlflow import model_schemas as schemas
from runyard.server.mlflow.artifacts import model_listing
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.model_filter import Candidate
from runyard.server.mlflow.model_lookup import model_for
from runyard.server.mlflow.model_shapes import STATUS_IN, model_attributes, model_json
from runyard.server.mlflow.paging import page
from runyard.server.mlflow.schemas import KeyValue
from runyard.server.responses import JSONResponse
from runyard.store import Store
from runyard.store.logged_models import LoggedModel

router = APIRouter(prefix="/api/2.0/mlflow/logged-models", route_class=MlflowRoute, tags=["mlflow"])
ModelId = Annotated[str, "m-<32 hex digits>"]


def _source_run(store: Store, model: LoggedModel) -> str:
    """The MLflow id (uid) of the run that produced the model; "" when none did or it is gone."""
    if model.source_run_id is None:
        return ""
    try:
        return store.get_run(model.source_run_id).uid
    except NotFoundError:
        return ""


def described(store: Store, model: LoggedModel) -> dict[str, Any]:
    """`{"model": LoggedModel}` as the client reads it."""
    experiment = ids.experiment_id(store.get_project(model.project_id))
    return {"model": model_json(model, experiment, _source_run(store, model))}


def _pairs(items: list[KeyValue]) -> dict[str, str]:
    return {item.key: item.value for item in items}


def _create(store: Store, body: schemas.CreateLoggedModel, tenant: str) -> dict[str, Any]:
    project = ids.active_experiment(store, body.experiment_id, tenant)
    source = ids.run(store, body.source_run_id, tenant).run.id if body.source_run_id else None
    model = store.create_logged_model(project.id, name=body.name.strip() or f"model-{uuid.uuid4().hex[:8]}",
                                      model_type=body.model_type, source_run_id=source,
                                      params=_pairs(body.params), tags=_pairs(body.tags))
    return described(store, model)


@router.post("", summary="Create a logged model")
async def create(body: schemas.CreateLoggedModel, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{"model": LoggedModel}`, pending until finalized."""
    return JSONResponse(await call(_create, store, body, tenant))


@router.get("/{model_id}", summary="Get a logged model")
async def get(model_id: ModelId, store: StoreDep, tenant: TenantDep,
              allow_deleted: Annotated[bool, Query(description="accepted; deleted models are gone in runyard")] = False,
              ) -> JSONResponse:
    """`{"model": LoggedModel}`."""
    return JSONResponse(await call(lambda: described(store, model_for(store, model_id, tenant))))


def _finalize(store: Store, model_id: str, status: str | int, tenant: str) -> dict[str, Any]:
    model = model_for(store, model_id, tenant)
    wanted = STATUS_IN.get(str(status))
    if wanted is None or wanted == "pending":
        raise InvalidInputError(f"status must be LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED, not {str(status)[:40]!r}")
    return described(store, store.set_logged_model_status(model.id, wanted))


@router.patch("/{model_id}", summary="Finalize a logged model (its status)")
async def finalize(model_id: ModelId, body: schemas.FinalizeLoggedModel, store: StoreDep,
                   tenant: TenantDep) -> JSONResponse:
    """`{"model": LoggedModel}` with its final status."""
    return JSONResponse(await call(_finalize, store, model_id, body.status, tenant))


def _delete(store: Store, model_id: str, tenant: str) -> None:
    store.delete_logged_model(model_for(store, model_id, tenant).id)


@router.delete("/{model_id}", summary="Delete a logged model")
async def delete(model_id: ModelId, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; the model, its files and runs' links to it are gone."""
    await call(_delete, store, model_id, tenant)
    return JSONResponse({})


def _set_tags(store: Store, model_id: str, body: schemas.LoggedModelTags, tenant: str) -> None:
    store.set_logged_model_tags(model_for(store, model_id, tenant).id, _pairs(body.tags))


@router.patch("/{model_id}/tags", summary="Set tags of a logged model")
async def set_tags(model_id: ModelId, body: schemas.LoggedModelTags, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}` once the tags are set (others stay)."""
    await call(_set_tags, store, model_id, body, tenant)
    return JSONResponse({})


def _delete_tag(store: Store, model_id: str, key: str, tenant: str) -> None:
    store.delete_logged_model_tag(model_for(store, model_id, tenant).id, key)


@router.delete("/{model_id}/tags/{tag_key}", summary="Delete a tag of a logged model")
async def delete_tag(model_id: ModelId, tag_key: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}`; 404 when the model has no such tag."""
    await call(_delete_tag, store, model_id, tag_key, tenant)
    return JSONResponse({})


def _log_params(store: Store, model_id: str, body: schemas.LoggedModelParams, tenant: str) -> None:
    store.log_logged_model_params(model_for(store, model_id, tenant).id, _pairs(body.params))


@router.post("/{model_id}/params", summary="Log params of a logged model")
async def log_params(model_id: ModelId, body: schemas.LoggedModelParams, store: StoreDep,
                     tenant: TenantDep) -> JSONResponse:
    """`{}`; a param already logged with another value is INVALID_PARAMETER_VALUE and nothing is written."""
    await call(_log_params, store, model_id, body, tenant)
    return JSONResponse({})


@router.get("/{model_id}/artifacts/directories", summary="List a folder of a logged model's files")
async def directories(model_id: ModelId, store: StoreDep, tenant: TenantDep,
                      artifact_directory_path: Annotated[str, Query(max_length=2048)] = "") -> JSONResponse:
    """`{root_uri, files: [{path, is_dir, file_size}]}` of one folder of the model's files."""
    return JSONResponse(await call(
        lambda: model_listing(store, model_for(store, model_id, tenant), artifact_directory_path)))


def _search(store: Store, body: schemas.SearchLoggedModels, tenant: str) -> dict[str, Any]:
    clauses = model_filter.parse(body.filter)
    orders = model_filter.orders([(entry.field_name, entry.ascending) for entry in body.order_by])
    experiments: dict[int, str] = {}
    for ref in body.experiment_ids:  # an unknown or foreign experiment: 404, as in runs/search
        project = ids.experiment(store, ref, tenant)
        experiments[project.id] = ids.experiment_id(project)
    models = store.list_logged_models(list(experiments))  # newest first: MLflow's default
    by_source = {model.source_run_id: model for model in models}
    sources = {run_id: _source_run(store, model) for run_id, model in by_source.items()}  # one read per run
    candidates = [Candidate(model, model_attributes(model, experiments[model.project_id], sources[model.source_run_id]))
                  for model in models]
    found = matching.order(matching.select(candidates, clauses, model_filter.value_of), orders, model_filter.value_of)
    chosen, token = page(found, body.page_token, body.max_results)
    answer: dict[str, Any] = {"models": [model_json(item.model, str(item.attributes["experiment_id"]),
                                                    str(item.attributes["source_run_id"])) for item in chosen]}
    return {**answer, "next_page_token": token} if token else answer


@router.post("/search", summary="Search logged models")
async def search(body: schemas.SearchLoggedModels, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{models, next_page_token}`: newest first unless `order_by` says otherwise."""
    return JSONResponse(await call(_search, store, body, tenant))
