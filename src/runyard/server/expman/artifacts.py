"""expman artifact routes: list a run's files, download one, confined to the run's artifact dir.

Files are served by `/artifacts/{path}` and, for expman-rs's web app, by
`/artifacts/content?path=`: both take only a name the run recorded. expman-rs's own
`content?path=` read any file the server could (`../../etc/passwd`); here the path is
decoded once (by the router or the query parser) and the store refuses `..`, absolute
paths, backslashes and control characters (400), names it never recorded (404), and
anything resolving outside the run's directory, symlinks included (400). Other routes
refuse a `?file=` / `?path=` query (400) rather than ignore it.

The list also holds expman's two default files, `console.log` and `run.log` (`is_default`:
the run's console, see `console.py`), unless the run recorded an artifact of that name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response

from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.downloads import NOSNIFF, file_response
from runyard.server.expman import PREFIX, console, lookup, shapes
from runyard.server.expman.path_params import ExperimentName, RunName
from runyard.server.raw_paths import decode
from runyard.server.responses import JSONResponse
from runyard.store import Store
from runyard.store.artifacts import ArtifactFile

router = APIRouter(prefix=PREFIX, tags=["expman"], responses={404: {"description": '`{"error": "..."}`'}})
REFUSED_QUERY = ("file", "path")


def _refuse_query_paths(request: Request) -> None:
    for name in REFUSED_QUERY:
        if name in request.query_params:
            raise InvalidInputError(
                f"the ?{name}= parameter is not supported: download a file at .../artifacts/{{path}}")


def _list(store: Store, experiment: str, name: str, tenant: str) -> list[dict[str, Any]]:
    run = lookup.run(store, experiment, name, tenant).run
    stored = [shapes.artifact_json(artifact) for artifact in store.list_artifacts(run.id)]
    taken = {item["path"] for item in stored}
    defaults = [shapes.default_file_json(file, len(console.log_text(store, run.id, file)), run.updated_at)
                for file in console.LOG_FILES if file not in taken]
    return defaults + stored


@router.get("/{experiment}/runs/{run}/artifacts", summary="List a run's artifact files")
async def list_artifacts(request: Request, experiment: ExperimentName, run: RunName, store: StoreDep,
                         tenant: TenantDep) -> JSONResponse:
    """path, name, size, ext, sha256, modified of every file, ordered by path."""
    _refuse_query_paths(request)
    return JSONResponse(await call(_list, store, experiment, run, tenant))


def _file(store: Store, experiment: str, name: str, path: str, tenant: str) -> ArtifactFile:
    run = lookup.run(store, experiment, name, tenant).run
    return store.open_artifact(run.id, path)


def _content(store: Store, experiment: str, name: str, path: str, tenant: str) -> ArtifactFile | bytes:
    run = lookup.run(store, experiment, name, tenant).run
    if path in console.LOG_FILES and not any(a.path == path for a in store.list_artifacts(run.id)):
        return console.log_text(store, run.id, path)
    return store.open_artifact(run.id, path)


@router.get("/{experiment}/runs/{run}/artifacts/content", summary="A file's content (expman's web app)",
            response_class=FileResponse, responses={200: {"content": {"application/octet-stream": {}}}, 400: {}})
async def artifact_content(
    experiment: ExperimentName,
    run: RunName,
    store: StoreDep,
    tenant: TenantDep,
    path: Annotated[str | None, Query(
        description="a file the run recorded, e.g. `plots/loss.png`, or `console.log` / `run.log`; "
                    "omitted: the file named `content`")] = None,
) -> Response:
    """What expman's web app previews: the file with its content type; nothing outside the run's artifacts."""
    name = "content" if path is None else path
    found = await call(_content, store, experiment, run, name, tenant)
    if isinstance(found, bytes):
        return Response(found, media_type="text/plain; charset=utf-8", headers=NOSNIFF)
    return file_response(found, name=name)


@router.get("/{experiment}/runs/{run}/artifacts/{path:path}", summary="Download an artifact file",
            response_class=FileResponse, responses={200: {"content": {"application/octet-stream": {}}}, 400: {}})
async def download_artifact(
    request: Request,
    experiment: ExperimentName,
    run: RunName,
    path: Annotated[str, Path(description="the file's path inside the run's artifacts, e.g. `plots/loss.png`")],
    store: StoreDep,
    tenant: TenantDep,
) -> Response:
    """The file, as an attachment with its content type; nothing outside the run's artifact dir."""
    _refuse_query_paths(request)
    name = decode(request, path)
    return file_response(await call(_file, store, experiment, run, name, tenant), name=name)
