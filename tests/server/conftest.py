"""In-process server fixtures: the app on a tmp_path store, driven through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store

# Host names of the in-process test clients: the server refuses names it does not go by.
TEST_HOSTS = ("runyard.test", "t")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS)


@pytest.fixture
def app(settings: Settings, store: Store) -> FastAPI:
    return create_app(settings, store=store)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        yield http


def auth_app(settings: Settings, store: Store) -> FastAPI:
    """The app with tokens required."""
    return create_app(settings.with_changes(auth=True), store=store)
