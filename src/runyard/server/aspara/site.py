"""Aspara's own dashboard (PyPI `aspara`, 0.1.0) on runyard's data: `runyard serve --aspara-port N`.

Aspara renders its HTML on the server from Mustache templates (`aspara/dashboard/templates`,
rendered with pystache, as Aspara's server does) and its scripts (`aspara/dashboard/static`,
served under `/static/`) call `/api/projects/...`: this dialect. The page contexts are
built from runyard's store (`pages.py`); nothing of Aspara's Python code runs.
"""

from __future__ import annotations

import importlib.util
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from runyard.errors import DependencyMissingError, RunyardError
from runyard.server.aspara import pages
from runyard.server.deps import get_store, get_tenant
from runyard.server.sites import FrontendSite, inline_script_policy
from runyard.store import Store

SUPPORTED_VERSION = "0.1.0"
INSTALL_HINT = f"pip install aspara=={SUPPORTED_VERSION} pystache"


def aspara_dashboard() -> Path:
    """The installed aspara's `dashboard` folder (templates and static files), found without importing aspara."""
    spec = importlib.util.find_spec("aspara")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyMissingError(f"--aspara-port needs the aspara package: {INSTALL_HINT}")
    if importlib.util.find_spec("pystache") is None:
        raise DependencyMissingError(f"--aspara-port renders Aspara's templates with pystache: {INSTALL_HINT}")
    for location in spec.submodule_search_locations:
        dashboard = Path(location) / "dashboard"
        if (dashboard / "templates" / "layout.mustache").is_file() and (dashboard / "static").is_dir():
            return dashboard
    raise DependencyMissingError(f"the installed aspara has no dashboard templates: {INSTALL_HINT}")


def _route(store: Store, tenant: str, names: list[str]) -> pages.Page | None:
    """The page a path (its decoded segments after `/`) names; None when it is not one of Aspara's pages."""
    match names:
        case [""]:
            return pages.projects_page(store, tenant)
        case ["projects", project]:
            return pages.project_page(store, project, tenant)
        case ["projects", project, "runs"]:
            return pages.runs_page(store, project, tenant)
        case ["projects", project, "runs", run]:
            return pages.run_page(store, project, run, tenant)
    return None


class AsparaPages:
    """Renders Aspara's pages from its templates: the page's template inside `layout`, as Aspara does."""

    def __init__(self, templates: Path) -> None:
        import pystache  # optional: only `--aspara-port` needs it

        self._renderer = pystache.Renderer(search_dirs=[str(templates)])

    def html(self, page: pages.Page) -> str:
        """The whole document (blocking: reads the template files)."""
        context: dict[str, Any] = {**page.context, "current_year": datetime.now().year}
        content = self._renderer.render_name(page.template, context)
        return str(self._renderer.render_name("layout", {**context, "content": content}))

    def _page(self, store: Store, tenant: str, path: str) -> str | None:
        names = [urllib.parse.unquote(part) for part in path.strip("/").split("/")]
        page = _route(store, tenant, names)
        return None if page is None else self.html(page)

    async def render(self, request: Request) -> Response | None:
        """The page at the request's path, or None for other paths (static files)."""
        # The raw path keeps a percent-encoded `/` inside one name.
        raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or request.url.path
        try:
            tenant = await get_tenant(request)
            html = await anyio.to_thread.run_sync(self._page, get_store(request), tenant, raw)
        except RunyardError as exc:  # Aspara's pages answer errors as its API does
            return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=exc.headers)
        if html is None:
            return None
        # The project page starts its note editor inline (Aspara's own `script-src 'self'` blocks
        # that, and the note with it): the page's CSP allows exactly its inline scripts by hash.
        return HTMLResponse(html, headers={"Cache-Control": "no-cache",
                                           "content-security-policy": inline_script_policy(html)})


def aspara_site(dashboard: Path | None = None) -> FrontendSite:
    """The Aspara site: its templates and static files (default: the installed package's)."""
    folder = dashboard if dashboard is not None else aspara_dashboard()
    renderer = AsparaPages(folder / "templates")
    return FrontendSite(name="Aspara's dashboard", files=folder / "static", api_prefixes=("/api/",),
                        spa_fallback=False, render=renderer.render, files_at="/static/")
