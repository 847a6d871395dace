"""What expman-rs's web app asks beside experiments: `GET /api/expman/stats` and `/api/expman/projects`.

The app calls them as `/api/stats` and `/api/projects`; `runyard serve --expman-port` maps
those paths here (`/api/projects` is the Aspara dialect's on the main port). expman groups
experiments into projects; runyard has no layer above its projects (which are expman's
experiments), so the project list is empty, always, and the stats count none.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.expman import APP_PREFIX, TAG
from runyard.server.responses import JSONResponse
from runyard.settings import Settings
from runyard.store import RunQuery, Store
from runyard.store.query import Filter

router = APIRouter(prefix=APP_PREFIX, tags=[TAG])
RUNNING = (Filter("attributes", "status", "=", "running"),)


def _stats(store: Store, tenant: str, settings: Settings) -> dict[str, Any]:
    project_ids = tuple(project.id for project in store.list_projects(tenant=tenant))
    if not project_ids:
        return {"total_experiments": 0, "total_projects": 0, "total_runs": 0, "active_runs": 0, "stale_runs": 0,
                "total_storage_bytes": 0}
    running = store.search_runs(RunQuery(project_ids=project_ids, filters=RUNNING))
    silent_since = time.time() - settings.stale_after_s
    return {
        "total_experiments": len(project_ids),
        "total_projects": 0,
        "total_runs": store.count_runs(RunQuery(project_ids=project_ids)),
        "active_runs": len(running),
        # runyard itself marks such runs CRASHED within `reap_interval_s`, so this is rarely > 0.
        "stale_runs": sum(1 for run in running if run.heartbeat_at < silent_since),
        "total_storage_bytes": store.artifact_bytes(project_ids),
    }


@router.get("/stats", summary="Counts for expman's dashboard (`/api/stats` in expman-rs)")
async def stats(store: StoreDep, tenant: TenantDep, settings: SettingsDep) -> JSONResponse:
    """Experiments, runs, running runs, runs silent past `stale_after_s`, and the artifacts' bytes."""
    return JSONResponse(await call(_stats, store, tenant, settings))


@router.get("/projects", summary="expman's projects: none (`/api/projects` in expman-rs)")
async def projects(tenant: TenantDep) -> JSONResponse:
    """Always `[]`: runyard has no grouping above expman's experiments (runyard's projects)."""
    del tenant  # the list is empty for everyone, but only for a caller with a valid token
    return JSONResponse([])
