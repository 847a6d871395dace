"""`GET /health` in the ExperimentHub shape: `{component: {"healthy": bool, "details": {...}}}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from runyard.server.deps import StoreDep, call
from runyard.server.responses import JSONResponse
from runyard.store import Store
from runyard.store.artifacts import ArtifactStore
from runyard.store.locations import redact

router = APIRouter(tags=["health"])
log = logging.getLogger("runyard.server")


def _store_health(store: Store, data_dir: str | None, location: str | None) -> dict[str, Any]:
    """`data_dir` None: tokens are required, so neither the path nor error texts (which name it) show.

    `location`: the database URL without its password (None: the data dir's store, or hidden).
    """
    where = {"data_dir": data_dir} if data_dir is not None else {}
    if location is not None:
        where["location"] = location
    try:
        seq = store.last_change_seq()
        info = store.describe()  # which backend, at which schema: the store says, health does not know
    except Exception as exc:  # health must answer, whatever broke
        log.error("store health check failed: %s", exc)
        error = str(exc) if data_dir is not None else "store unavailable (details in the server log)"
        return {"healthy": False, "details": {"status": "error", "error": error, **where}}
    return {
        "healthy": True,
        "details": {"status": "connected", "backend": info.backend, **where,
                    "schema_version": info.schema_version, "last_change": seq},
    }


def _artifacts_health(store: Store, shown: bool) -> dict[str, Any]:
    """Which artifact storage the store writes to (`local` or `s3`); where, only when `shown`."""
    files = getattr(store, "artifacts", None)
    if not isinstance(files, ArtifactStore):
        return {"healthy": True, "details": {"backend": "local"}}
    where = {"location": redact(files.location)} if shown else {}
    return {"healthy": True, "details": {"backend": files.backend, **where}}


@router.get("/health", summary="Health of the store and of every plugin")
async def health(request: Request, store: StoreDep) -> JSONResponse:
    """One entry per component; 503 when any is unhealthy."""
    settings = request.app.state.settings
    # Open to anyone: with tokens required it must not tell where the data lives.
    shown = not settings.auth_required
    data_dir = str(settings.data_dir) if shown else None
    location = redact(settings.store) if shown and settings.store is not None else None
    report = {"store": await call(_store_health, store, data_dir, location),
              "artifacts": _artifacts_health(store, shown)}
    for name, probe in request.app.state.health_probes.items():
        report[name] = await call(probe)
    healthy = all(entry["healthy"] for entry in report.values())
    return JSONResponse(report, status_code=200 if healthy else 503)
