"""Out-of-range integers in v1 query strings answer 422, never a 500 or a broken stream."""

from __future__ import annotations

import httpx
import pytest

from runyard.store import Store
from tests.server.bounds import HUGE, PAST_INT64, seeded_default, status_of

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("query", [f"step_min=-{HUGE}", f"step_max={HUGE}", f"step_min={PAST_INT64}"])
@pytest.mark.parametrize("route", ["metrics/history", "metrics/downsampled"])
async def test_step_bounds_past_int64_are_422(client: httpx.AsyncClient, store: Store, route: str,
                                              query: str) -> None:
    run = seeded_default(store).run
    assert await status_of(client, f"/api/v1/experiments/runs/{run.id}/{route}?{query}") == 422


async def test_step_bounds_past_int64_in_a_metrics_query_body_are_422(client: httpx.AsyncClient,
                                                                       store: Store) -> None:
    run = seeded_default(store).run
    response = await client.post("/api/v1/experiments/runs/metrics/query",
                                 json={"run_ids": [run.id], "keys": ["train/loss"], "step_min": -HUGE})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("after", [PAST_INT64, HUGE])
async def test_stream_after_past_int64_is_422_before_the_stream_starts(client: httpx.AsyncClient, store: Store,
                                                                       after: int) -> None:
    run = seeded_default(store).run
    assert await status_of(client, f"/api/v1/experiments/runs/{run.id}/stream?after={after}") == 422


async def test_stream_after_the_largest_id_replays_nothing_and_closes(client: httpx.AsyncClient,
                                                                      store: Store) -> None:
    run = seeded_default(store).run
    assert await status_of(client, f"/api/v1/experiments/runs/{run.id}/stream?after={2**63 - 1}") == 200


@pytest.mark.parametrize("ref", ["²", "١٢", "9" * 30])
async def test_run_ids_that_are_not_ascii_int64_are_400(client: httpx.AsyncClient, ref: str) -> None:
    response = await client.get(f"/api/v1/experiments/runs/{ref}/metrics")
    assert response.status_code == 400, response.text
