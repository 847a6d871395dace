"""`GET .../runs/{run}/artifacts/download`: every artifact file of a run as one streamed ZIP.

The archive is written by `zipfile` into a small buffer that is handed out as it fills,
file by file in 1 MiB pieces, from a worker thread (Starlette iterates a plain
iterator in its thread pool): memory stays bounded whatever the artifacts weigh, and
the first bytes leave before the last file is read. Entries keep their paths inside the
run (`plots/loss.png`); a run without artifacts gives an empty, valid ZIP. Paths come
from the store, which confines every file to the run's artifact directory.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter
from starlette.responses import StreamingResponse

from runyard.server.aspara import PREFIX, TAG, lookup
from runyard.server.aspara.path_params import ProjectName, RunName
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.store import Store

router = APIRouter(prefix=PREFIX, tags=[TAG], responses={404: {"description": '`{"detail": "..."}`'}})
PIECE = 1 << 20
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


def zip_stream(files: Sequence[tuple[str, Path]]) -> Iterator[bytes]:
    """The ZIP of `(name in archive, file)` pairs, produced piece by piece (blocking)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
        for name, path in files:
            stamp = max(time.localtime(path.stat().st_mtime)[:6], ZIP_EPOCH)  # ZIP cannot date before 1980
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_STORED if path.suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
                while piece := source.read(PIECE):
                    target.write(piece)
                    yield from pipe.drain()
            yield from pipe.drain()
    yield from pipe.drain()


def _files(store: Store, project: str, run: str, tenant: str) -> tuple[str, list[tuple[str, Path]]]:
    found = lookup.run(store, project, run, tenant)
    run_id = found.run.id
    files = [(artifact.path, store.artifact_file(run_id, artifact.path)) for artifact in store.list_artifacts(run_id)]
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    return f"{found.project.name}_{found.run.name}_artifacts_{stamp}.zip", files


def _disposition(filename: str) -> str:
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/{project}/runs/{run}/artifacts/download", summary="Download a run's artifacts as ZIP",
            response_class=StreamingResponse, responses={200: {"content": {"application/zip": {}}}})
async def download_artifacts_zip(project: ProjectName, run: RunName, store: StoreDep,
                                 tenant: TenantDep) -> StreamingResponse:
    """A ZIP of every artifact file (paths kept), streamed; `{project}_{run}_artifacts_{time}.zip`."""
    filename, files = await call(_files, store, project, run, tenant)
    return StreamingResponse(zip_stream(files), media_type="application/zip",
                             headers={"Content-Disposition": _disposition(filename),
                                      "X-Content-Type-Options": "nosniff"})
