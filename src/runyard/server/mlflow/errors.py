"""MLflow's error answers: `{"error_code": ..., "message": ...}` with MLflow's HTTP statuses.

runyard errors carry runyard's statuses (a taken name is 409); the MLflow client reads the
`error_code`, and MLflow answers a taken name with 400 `RESOURCE_ALREADY_EXISTS` and any bad
field with 400 `INVALID_PARAMETER_VALUE`. `MlflowRoute` turns what a route raises into that
shape; `error_shape` shapes what fails before a route runs (a missing token, a body over the
limit), whose status stays the one the middleware chose.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from runyard.errors import (
    AuthError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    RunyardError,
    TooManyRequestsError,
)
from runyard.server.responses import JSONResponse

INVALID = "INVALID_PARAMETER_VALUE"
MISSING = "RESOURCE_DOES_NOT_EXIST"
TAKEN = "RESOURCE_ALREADY_EXISTS"
ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"
# Starlette's detail for a path no route matches: under MLflow's prefixes, an unimplemented endpoint.
NO_ROUTE = "Not Found"
_BY_STATUS = {400: INVALID, 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: MISSING, 405: ENDPOINT_NOT_FOUND,
              409: TAKEN, 413: INVALID, 422: INVALID, 429: "REQUEST_LIMIT_EXCEEDED", 501: "NOT_IMPLEMENTED",
              503: "TEMPORARILY_UNAVAILABLE"}


class EndpointNotFoundError(NotFoundError):
    """A path under MLflow's prefixes that runyard does not implement."""


def error_shape(status: int, message: str, extra: Any = None) -> dict[str, Any]:
    """The MLflow error body for a failure outside a route (auth gate, body limits, no such path)."""
    if status == 404 and message == NO_ROUTE:
        return {"error_code": ENDPOINT_NOT_FOUND, "message": "this MLflow endpoint is not implemented by runyard"}
    return {"error_code": _BY_STATUS.get(status, "INTERNAL_ERROR"), "message": message}


def mlflow_answer(exc: RunyardError) -> tuple[int, str]:
    """(HTTP status, error code) MLflow gives for this runyard error."""
    if isinstance(exc, EndpointNotFoundError):
        return 404, ENDPOINT_NOT_FOUND
    if isinstance(exc, NotFoundError):
        return 404, MISSING
    if isinstance(exc, ConflictError):
        return 400, TAKEN
    if isinstance(exc, PayloadTooLargeError):  # an artifact or body over runyard's limits, as before routing
        return 413, INVALID
    if isinstance(exc, InvalidInputError):  # MLflow's batch limits are 400s
        return 400, INVALID
    if isinstance(exc, AuthError | ForbiddenError | TooManyRequestsError):
        return exc.status, _BY_STATUS[exc.status]
    return exc.status, _BY_STATUS.get(exc.status, "INTERNAL_ERROR")


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query"))
    return f"invalid value for {where or 'the request'}: {first.get('msg', '')}"


class MlflowRoute(APIRoute):
    """A route whose errors answer in MLflow's shape and statuses (see the module doc)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return JSONResponse({"error_code": INVALID, "message": _validation_message(exc)}, status_code=400)
            except RunyardError as exc:
                if isinstance(exc, AuthError | ForbiddenError | TooManyRequestsError) or exc.status >= 500:
                    raise  # the app's handler adds its headers and hides store details as configured
                status, code = mlflow_answer(exc)
                return JSONResponse({"error_code": code, "message": str(exc)}, status_code=status,
                                    headers=exc.headers or None)

        return answer
