"""The dialects runyard serves and the routers that implement them."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server import aspara, expman, swanlab
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

SWANLAB = Dialect(
    name="swanlab",
    title="SwanLab offline dashboard API",
    prefixes=swanlab.PREFIXES,  # singular: distinct from Experiments API v1's /api/v1/experiments
    tag=swanlab.TAG,
    shape=swanlab.error_shape,  # {"code": 3000 + HTTP status, "message": ..., "data": null}
    description="SwanLab's offline dashboard API: the project, experiments (runs) by integer id, charts, "
                "metric series, logs, status, summaries; every answer in {\"code\", \"message\", \"data\"}.",
)

ASPARA = Dialect(
    name="dashboard",
    title="Dashboard API (Aspara)",
    prefixes=(aspara.PREFIX,),
    tag=aspara.TAG,
    shape=detail_shape,  # Aspara's FastAPI server: {"detail": message}
    description="Aspara's dashboard REST API: runs of a project by name, metrics of one or several runs "
                "(JSON or msgpack), params, notes and tags, live SSE, artifacts as ZIP, deletion. "
                "Errors: {\"detail\": ...}.",
)

HUB = Dialect(
    name="hub",
    title="ExperimentHub API",
    # Its routes live at the root (`/{name}/train`, ...): errors there fall back to {"detail": ...}.
    prefixes=("/available_experiments", "/create_experiment", "/experiments", "/flush"),
    tag="experimenthub",
    shape=detail_shape,
    description="ExperimentHub: experiments of registered types trained in worker processes, each "
                "training and prediction a runyard run; data from RabbitMQ or the embedded queue; "
                "Plotly figures. Errors: {\"detail\": ...}.",
)

DIALECTS: tuple[Dialect, ...] = (V1, SDK, EXPMAN, SWANLAB, ASPARA, HUB)
# Routes whose msgpack bodies carry binary arrays and are decoded by the route itself.
RAW_BODY_PREFIXES: tuple[str, ...] = ("/api/v1/sdk/",)


def include_routers(app: FastAPI) -> None:
    """Mount every dialect's routers.

    Order matters: `/api/v1/experiments/runs/...` must be matched before
    `/api/v1/experiments/{experiment_id}`, so run routes come first.
    """
    from runyard.server import hub, jupyter, sdk_ingest, web
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
    aspara.install(app)  # /api/projects: the dashboard API (Aspara), names with '/' kept whole
    jupyter.install(app)  # /api/jupyter (tag expman), its manager and shutdown hook
    swanlab.install(app)  # /api/v1/project, /api/v1/experiment/{id}/...
    web.install(app)  # dashboard pages and /web/api: before any root-level `/{name}/...` routes
    if app.state.settings.hub_enabled:
        hub.install(app)  # last: ExperimentHub's `/{name}/...` routes live at the root
