"""`/docs`: a list of the API documents; `/docs/{name}`: Swagger UI of one dialect.

Swagger UI is vendored (scripts/vendor-assets.sh), so no page loads anything from outside.
"""

from __future__ import annotations

import copy
import html
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from runyard.errors import NotFoundError
from runyard.server.dialect import Dialect
from runyard.server.responses import JSONResponse

router = APIRouter(include_in_schema=False)
STATIC = "/static/vendor/swagger-ui"


def _documented(request: Request) -> list[Dialect]:
    """The dialects with a Swagger page of their own (the web pages and Jupyter have none)."""
    return [dialect for dialect in request.app.state.dialects if dialect.swagger]


def _dialect(request: Request, name: str) -> Dialect:
    for dialect in _documented(request):
        if dialect.name == name:
            return dialect
    raise NotFoundError(f"no API documentation named {name!r}")


def dialect_openapi(app: FastAPI, dialect: Dialect) -> dict[str, Any]:
    """The OpenAPI document of one dialect: the app's, cut down to operations tagged for it."""
    full = copy.deepcopy(app.openapi())
    paths: dict[str, Any] = {}
    for path, operations in full.get("paths", {}).items():
        kept = {method: op for method, op in operations.items()
                if isinstance(op, dict) and dialect.tag in op.get("tags", ())}
        if kept:
            paths[path] = kept
    full["paths"] = paths
    full["info"] = {"title": dialect.title, "version": app.version, "description": dialect.description}
    return full


@router.get("/docs", response_class=HTMLResponse)
async def docs_index(request: Request) -> HTMLResponse:
    """Every API's documentation page."""
    items = "".join(
        f'<li><a href="/docs/{html.escape(d.name)}">{html.escape(d.title)}</a>'
        f" <small>({html.escape(', '.join(d.prefixes))})</small><br>{html.escape(d.description)}</li>"
        for d in _documented(request)
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>runyard API documentation</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto}li{margin:.8rem 0}</style>"
        f"</head><body><h1>runyard API documentation</h1><ul>{items}</ul>"
        "<p><a href='/openapi.json'>OpenAPI of everything</a></p></body></html>"
    )
    return HTMLResponse(page)


@router.get("/docs/{name}", response_class=HTMLResponse)
async def docs_page(request: Request, name: str) -> HTMLResponse:
    """Swagger UI for one API."""
    dialect = _dialect(request, name)
    return get_swagger_ui_html(
        openapi_url=f"/openapi/{dialect.name}.json",
        title=f"{dialect.title} - runyard",
        swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC}/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@router.get("/openapi/{name}.json")
async def docs_schema(request: Request, name: str) -> JSONResponse:
    """OpenAPI document of one API."""
    return JSONResponse(dialect_openapi(request.app, _dialect(request, name)))
