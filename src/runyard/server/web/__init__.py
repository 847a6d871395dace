"""The live web dashboard: HTML pages, their JSON reads and live stream, static assets."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the pages, `/login` and `/web/api` (before any catch-all root routes)."""
    from runyard.server.expman.names import RawPathMiddleware
    from runyard.server.web import data, live, login, pages

    # `/projects/team%2Fvision`: a name with '/' stays one path segment.
    app.add_middleware(RawPathMiddleware, prefix="/projects/")
    app.add_exception_handler(login.LoginRequired, login.login_required_handler)
    app.include_router(login.router)
    app.include_router(live.router)
    app.include_router(data.router)
    app.include_router(pages.router)
