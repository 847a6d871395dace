"""The dialects runyard serves and the routers that implement them."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server import expman
from runyard.server.errors import Dialect, detail_shape

V1 = Dialect(
    name="v1",
    title="Experiments API v1",
    prefixes=("/api/v1/experiments",),
    tag="experiments-v1",
    shape=detail_shape,
    description="Experiments, runs, metrics, params, artifacts; tenant-scoped.",
)
SDK = Dialect(
    name="sdk",
    title="runyard SDK ingest",
    prefixes=("/api/v1/sdk",),
    tag="sdk",
    shape=detail_shape,
    description="What the Python SDK's remote mode speaks: columnar msgpack batches.",
)

EXPMAN = Dialect(
    name="expman",
    title="expman API",
    prefixes=(expman.PREFIX, "/api/jupyter"),
    tag="expman",
    shape=expman.error_shape,  # expman-rs (Axum): {"error": message}
    description="expman-rs's REST API: experiments and runs by name, metrics (JSON rows or Parquet), "
                "artifacts, live SSE. Errors: {\"error\": message}.",
)

DIALECTS: tuple[Dialect, ...] = (V1, SDK, EXPMAN)
# Routes whose msgpack bodies carry binary arrays and are decoded by the route itself.
RAW_BODY_PREFIXES: tuple[str, ...] = ("/api/v1/sdk/",)


def include_routers(app: FastAPI) -> None:
    """Mount every dialect's routers.

    Order matters: `/api/v1/experiments/runs/...` must be matched before
    `/api/v1/experiments/{experiment_id}`, so run routes come first.
    """
    from runyard.server import jupyter, sdk_ingest
    from runyard.server.v1 import (
        artifacts,
        compare,
        experiments,
        metrics,
        runs,
        runs_logging,
        stream,
    )

    # Fixed `/runs/...` paths (compare, metrics/query) before `/runs/{run_id}/...`, and every
    # `/api/v1/experiments/runs...` route before `/api/v1/experiments/{experiment_id}`.
    for router in (compare.router, metrics.router, runs.router, runs_logging.router, artifacts.router,
                   stream.router, experiments.router):
        app.include_router(router)
    app.include_router(sdk_ingest.router)
    expman.install(app)  # /api/experiments: routes plus raw-path routing for names with '/'
    jupyter.install(app)  # /api/jupyter (tag expman), its manager and shutdown hook
