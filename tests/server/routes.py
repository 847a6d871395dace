"""Every route the app serves, with the parameters a request needs, found by walking the app.

Routes hidden from the OpenAPI schema (dashboard pages, `/web/api`, `/login`) are included:
the walk reads FastAPI's own route records, including those inside included routers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from starlette.routing import Mount

# Served to anyone by design; every other route must answer 401 without a valid token.
PUBLIC_PATHS = frozenset({
    "/health",  # liveness probe (reveals no data; issue 11 trims what it says under auth)
    "/openapi.json", "/docs", "/docs/{name}", "/openapi/{name}.json",  # API documentation
    "/login", "/login/session", "/logout",  # the sign-in form and its cookie
})
PUBLIC_MOUNTS = frozenset({"/static"})  # the dashboard's CSS and scripts


@dataclass(frozen=True, slots=True)
class Route:
    """One method of one route: its path template and the parameters a call must fill."""

    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]  # required or not: a test fills those it has values for
    required_query: tuple[str, ...]
    body_required: bool
    in_schema: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _records(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included-router wrapper
        if included is not None:
            extra = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _records(included.routes, prefix + extra)
        elif isinstance(route, Mount):
            yield prefix + route.path, route
        else:
            yield prefix + route.path, route


def _params(dependant: Dependant, kind: str) -> Iterator[Any]:
    """The `kind` parameters (`path_params`, ...) of a route and of all its dependencies."""
    yield from getattr(dependant, kind)
    for sub in dependant.dependencies:
        yield from _params(sub, kind)


def served_routes(app: FastAPI) -> tuple[list[Route], list[str]]:
    """(every API and page route, every mount path) the app serves."""
    found: list[Route] = []
    mounts: list[str] = []
    for path, record in _records(app.routes):
        if isinstance(record, Mount):
            mounts.append(path)
            continue
        dependant = getattr(record, "dependant", None)
        if dependant is None:  # a plain Starlette route: `/openapi.json`
            found.extend(Route(m, path, (), (), (), False, False) for m in sorted(record.methods or ()) if m != "HEAD")
            continue
        template = path.replace(":path}", "}")
        path_params = tuple(dict.fromkeys(p.alias for p in _params(dependant, "path_params")))
        query = tuple(dict.fromkeys(p.alias for p in _params(dependant, "query_params")))
        required = tuple(dict.fromkeys(p.alias for p in _params(dependant, "query_params") if p.field_info.is_required()))
        body = any(p.field_info.is_required() for p in _params(dependant, "body_params"))
        for method in sorted(record.methods or ()):
            if method != "HEAD":
                found.append(Route(method, template, path_params, query, required, body,
                                   bool(getattr(record, "include_in_schema", True))))
    return found, mounts


def schema_operations(app: FastAPI) -> set[str]:
    """`METHOD /path` of every operation in the served OpenAPI schema."""
    return {f"{method.upper()} {path}" for path, ops in app.openapi()["paths"].items() for method in ops}


def fill(path: str, values: dict[str, str]) -> str:
    """The path with each `{name}` replaced by its (percent-encoded) value."""
    import urllib.parse

    for name, value in values.items():
        path = path.replace("{" + name + "}", urllib.parse.quote(value, safe="/" if name == "path" else ""))
    return path
