"""Helpers for the v1 tests: create experiments and runs through the API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store

EXPERIMENTS = "/api/v1/experiments"
RUNS = "/api/v1/experiments/runs"


async def new_experiment(client: httpx.AsyncClient, name: str = "exp", **fields: Any) -> dict[str, Any]:
    response = await client.post(EXPERIMENTS, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def new_run(client: httpx.AsyncClient, experiment_id: str | int, **fields: Any) -> dict[str, Any]:
    response = await client.post(RUNS, json={"experiment_id": experiment_id, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def exp(client: httpx.AsyncClient) -> dict[str, Any]:
    return await new_experiment(client)


@pytest.fixture
async def run(client: httpx.AsyncClient, exp: dict[str, Any]) -> dict[str, Any]:
    return await new_run(client, exp["id"], name="r1")


@contextlib.asynccontextmanager
async def client_for(settings: Settings, store: Store, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built with changed settings."""
    app: FastAPI = create_app(settings.with_changes(**changes), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        yield http
