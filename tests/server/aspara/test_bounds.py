"""Out-of-range numbers in dashboard API (Aspara) query strings answer 422, never a 500."""

from __future__ import annotations

import httpx
import pytest

from runyard.store import Store
from tests.server.bounds import PAST_INT64, seeded_default, status_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("route", ["runs/{run}/stream?", "runs/stream?runs={run}&"])
async def test_stream_after_past_int64_is_422_before_the_stream_starts(client: httpx.AsyncClient, store: Store,
                                                                       route: str) -> None:
    seeded = seeded_default(store)
    url = f"/api/projects/{seeded.project.name}/{route.format(run=seeded.run.name)}after={PAST_INT64}"
    assert await status_of(client, url) == 422


@pytest.mark.parametrize("since", ["nan", "inf", "-inf"])
@pytest.mark.parametrize("route", ["runs/{run}/metrics?", "runs/metrics?runs={run}&"])
async def test_since_must_be_a_finite_time(client: httpx.AsyncClient, store: Store, route: str, since: str) -> None:
    seeded = seeded_default(store)
    url = f"/api/projects/{seeded.project.name}/{route.format(run=seeded.run.name)}since={since}"
    response = await client.get(url)
    assert response.status_code == 422, response.text
