"""MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts`) and `mlflow/artifacts/list`, on runyard's artifacts.

A run's MLflow artifacts ARE the runyard run's artifacts (same files, same rows: every other
dialect and the dashboard see them); a logged model's are the model's files. Uploads stream to
the store with bounded memory, held to `max_artifact_bytes` (`runyard.server.uploads`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from runyard.errors import InvalidInputError, NotFoundError
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.downloads import file_response
from runyard.server.mlflow import ids
from runyard.server.mlflow.artifact_paths import (
    ArtifactTarget,
    inner_path,
    model_artifact_uri,
    parse,
)
from runyard.server.mlflow.errors import MlflowRoute
from runyard.server.mlflow.file_listing import folder_entries
from runyard.server.mlflow.model_lookup import model_for
from runyard.server.mlflow.shapes import artifact_uri
from runyard.server.responses import JSONResponse
from runyard.server.uploads import raw_upload
from runyard.store import Store
from runyard.store.artifacts import ArtifactFile
from runyard.store.logged_models import LoggedModel
from runyard.store.models import Run
from runyard.store.run_data import ByteStream

PROXY = "/api/2.0/mlflow-artifacts/artifacts"
router = APIRouter(route_class=MlflowRoute, tags=["mlflow"])


def owner_of(store: Store, target: ArtifactTarget, tenant: str) -> Run | LoggedModel:
    """The caller's run or logged model a path names, in the experiment it names (404 otherwise)."""
    if target.kind == "model":
        model = model_for(store, target.owner_id, tenant)
        if ids.experiment_id(store.get_project(model.project_id)) != target.experiment_id:
            raise NotFoundError(f"logged model {model.id!r} not found in experiment {target.experiment_id[:40]!r}")
        return model
    located = ids.run(store, target.owner_id, tenant)
    if ids.experiment_id(located.project) != target.experiment_id:
        raise NotFoundError(f"Run with id={located.run.uid} not found in experiment {target.experiment_id[:40]!r}")
    return located.run


def _files(store: Store, owner: Run | LoggedModel) -> list[tuple[str, int]]:
    if isinstance(owner, Run):
        return [(item.path, item.size) for item in store.list_artifacts(owner.id)]
    return [(item.path, item.size) for item in store.logged_model_files(owner.id)]


def _file_target(artifact_path: str) -> ArtifactTarget:
    target = parse(artifact_path)
    if not target.inner:
        raise InvalidInputError(f"artifact path {artifact_path[:80]!r} names a folder, not a file")
    return target


def _store_upload(store: Store, owner: Run | LoggedModel, inner: str, body: ByteStream, limit: int) -> None:
    if isinstance(owner, Run):
        store.add_artifact_stream(owner.id, inner, body, max_bytes=limit)
    else:
        store.add_logged_model_file(owner.id, inner, body, max_bytes=limit)


@router.put(PROXY + "/{artifact_path:path}", summary="Upload an artifact file (raw body)")
async def upload(artifact_path: str, request: Request, store: StoreDep, tenant: TenantDep,
                 settings: SettingsDep) -> JSONResponse:
    """`{}` once the file is stored (it replaces one of that name); the body is the raw file."""
    target = _file_target(artifact_path)
    owner = await call(owner_of, store, target, tenant)  # refused before a byte of the body is read
    body = raw_upload(request, settings)
    await call(_store_upload, store, owner, target.inner, body, settings.max_artifact_bytes)
    return JSONResponse({})


def _open(store: Store, target: ArtifactTarget, tenant: str) -> ArtifactFile:
    owner = owner_of(store, target, tenant)
    if isinstance(owner, Run):
        return store.open_artifact(owner.id, target.inner)
    return store.open_logged_model_file(owner.id, target.inner)


@router.get(PROXY + "/{artifact_path:path}", summary="Download an artifact file", response_class=FileResponse)
async def download(artifact_path: str, store: StoreDep, tenant: TenantDep) -> Response:
    """The file's bytes (404 for a folder or a missing file), from wherever the artifacts are kept."""
    target = _file_target(artifact_path)
    return file_response(await call(_open, store, target, tenant))


def _delete(store: Store, target: ArtifactTarget, tenant: str) -> int:
    owner = owner_of(store, target, tenant)
    if isinstance(owner, Run):
        return store.delete_artifacts(owner.id, target.inner)
    return store.delete_logged_model_files(owner.id, target.inner)


@router.delete(PROXY + "/{artifact_path:path}", summary="Delete an artifact file or folder")
async def delete(artifact_path: str, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """`{}` once the file (or the folder with everything in it) is gone."""
    await call(_delete, store, _file_target(artifact_path), tenant)
    return JSONResponse({})


def _listing(store: Store, path: str, tenant: str) -> list[dict[str, object]]:
    target = parse(path)
    owner = owner_of(store, target, tenant)
    if target.bare:  # `<experiment>/<run>`: the one folder MLflow keeps there
        return [{"path": "artifacts", "is_dir": True}]
    return folder_entries(_files(store, owner), target.inner, full_paths=False)


@router.get(PROXY, summary="List an artifact folder")
async def list_proxied(store: StoreDep, tenant: TenantDep,
                       path: Annotated[str, Query(max_length=2048, description="<experiment_id>/<run_id>/artifacts/<folder>")] = "") -> JSONResponse:
    """`{"files": [{path (name in the folder), is_dir, file_size}]}`; a file or an empty folder lists nothing."""
    files = await call(_listing, store, path, tenant)
    return JSONResponse({"files": files} if files else {})


def _rooted(files: list[tuple[str, int]], path: str, root_uri: str) -> dict[str, object]:
    """`{root_uri, files}` of one folder, paths from the root (`files` left out when there are none)."""
    found = folder_entries(files, inner_path(path), full_paths=True)
    return {"root_uri": root_uri, "files": found} if found else {"root_uri": root_uri}


def _run_listing(store: Store, run_id: str, path: str, tenant: str) -> dict[str, object]:
    located = ids.run(store, run_id, tenant)
    return _rooted(_files(store, located.run), path, artifact_uri(located.project, located.run))


@router.get("/api/2.0/mlflow/artifacts/list", summary="List a run's artifacts")
async def list_run(store: StoreDep, tenant: TenantDep,
                   run_id: Annotated[str, Query(max_length=256, description="the run's id")] = "",
                   run_uuid: Annotated[str, Query(max_length=256, description="the run's id (older clients)")] = "",
                   path: Annotated[str, Query(max_length=2048, description="a folder of the run's artifacts")] = "",
                   ) -> JSONResponse:
    """`{root_uri, files: [{path (from the artifact root), is_dir, file_size}]}`."""
    return JSONResponse(await call(_run_listing, store, run_id or run_uuid, path, tenant))


def model_listing(store: Store, model: LoggedModel, path: str) -> dict[str, object]:
    """A logged model's folder, as `logged-models/{id}/artifacts/directories` answers it."""
    experiment = ids.experiment_id(store.get_project(model.project_id))
    return _rooted(_files(store, model), path, model_artifact_uri(experiment, model.id))
