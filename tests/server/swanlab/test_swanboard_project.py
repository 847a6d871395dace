"""The project routes swanboard 0.1.6 calls beyond the spec: summaries, compare charts, update, delete."""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest

from runyard.errors import NotFoundError
from runyard.store import Store
from tests.server.swanlab.conftest import T0, Seeded, columns, data, error

pytestmark = pytest.mark.anyio
URL = "/api/v1/project"


async def test_summaries_are_latest_values_with_swanlab_spelling(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = data(await client.get(f"{URL}/summaries", params={"experiment_names": "run2k,media-run"}))
    assert set(found["tags"]) == {"train/loss", "train/acc", "val/loss", "loss", "noslash",
                                  "system/gpu.0.utilization_percent", "train/nan_only"}
    assert found["summaries"]["run2k"]["train/loss"] == pytest.approx(float(seeded.loss[-1]))
    assert found["summaries"]["media-run"] == {"loss": "-INF", "noslash": 2.0,
                                               "system/gpu.0.utilization_percent": 75.0, "train/nan_only": "NaN"}


async def test_compare_charts_draw_every_experiment_of_a_key(client: httpx.AsyncClient, store: Store,
                                                            seeded: Seeded) -> None:
    store.append_metrics(seeded.live.id, {"train/loss": columns([0.9, 0.8], offset=100)})
    found = data(await client.get(f"{URL}/charts"))
    by_name = {chart["name"]: chart for chart in found["charts"]}
    loss = by_name["train/loss"]
    assert loss["multi"] is True and loss["source"] == ["run2k", "media-run"]
    assert loss["source_map"] == {"run2k": seeded.finished.id, "media-run": seeded.live.id}
    assert loss["project_id"]["id"] == seeded.project.id and loss["experiment_id"] is None
    assert by_name["val/loss"]["source"] == ["run2k"]
    groups = {ns["name"]: [chart["name"] for chart in found["charts"] if chart["id"] in ns["charts"]]
              for ns in found["namespaces"]}
    assert groups["train"] == ["train/acc", "train/loss", "train/nan_only"]
    assert all(ns["project_id"]["id"] == seeded.project.id and ns["experiment_id"] is None for ns in found["namespaces"])
    # Every id is distinct from every experiment page's ids (swanboard ids are global).
    page = data(await client.get(f"/api/v1/experiment/{seeded.finished.id}/chart"))
    assert not {c["id"] for c in page["charts"]} & {c["id"] for c in found["charts"]}


async def test_project_update_time_moves_with_its_runs(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    before = data(await client.get(URL))["update_time"]
    store.append_metrics(seeded.live.id, {"noslash": columns([1.0], start=5, offset=time.time() + 100 - T0)})
    after = data(await client.get(URL))
    live = next(e for e in after["experiments"] if e["id"] == seeded.live.id)
    assert after["update_time"] > before and after["update_time"] == live["update_time"]


async def test_update_renames_and_describes(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    body = {"name": "renamed", "description": "new words"}
    assert data(await client.patch(f"{URL}/update", json=body)) == {"updates": body}
    project = store.get_project(seeded.project.id)
    assert (project.name, project.description) == ("renamed", "new words")
    store.create_project("taken")  # now the most recently active: name the project to change
    error(await client.patch(f"{URL}/update", params={"project": "renamed"}, json={"name": "taken"}), 409)
    error(await client.patch(f"{URL}/update", json={"description": "no name"}), 422)
    error(await client.patch(f"{URL}/update", json={"name": "", "description": ""}), 422)


async def test_delete_refuses_while_running_then_deletes(client: httpx.AsyncClient, store: Store,
                                                        seeded: Seeded) -> None:
    assert "running" in error(await client.delete(URL), 409)
    assert store.get_project(seeded.project.id).lifecycle == "active"
    store.set_run_status(seeded.live.id, "finished", end_time=T0 + 200)
    assert data(await client.delete(URL)) == {}
    with pytest.raises(NotFoundError):
        store.get_project(seeded.project.id)
    error(await client.get(URL), 404)


async def test_one_key_in_many_runs_is_one_chart(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("wide")
    for index in range(3):
        run = store.create_run(project.id, name=f"r{index}")
        store.append_metrics(run.id, {"acc": columns(np.linspace(0, 1, 5))})
    found = data(await client.get(f"{URL}/charts", params={"project": "wide"}))
    assert [chart["source"] for chart in found["charts"]] == [["r0", "r1", "r2"]]
