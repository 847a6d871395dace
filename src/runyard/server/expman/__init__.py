"""The expman REST dialect: experiments (projects by name), runs by name, metrics, artifacts, live SSE."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PREFIX = "/api/experiments"


def error_shape(status: int, message: str, extra: Any = None) -> dict[str, Any]:
    """expman-rs (Axum) error shape: `{"error": message}`."""
    return {"error": message}


def install(app: FastAPI) -> None:
    """Mount the expman routes and keep percent-encoded names (`a%2Fb`) in one path segment."""
    from runyard.server.expman import artifacts, live, routes
    from runyard.server.expman.names import RawPathMiddleware

    app.add_middleware(RawPathMiddleware, prefix=PREFIX)
    for router in (routes.router, artifacts.router, live.router):
        app.include_router(router)
