"""`/api/v1/experiment/<id>/tag/<namespace>/<metric>`: full series by default, thinned on request."""

from __future__ import annotations

import json
import math

import httpx
import numpy as np
import pytest

from runyard.server.chart_points import thin
from runyard.store import MetricColumns, Store
from tests.server.swanlab.conftest import STEPS, Seeded, columns, data

pytestmark = pytest.mark.anyio
BASE = "/api/v1/experiment"


def _strict(text: str) -> object:
    """Parse JSON refusing NaN/Infinity literals (what browsers' JSON.parse refuses)."""
    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name} in JSON")
    return json.loads(text, parse_constant=refuse)


async def test_full_series_by_default(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.finished.id}/tag/train/loss"))
    assert found["sum"] == STEPS and found["experiment_id"] == seeded.finished.id
    assert found["max"] == seeded.loss.max() and found["min"] == seeded.loss.min()
    entries = found["list"]
    assert [e["index"] for e in entries] == list(range(STEPS))
    assert [e["data"] for e in entries] == seeded.loss.tolist()
    assert entries[0]["create_time"] == "2026-11-18T11:06:40.000000+00:00"
    assert entries[1]["create_time"] == "2026-11-18T11:06:40.010000+00:00"
    assert [i for i, e in enumerate(entries) if "_last" in e] == [STEPS - 1] and entries[-1]["_last"] is True


async def test_thinned_on_request_keeps_extremes_and_ends(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.finished.id}/tag/train/loss", params={"max_points": 100}))
    entries = found["list"]
    assert 50 <= len(entries) <= 100
    steps = [e["index"] for e in entries]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == STEPS - 1
    assert int(np.argmax(seeded.loss)) in steps and int(np.argmin(seeded.loss)) in steps
    assert all(e["data"] == seeded.loss[e["index"]] for e in entries)
    assert found["sum"] == STEPS and found["max"] == seeded.loss.max()  # about the whole series
    assert [i for i, e in enumerate(entries) if e.get("_last")] == [len(entries) - 1]


async def test_short_series_is_whole_even_with_max_points(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.live.id}/tag/noslash", params={"max_points": 10}))
    assert [e["data"] for e in found["list"]] == [3.0, 2.0]


@pytest.mark.parametrize("n", [11, 12, 13, 100, 1001, 5000])
def test_thin_never_exceeds_max_points(n: int) -> None:
    rng = np.random.default_rng(n)
    series = columns(rng.normal(size=n))
    for limit in (10, 11, 12, 50):
        index = thin(series, limit)
        assert len(index) <= limit and index[0] == 0 and index[-1] == n - 1
        assert bool((np.diff(index) > 0).all())


async def test_key_without_slash_in_default_namespace(client: httpx.AsyncClient, seeded: Seeded) -> None:
    direct = data(await client.get(f"{BASE}/{seeded.live.id}/tag/noslash"))
    assert data(await client.get(f"{BASE}/{seeded.live.id}/tag/default/noslash")) == direct
    assert [e["data"] for e in direct["list"]] == [3.0, 2.0]


async def test_system_namespace(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{BASE}/{seeded.live.id}/tag/system/gpu.0.utilization_percent"))
    assert [e["data"] for e in found["list"]] == [50.0, 75.0]


async def test_nan_and_inf_do_not_break(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{BASE}/{seeded.live.id}/tag/loss")
    found = _strict(response.text)["data"]  # type: ignore[index]
    assert [e["data"] for e in found["list"]] == [1.0, "NaN", "INF", 0.5, "-INF"]
    assert (found["sum"], found["max"], found["min"]) == (5, 1.0, 0.5)  # over finite values
    only_nan = data(await client.get(f"{BASE}/{seeded.live.id}/tag/train/nan_only"))
    assert (only_nan["sum"], only_nan["max"], only_nan["min"]) == (2, None, None)
    for suffix in ("/summary", "/status", "/chart", ""):
        _strict((await client.get(f"{BASE}/{seeded.live.id}{suffix}")).text)
    _strict((await client.get("/api/v1/project")).text)


async def test_thinning_with_nan(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    values = np.linspace(0, 1, 500)
    values[::7] = math.nan
    values[250] = math.inf
    store.append_metrics(seeded.live.id, {"val/noisy": columns(values)})
    found = data(await client.get(f"{BASE}/{seeded.live.id}/tag/val/noisy", params={"max_points": 30}))
    assert len(found["list"]) <= 30 and found["max"] == 1.0 and found["min"] > 0


async def test_out_of_order_steps_come_sorted(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.append_metrics(seeded.live.id, {"late": MetricColumns(
        np.array([5, 1, 3], dtype=np.int64), np.array([0.5, 0.1, 0.3]), np.array([3.0, 1.0, 2.0]))})
    found = data(await client.get(f"{BASE}/{seeded.live.id}/tag/late"))
    assert [(e["index"], e["data"]) for e in found["list"]] == [(1, 0.1), (3, 0.3), (5, 0.5)]
    assert found["list"][0]["create_time"] == "1970-01-01T00:00:01.000000+00:00"
