"""The point budget in every dialect: 413 decided from summaries, before any series is read.

A `SQLiteStore` that counts `read_metric` calls (a real store, nothing faked) shows that a
request over `max_points_per_request` reads nothing, and that a step range cutting through
a series is still judged by the points it really holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import MetricColumns
from runyard.store.sqlite.store import SQLiteStore
from tests.server.conftest import TEST_HOSTS

pytestmark = pytest.mark.anyio
BUDGET = 50


class CountingStore(SQLiteStore):
    """The real store, counting whole-series reads."""

    reads = 0

    def read_metric(self, *args: Any, **kwargs: Any) -> MetricColumns:
        self.reads += 1
        return super().read_metric(*args, **kwargs)


@pytest.fixture
def counting(tmp_path: Path) -> CountingStore:
    store = CountingStore(tmp_path / "data")
    run = store.create_run(store.create_project("proj").id, name="r1")
    steps = np.arange(40)
    for key in ("a", "b"):  # 80 points in all, 40 per key
        store.append_metrics(run.id, {key: MetricColumns(steps, steps * 1.0, 1.7e9 + steps)})
    return store


@pytest.fixture
async def http(tmp_path: Path, counting: CountingStore) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS, max_points_per_request=BUDGET)
    app = create_app(settings, store=counting)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as client:
        yield client
    counting.close()


REQUESTS = [
    ("GET", "/api/v1/experiments/runs/1/metrics/history", {}),
    ("GET", "/api/experiments/proj/runs/r1/metrics", {}),
    ("GET", "/api/projects/proj/runs/r1/metrics", {}),
    ("GET", "/api/projects/proj/runs/metrics", {"runs": "r1"}),
    ("POST", "/api/v1/experiments/runs/metrics/query", {"run_ids": [1], "keys": ["a", "b"]}),
]


@pytest.mark.parametrize(("method", "path", "params"), REQUESTS)
async def test_over_budget_reads_nothing(http: httpx.AsyncClient, counting: CountingStore, method: str, path: str,
                                         params: dict[str, Any]) -> None:
    if method == "POST":
        response = await http.post(path, json=params)
    else:
        response = await http.get(path, params=params)
    assert response.status_code == 413, response.text
    assert counting.reads == 0


async def test_v1_step_range_counts_what_it_holds(http: httpx.AsyncClient, counting: CountingStore) -> None:
    url = "/api/v1/experiments/runs/1/metrics/history"
    # 2 x 20 points in range: within the budget although the series hold 80.
    assert (await http.get(url, params={"step_min": 0, "step_max": 19})).status_code == 200
    # 2 x 30 points cut from the middle: over, found while reading (a summary cannot count a cut).
    assert (await http.get(url, params={"step_min": 5, "step_max": 34})).status_code == 413
    # Outside every series: nothing to read, nothing over.
    assert (await http.get(url, params={"step_min": 100})).status_code == 200


async def test_expman_step_range_counts_what_it_holds(http: httpx.AsyncClient, counting: CountingStore) -> None:
    url = "/api/experiments/proj/runs/r1/metrics"
    assert (await http.get(url, params={"step_min": 0, "step_max": 19})).status_code == 200
    assert (await http.get(url, params={"step_min": 5, "step_max": 34})).status_code == 413
