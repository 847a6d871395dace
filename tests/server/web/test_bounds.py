"""Out-of-range integers in `/web/api` query strings answer 422, never a 500 or a broken stream."""

from __future__ import annotations

import httpx
import pytest

from runyard.store import Store
from tests.server.bounds import HUGE, PAST_INT64, seeded_default, status_of

pytestmark = pytest.mark.anyio


async def test_stream_after_past_int64_is_422_before_the_stream_starts(client: httpx.AsyncClient,
                                                                       store: Store) -> None:
    run = seeded_default(store).run
    assert await status_of(client, f"/web/api/stream?runs={run.id}&after={PAST_INT64}") == 422


async def test_new_run_check_after_id_past_int64_is_422(client: httpx.AsyncClient, store: Store) -> None:
    project = seeded_default(store).project
    response = await client.get(f"/web/api/projects/{project.id}/runs?after_id={HUGE}")
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("query", [f"step_min=-{HUGE}", f"step_max={PAST_INT64}"])
async def test_series_step_bounds_past_int64_are_422(client: httpx.AsyncClient, store: Store, query: str) -> None:
    run = seeded_default(store).run
    response = await client.get(f"/web/api/series?runs={run.id}&keys=train/loss&{query}")
    assert response.status_code == 422, response.text
