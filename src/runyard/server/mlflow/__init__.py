"""The MLflow tracking REST dialect: the real `mlflow` client logs to runyard unchanged.

`/api/2.0/mlflow/...` (and the same routes under `/ajax-api/2.0/mlflow/...`, MLflow's web
UI paths): experiments (= projects), runs (= runs, by uid), params, tags, metrics with their
full histories, search; the artifact proxy (`/api/2.0/mlflow-artifacts/...`), server-info, logged
models and runs' inputs/outputs. Errors are `{"error_code", "message"}` with MLflow's statuses; any
path under these prefixes that runyard does not serve answers 404 ENDPOINT_NOT_FOUND.
docs/api-mlflow.md has the mapping.
"""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed
from runyard.server.mlflow.errors import error_shape

TAG = "mlflow"
API_PREFIXES = ("/api/2.0/mlflow/", "/api/2.0/mlflow-artifacts/", "/api/3.0/mlflow/")
PREFIXES = tuple(p.rstrip("/") for p in API_PREFIXES) + tuple(
    "/ajax-api/" + p[len("/api/"):].rstrip("/") for p in API_PREFIXES)


def install(app: FastAPI) -> Installed:
    """Mount the MLflow routers and the `/ajax-api` mirror."""
    from runyard.server.mlflow import (
        artifacts,
        experiments,
        history,
        inputs,
        logged_models,
        logging,
        runs,
        search,
        server_info,
    )
    from runyard.server.mlflow.mirror import AjaxMirror

    app.add_middleware(AjaxMirror, prefixes=API_PREFIXES)
    for router in (experiments.router, runs.router, logging.router, search.router, history.router,
                   artifacts.router, logged_models.router, inputs.router, server_info.router):
        app.include_router(router)
    return NOTHING_STARTED


DIALECT = Dialect(
    name="mlflow",
    title="MLflow tracking API",
    prefixes=PREFIXES,
    tag=TAG,
    install=install,
    doc_page="docs/api-mlflow.md",
    shape=error_shape,
    description="MLflow 3's tracking REST API: experiments, runs, params, tags, metric histories, search, "
                "artifacts (proxied), logged models. "
                "Errors: {\"error_code\", \"message\"}.",
)
