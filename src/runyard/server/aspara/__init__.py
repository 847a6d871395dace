"""The Aspara dashboard REST dialect: projects and runs by name, metrics, params, metadata, SSE, ZIP.

Errors are FastAPI's `{"detail": message}` (what Aspara's own server answers). Names are
single path segments: percent-encode `/`, spaces and `%` in them.
"""

from __future__ import annotations

from fastapi import FastAPI

PREFIX = "/api/projects"
TAG = "dashboard"


def install(app: FastAPI) -> None:
    """Mount the dashboard API routes and keep percent-encoded names (`a%2Fb`) in one segment."""
    from runyard.server.aspara import artifacts, live, metrics, projects, runs
    from runyard.server.expman.names import RawPathMiddleware

    app.add_middleware(RawPathMiddleware, prefix=PREFIX + "/")
    # Fixed `/runs/metrics` and `/runs/stream` before `/runs/{run}`.
    for router in (metrics.router, live.router, runs.router, artifacts.router, projects.router):
        app.include_router(router)
