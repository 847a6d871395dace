"""The Aspara dashboard REST dialect: projects and runs by name, metrics, params, metadata, SSE, ZIP.

Errors are FastAPI's `{"detail": message}` (what Aspara's own server answers). Names are
single path segments: percent-encode `/`, spaces and `%` in them. Not to be confused with
runyard's own web dashboard (`runyard.server.web`): this package speaks Aspara's API.
"""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed
from runyard.server.errors import detail_shape

PREFIX = "/api/projects"
# Its OpenAPI tag and `/docs/dashboard` page keep the name "dashboard" they were published under.
TAG = "dashboard"


def install(app: FastAPI) -> Installed:
    """Mount the Aspara API routes and keep percent-encoded names (`a%2Fb`) in one segment."""
    from runyard.server.aspara import artifacts, live, metrics, projects, runs
    from runyard.server.raw_paths import RawPathMiddleware

    app.add_middleware(RawPathMiddleware, prefix=PREFIX + "/")
    # Fixed `/runs/metrics` and `/runs/stream` before `/runs/{run}`.
    for router in (metrics.router, live.router, runs.router, artifacts.router, projects.router):
        app.include_router(router)
    return NOTHING_STARTED


DIALECT = Dialect(
    name="dashboard",  # public: /docs/dashboard, /openapi/dashboard.json (docs/api-aspara.md)
    title="Dashboard API (Aspara)",
    prefixes=(PREFIX,),
    tag=TAG,
    install=install,
    doc_page="docs/api-aspara.md",
    shape=detail_shape,  # Aspara's FastAPI server: {"detail": message}
    description="Aspara's dashboard REST API: runs of a project by name, metrics of one or several runs "
                "(JSON or msgpack), params, notes and tags, live SSE, artifacts as ZIP, deletion. "
                "Errors: {\"detail\": ...}.",
)
