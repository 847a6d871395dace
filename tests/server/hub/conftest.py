"""The app with the toy experiment type registered through `hub_types`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.hub.toy import TOY_REF
from tests.server.conftest import TEST_HOSTS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS, hub_types=(TOY_REF,), hub_stop_grace_s=2.0, hub_wait_s=60.0)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        try:
            yield http
        finally:
            await anyio.to_thread.run_sync(app.state.hub.stop_all)


@pytest.fixture
def idle(app: FastAPI) -> Callable[[str], object]:
    """An awaitable that returns once the experiment's job has ended."""

    async def wait(name: str) -> None:
        exp = app.state.hub.get("default", name)
        active = exp.active
        if active is not None:
            assert await anyio.to_thread.run_sync(active.done.wait, 60.0), "job did not end"

    return wait


def restarted(settings: Settings, store: Store) -> FastAPI:
    """A new app on the same store: what a server restart sees."""
    return create_app(settings, store=store)


@contextlib.asynccontextmanager
async def auth_hub_app(settings: Settings, store: Store, **limits: int) -> AsyncIterator[FastAPI]:
    """An app that requires tokens, with the given hub limits; its jobs are stopped afterwards."""
    app = create_app(settings.with_changes(auth=True, **limits), store=store)
    try:
        yield app
    finally:
        await anyio.to_thread.run_sync(app.state.hub.stop_all)


def bearer(store: Store, tenant: str) -> dict[str, str]:
    """Headers with a new token of `tenant`."""
    _token, secret = store.create_token(tenant)
    return {"Authorization": f"Bearer {secret}"}
