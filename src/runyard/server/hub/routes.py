"""The ExperimentHub routes, at the paths its spec gives; thin: the manager does the work.

Plain answers ("Experiment loaded", run ids) are JSON strings, as the FastAPI original
returned them. Errors are `{"detail": ...}`: 400 bad type/config/name/data, 404 unknown
experiment or plot, 409 taken name or busy experiment, 403 a model the hub did not make,
413 too many rows, 429 too many jobs running (with Retry-After), 504 a wait past hub_wait_s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Request, Response

from runyard.errors import InvalidInputError
from runyard.hub import saved, views
from runyard.hub.manager import HubManager
from runyard.hub.name_rules import RESERVED, first_segments
from runyard.server.deps import TenantDep, call

router = APIRouter(tags=["experimenthub"])
JSON_BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}


def get_manager(request: Request) -> HubManager:
    """The app's hub manager."""
    manager: HubManager = request.app.state.hub
    return manager


ManagerDep = Annotated[HubManager, Depends(get_manager)]


def route_paths(routes: Iterable[Any], prefix: str = "") -> Iterator[str]:
    """Every route path of the app, inside included routers too."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included-router wrapper
        if included is not None:
            extra = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from route_paths(included.routes, prefix + extra)
        elif getattr(route, "path", ""):
            yield prefix + route.path
            yield from route_paths(getattr(route, "routes", None) or (), prefix + route.path)


def reserved(request: Request) -> set[str]:
    """Names an experiment may not take: the first segments of every other route (computed once)."""
    found: set[str] | None = getattr(request.app.state, "hub_reserved", None)
    if found is None:
        found = set(RESERVED) | first_segments(route_paths(request.app.routes))
        request.app.state.hub_reserved = found
    return found


async def json_body(request: Request) -> Any:
    """The body as JSON; None when empty; 400 when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"body is not JSON: {exc}") from None


