"""expman metric history: wide JSON rows like expman, per-key series, Parquet/Arrow read back exactly."""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime

import httpx
import numpy as np
import polars as pl
import pytest

from runyard.settings import Settings
from runyard.store import Store
from tests.server.expman.conftest import T0, Seeded, columns, run_url
from tests.server.v1.conftest import client_for

pytestmark = pytest.mark.anyio
PARQUET = "application/vnd.apache.parquet"


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_json_rows_like_expman(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/metrics")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == [
        {"step": 0, "timestamp": _stamp(T0), "acc": None, "loss": 1.0},
        {"step": 1, "timestamp": _stamp(T0 + 1.5), "acc": 0.5, "loss": "NaN"},  # latest time at the step
        {"step": 2, "timestamp": _stamp(T0 + 2), "acc": None, "loss": "Infinity"},
        {"step": 3, "timestamp": _stamp(T0 + 3.5), "acc": "-Infinity", "loss": 0.25},
        {"step": 5, "timestamp": _stamp(T0 + 5.5), "acc": 0.75, "loss": None},
    ]


async def test_keys_and_step_range(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/metrics", params={"keys": "loss", "step_min": 1, "step_max": 2})
    assert response.json() == [
        {"step": 1, "timestamp": _stamp(T0 + 1), "loss": "NaN"},
        {"step": 2, "timestamp": _stamp(T0 + 2), "loss": "Infinity"},
    ]
    lacking = await client.get(f"{run_url()}/metrics", params={"keys": "acc,nope", "step_max": 1})
    assert lacking.json() == [{"step": 1, "timestamp": _stamp(T0 + 1.5), "acc": 0.5, "nope": None}]
    bad = await client.get(f"{run_url()}/metrics", params={"step_min": 3, "step_max": 1})
    assert bad.status_code == 400 and set(bad.json()) == {"error"}


async def test_series_layout(client: httpx.AsyncClient, seeded: Seeded) -> None:
    body = (await client.get(f"{run_url()}/metrics", params={"layout": "series", "keys": "loss,nope"})).json()
    assert body["run"] == seeded.run.name and body["experiment"] == seeded.project.name
    assert body["metrics"]["loss"] == {
        "steps": [0, 1, 2, 3], "values": [1.0, "NaN", "Infinity", 0.25],
        "timestamps": [(T0 + s) * 1000 for s in range(4)],
    }
    assert body["metrics"]["nope"] == {"steps": [], "values": [], "timestamps": []}


async def test_empty_run(client: httpx.AsyncClient, seeded: Seeded) -> None:
    url = run_url(run="second") + "/metrics"
    assert (await client.get(url, params={"keys": "nothing"})).json() == []
    frame = pl.read_parquet(io.BytesIO((await client.get(url, params={"format": "parquet", "keys": "x"})).content))
    assert frame.columns == ["step", "timestamp", "x"] and frame.height == 0


async def _parquet(client: httpx.AsyncClient, **kwargs: object) -> tuple[httpx.Response, pl.DataFrame]:
    response = await client.get(f"{run_url()}/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response, pl.read_parquet(io.BytesIO(response.content))


@pytest.mark.parametrize("how", ["query", "accept"])
async def test_parquet_wide_reads_back_exactly(client: httpx.AsyncClient, seeded: Seeded, how: str) -> None:
    kwargs: dict[str, object] = (
        {"params": {"format": "parquet"}} if how == "query" else {"headers": {"Accept": PARQUET}}
    )
    response, frame = await _parquet(client, **kwargs)
    assert response.headers["content-type"] == PARQUET and response.headers["vary"] == "Accept"
    assert frame.schema == pl.Schema({"step": pl.Int64, "timestamp": pl.Datetime("us", "UTC"),
                                      "acc": pl.Float64, "loss": pl.Float64})
    assert frame["step"].to_list() == [0, 1, 2, 3, 5]
    expected_times = [T0, T0 + 1.5, T0 + 2, T0 + 3.5, T0 + 5.5]
    assert frame["timestamp"].to_list() == [datetime.fromtimestamp(t, tz=UTC) for t in expected_times]
    loss = frame["loss"]
    assert loss.is_null().to_list() == [False, False, False, False, True]  # missing is null, NaN is NaN
    assert loss[0] == 1.0 and math.isnan(loss[1]) and loss[2] == math.inf and loss[3] == 0.25
    acc = frame["acc"]
    assert acc.is_null().to_list() == [True, False, True, False, False]
    assert acc[1] == 0.5 and acc[3] == -math.inf and acc[4] == 0.75


async def test_parquet_series_layout_and_arrow(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    _response, frame = await _parquet(client, params={"format": "parquet", "layout": "series", "keys": "loss"})
    assert frame.columns == ["key", "step", "value", "timestamp"]
    assert frame["key"].to_list() == ["loss"] * 4 and frame["step"].to_list() == [0, 1, 2, 3]
    stored = store.read_metric(seeded.run.id, "loss")
    np.testing.assert_array_equal(frame["value"].to_numpy(), stored.values)  # NaN == NaN here
    np.testing.assert_array_equal(frame["timestamp"].to_numpy(), stored.times * 1000)
    arrow = await client.get(f"{run_url()}/metrics", headers={"Accept": "application/vnd.apache.arrow.stream"})
    assert arrow.headers["content-type"] == "application/vnd.apache.arrow.stream"
    assert pl.read_ipc_stream(io.BytesIO(arrow.content)).columns == ["step", "timestamp", "acc", "loss"]
    explicit = await client.get(f"{run_url()}/metrics", params={"format": "json"}, headers={"Accept": PARQUET})
    assert explicit.headers["content-type"] == "application/json"  # ?format= wins over Accept


async def test_reserved_key_names_do_not_shadow(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.append_metrics(seeded.other.id, {"step": columns([0], [7.0]), "timestamp": columns([0], [8.0])})
    rows = (await client.get(run_url(run="second") + "/metrics")).json()
    assert rows == [{"step": 0, "timestamp": _stamp(T0), "loss": 2.0, "metric:step": 7.0, "metric:timestamp": 8.0}]


async def test_json_rows_round_trip_every_float(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    n = 5_000
    rng = np.random.default_rng(7)
    a = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n)
    a[:6] = [-0.0, 5e-324, 1.7976931348623157e308, np.nan, np.inf, -np.inf]
    b = rng.random(n)
    steps = list(range(0, 2 * n, 2))
    fresh = store.create_run(seeded.project.id, name="floats")
    store.append_metrics(fresh.id, {"a": columns(steps, a.tolist()), 'b"q\n': columns(steps, b.tolist(), 0.25)})
    rows = json.loads((await client.get(run_url(run="floats") + "/metrics")).content)
    assert [r["step"] for r in rows] == steps
    assert [r["timestamp"] for r in rows] == [_stamp(T0 + 0.25 + s) for s in steps]  # the later of the two keys
    assert rows[0]["a"] == 0.0 and math.copysign(1, rows[0]["a"]) == -1
    assert [r["a"] for r in rows[1:6]] == [5e-324, 1.7976931348623157e308, "NaN", "Infinity", "-Infinity"]
    assert [r["a"] for r in rows[6:]] == a[6:].tolist()  # shortest round-trip form: exact
    assert [r['b"q\n'] for r in rows] == b.tolist()
    assert list(rows[0]) == ["step", "timestamp", "a", 'b"q\n']


async def test_large_series_round_trip(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    n = 200_000
    rng = np.random.default_rng(1)
    values = rng.normal(size=n)
    values[::997] = np.nan
    steps = np.arange(n, dtype=np.int64) * 2
    store.append_metrics(seeded.other.id, {"big": columns(steps.tolist(), values.tolist())})
    response = await client.get(run_url(run="second") + "/metrics", params={"format": "parquet", "keys": "big"})
    frame = pl.read_parquet(io.BytesIO(response.content))
    np.testing.assert_array_equal(frame["step"].to_numpy(), steps)
    np.testing.assert_array_equal(frame["big"].to_numpy(), values)


async def test_point_budget(settings: Settings, store: Store, seeded: Seeded) -> None:
    async with client_for(settings, store, max_points_per_request=5) as http:
        response = await http.get(f"{run_url()}/metrics")
        assert response.status_code == 413 and set(response.json()) == {"error"}
        assert (await http.get(f"{run_url()}/metrics", params={"keys": "loss"})).status_code == 200
