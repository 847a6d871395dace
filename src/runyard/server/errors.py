"""One error hierarchy, shaped per dialect: each `Dialect` (server/dialect.py) names its path prefixes and shape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from runyard.errors import RunyardError, StoreError
from runyard.server.responses import JSONResponse

log = logging.getLogger("runyard.server")

ErrorShape = Callable[[int, str, Any], dict[str, Any]]


def detail_shape(status: int, message: str, extra: Any = None) -> dict[str, Any]:
    """FastAPI's own shape, `{"detail": ...}`: Experiments API v1 and ExperimentHub."""
    return {"detail": extra if extra is not None else message}


def status_for(exc: RunyardError) -> int:
    """HTTP status of a runyard error: decided by its class (`RunyardError.status`)."""
    return exc.status


def _shape_for(app: FastAPI, path: str) -> ErrorShape:
    best: tuple[int, ErrorShape] = (-1, detail_shape)
    for dialect in app.state.dialects:
        for prefix in dialect.prefixes:
            if (path == prefix or path.startswith(prefix.rstrip("/") + "/")) and len(prefix) > best[0]:
                best = (len(prefix), dialect.shape)
    return best[1]


def error_response(request: Request, status: int, message: str, extra: Any = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An error in the shape of the dialect that owns the request's path."""
    shape = _shape_for(request.app, request.url.path)
    return JSONResponse(shape(status, message, extra), status_code=status, headers=headers)


def _public_message(request: Request, exc: RunyardError) -> str:
    """The error text for the caller: store failures name files, so with tokens required they are logged only."""
    if isinstance(exc, StoreError) and request.app.state.settings.auth_required:
        log.error("store error on %s %s: %s", request.method, request.url.path, exc)
        if status_for(exc) == 507:
            return "the server has no room to store this (details in the server log)"
        return "the server could not store or read this (details in the server log)"
    return str(exc)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure onto a dialect-shaped 4xx/5xx, never a bare traceback."""

    @app.exception_handler(RunyardError)
    async def runyard_error(request: Request, exc: RunyardError) -> JSONResponse:
        status = status_for(exc)
        if status == 500:
            log.error("store failure on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, status, _public_message(request, exc), headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
        return error_response(request, 422, message, errors if _shape_for(request.app, request.url.path) is detail_shape else None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal server error")