@router.get("/available_experiments", summary="Registered experiment types")
async def available_experiments(_tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """`{type: {"module", "class", "plots", "eda_plots"}}`."""
    return await call(views.available, manager)


@router.post("/create_experiment/{name}/{experiment_type}", summary="Create an experiment and start training it",
             openapi_extra={"requestBody": JSON_BODY})
async def create_experiment(name: str, experiment_type: str, request: Request, tenant: TenantDep,
                            manager: ManagerDep) -> dict[str, str]:
    """Validate the config (400 naming the field), register it, train on the data in its queue."""
    config = await json_body(request)
    await call(manager.create, tenant, name, experiment_type, {} if config is None else config,
               reserved(request))
    return {"message": f"Creating experiment '{name}' of type '{experiment_type}'"}


@router.get("/experiments", summary="Experiment names with their plot and EDA plot names")
async def experiments(tenant: TenantDep, manager: ManagerDep) -> dict[str, list[list[str]]]:
    """`{name: [[plot names], [EDA plot names]]}`."""
    return await call(views.catalog, manager, tenant)


@router.post("/flush/{queue}", summary="Drop every message waiting in a queue")
async def flush(queue: str, tenant: TenantDep, manager: ManagerDep) -> str:
    """Purge the experiment's queue (RabbitMQ or embedded)."""
    await call(views.flush, manager, tenant, queue)
    return "Rabbit flushed"


@router.post("/{name}/data", status_code=202, summary="Queue data for an experiment (runyard extension)",
             openapi_extra={"requestBody": JSON_BODY})
async def push_data(name: str, request: Request, tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """A JSON list of records or a pandas `to_json` frame, queued like a published message."""
    payload = await request.body()
    return await call(views.publish, manager, tenant, name, payload, reserved(request))


@router.post("/{name}/train", summary="Train with a new config (or the current one)",
             openapi_extra={"requestBody": JSON_BODY})
async def train(name: str, request: Request, tenant: TenantDep, manager: ManagerDep) -> dict[str, str]:
    """Starts in the background; 409 while the experiment is busy."""
    config = await json_body(request)
    await call(manager.train, tenant, name, config)
    return {"message": "Training started based on sent parameters."}


@router.post("/{name}/retrain", summary="Retrain on the old data plus what waits in the queue")
async def retrain(name: str, tenant: TenantDep, manager: ManagerDep) -> str:
    """Needs a trained or loaded model (409 otherwise); starts in the background."""
    await call(manager.retrain, tenant, name)
    return "Retraining started as requested."


@router.post("/{name}/predict", summary="Predict with the trained or loaded model",
             openapi_extra={"requestBody": {"required": False, **JSON_BODY}})
async def predict(name: str, request: Request, tenant: TenantDep, manager: ManagerDep,
                  response: Response) -> str:
    """Waits for a training in progress, then predicts (optional body: new input records)."""
    payload = await request.body()
    uid = await call(manager.predict, tenant, name, payload if payload.strip() else None)
    response.headers["X-Runyard-Run"] = uid
    return "Prediction called"


@router.post("/{name}/stop_training", summary="Stop a training in progress")
async def stop_training(name: str, tenant: TenantDep, manager: ManagerDep) -> dict[str, str]:
    """Stops the worker process for real; its run ends `killed`."""
    stopped = await call(manager.stop_training, tenant, name)
    message = (f"Training for experiment {name} stopped successfully" if stopped
               else f"Experiment {name} was not training")
    return {"status": "success", "message": message}


@router.post("/{name}/kill", deprecated=True, summary="[DEPRECATED] Use /{name}/stop_training")
async def kill(name: str, tenant: TenantDep, manager: ManagerDep, response: Response) -> dict[str, str]:
    """Legacy alias of stop_training."""
    stopped = await call(manager.stop_training, tenant, name)  # 404 first: unknown names get no header
    response.headers["Deprecation"] = "true"
    # Header values are latin-1: the name goes in percent-encoded, as in any URL.
    response.headers["Link"] = f'</{quote(name, safe="")}/stop_training>; rel="successor-version"'
    message = (f"Experiment {name} training stopped successfully" if stopped
               else f"Experiment {name} was not training")
    return {"status": "success", "message": message}


@router.post("/{name}/delete", summary="Forget an experiment (its runs stay)")
async def delete(name: str, tenant: TenantDep, manager: ManagerDep) -> dict[str, str]:
    """Stops its job first."""
    await call(manager.delete, tenant, name)
    return {"status": "success", "message": f"Experiment {name} deleted successfully"}


@router.post("/{name}/load", summary="Restore the last saved model")
async def load(name: str, request: Request, tenant: TenantDep, manager: ManagerDep) -> str:
    """From the run `save` marked (else the last trained one)."""
    await call(saved.load, manager, tenant, name, None, reserved(request))
    return "Experiment loaded"


@router.post("/{name}/load/{run_id}", summary="Restore the model of a run")
async def load_run(name: str, run_id: str, request: Request, tenant: TenantDep, manager: ManagerDep) -> str:
    """Run by uid or id; creates the experiment from the run when the name is new."""
    await call(saved.load, manager, tenant, name, run_id, reserved(request))
    return "Experiment loaded"


@router.post("/{name}/save", summary="Mark the current model as the one load restores")
async def save(name: str, tenant: TenantDep, manager: ManagerDep) -> str:
    """Tags its run `saved`."""
    await call(saved.save, manager, tenant, name)
    return "Experiment saved"


@router.get("/{name}/plot/{plot}", summary="A model figure (Plotly JSON)")
async def plot(name: str, plot: str, tenant: TenantDep, manager: ManagerDep) -> Response:
    """From the last training or prediction."""
    return Response(await call(views.figure_json, manager, tenant, name, plot, False), media_type="application/json")


@router.get("/{name}/plot_eda/{plot}", summary="An exploratory figure (Plotly JSON)")
async def plot_eda(name: str, plot: str, tenant: TenantDep, manager: ManagerDep) -> Response:
    """From the training data of the last training."""
    return Response(await call(views.figure_json, manager, tenant, name, plot, True), media_type="application/json")


@router.get("/{name}/train_data", summary="The experiment's training data (JSON records)")
async def train_data(name: str, tenant: TenantDep, manager: ManagerDep) -> Response:
    """`[]` before any data was consumed."""
    body = await call(views.train_data, manager, tenant, name)
    return Response(body, media_type="application/json")


@router.get("/{name}/cfg", summary="The experiment's config")
async def cfg(name: str, tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """Normalized by its type (defaults filled in)."""
    exp = await call(manager.get, tenant, name)
    return exp.config


@router.get("/{name}/status", summary="Where the experiment stands (runyard extension)")
async def status(name: str, tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """Status, current job, runs, last error, last metrics, messages waiting in its queue."""
    return await call(views.status, manager, tenant, name)


@router.get("/{name}/run_id", summary="The uid of the experiment's current run")
async def run_id(name: str, tenant: TenantDep, manager: ManagerDep) -> str:
    """Usable with /{name}/load/{run_id} and every runyard API."""
    uid, _project = await call(views.ids, manager, tenant, name)
    return uid


@router.get("/{name}/exp_id", summary="The id of the experiment's runyard project")
async def exp_id(name: str, tenant: TenantDep, manager: ManagerDep) -> str:
    """The project's integer id, as a string."""
    _uid, project = await call(views.ids, manager, tenant, name)
    return project
