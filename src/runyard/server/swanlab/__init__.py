"""The SwanLab offline dashboard dialect: a project with its experiments (runs by integer id),
charts and namespaces derived from metric keys, metric series, logs, status and summaries."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed

# Singular: distinct from v1's /api/v1/experiments.
PREFIXES = ("/api/v1/project", "/api/v1/experiment", "/api/v1/chart", "/api/v1/namespace")
TAG = "swanlab"
ERROR_CODE_BASE = 3000  # SwanLab's error codes: 3404 not found, 3422 invalid input, 3500 ...


def error_shape(status: int, message: str, extra: Any = None) -> dict[str, Any]:
    """SwanLab's envelope for failures: `{"code": 3000 + HTTP status, "message": ..., "data": null}`."""
    return {"code": ERROR_CODE_BASE + status, "message": message, "data": None}


def install(app: FastAPI) -> Installed:
    """Mount the SwanLab routes."""
    from runyard.server.swanlab import compare, edits, experiment, layout_routes, project, tags

    for router in (project.router, compare.router, tags.router, experiment.router, edits.router,
                   layout_routes.chart_router, layout_routes.namespace_router):
        app.include_router(router)
    return NOTHING_STARTED


DIALECT = Dialect(
    name="swanlab",
    title="SwanLab offline dashboard API",
    prefixes=PREFIXES,
    tag=TAG,
    install=install,
    doc_page="docs/api-swanlab.md",
    shape=error_shape,
    description="SwanLab's offline dashboard API: the project, experiments (runs) by integer id, charts, "
                "metric series, logs, status, summaries; every answer in {\"code\", \"message\", \"data\"}.",
)
