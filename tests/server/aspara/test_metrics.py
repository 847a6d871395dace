"""Metric reads: one run, several runs (JSON, msgpack lists, msgpack binary), downsampling, limits."""

from __future__ import annotations

import math

import httpx
import numpy as np
import ormsgpack
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import MetricColumns, Store
from tests.server.aspara.conftest import PROJECT, RUN, T0, Seeded, columns, project_url, run_url

pytestmark = pytest.mark.anyio


async def test_run_metrics_json_spells_non_finite(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/metrics")
    assert response.status_code == 200
    body = response.json()
    assert body["project"] == PROJECT and body["run"] == RUN
    assert list(body["metrics"]) == ["loss", "acc"]  # as first logged (one batch: its order)
    loss = body["metrics"]["loss"]
    # Delta-encoded like Aspara's server: first value absolute, then differences.
    assert loss["steps"] == [0, 1, 1, 1]
    assert loss["values"] == [1.0, "NaN", "Infinity", 0.25]
    assert loss["timestamps"] == [T0 * 1000, 1000.0, 1000.0, 1000.0]
    assert body["metrics"]["acc"]["values"] == [0.5, "-Infinity", 0.75]
    assert body["metrics"]["acc"]["steps"] == [1, 2, 2]
    absolute = (await client.get(f"{run_url()}/metrics", params={"absolute": "true"})).json()["metrics"]["loss"]
    assert absolute["steps"] == [0, 1, 2, 3] and absolute["timestamps"] == [(T0 + s) * 1000 for s in range(4)]


async def test_run_metrics_key_filter_and_since(client: httpx.AsyncClient, seeded: Seeded) -> None:
    body = (await client.get(f"{run_url()}/metrics", params={"metrics": "loss,unknown"})).json()
    assert list(body["metrics"]) == ["loss"]
    body = (await client.get(f"{run_url()}/metrics", params={"since": (T0 + 2) * 1000, "absolute": "true"})).json()
    assert body["metrics"]["loss"]["steps"] == [2, 3] and body["metrics"]["acc"]["steps"] == [3, 5]


async def test_run_metrics_msgpack_lists_and_binary(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/metrics", params={"format": "msgpack"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/msgpack"
    loss = ormsgpack.unpackb(response.content)["metrics"]["loss"]
    assert loss["steps"] == [0, 1, 1, 1] and loss["timestamps"] == [T0 * 1000, 1000.0, 1000.0, 1000.0]
    assert loss["values"][0] == 1.0 and math.isnan(loss["values"][1]) and loss["values"][2] == math.inf
    response = await client.get(f"{run_url()}/metrics", params={"format": "msgpack", "arrays": "binary"})
    delta = ormsgpack.unpackb(response.content)
    assert delta["encoding"]["delta"] is True
    assert np.frombuffer(delta["metrics"]["loss"]["steps"], "<i8").tolist() == [0, 1, 1, 1]
    response = await client.get(f"{run_url()}/metrics",
                                params={"format": "msgpack", "arrays": "binary", "absolute": "true"})
    body = ormsgpack.unpackb(response.content)
    assert body["encoding"]["values"] == "<f8" and body["encoding"]["delta"] is False
    loss = body["metrics"]["loss"]
    assert np.frombuffer(loss["steps"], "<i8").tolist() == [0, 1, 2, 3]
    values = np.frombuffer(loss["values"], "<f8")
    assert values[0] == 1.0 and math.isnan(values[1]) and values[2] == math.inf
    assert np.frombuffer(loss["timestamps"], "<f8")[3] == (T0 + 3) * 1000


async def test_compare_runs_metric_first_structure(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{project_url()}/runs/metrics", params={"runs": f"{RUN},second"})
    assert response.status_code == 200
    body = response.json()
    assert body["project"] == PROJECT and body["missing_runs"] == []
    assert list(body["metrics"]["loss"]) == [RUN, "second"]
    assert body["metrics"]["loss"]["second"] == {"steps": [0, 10], "values": [2.0, 1.5],
                                                 "timestamps": [T0 * 1000, 10_000.0]}  # delta-encoded
    assert list(body["metrics"]["acc"]) == [RUN]  # a run lacking a metric has no entry under it


async def test_delta_encoding_undone_as_aspara_scripts_do_gives_the_stored_series(
        client: httpx.AsyncClient, store: Store) -> None:
    # Aspara's decompressDeltaData adds each value to the running sum: 2,000 steps must come
    # back as 0..1999 (an absolute series summed up would reach 1,999,000: the "1,999k" axis).
    project = store.get_or_create_project("delta")
    run = store.create_run(project.id, name="r")
    times = T0 + np.cumsum(np.random.default_rng(3).uniform(0.001, 2.0, 2000))
    store.append_metrics(run.id, {"loss": MetricColumns(np.arange(2000, dtype=np.int64), np.ones(2000), times)})
    for fmt in ("json", "msgpack"):
        response = await client.get(f"{project_url('delta')}/runs/metrics", params={"runs": "r", "format": fmt})
        body = response.json() if fmt == "json" else ormsgpack.unpackb(response.content)
        series = body["metrics"]["loss"]["r"]
        assert np.cumsum(series["steps"]).tolist() == list(range(2000))
        assert np.cumsum(series["timestamps"]) == pytest.approx(times * 1000, abs=1e-3)


async def test_metric_keys_come_in_the_order_first_logged(client: httpx.AsyncClient, store: Store) -> None:
    project = store.get_or_create_project("order")
    first, second = (store.create_run(project.id, name=name) for name in ("first", "second"))
    store.append_metrics(first.id, {"zeta": columns([0], [1.0]), "beta": columns([0], [1.0])})
    store.append_metrics(first.id, {"alpha": columns([1], [1.0]), "zeta": columns([1], [2.0])})
    store.append_metrics(second.id, {"gamma": columns([0], [1.0]), "alpha": columns([0], [1.0])})
    body = (await client.get(f"{run_url('order', 'first')}/metrics")).json()
    assert list(body["metrics"]) == ["zeta", "beta", "alpha"]
    body = (await client.get(f"{project_url('order')}/runs/metrics", params={"runs": "second,first"})).json()
    assert list(body["metrics"]) == ["gamma", "alpha", "zeta", "beta"]
    body = (await client.get(f"{project_url('order')}/runs/metrics",
                             params={"runs": "first", "format": "msgpack"})).content
    assert list(ormsgpack.unpackb(body)["metrics"]) == ["zeta", "beta", "alpha"]


async def test_compare_skips_unknown_runs_and_names_them(client: httpx.AsyncClient, seeded: Seeded) -> None:
    body = (await client.get(f"{project_url()}/runs/metrics", params={"runs": "second, ghost ,second"})).json()
    assert body["missing_runs"] == ["ghost"] and list(body["metrics"]["loss"]) == ["second"]
    body = (await client.get(f"{project_url()}/runs/metrics", params={"runs": "ghost"})).json()
    assert body["metrics"] == {} and body["missing_runs"] == ["ghost"]


@pytest.mark.parametrize("params", [{}, {"runs": ""}, {"runs": " , ,"}])
async def test_compare_without_runs_is_400(client: httpx.AsyncClient, seeded: Seeded, params: dict[str, str]) -> None:
    response = await client.get(f"{project_url()}/runs/metrics", params=params)
    assert response.status_code == 400 and "No runs specified" in response.json()["detail"]


async def test_compare_too_many_runs_is_400(client: httpx.AsyncClient, seeded: Seeded) -> None:
    names = ",".join(f"r{i}" for i in range(501))
    response = await client.get(f"{project_url()}/runs/metrics", params={"runs": names})
    assert response.status_code == 400 and response.json()["detail"] == "Too many runs: 501 (max: 500)"


@pytest.mark.parametrize("params", [{"format": "xml"}, {"max_points": "2"}, {"max_points": "abc"},
                                    {"arrays": "hex"}, {"since": "yesterday"}])
async def test_bad_query_is_422_in_detail_shape(client: httpx.AsyncClient, seeded: Seeded,
                                                params: dict[str, str]) -> None:
    for url in (f"{run_url()}/metrics", f"{project_url()}/runs/metrics"):
        response = await client.get(url, params={"runs": RUN, **params})
        assert response.status_code == 422 and "detail" in response.json()


async def test_unknown_project_in_compare_is_404(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{project_url('nope')}/runs/metrics", params={"runs": "a"})
    assert response.status_code == 404 and response.json() == {"detail": "Project 'nope' not found"}


def _long_run(store: Store, name: str, n: int) -> None:
    project = store.get_or_create_project("long")
    run = store.create_run(project.id, name=name)
    steps = list(range(n))
    values = [math.sin(i / 50) for i in steps]
    values[12_345] = 100.0  # a spike that downsampling must keep
    values[54_321] = math.nan
    store.append_metrics(run.id, {"loss": columns(steps, values)})


async def test_max_points_keeps_extremes_and_exact_values(client: httpx.AsyncClient, store: Store) -> None:
    _long_run(store, "a", 100_000)
    _long_run(store, "b", 100_000)
    response = await client.get(f"{project_url('long')}/runs/metrics",
                                params={"runs": "a,b", "metrics": "loss", "max_points": 300, "absolute": "true"})
    assert response.status_code == 200
    series = response.json()["metrics"]["loss"]["a"]
    assert 100 <= len(series["steps"]) <= 300
    assert series["steps"] == sorted(set(series["steps"]))
    assert 100.0 in series["values"]
    index = series["steps"].index(12_345)
    assert series["values"][index] == 100.0
    for step, value in zip(series["steps"], series["values"], strict=True):
        if isinstance(value, float) and step != 12_345:
            assert value == pytest.approx(math.sin(step / 50))
    assert series["steps"][-1] == 99_999
    # a short series comes back whole, exact timestamps included
    short = (await client.get(f"{run_url('long', 'a')}/metrics",
                              params={"max_points": 200_000, "absolute": "true"})).json()
    assert len(short["metrics"]["loss"]["steps"]) == 100_000


async def test_point_budget_is_413_before_reading(settings: Settings, store: Store) -> None:
    app: FastAPI = create_app(settings.with_changes(max_points_per_request=150_000), store=store)
    _long_run(store, "a", 100_000)
    _long_run(store, "b", 100_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get(f"{project_url('long')}/runs/metrics", params={"runs": "a,b"})
        assert response.status_code == 413 and "max_points" in response.json()["detail"]
        response = await http.get(f"{project_url('long')}/runs/metrics", params={"runs": "a,b", "max_points": 1000})
        assert response.status_code == 200
        assert (await http.get(f"{run_url('long', 'a')}/metrics")).status_code == 200


async def test_empty_run_has_no_metrics(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("e")
    store.create_run(project.id, name="r")
    assert (await client.get(f"{run_url('e', 'r')}/metrics")).json() == {"project": "e", "run": "r", "metrics": {}}
    body = (await client.get(f"{project_url('e')}/runs/metrics", params={"runs": "r", "format": "msgpack"})).content
    assert ormsgpack.unpackb(body) == {"project": "e", "missing_runs": [], "metrics": {}}
