"""v1 artifact upload: one multipart `file`, stored under the run's artifact directory.

The path is `artifact_path/filename`. Both parts are checked before anything is written:
no `..` segments, no absolute paths, no backslashes, no control characters; the file name
must be a bare name. The store checks again and confines the file to the run's directory.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.v1.access import load_run
from runyard.server.v1.schemas import ERRORS, ArtifactOut
from runyard.server.v1.shapes import ms
from runyard.store import Artifact

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"], responses=ERRORS)
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file's bytes
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }}},
    }
}


def _bad_characters(text: str) -> bool:
    return "\\" in text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def artifact_name(artifact_path: str | None, filename: str | None) -> str:
    """`artifact_path/filename` as a safe relative path; 400 for anything that could escape."""
    name = (filename or "").strip()
    if not name or "/" in name or name in (".", "..") or _bad_characters(name):
        raise InvalidInputError(f"file name {filename!r} must be a bare file name (no '/', '\\' or '..')")
    folder = (artifact_path or "").strip()
    if not folder:
        return name
    parts = folder.rstrip("/").split("/")
    if folder.startswith("/") or _bad_characters(folder) or any(part in ("", ".", "..") for part in parts):
        raise InvalidInputError(
            f"artifact_path {artifact_path!r} must be a relative path without '..', '.', '//' or '\\'"
        )
    return "/".join([*parts, name])


def artifact_json(artifact: Artifact) -> dict[str, Any]:
    """An artifact record as v1 JSON."""
    return {"run_id": str(artifact.run_id), "path": artifact.path, "size": artifact.size,
            "sha256": artifact.sha256, "created_at": ms(artifact.created_at)}


@router.post("/{run_id}/log-artifact", response_model=ArtifactOut, openapi_extra=UPLOAD_BODY,
             summary="Upload an artifact file (multipart field `file`)")
async def log_artifact(
    run_id: str,
    request: Request,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    artifact_path: Annotated[str | None, Query(max_length=1024, description="subdirectory in the run's artifacts")] = None,
) -> JSONResponse:
    """Stores the file (replacing one at the same path); 413 past the artifact size limit."""
    run = (await load_run(store, run_id, tenant)).run
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InvalidInputError("send the file as multipart/form-data in a field named 'file'")
    declared = request.headers.get("content-length", "")
    limit = settings.max_artifact_bytes
    if declared.isascii() and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise PayloadTooLargeError(f"artifact is larger than {limit} bytes (max_artifact_bytes)")
    artifact_name(artifact_path, "file")  # refuse a bad path before reading the upload
    async with request.form(max_files=1, max_fields=20) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError([{"loc": ("body", "file"), "msg": "Field required: a file part named 'file'",
                                           "type": "missing"}])
        name = artifact_name(artifact_path, upload.filename)
        await upload.seek(0)
        artifact = await call(store.add_artifact_stream, run.id, name, upload.file, max_bytes=limit)
    return JSONResponse(artifact_json(artifact))
