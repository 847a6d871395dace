"""One error hierarchy: each class carries its HTTP status, and every mapping derives from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

import runyard.errors as core
from runyard.api.backend import RemoteNotSupportedError
from runyard.commands.errors import describe
from runyard.hub.errors import (
    DatastreamError,
    HubBusyError,
    HubTimeoutError,
    HubUnavailableError,
    UntrustedModelError,
)
from runyard.sdk.http_client import REFUSALS
from runyard.server import create_app
from runyard.server.errors import status_for
from runyard.server.jupyter.launch import JupyterStartError
from runyard.server.jupyter.manager import (
    AlreadyStartingError,
    LimitReachedError,
    ShuttingDownError,
)
from runyard.settings import Settings
from runyard.store import Store

# The decision, written down once more on purpose: a change to a status must change this table too.
EXPECTED: dict[type[core.RunyardError], int] = {
    core.RunyardError: 500,
    core.NotFoundError: 404,
    core.ConflictError: 409,
    core.InvalidInputError: 400,
    core.PayloadTooLargeError: 413,
    core.AuthError: 401,
    core.ForbiddenError: 403,
    core.TooManyRequestsError: 429,
    core.StoreError: 500,
    core.InsufficientStorageError: 507,
    core.SchemaTooNewError: 500,
    core.DependencyMissingError: 501,
    core.ServiceUnavailableError: 503,
    core.StoreUnavailableError: 503,
    DatastreamError: 503,
    HubTimeoutError: 504,
    HubUnavailableError: 501,
    HubBusyError: 429,
    UntrustedModelError: 403,
    LimitReachedError: 429,
    AlreadyStartingError: 409,
    ShuttingDownError: 503,
    JupyterStartError: 502,
    RemoteNotSupportedError: 501,
}


def _all_classes() -> list[type[core.RunyardError]]:
    found: list[type[core.RunyardError]] = []
    todo = [core.RunyardError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("runyard") and cls not in found:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_carries_its_status() -> None:
    for cls in _all_classes():
        assert isinstance(cls.status, int) and 400 <= cls.status <= 599, cls
        assert cls.exit_code == 1, cls  # the CLI's exit code today: 1 for every expected error
    assert {cls: cls.status for cls in EXPECTED} == EXPECTED
    assert set(EXPECTED) <= set(_all_classes())


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_status_for_and_cli_agree_with_the_class(cls: type[core.RunyardError]) -> None:
    exc = cls("boom")
    assert status_for(exc) == cls.status
    message, code = describe(exc) or ("", -1)
    assert code == cls.exit_code and "boom" in message


def test_headers_come_from_the_exception() -> None:
    assert core.AuthError("no").headers == {"WWW-Authenticate": "Bearer"}
    assert HubBusyError("busy").headers == {"Retry-After": "5"}
    assert HubBusyError("busy", retry_after_s=9).headers == {"Retry-After": "9"}
    assert core.TooManyRequestsError("full").headers == {}
    assert LimitReachedError("full").headers == {}
    assert core.NotFoundError("gone").headers == {}
    assert core.ReadOnlyError("read-only").headers == {"Allow": "GET, HEAD"}


def test_schema_too_new_tells_the_cli_user_to_upgrade() -> None:
    assert describe(core.SchemaTooNewError("written by runyard 9")) == (
        "written by runyard 9 (upgrade runyard to read this data dir)", 1)


def test_sdk_refusals_derive_from_the_classes() -> None:
    assert {
        400: core.InvalidInputError, 401: core.AuthError, 403: core.ForbiddenError, 404: core.NotFoundError,
        405: core.ReadOnlyError, 409: core.ConflictError, 413: core.PayloadTooLargeError, 422: core.InvalidInputError,
    } == REFUSALS
    for status, cls in REFUSALS.items():
        assert status == 422 or cls.status == status


def test_by_status_picks_the_class_that_first_takes_a_status() -> None:
    table = core.by_status()
    assert table[400] is core.InvalidInputError and table[413] is core.PayloadTooLargeError
    assert table[500] is core.RunyardError and table[507] is core.InsufficientStorageError
    assert all(cls.__module__ == "runyard.errors" for cls in table.values())


@pytest.fixture
def raising_app(tmp_path: Path, store: Store) -> FastAPI:
    """The real app plus one route, in the v1 dialect's space, that raises the error named in its path."""
    app = create_app(Settings(data_dir=tmp_path / "data", allowed_hosts=("runyard.test",)), store=store)
    by_name = {cls.__name__: cls for cls in EXPECTED}

    async def boom(name: str) -> None:
        raise by_name[name]("boom")

    app.router.routes.insert(0, APIRoute("/api/v1/boom/{name}", boom, methods=["GET"]))
    return app


@pytest.fixture
async def client(raising_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=raising_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://runyard.test") as http:
        yield http


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_server_answers_each_class_with_its_status(client: httpx.AsyncClient) -> None:
    for cls, status in EXPECTED.items():
        response = await client.get(f"/api/v1/boom/{cls.__name__}")
        assert response.status_code == status, (cls, response.text)
        detail = response.json()["detail"]
        assert "boom" in detail, (cls, detail)
        for name, value in cls("boom").headers.items():
            assert response.headers[name] == value, (cls, name)
