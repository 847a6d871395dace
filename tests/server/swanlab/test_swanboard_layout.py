"""Pinning, hiding and collapsing charts: kept in the store, for experiment pages and the compare page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runyard.store import Store
from tests.server.swanlab.conftest import Seeded, columns, data, error

pytestmark = pytest.mark.anyio


def _chart_id(found: dict[str, Any], name: str) -> int:
    return next(int(chart["id"]) for chart in found["charts"] if chart["name"] == name)


def _groups(found: dict[str, Any]) -> dict[str, list[str]]:
    names = {chart["id"]: chart["name"] for chart in found["charts"]}
    return {ns["name"]: [names[i] for i in ns["charts"]] for ns in found["namespaces"]}


async def test_pin_and_hide_move_charts_into_their_sections(client: httpx.AsyncClient, seeded: Seeded) -> None:
    url = f"/api/v1/experiment/{seeded.finished.id}/chart"
    loss = _chart_id(data(await client.get(url)), "train/loss")
    answer = data(await client.patch(f"/api/v1/chart/{loss}/status", json={"status": 1}))
    pinned = answer["groups"][0]
    assert (pinned["id"], pinned["name"], pinned["opened"]) == (-1, "pinned", 1)
    assert [chart["name"] for chart in pinned["charts"]] == ["train/loss"]  # charts, not ids, in `groups`
    assert pinned["experiment_id"]["id"] == seeded.finished.id
    val = _chart_id(data(await client.get(url)), "val/loss")
    data(await client.patch(f"/api/v1/chart/{val}/status", json={"status": -1}))
    found = data(await client.get(url))  # a reload: what the user chose is kept
    assert _groups(found) == {"pinned": ["train/loss"], "train": ["train/acc"], "hidden": ["val/loss"]}
    assert [ns["id"] for ns in found["namespaces"]][::2] == [-1, -2]
    assert {c["name"]: c["status"] for c in found["charts"]} == {"train/acc": 0, "train/loss": 1, "val/loss": -1}
    data(await client.patch(f"/api/v1/chart/{loss}/status", json={"status": 0}))
    assert _groups(data(await client.get(url)))["train"] == ["train/acc", "train/loss"]
    status = data(await client.get(f"/api/v1/experiment/{seeded.finished.id}/status"))
    assert status["charts"] == data(await client.get(url))
    # The other experiment's page is untouched.
    assert "pinned" not in _groups(data(await client.get(f"/api/v1/experiment/{seeded.live.id}/chart")))


async def test_ids_stay_put_when_new_keys_arrive(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    url = f"/api/v1/experiment/{seeded.live.id}/chart"
    before = {chart["name"]: chart["id"] for chart in data(await client.get(url))["charts"]}
    store.append_metrics(seeded.live.id, {"aaa/first": columns([1.0], offset=100)})  # sorts first, logged last
    after = {chart["name"]: chart["id"] for chart in data(await client.get(url))["charts"]}
    assert {name: after[name] for name in before} == before and after["aaa/first"] not in before.values()


async def test_collapse_namespaces_and_sections(client: httpx.AsyncClient, seeded: Seeded) -> None:
    url = f"/api/v1/experiment/{seeded.finished.id}/chart"
    found = data(await client.get(url))
    train = next(ns for ns in found["namespaces"] if ns["name"] == "train")
    assert data(await client.patch(f"/api/v1/namespace/{train['id']}/opened",
                                   json={"opened": False, "experiment_id": seeded.finished.id})) is None
    loss = _chart_id(found, "train/loss")
    data(await client.patch(f"/api/v1/chart/{loss}/status", json={"status": 1}))
    data(await client.patch("/api/v1/namespace/-1/opened", json={"opened": False, "experiment_id": seeded.finished.id}))
    again = data(await client.get(url))
    opened = {ns["name"]: ns["opened"] for ns in again["namespaces"]}
    assert opened == {"pinned": 0, "train": 0, "val": 1}
    assert again["namespaces"][0]["experiment_id"]["pinned_opened"] == 0
    error(await client.patch("/api/v1/namespace/-1/opened", json={"opened": True}), 400)
    error(await client.patch("/api/v1/namespace/-2/opened", json={"opened": True, "experiment_id": 999}), 404)
    error(await client.patch(f"/api/v1/namespace/{train['id']}/opened", json={}), 422)


async def test_compare_page_has_its_own_settings(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get("/api/v1/project/charts"))
    acc = _chart_id(found, "train/acc")
    data(await client.patch(f"/api/v1/chart/{acc}/status", json={"status": 1}))
    data(await client.patch("/api/v1/namespace/-1/opened", json={"opened": False, "project_id": seeded.project.id}))
    system = next(ns for ns in found["namespaces"] if ns["name"] == "system")
    assert system["opened"] == 0
    data(await client.patch(f"/api/v1/namespace/{system['id']}/opened", json={"opened": True,
                                                                             "project_id": seeded.project.id}))
    again = data(await client.get("/api/v1/project/charts"))
    assert _groups(again)["pinned"] == ["train/acc"]
    assert {ns["name"]: ns["opened"] for ns in again["namespaces"]}["system"] == 1
    assert again["namespaces"][0]["project_id"]["pinned_opened"] == 0
    page = data(await client.get(f"/api/v1/experiment/{seeded.finished.id}/chart"))
    assert "pinned" not in _groups(page)


async def test_unknown_or_bad_ids_and_bodies(client: httpx.AsyncClient, seeded: Seeded) -> None:
    loss = _chart_id(data(await client.get(f"/api/v1/experiment/{seeded.finished.id}/chart")), "train/loss")
    unknown_rank = loss + 2 * 1000  # same run, a key that does not exist
    error(await client.patch(f"/api/v1/chart/{unknown_rank}/status", json={"status": 1}), 404)
    error(await client.patch(f"/api/v1/chart/{(999 << 20)}/status", json={"status": 1}), 404)  # no such run
    for body in ({"status": 2}, {"status": "1x"}, {}):
        error(await client.patch(f"/api/v1/chart/{loss}/status", json=body), 422)
    for bad in ("0", "-3", "x", str(1 << 62)):
        answer = await client.patch(f"/api/v1/chart/{bad}/status", json={"status": 1})
        assert answer.status_code in (404, 422), bad
    error(await client.patch("/api/v1/namespace/0/opened", json={"opened": True}), 404)
