"""Spawning Jupyter runs code as the server's user: off unless enabled, even on loopback without tokens."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import Run
from tests.server.conftest import TEST_HOSTS
from tests.server.jupyter.test_routes import SPAWN, message

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The server's defaults: loopback, no tokens, Jupyter not enabled."""
    return Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS)


async def test_spawn_is_off_by_default_without_auth(client: httpx.AsyncClient, run: Run) -> None:
    response = await client.post(SPAWN, json={"run": run.uid})
    assert response.status_code == 403
    text = message(response)
    assert "--jupyter" in text and "RUNYARD_JUPYTER=1" in text


def test_enabled_only_when_asked() -> None:
    assert Settings().jupyter_allowed is False
    assert Settings(jupyter_enabled=True).jupyter_allowed is True
    assert Settings.from_env({"RUNYARD_JUPYTER": "1"}).jupyter_allowed is True
