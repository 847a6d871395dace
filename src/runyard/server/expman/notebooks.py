"""expman-rs's Jupyter and TensorBoard launchers, answered as unavailable.

expman-rs's web app can start a Jupyter or TensorBoard server for a run from its
Interactive and TensorBoard tabs. runyard starts neither from here (its own Jupyter
spawner is `/api/jupyter`, see docs/jupyter.md), so the app's status questions get their
true answers: no backend, no logs, nothing running, no notebook; the tabs then show their
"not available" states. The start/stop/create calls are not routes (404/405).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter

from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.expman import APP_PREFIX, PREFIX, TAG, lookup
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.responses import JSONResponse

router = APIRouter(tags=[TAG], responses={404: {"description": '`{"error": "..."}`'}})
NOT_RUNNING = {"running": False, "port": None}
NO_NOTEBOOK = {"exists": False, "content": None}
# Path (after the experiment or run) -> (summary, answer).
EXPERIMENT_ANSWERS: dict[str, tuple[str, dict[str, Any]]] = {
    "jupyter/status": ("An experiment's notebook server: not running", NOT_RUNNING),
    "jupyter/notebook": ("An experiment's notebook: none", NO_NOTEBOOK),
}
RUN_ANSWERS: dict[str, tuple[str, dict[str, Any]]] = {
    "jupyter/status": ("A run's notebook server: not running", NOT_RUNNING),
    "jupyter/notebook": ("A run's notebook: none", NO_NOTEBOOK),
    "tensorboard/status": ("A run's TensorBoard server: not running", NOT_RUNNING),
    "tensorboard/has_logs": ("A run's TensorBoard logs: none (runyard keeps no event files)", {"has_logs": False}),
}


@router.get(f"{APP_PREFIX}/jupyter/available", summary="Jupyter backend for expman's app: none")
async def jupyter_available(tenant: TenantDep) -> JSONResponse:
    """`{"backend": "none"}`: no notebook is started from expman's app (`/api/jupyter/available` there)."""
    del tenant  # answered to every caller with a valid token
    return JSONResponse({"backend": "none"})


@router.get(f"{APP_PREFIX}/tensorboard/available", summary="TensorBoard for expman's app: unavailable")
async def tensorboard_available(tenant: TenantDep) -> JSONResponse:
    """`{"available": false}` (`/api/tensorboard/available` in expman-rs)."""
    del tenant
    return JSONResponse({"available": False})


def _experiment_answer(answer: dict[str, Any]) -> Callable[..., Awaitable[JSONResponse]]:
    async def respond(experiment: ExperimentName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
        await call(lookup.project, store, experiment, tenant)  # 404 for an experiment the caller lacks
        return JSONResponse(answer)

    return respond


def _run_answer(answer: dict[str, Any]) -> Callable[..., Awaitable[JSONResponse]]:
    async def respond(experiment: ExperimentName, run: RunName, store: StoreDep, tenant: TenantDep) -> JSONResponse:
        await call(lookup.run, store, experiment, run, tenant)  # 404 for a run the caller lacks
        return JSONResponse(answer)

    return respond


for _path, (_summary, _answer) in EXPERIMENT_ANSWERS.items():
    router.add_api_route(f"{PREFIX}/{{experiment}}/{_path}", _experiment_answer(_answer), methods=["GET"],
                         summary=_summary, description=f"`{json.dumps(_answer)}` for an experiment the caller has.")
for _path, (_summary, _answer) in RUN_ANSWERS.items():
    router.add_api_route(f"{PREFIX}/{{experiment}}/runs/{{run}}/{_path}", _run_answer(_answer), methods=["GET"],
                         summary=_summary, description=f"`{json.dumps(_answer)}` for a run the caller has.")
