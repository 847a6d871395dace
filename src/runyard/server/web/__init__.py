"""The live web dashboard: HTML pages, their JSON reads and live stream, static assets."""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed


def install(app: FastAPI) -> Installed:
    """Mount the pages, `/login` and `/web/api` (before any catch-all root routes)."""
    from runyard.server.raw_paths import RawPathMiddleware
    from runyard.server.web import data, live, login, pages, run_admin, view

    # `/projects/team%2Fvision`: a name with '/' stays one path segment.
    app.add_middleware(RawPathMiddleware, prefix="/projects/")
    app.add_exception_handler(login.LoginRequired, login.login_required_handler)
    app.include_router(login.router)
    app.include_router(live.router)
    app.include_router(data.router)
    app.include_router(run_admin.router)
    app.include_router(view.router)
    app.include_router(pages.router)
    return NOTHING_STARTED


DIALECT = Dialect(
    name="web",
    title="Web dashboard",
    prefixes=("/web/api", "/projects", "/login", "/logout"),
    tag="web",  # its routes are pages and the pages' own reads: not in the OpenAPI document
    install=install,
    doc_page="docs/dashboard.md",
    description="runyard's own dashboard: project and run pages, charts, live updates.",
    swagger=False,
)
