"""expman experiments and runs: shapes, ?metrics=, names in URLs, 404s in `{"error": ...}`, tenants."""

from __future__ import annotations

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import Store
from tests.server.conftest import auth_app
from tests.server.expman.conftest import BASE, EXPERIMENT, RUN, T0, Seeded, columns, run_url, seg

pytestmark = pytest.mark.anyio


async def test_list_experiments(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    empty = store.create_project("empty")
    response = await client.get(BASE)
    assert response.status_code == 200
    by_name = {item["id"]: item for item in response.json()}
    assert set(by_name) == {EXPERIMENT, "empty"}
    item = by_name[EXPERIMENT]
    assert item["name"] == item["display_name"] == EXPERIMENT and item["project_id"] == seeded.project.id
    assert item["description"] == "resnets" and item["tags"] == ["cv"] and item["runs_count"] == 2
    assert item["last_run_at"] == "2023-11-14T22:15:00.000000Z"  # the newest run's start (T0 + 100)
    assert item["created_at"].endswith("Z") and item["updated_at"].endswith("Z")
    assert by_name["empty"]["runs_count"] == 0 and by_name["empty"]["last_run_at"] is None
    assert by_name["empty"]["project_id"] == empty.id


async def test_list_runs(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs")
    assert response.status_code == 200
    runs = response.json()
    assert [r["name"] for r in runs] == ["second", RUN]  # newest first, like expman
    first = runs[1]
    assert first["uid"] == seeded.run.uid and first["experiment"] == EXPERIMENT
    # `id` is a string, the name (expman-rs's web app parses it so); runyard's integer id is `run_id`.
    assert first["id"] == RUN and first["run_id"] == seeded.run.id
    assert first["status"] == "FINISHED" and runs[0]["status"] == "RUNNING"
    assert first["started_at"] == "2023-11-14T22:13:20.000000Z"
    assert first["finished_at"] == "2023-11-14T22:14:50.000000Z" and first["duration_secs"] == 90.0
    assert runs[0]["finished_at"] is None and runs[0]["duration_secs"] is None
    assert first["tags"] == ["best"] and first["language"] == "python" and first["env_path"] == "/usr/bin/py"
    assert first["config"] == {"lr": 0.1, "optim.name": "adam", "note": "x" * 200}  # scalar leaves, dotted
    assert first["metrics"] == {"acc": 0.75, "loss": 0.25}  # every key's latest value by default


async def test_list_runs_with_metrics(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.append_metrics(seeded.other.id, {"acc": columns([0], [float("nan")])})
    response = await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs", params={"metrics": "loss, acc,missing"})
    got = {r["name"]: r["metrics"] for r in response.json()}
    assert got == {
        RUN: {"loss": 0.25, "acc": 0.75, "missing": None},
        "second": {"loss": 2.0, "acc": "NaN", "missing": None},
    }
    assert list(got[RUN]) == ["loss", "acc", "missing"]  # in the order asked
    only = await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs", params={"metrics": ""})
    assert [r["metrics"] for r in only.json()] == [{}, {}]
    paged = await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs", params={"limit": 1, "offset": 1})
    assert [r["name"] for r in paged.json()] == [RUN]


async def test_run_detail(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(run_url())
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == RUN and body["status"] == "FINISHED"
    assert body["config"] == {"lr": 0.1, "optim": {"name": "adam", "betas": [0.9, 0.99]}, "note": "x" * 500}
    assert body["config_summary"]["optim.name"] == "adam"
    assert body["params"] == {"batch": 32} and body["system"]["python_version"] == "3.12.1"
    assert body["metrics"] == {"acc": 0.75, "loss": 0.25}
    assert body["summaries"]["loss"] == {  # min/max skip NaN; +Inf is a real maximum
        "count": 4, "min": 0.25, "max": "Infinity", "first_step": 0, "last_step": 3, "last_value": 0.25,
        "last_time": "2023-11-14T22:13:23.000000Z",
    }
    assert body["summaries"]["acc"]["count"] == 3 and body["summaries"]["acc"]["last_step"] == 5
    assert body["summaries"]["acc"]["last_time"] == "2023-11-14T22:13:25.500000Z"


async def test_run_detail_spells_out_non_finite_summaries(client: httpx.AsyncClient, store: Store,
                                                          seeded: Seeded) -> None:
    store.append_metrics(seeded.other.id, {"bad": columns([0, 1], [float("-inf"), float("inf")])})
    body = (await client.get(run_url(run="second"))).json()
    assert body["metrics"]["bad"] == "Infinity"
    assert body["summaries"]["bad"]["last_value"] == "Infinity"
    assert body["summaries"]["bad"]["min"] == "-Infinity" and body["summaries"]["bad"]["max"] == "Infinity"


@pytest.mark.parametrize("name", ["plain", "with space", "a/b/c", "100%", "ünï 🚀", "runs", "..", "a?b#c"])
async def test_names_are_path_segments(client: httpx.AsyncClient, store: Store, name: str) -> None:
    project = store.create_project(name)
    store.create_run(project.id, name=name)
    listed = await client.get(f"{BASE}/{seg(name)}/runs")
    assert listed.status_code == 200, listed.text
    assert [r["name"] for r in listed.json()] == [name]
    detail = await client.get(run_url(name, name))
    assert detail.status_code == 200, detail.text
    assert detail.json()["experiment"] == name and detail.json()["name"] == name
    artifacts = await client.get(f"{run_url(name, name)}/artifacts")
    assert artifacts.status_code == 200 and [a["path"] for a in artifacts.json() if not a["is_default"]] == []


async def test_slash_in_name_is_not_a_separator(client: httpx.AsyncClient, store: Store) -> None:
    # "a/runs" percent-encoded must not be read as experiment "a", run "runs".
    trap = store.create_project("a")
    store.create_run(trap.id, name="runs")
    real = store.create_project("a/runs")
    store.create_run(real.id, name="r")
    response = await client.get(f"{BASE}/{seg('a/runs')}/runs")
    assert [r["name"] for r in response.json()] == ["r"]
    assert (await client.get(f"{BASE}/a/runs/runs")).json()["name"] == "runs"


@pytest.mark.parametrize("path", [
    "/nope/runs", "/nope/runs/r", "/nope/runs/r/metrics", "/nope/runs/r/artifacts", "/nope/runs/r/artifacts/f",
    "/nope/runs/r/live",
    f"/{seg(EXPERIMENT)}/runs/nope", f"/{seg(EXPERIMENT)}/runs/nope/metrics", f"/{seg(EXPERIMENT)}/runs/nope/artifacts",
    f"/{seg(EXPERIMENT)}/runs/nope/artifacts/plots/loss.png", f"/{seg(EXPERIMENT)}/runs/nope/live",
    f"/{seg(EXPERIMENT)}/runs/{seg(RUN)}/artifacts/absent.txt",
    f"/{seg(EXPERIMENT)}/nothing-here",
])
async def test_unknown_is_404_in_expman_shape(client: httpx.AsyncClient, seeded: Seeded, path: str) -> None:
    response = await client.get(BASE + path)
    assert response.status_code == 404, response.text
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]


async def test_messages_use_expman_vocabulary(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert (await client.get(f"{BASE}/nope/runs")).json() == {"error": "experiment 'nope' not found"}
    missing_run = await client.get(run_url(run="ghost"))
    assert missing_run.json() == {"error": f"run 'ghost' not found in experiment {EXPERIMENT!r}"}


async def test_deleted_experiment_is_not_found(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.set_project_lifecycle(seeded.project.id, "deleted")
    assert (await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs")).status_code == 404
    assert (await client.get(run_url())).status_code == 404
    assert EXPERIMENT not in [e["id"] for e in (await client.get(BASE)).json()]


async def test_validation_errors_in_expman_shape(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/metrics", params={"step_min": "x"})
    assert response.status_code == 422 and set(response.json()) == {"error"}
    response = await client.get(f"{run_url()}/metrics", params={"format": "csv"})
    assert response.status_code == 422 and "format" in response.json()["error"]


async def test_other_tenant_is_not_found(settings: Settings, store: Store) -> None:
    acme = {"Authorization": f"Bearer {store.create_token('acme')[1]}"}
    globex = {"Authorization": f"Bearer {store.create_token('globex')[1]}"}
    secret = store.create_project("secret", tenant="acme")
    store.create_run(secret.id, name="r")
    mine = store.create_project("mine", tenant="globex")
    app = auth_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        assert (await http.get(BASE)).status_code == 401
        assert (await http.get(BASE)).json().keys() == {"error"}
        assert [e["id"] for e in (await http.get(BASE, headers=globex)).json()] == [mine.name]
        for path in ("/secret/runs", "/secret/runs/r", "/secret/runs/r/metrics", "/secret/runs/r/artifacts",
                     "/secret/runs/r/live"):
            response = await http.get(BASE + path, headers=globex)
            assert response.status_code == 404, (path, response.text)
            assert response.json() == {"error": "experiment 'secret' not found"}
        assert (await http.get(f"{BASE}/secret/runs/r", headers=acme)).status_code == 200


async def test_routes_are_on_the_expman_docs(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi/expman.json")).json()
    paths = set(schema["paths"])
    assert {
        "/api/experiments", "/api/experiments/{experiment}/runs", "/api/experiments/{experiment}/runs/{run}",
        "/api/experiments/{experiment}/runs/{run}/metrics", "/api/experiments/{experiment}/runs/{run}/artifacts",
        "/api/experiments/{experiment}/runs/{run}/artifacts/{path}", "/api/experiments/{experiment}/runs/{run}/live",
    } <= paths
    assert schema["info"]["title"] == "expman API"
    assert (await client.get("/docs/expman")).status_code == 200
    assert T0  # the seeded constants are shared with the other modules
