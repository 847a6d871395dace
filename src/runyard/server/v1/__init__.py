"""Experiments API v1 (`/api/v1/experiments`): experiments = projects, runs, metrics."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed
from runyard.server.errors import detail_shape

PREFIX = "/api/v1/experiments"
TAG = "experiments-v1"


def install(app: FastAPI) -> Installed:
    """Mount the v1 routes: every fixed `/runs/...` path before the `/{experiment_id}` ones."""
    from runyard.server.v1 import (
        artifacts,
        compare,
        experiments,
        media,
        metrics,
        reads,
        runs,
        runs_logging,
        stream,
    )

    # Fixed `/runs/...` paths (compare, metrics/query) before `/runs/{run_id}/...`, and every
    # `/api/v1/experiments/runs...` route before `/api/v1/experiments/{experiment_id}`.
    for router in (reads.router, compare.router, metrics.router, runs.router, runs_logging.router, artifacts.router,
                   media.router, stream.router, experiments.router):
        app.include_router(router)
    return NOTHING_STARTED


DIALECT = Dialect(
    name="v1",
    title="Experiments API v1",
    prefixes=(PREFIX,),
    tag=TAG,
    install=install,
    doc_page="docs/api-v1.md",
    shape=detail_shape,
    description="Experiments, runs, metrics, params, artifacts; tenant-scoped.",
)
