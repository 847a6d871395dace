"""Out-of-range integers in expman query strings answer 422 `{"error": ...}`, never a 500."""

from __future__ import annotations

import httpx
import pytest

from runyard.store import Store
from tests.server.bounds import HUGE, PAST_INT64, seeded_default, status_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("query", [f"step_min=-{HUGE}", f"step_max={PAST_INT64}"])
async def test_step_bounds_past_int64_are_422(client: httpx.AsyncClient, store: Store, query: str) -> None:
    seeded = seeded_default(store)
    response = await client.get(f"/api/experiments/{seeded.project.name}/runs/{seeded.run.name}/metrics?{query}")
    assert response.status_code == 422, response.text
    assert "error" in response.json()


@pytest.mark.parametrize("offset", [PAST_INT64, HUGE])
async def test_runs_offset_past_int64_is_422(client: httpx.AsyncClient, store: Store, offset: int) -> None:
    seeded = seeded_default(store)
    response = await client.get(f"/api/experiments/{seeded.project.name}/runs?offset={offset}")
    assert response.status_code == 422, response.text


async def test_live_after_past_int64_is_422_before_the_stream_starts(client: httpx.AsyncClient,
                                                                     store: Store) -> None:
    seeded = seeded_default(store)
    url = f"/api/experiments/{seeded.project.name}/runs/{seeded.run.name}/live?after={PAST_INT64}"
    assert await status_of(client, url) == 422
