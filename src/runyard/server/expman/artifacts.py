"""expman artifact routes: list a run's files, download one, confined to the run's artifact dir.

Only `/artifacts/{path}` serves files. expman's `?file=` / `?path=` query style (which let
`../../etc/passwd` through) is refused with 400. The path is decoded once by the router;
the store refuses `..`, absolute paths, backslashes and control characters (400), names
it never recorded (404), and anything resolving outside the run's directory, symlinks
included (400).
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.downloads import media_type
from runyard.server.expman import PREFIX, lookup, shapes
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.raw_paths import decode
from runyard.server.responses import JSONResponse
from runyard.store import Store

router = APIRouter(prefix=PREFIX, tags=["expman"], responses={404: {"description": '`{"error": "..."}`'}})
REFUSED_QUERY = ("file", "path")


def _refuse_query_paths(request: Request) -> None:
    for name in REFUSED_QUERY:
        if name in request.query_params:
            raise InvalidInputError(
                f"the ?{name}= parameter is not supported: download a file at .../artifacts/{{path}}")


def _list(store: Store, experiment: str, name: str, tenant: str) -> list[dict[str, Any]]:
    run = lookup.run(store, experiment, name, tenant).run
    return [shapes.artifact_json(artifact) for artifact in store.list_artifacts(run.id)]


@router.get("/{experiment}/runs/{run}/artifacts", summary="List a run's artifact files")
async def list_artifacts(request: Request, experiment: ExperimentName, run: RunName, store: StoreDep,
                         tenant: TenantDep) -> JSONResponse:
    """path, name, size, ext, sha256, modified of every file, ordered by path."""
    _refuse_query_paths(request)
    return JSONResponse(await call(_list, store, experiment, run, tenant))


def _file(store: Store, experiment: str, name: str, path: str, tenant: str) -> FilePath:
    run = lookup.run(store, experiment, name, tenant).run
    return store.artifact_file(run.id, path)


@router.get("/{experiment}/runs/{run}/artifacts/{path:path}", summary="Download an artifact file",
            response_class=FileResponse, responses={200: {"content": {"application/octet-stream": {}}}, 400: {}})
async def download_artifact(
    request: Request,
    experiment: ExperimentName,
    run: RunName,
    path: Annotated[str, Path(description="the file's path inside the run's artifacts, e.g. `plots/loss.png`")],
    store: StoreDep,
    tenant: TenantDep,
) -> FileResponse:
    """The file, as an attachment with its content type; nothing outside the run's artifact dir."""
    _refuse_query_paths(request)
    name = decode(request, path)
    found = await call(_file, store, experiment, run, name, tenant)
    return FileResponse(found, media_type=media_type(name), filename=FilePath(name).name,
                        headers={"X-Content-Type-Options": "nosniff"})
