"""Every ExperimentHub route and its errors, in process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.hub.conftest import rows
from tests.hub.toy import NEEDS_MISSING_REF
from tests.server.conftest import TEST_HOSTS
from tests.server.hub.conftest import restarted

pytestmark = pytest.mark.anyio
Idle = Callable[[str], Awaitable[None]]
CONFIG = {"target": "y", "horizon": 2}


async def _trained(client: httpx.AsyncClient, idle: Idle, name: str = "exp", **config: Any) -> None:
    assert (await client.post(f"/{name}/data", content=rows(6))).status_code == 202
    response = await client.post(f"/create_experiment/{name}/toy", json={**CONFIG, **config})
    assert response.status_code == 200, response.text
    assert response.json() == {"message": f"Creating experiment '{name}' of type 'toy'"}
    await idle(name)


async def test_health_lists_the_hub_plugins(client: httpx.AsyncClient) -> None:
    body = (await client.get("/health")).json()
    assert body["mlops"] == {"healthy": True, "details": {
        "status": "connected", "backend": "runyard", "uri": "http://127.0.0.1:8000", "experiments": 0,
        "jobs_running": 0}}
    assert body["datastream"]["healthy"] is True
    assert body["datastream"]["details"]["backend"] == "embedded"


async def test_available_experiments(client: httpx.AsyncClient) -> None:
    body = (await client.get("/available_experiments")).json()
    assert body["toy"] == {"module": "tests.hub.toy", "class": "ToyExperiment", "plots": ["fit", "forecast"],
                           "eda_plots": ["hist"]}


async def test_the_full_cycle(client: httpx.AsyncClient, idle: Idle, store: Store) -> None:
    await _trained(client, idle)
    # Only figures that can be fetched are listed: `forecast` needs a prediction first.
    assert (await client.get("/experiments")).json() == {"exp": [["fit"], ["hist"]]}
    assert (await client.get("/exp/cfg")).json() == {"target": "y", "steps": 3, "sleep": 0.0,
                                                   "ignore_stop": False, "horizon": 2}
    train_data = (await client.get("/exp/train_data")).json()
    assert train_data[:2] == [{"y": 0.0}, {"y": 1.0}] and len(train_data) == 6
    run_uid = (await client.get("/exp/run_id")).json()
    run = store.get_run_by_uid(run_uid)
    assert run.status == "finished"
    status = (await client.get("/exp/status")).json()
    assert status["status"] == "trained" and status["model_run"] == run_uid and status["waiting"] == 0
    assert status["type"] == "toy" and status["error"] is None and status["metrics"]["mse"] > 0
    assert (await client.get("/exp/exp_id")).json() == str(run.project_id)
    assert (await client.get("/exp/plot_eda/hist")).json()["data"][0]["type"] == "histogram"
    assert (await client.get("/exp/plot/fit")).json()["layout"] == {"title": "fit"}
    missing = await client.get("/exp/plot/forecast")
    assert missing.status_code == 404 and "predict" in missing.json()["detail"]

    predicted = await client.post("/exp/predict")
    assert predicted.status_code == 200 and predicted.json() == "Prediction called"
    assert predicted.headers["x-runyard-run"] == (await client.get("/exp/run_id")).json() != run_uid
    assert (await client.get("/exp/plot/forecast")).json()["data"][0]["y"] == [2.5, 2.5]
    assert (await client.get("/experiments")).json() == {"exp": [["fit", "forecast"], ["hist"]]}
    with_input = await client.post("/exp/predict", content=rows(4))
    assert with_input.status_code == 200
    assert len((await client.get("/exp/plot/forecast")).json()["data"][0]["y"]) == 4

    assert (await client.post("/exp/save")).json() == "Experiment saved"
    assert "saved" in store.get_run_by_uid(with_input.headers["x-runyard-run"]).tags  # the model's run
    assert (await client.post("/exp/load")).json() == "Experiment loaded"
    assert (await client.post(f"/exp/load/{run_uid}")).json() == "Experiment loaded"
    assert (await client.get("/exp/run_id")).json() == run_uid

    assert (await client.post("/exp/data", content=rows(2, start=50))).json()["waiting"] == 1
    assert (await client.post("/exp/retrain")).json() == "Retraining started as requested."
    await idle("exp")
    retrained = store.get_run_by_uid((await client.get("/exp/run_id")).json())
    assert retrained.status == "finished" and retrained.params["hub.rows"] == 8

    changed = await client.post("/exp/train", json={"target": "y", "steps": 2})
    assert changed.json() == {"message": "Training started based on sent parameters."}
    await idle("exp")
    assert (await client.get("/exp/cfg")).json()["steps"] == 2

    stopped = await client.post("/exp/stop_training")
    assert stopped.json() == {"status": "success", "message": "Experiment exp was not training"}
    deleted = await client.post("/exp/delete")
    assert deleted.json() == {"status": "success", "message": "Experiment exp deleted successfully"}
    assert (await client.get("/exp/cfg")).status_code == 404
    assert (await client.get("/experiments")).json() == {}


async def test_stop_training_and_the_deprecated_kill(client: httpx.AsyncClient, idle: Idle, store: Store) -> None:
    for route, message in (("stop_training", "Training for experiment slow stopped successfully"),
                           ("kill", "Experiment slow training stopped successfully")):
        await client.post("/slow/data", content=rows())
        if route == "stop_training":
            await client.post("/create_experiment/slow/toy", json={"target": "y", "steps": 10_000, "sleep": 0.05})
        else:
            await client.post("/slow/train")
        run_uid = (await client.get("/slow/run_id")).json()
        busy = await client.post("/slow/train")
        assert busy.status_code == 409 and "busy" in busy.json()["detail"]
        response = await client.post(f"/slow/{route}")
        assert response.json() == {"status": "success", "message": message}
        assert store.get_run_by_uid(run_uid).status == "killed"
        if route == "kill":
            assert response.headers["deprecation"] == "true"
            assert response.headers["link"] == '</slow/stop_training>; rel="successor-version"'


async def test_errors(client: httpx.AsyncClient, idle: Idle) -> None:
    async def check(method: str, path: str, status: int, needle: str, **kw: Any) -> None:
        response = await client.request(method, path, **kw)
        assert response.status_code == status, (path, response.text)
        assert needle in response.json()["detail"], response.json()

    await check("POST", "/create_experiment/e/invalid_type", 400, "Unknown experiment type: invalid_type", json={})
    await check("POST", "/create_experiment/e/toy", 400, "field 'target'", json={"steps": 1})
    await check("POST", "/create_experiment/e/toy", 400, "field 'steps'", json={"target": "y", "steps": "x"})
    await check("POST", "/create_experiment/e/toy", 400, "not JSON", content=b"{bad")
    await check("POST", "/create_experiment/e/toy", 400, "JSON object", json=[1])
    for reserved in ("api", "docs", "static", "health", "experiments", "web", "openapi.json"):
        await check("POST", f"/create_experiment/{reserved}/toy", 400, "reserved", json=CONFIG)
    await check("POST", "/create_experiment/.x/toy", 400, "must not start", json=CONFIG)
    for method, path in (("POST", "/nope/train"), ("POST", "/nope/retrain"), ("POST", "/nope/predict"),
                         ("POST", "/nope/save"), ("POST", "/nope/load"), ("POST", "/nope/stop_training"),
                         ("POST", "/nope/kill"), ("POST", "/nope/delete"), ("GET", "/nope/plot/fit"),
                         ("GET", "/nope/plot_eda/hist"), ("GET", "/nope/train_data"), ("GET", "/nope/cfg"),
                         ("GET", "/nope/run_id"), ("GET", "/nope/exp_id"), ("POST", "/nope/load/run-x"),
                         ("GET", "/nope/status")):
        await check(method, path, 404, "experiment 'nope' not found" if "load/" not in path else "not found")
    await check("POST", "/e/data", 400, "list of objects", json=[1, 2])
    await check("POST", "/e/data", 400, "no rows", json=[])
    await check("POST", "/api/data", 400, "reserved", content=rows())
    await _trained(client, idle, "e")
    await check("POST", "/create_experiment/e/toy", 409, "already exists", json=CONFIG)
    await check("GET", "/e/plot/nope", 404, "unknown plot 'nope'")
    await check("GET", "/e/plot_eda/nope", 404, "unknown EDA plot 'nope'")
    await check("POST", "/e/train", 400, "field 'target'", json={"target": 5})
    await check("POST", "/e/load/run-unknown", 404, "not found")
    await check("POST", "/e/predict", 400, "not JSON", content=b"[{")
    await client.post("/bare/data", content=rows())
    await client.post("/create_experiment/bare/toy", json={"target": "missing"})
    await idle("bare")
    await check("POST", "/bare/predict", 409, "column 'missing' is missing")
    await check("POST", "/bare/retrain", 409, "no trained model")
    await check("POST", "/bare/save", 409, "no trained model")
    await check("POST", "/bare/load", 409, "nothing saved")


async def test_flush(client: httpx.AsyncClient, app: FastAPI) -> None:
    await client.post("/q/data", content=rows())
    await client.post("/q/data", content=rows())
    assert app.state.hub.queue.size("default", "q") == 2
    response = await client.post("/flush/q")
    assert response.status_code == 200 and response.json() == "Rabbit flushed"
    assert app.state.hub.queue.size("default", "q") == 0
    assert (await client.post("/flush/bad name")).status_code == 400


async def test_restart_keeps_experiments(client: httpx.AsyncClient, idle: Idle, settings: Settings,
                                         store: Store) -> None:
    await _trained(client, idle)
    await client.post("/exp/save")
    second = restarted(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://t") as http:
        assert (await http.get("/experiments")).json() == {"exp": [["fit"], ["hist"]]}
        assert (await http.get("/exp/cfg")).json()["horizon"] == 2
        assert (await http.post("/exp/load")).json() == "Experiment loaded"
        assert (await http.post("/exp/predict")).status_code == 200
        assert (await http.get("/exp/plot/forecast")).status_code == 200
        second.state.hub.stop_all()


async def test_hub_routes_do_not_shadow_other_routes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs/hub")).status_code == 200
    openapi = (await client.get("/openapi/hub.json")).json()
    assert "/{name}/train" in openapi["paths"] and "/create_experiment/{name}/{experiment_type}" in openapi["paths"]
    assert openapi["paths"]["/{name}/kill"]["post"].get("deprecated") is True
    assert (await client.get("/health")).status_code == 200


async def test_hub_can_be_switched_off(settings: Settings, store: Store) -> None:
    from runyard.server import create_app

    app = create_app(settings.with_changes(hub_enabled=False), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/available_experiments")).status_code == 404
        assert "mlops" not in (await http.get("/health")).json()


async def test_type_with_a_missing_dependency_answers_501(tmp_path: Path, store: Store) -> None:
    settings = Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS, hub_types=(NEEDS_MISSING_REF,))
    app = create_app(settings, store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        response = await http.post("/create_experiment/e/needy", json=CONFIG)
        assert response.status_code == 501, response.text
        assert "runyard_no_such_module" in response.json()["detail"]
        assert "pip install 'runyard[hub]'" in response.json()["detail"]
        assert (await http.get("/e/cfg")).status_code == 404  # nothing was created


async def test_kill_with_a_name_outside_latin_1_is_a_404_not_a_500(client: httpx.AsyncClient,
                                                                    idle: Idle) -> None:
    for name in ("%C3%A9%E2%82%AC", "%F0%9F%98%80"):  # "é€", an emoji: not latin-1 header text
        response = await client.post(f"/{name}/kill")
        assert response.status_code == 404, response.text
        assert "not found" in response.json()["detail"]
    await _trained(client, idle, "ok.name-1")
    killed = await client.post("/ok.name-1/kill")
    assert killed.headers["link"] == '</ok.name-1/stop_training>; rel="successor-version"'


async def test_plots_wait_for_a_training_like_predict_does(client: httpx.AsyncClient, idle: Idle) -> None:
    await client.post("/slowplot/data", content=rows())
    created = await client.post("/create_experiment/slowplot/toy", json={"target": "y", "steps": 20, "sleep": 0.05})
    assert created.status_code == 200
    plot = await client.get("/slowplot/plot/fit")  # asked while the training runs: answered once it ends
    assert plot.status_code == 200, plot.text
    assert plot.json()["layout"] == {"title": "fit"}
    assert (await client.get("/slowplot/plot_eda/hist")).status_code == 200


async def test_a_plot_wait_is_bounded(settings: Settings, store: Store) -> None:
    app = create_app(settings.with_changes(hub_wait_s=0.5), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        await http.post("/slow/data", content=rows())
        await http.post("/create_experiment/slow/toy", json={"target": "y", "steps": 10_000, "sleep": 0.05})
        response = await http.get("/slow/plot/fit")
        assert response.status_code == 504 and "still training" in response.json()["detail"], response.text
        app.state.hub.stop_all()


@pytest.mark.parametrize("auth", [False, True])
async def test_a_type_that_fails_to_load_shows_in_health(tmp_path: Path, store: Store, auth: bool,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path / "data", allowed_hosts=TEST_HOSTS, auth=auth,
                        hub_types=("broken=runyard_no_such_module:Thing", "toy=tests.hub.toy:ToyExperiment"))
    app = create_app(settings, store=store)
    manager = app.state.hub
    with caplog.at_level("WARNING", logger="runyard.hub"):
        assert "toy" in manager.types() and "broken" not in manager.types()  # the others still load
    assert "runyard_no_such_module" in caplog.text  # the operator's log names the error
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        health = await http.get("/health")
    # A broken plugin does not make the server unhealthy, but /health says which one and why.
    assert health.status_code == 200, health.text
    broken = health.json()["mlops"]["details"]["broken_types"]
    assert list(broken) == ["broken"]
    # Open to anyone: with tokens required the error text (it may name files) stays in the log.
    assert ("runyard_no_such_module" in broken["broken"]) is not auth


async def test_health_has_no_broken_types_entry_when_all_load(client: httpx.AsyncClient, app: FastAPI) -> None:
    app.state.hub.types()
    assert "broken_types" not in (await client.get("/health")).json()["mlops"]["details"]
