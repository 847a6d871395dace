"""`GET /health` in the ExperimentHub shape: `{component: {"healthy": bool, "details": {...}}}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from runyard.server.deps import StoreDep, call
from runyard.server.responses import JSONResponse
from runyard.store.sqlite.schema import SCHEMA_VERSION

router = APIRouter(tags=["health"])


def _store_health(store: Any, data_dir: str) -> dict[str, Any]:
    try:
        seq = store.last_change_seq()
    except Exception as exc:  # health must answer, whatever broke
        return {"healthy": False, "details": {"status": "error", "error": str(exc), "data_dir": data_dir}}
    return {
        "healthy": True,
        "details": {"status": "connected", "backend": "sqlite", "data_dir": data_dir,
                    "schema_version": SCHEMA_VERSION, "last_change": seq},
    }


@router.get("/health", summary="Health of the store and of every plugin")
async def health(request: Request, store: StoreDep) -> JSONResponse:
    """One entry per component; 503 when any is unhealthy."""
    report = {"store": await call(_store_health, store, str(request.app.state.settings.data_dir))}
    for name, probe in request.app.state.health_probes.items():
        report[name] = await call(probe)
    healthy = all(entry["healthy"] for entry in report.values())
    return JSONResponse(report, status_code=200 if healthy else 503)
