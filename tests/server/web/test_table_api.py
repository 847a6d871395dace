"""The runs table's server side: archived rows, archive/restore/delete routes, and the one run
filter grammar answered alike by the dashboard's match route, the v1 API and `runyard ls`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from runyard import run_lifecycle
from runyard.cli import app as cli_app
from runyard.store import Store, open_store
from tests.server.web.conftest import PROJECT, seed_project

pytestmark = pytest.mark.anyio


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return seed_project(store)


def _url(store: Store, tail: str) -> str:
    return f"/web/api/projects/{store.get_project_by_name(PROJECT).id}/runs{tail}"


async def _rows(client: httpx.AsyncClient, store: Store, archived: bool = False) -> dict[str, dict[str, object]]:
    answer = await client.get(_url(store, ""), params={"archived": int(archived)})
    assert answer.status_code == 200, answer.text
    return {row["name"]: row for row in answer.json()["runs"]}


async def test_archive_hides_a_run_until_restored(client: httpx.AsyncClient, store: Store, ids: dict[str, int]) -> None:
    answer = await client.post(_url(store, "/archive"), json={"runs": [ids["mlp"], ids["vit-b"]], "archived": True})
    assert answer.status_code == 200 and answer.json() == {"runs": [ids["mlp"], ids["vit-b"]], "archived": True}
    assert set(await _rows(client, store)) == set(ids) - {"mlp", "vit-b"}
    every = await _rows(client, store, archived=True)
    assert set(every) == set(ids) and every["mlp"]["archived"] is True and every["vit-a"]["archived"] is False
    # One mark for every dialect: MLflow's searches see the run as deleted, its data is all there.
    assert run_lifecycle.is_archived(store.run_tag_values([ids["mlp"]])[ids["mlp"]])
    mlflow = await client.get("/api/2.0/mlflow/runs/get", params={"run_id": store.get_run(ids["mlp"]).uid})
    assert mlflow.json()["run"]["info"]["lifecycle_stage"] == "deleted"
    assert store.metric_summaries([ids["mlp"]])[ids["mlp"]]["train/loss"].count == 5000
    restored = await client.post(_url(store, "/archive"), json={"runs": [ids["mlp"]], "archived": False})
    assert restored.status_code == 200
    assert set(await _rows(client, store)) == set(ids) - {"vit-b"}


async def test_delete_removes_runs_but_never_a_running_one(client: httpx.AsyncClient, store: Store,
                                                            ids: dict[str, int]) -> None:
    refused = await client.post(_url(store, "/delete"), json={"runs": [ids["mlp"], ids["live"]]})
    assert refused.status_code == 409 and "'live' is running" in refused.json()["detail"]
    assert set(await _rows(client, store)) == set(ids)  # nothing deleted
    answer = await client.post(_url(store, "/delete"), json={"runs": [ids["mlp"], ids["vit-b"]]})
    assert answer.status_code == 200 and answer.json() == {"deleted": [ids["mlp"], ids["vit-b"]]}
    assert set(await _rows(client, store, archived=True)) == set(ids) - {"mlp", "vit-b"}


async def test_runs_of_another_project_or_bad_bodies_change_nothing(client: httpx.AsyncClient, store: Store,
                                                                    ids: dict[str, int]) -> None:
    other = store.create_run(store.create_project("other").id, name="elsewhere")
    for route in ("/archive", "/delete"):
        answer = await client.post(_url(store, route), json={"runs": [ids["mlp"], other.id]})
        assert answer.status_code == 404 and f"run {other.id}" in answer.json()["detail"]
        assert (await client.post(_url(store, route), json={"runs": [2**63]})).status_code == 422
        assert (await client.post(_url(store, route), json={"runs": []})).status_code == 422
        assert (await client.post(_url(store, route), json={"runs": [ids["mlp"]], "x": 1})).status_code == 422
        assert (await client.post(f"/web/api/projects/999/runs{route}", json={"runs": [ids["mlp"]]})).status_code == 404
    assert store.get_run(other.id).name == "elsewhere" and set(await _rows(client, store)) == set(ids)


# Each filter in its long and short spelling, with the runs it keeps (seed_project: lr 0.1, 0.03,
# 0.01, 0.003, 0.3 and 0.05 for the running "live"; model.depth 18..22; tags "baseline" on resnet-*).
FILTERS = [
    ("params.lr < 0.05", {"resnet-b", "vit-a", "vit-b"}),
    ("lr<0.05", {"resnet-b", "vit-a", "vit-b"}),
    ("config.model.depth >= 21 and status = 'finished'", {"vit-b"}),
    ("model.depth>=21 status=FINISHED", {"vit-b"}),
    ("metrics.`val/acc` > -1 and tags contains 'baseline'", {"resnet-a", "resnet-b"}),
    ("val/acc>-1 baseline", {"resnet-a", "resnet-b"}),
    ("name ~ vit", {"vit-a", "vit-b"}),
    ("vit lr < 0.005", {"vit-b"}),
    ("running", {"live"}),
]


async def test_match_route_answers_ids_or_says_why(client: httpx.AsyncClient, store: Store, ids: dict[str, int]) -> None:
    for text, expected in FILTERS:
        answer = await client.get(_url(store, "/match"), params={"filter": text})
        assert answer.status_code == 200, (text, answer.text)
        assert {name for name, i in ids.items() if i in answer.json()["runs"]} == expected, text
    bad = await client.get(_url(store, "/match"), params={"filter": "loss < 0.5 and"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "cannot parse filter term at character 12: 'and' needs a condition on each side"
    bad = await client.get(_url(store, "/match"), params={"filter": "lr <"})
    assert bad.status_code == 422 and "a value must follow '<'" in bad.json()["detail"]
    assert (await client.get("/web/api/projects/999/runs/match", params={"filter": "x"})).status_code == 404


async def test_v1_api_and_cli_share_the_grammar(client: httpx.AsyncClient, store: Store, ids: dict[str, int],
                                               tmp_path: Path) -> None:
    project = store.get_project_by_name(PROJECT)
    data = tmp_path / "cli-data"
    with open_store(data) as copy:
        seed_project(copy)
    runner = CliRunner()
    for text, expected in FILTERS:
        v1 = await client.get("/api/v1/experiments/runs", params={"experiment_id": project.id, "filter": text})
        assert v1.status_code == 200, (text, v1.text)
        assert {run["name"] for run in v1.json()["runs"]} == expected, text
        listed = runner.invoke(cli_app, ["--dir", str(data), "ls", PROJECT, "--json", "--filter", text])
        assert listed.exit_code == 0, (text, listed.output)
        assert {run["name"] for run in json.loads(listed.stdout)} == expected, text
    v1 = await client.get("/api/v1/experiments/runs", params={"experiment_id": project.id, "filter": "lr <"})
    assert v1.status_code == 400 and "a value must follow '<'" in v1.text
    listed = runner.invoke(cli_app, ["--dir", str(data), "ls", PROJECT, "--filter", "lr <"])
    assert listed.exit_code != 0 and "a value must follow '<'" in listed.stderr
