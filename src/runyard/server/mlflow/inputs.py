"""A run's inputs (`runs/log-inputs`: datasets, models it used) and outputs (`runs/outputs`: models it produced).

Shown back in the run's `inputs` and `outputs` (`shapes.links_json`). The run must be active
(not deleted for MLflow), every model named one of the caller's; each link is kept once (a
dataset by name and digest).
"""

from __future__ import annotations

from fastapi import APIRouter

from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.mlflow import model_schemas as schemas
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.logging import active_run
from runyard.server.mlflow.model_lookup import model_for
from runyard.server.responses import JSONResponse
from runyard.store import Store
from runyard.store.logged_models import DatasetInput

router = APIRouter(prefix="/api/2.0/mlflow/runs", route_class=MlflowRoute, tags=["mlflow"])


def _dataset(item: schemas.DatasetInput) -> DatasetInput:
    data = item.dataset
    return DatasetInput(name=data.name, digest=data.digest, source_type=data.source_type, source=data.source,
                        schema=data.schema_, profile=data.profile,
                        tags=tuple((tag.key, tag.value) for tag in item.tags))


def _log_inputs(store: Store, body: schemas.LogInputs, tenant: str) -> None:
    run = active_run(store, body.ref, tenant)[0].run
    models = [model_for(store, item.model_id, tenant).id for item in body.models]
    store.log_run_inputs(run.id, [_dataset(item) for item in body.datasets], models)


@router.post("/log-inputs", summary="Log a run's inputs (datasets, models)")
async def log_inputs(body: schemas.LogInputs, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}` once the datasets and models are linked to the run as inputs."""
    await call(_log_inputs, store, body, tenant)
    return JSONResponse({})


def _log_outputs(store: Store, body: schemas.LogOutputs, tenant: str) -> None:
    run = active_run(store, body.ref, tenant)[0].run
    store.log_run_outputs(run.id, [(model_for(store, item.model_id, tenant).id, item.step) for item in body.models])


@router.post("/outputs", summary="Log the models a run produced")
async def log_outputs(body: schemas.LogOutputs, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}` once the models are linked to the run as outputs."""
    await call(_log_outputs, store, body, tenant)
    return JSONResponse({})
