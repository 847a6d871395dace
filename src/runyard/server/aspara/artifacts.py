"""`GET .../runs/{run}/artifacts/download`: every artifact file of a run as one streamed ZIP.

The archive is written by `zipfile` into a small buffer that is handed out as it fills,
file by file, chunk by chunk as the artifact store hands them out (a local file or object
storage), from a worker thread (Starlette iterates a plain iterator in its thread pool):
memory stays bounded whatever the artifacts weigh, and the first bytes leave before the
last file is read. Entries keep their paths inside the run (`plots/loss.png`) and are dated
when the run recorded them; a run without artifacts gives an empty, valid ZIP; a file
deleted while the archive is written is left out. Paths come from the store's rows, and
the store confines every file to the run's artifacts.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote

from fastapi import APIRouter
from starlette.responses import StreamingResponse

from runyard.errors import NotFoundError
from runyard.server.aspara import PREFIX, TAG, lookup
from runyard.server.aspara.path_params import ProjectName, RunName
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.store import Artifact, Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})
PIECE = 1 << 20  # the most written to the archive between two hand-outs
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Formats that are compressed already: deflating them again only costs CPU.
STORED_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".zip", ".gz", ".tgz", ".bz2", ".xz",
                             ".zst", ".7z", ".mp4", ".webm", ".parquet", ".pt", ".pth", ".safetensors", ".npz"})


class _Pipe:
    """A write-only, unseekable file: zipfile writes into it, the generator drains it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: parts are handed out by `drain`."""

    def close(self) -> None:
        """Nothing to release."""

    def drain(self) -> Iterator[bytes]:
        """What was written since the last drain, as one piece."""
        if self.parts:
            joined = b"".join(self.parts)
            self.parts.clear()
            yield joined


def zip_stream(store: Store, run_id: int, artifacts: Sequence[Artifact]) -> Iterator[bytes]:
    """The ZIP of the run's files, produced piece by piece (blocking)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
        for artifact in artifacts:
            try:
                opened = store.open_artifact(run_id, artifact.path)
            except NotFoundError:
                continue  # deleted since the list was read
            stamp = max(time.localtime(artifact.created_at)[:6], ZIP_EPOCH)  # ZIP cannot date before 1980
            info = zipfile.ZipInfo(artifact.path, stamp)
            stored = PurePosixPath(artifact.path).suffix.lower() in STORED_SUFFIXES
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as target:
                for chunk in opened.chunks():
                    view = memoryview(chunk)
                    for start in range(0, len(view), PIECE):
                        target.write(view[start:start + PIECE])
                        yield from pipe.drain()
            yield from pipe.drain()
    yield from pipe.drain()


def _files(store: Store, project: str, run: str, tenant: str) -> tuple[str, int, list[Artifact]]:
    found = lookup.run(store, project, run, tenant)
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    return (f"{found.project.name}_{found.run.name}_artifacts_{stamp}.zip", found.run.id,
            store.list_artifacts(found.run.id))


def _disposition(filename: str) -> str:
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/{project}/runs/{run}/artifacts/download", summary="Download a run's artifacts as ZIP",
            response_class=StreamingResponse, responses={200: {"content": {"application/zip": {}}}})
async def download_artifacts_zip(project: ProjectName, run: RunName, store: StoreDep,
                                 tenant: TenantDep) -> StreamingResponse:
    """A ZIP of every artifact file (paths kept), streamed; `{project}_{run}_artifacts_{time}.zip`."""
    filename, run_id, artifacts = await call(_files, store, project, run, tenant)
    return StreamingResponse(zip_stream(store, run_id, artifacts), media_type="application/zip",
                             headers={"Content-Disposition": _disposition(filename),
                                      "X-Content-Type-Options": "nosniff"})
