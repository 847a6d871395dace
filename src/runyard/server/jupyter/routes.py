"""`/api/jupyter`: spawn a token-protected Jupyter notebook for a run, list them, stop one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from runyard import lookup
from runyard.errors import DependencyMissingError, ForbiddenError
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.jupyter import launch
from runyard.server.jupyter.manager import JupyterManager
from runyard.server.jupyter.notebook import RunTarget, write_notebook
from runyard.store import Store

router = APIRouter(prefix="/api/jupyter", tags=["expman"])
MAX_REF = 1000


class SpawnRequest(BaseModel):
    """Which run: `{"run": uid | "project/name" | id}`, or expman's `{"experiment", "run"}`."""

    model_config = ConfigDict(extra="ignore")

    run: StrictStr | StrictInt = Field(
        description="Run uid, `project/name` or integer id; with `experiment`, the run's name.")
    experiment: StrictStr | None = Field(
        default=None, min_length=1, max_length=MAX_REF,
        description="expman form: the experiment (project) name; `run` is then a run name.")

    @field_validator("run")
    @classmethod
    def _non_empty(cls, value: str | int) -> str:
        text = str(value).strip()
        if not text or len(text) > MAX_REF:
            raise ValueError(f"run must be a uid, project/name or id of 1 to {MAX_REF} characters")
        return text


def get_manager(request: Request) -> JupyterManager:
    """The app's Jupyter manager."""
    manager: JupyterManager = request.app.state.jupyter
    return manager


ManagerDep = Annotated[JupyterManager, Depends(get_manager)]


def find_run(store: Store, ref: str, experiment: str | None, tenant: str) -> RunTarget:
    """The caller's run (uid, `project/name` or id; a name in `experiment`): 404 unknown or another's."""
    if experiment is not None:
        found = lookup.run_by_name(store, experiment, ref, tenant)
    else:
        found = lookup.run_by_ref(store, ref, tenant)
    return RunTarget(id=found.run.id, uid=found.run.uid, project=found.project.name, name=found.run.name)


@router.post("/spawn", status_code=201, summary="Spawn a Jupyter notebook analysing one run")
async def spawn(body: SpawnRequest, response: Response, store: StoreDep, settings: SettingsDep,
                tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """Write the run's notebook and start a token-protected Jupyter on 127.0.0.1 for it.

    201 with `url` (token included) once Jupyter answers; 200 with the same server when one
    runs for this run already. 403 when spawning is off, 404 unknown run, 409 while one is
    starting for the run, 429 at `jupyter_max_servers`, 501 when Jupyter is not installed,
    502 when it fails to start (with its log tail), 503 while runyard shuts down.
    """
    if not settings.jupyter_allowed:
        raise ForbiddenError("spawning Jupyter is off on this server: a notebook runs code as "
                             "the server's user, so it must be enabled explicitly: "
                             "`runyard serve --jupyter` or RUNYARD_JUPYTER=1 (Settings.jupyter_enabled)")
    missing = launch.missing_modules()
    if missing:
        raise DependencyMissingError(f"Jupyter is not installed: {launch.INSTALL_HINT} "
                                     f"(missing: {', '.join(missing)})")
    run = await call(find_run, store, str(body.run), body.experiment, tenant)
    notebook = await call(write_notebook, settings.data_dir, run)
    # Its refusals (429, 409, 503, 502) are runyard errors: the server's handler answers them.
    server, created = await call(manager.spawn, tenant, run, notebook)
    if not created:
        response.status_code = 200
    return server.to_dict()


@router.get("", summary="The caller's spawned Jupyter servers")
async def list_servers(tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """Every live server of the caller's tenant, URL with token included."""
    return {"servers": [server.to_dict() for server in manager.servers(tenant)]}


@router.delete("/{server_id}", summary="Stop a spawned Jupyter server")
async def stop_server(server_id: str, tenant: TenantDep, manager: ManagerDep) -> dict[str, Any]:
    """Stop the server and its kernels; 404 when the caller has no server with that id."""
    server = await call(manager.stop, server_id, tenant)
    return server.to_dict()
