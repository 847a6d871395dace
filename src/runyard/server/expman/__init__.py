"""The expman REST dialect: experiments (projects by name), runs by name, metrics, artifacts, live SSE."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed, error_message_shape

PREFIX = "/api/experiments"
# What expman-rs's web app asks outside `/api/experiments` (`/api/stats`, `/api/projects`, ...):
# `runyard serve --expman-port` maps those paths here, clear of the Aspara and Jupyter prefixes.
APP_PREFIX = "/api/expman"
TAG = "expman"


def install(app: FastAPI) -> Installed:
    """Mount the expman routes and keep percent-encoded names (`a%2Fb`) in one path segment."""
    from runyard.server.expman import (
        artifacts,
        console,
        live,
        metadata,
        notebooks,
        overview,
        routes,
    )
    from runyard.server.raw_paths import RawPathMiddleware

    app.add_middleware(RawPathMiddleware, prefix=PREFIX)
    for router in (routes.router, metadata.router, artifacts.router, console.router, live.router, notebooks.router,
                   overview.router):
        app.include_router(router)
    return NOTHING_STARTED


DIALECT = Dialect(
    name="expman",
    title="expman API",
    prefixes=(PREFIX, APP_PREFIX),
    tag=TAG,
    install=install,
    doc_page="docs/api-expman.md",
    shape=error_message_shape,  # expman-rs (Axum): {"error": message}
    description="expman-rs's REST API: experiments and runs by name, metrics (JSON rows or Parquet), "
                "artifacts, live SSE, and what expman-rs's web app reads (metadata, console tail, stats). "
                "Errors: {\"error\": message}.",
)
