"""`/api/jupyter` against a stand-in server: shapes, statuses, limits, tenants, reaping."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import anyio
import httpx
import psutil
import pytest
from fastapi import FastAPI

from runyard.server.jupyter import JupyterManager, launch
from runyard.settings import Settings
from runyard.store import Run, Store
from tests.server.conftest import auth_app
from tests.server.jupyter.conftest import fake_argv, gone, make_run, stray_children

pytestmark = pytest.mark.anyio
SPAWN = "/api/jupyter/spawn"


def message(response: httpx.Response) -> str:
    """The error text in expman's error shape `{"error": message}`."""
    body = response.json()
    assert set(body) == {"error"}, body
    return str(body["error"])


async def test_spawn_answers_the_server_and_reuses_it(
        client: httpx.AsyncClient, fake: JupyterManager, run: Run, settings: Settings) -> None:
    response = await client.post(SPAWN, json={"run": run.uid})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"id", "url", "notebook", "run", "pid", "port"}
    assert body["url"].startswith(f"http://127.0.0.1:{body['port']}/")
    token = body["url"].split("?token=")[1]
    assert len(token) >= 32
    assert body["run"] == {"id": run.id, "uid": run.uid, "project": "mnist", "name": "baseline"}
    notebook = Path(body["notebook"])
    assert notebook == settings.data_dir.resolve() / "jupyter" / run.uid / "analysis.ipynb"
    assert notebook.is_file()
    assert psutil.pid_exists(body["pid"]) and body["status"] == "running"

    # The same run again, by any of its names: the same server, 200.
    for again in ({"run": "mnist/baseline"}, {"run": run.id}, {"run": str(run.id)},
                  {"experiment": "mnist", "run": "baseline"}):
        repeat = await client.post(SPAWN, json=again)
        assert repeat.status_code == 200, (again, repeat.text)
        assert repeat.json()["id"] == body["id"]

    listed = (await client.get("/api/jupyter")).json()["servers"]
    assert [server["id"] for server in listed] == [body["id"]]
    assert listed[0]["url"] == body["url"]

    stopped = await client.delete(f"/api/jupyter/{body['id']}")
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert gone(body["pid"])
    assert (await client.get("/api/jupyter")).json() == {"servers": []}
    assert (await client.delete(f"/api/jupyter/{body['id']}")).status_code == 404


async def test_a_notebook_edited_by_the_user_is_kept(client: httpx.AsyncClient, fake: JupyterManager,
                                                     run: Run, settings: Settings) -> None:
    path = settings.data_dir / "jupyter" / run.uid / "analysis.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text('{"mine": true}')
    assert (await client.post(SPAWN, json={"run": run.uid})).status_code == 201
    assert path.read_text() == '{"mine": true}'


@pytest.mark.parametrize("body", [{}, {"run": ""}, {"run": "   "}, {"run": True}, {"run": ["x"]},
                                  {"run": 1.5}, {"run": "x" * 1001}, {"experiment": "", "run": "r"},
                                  {"experiment": 3, "run": "r"}])
async def test_bad_bodies_are_422(client: httpx.AsyncClient, fake: JupyterManager,
                                  body: dict[str, object]) -> None:
    response = await client.post(SPAWN, json=body)
    assert response.status_code == 422, response.text
    assert fake.servers("default") == []


async def test_not_json_is_refused(client: httpx.AsyncClient, fake: JupyterManager) -> None:
    response = await client.post(SPAWN, content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("body", [{"run": "run-nope"}, {"run": "mnist/nope"}, {"run": "nope/baseline"},
                                  {"run": 999}, {"experiment": "mnist", "run": "nope"},
                                  {"experiment": "nope", "run": "baseline"}])
async def test_unknown_runs_are_404(client: httpx.AsyncClient, fake: JupyterManager, run: Run,
                                    settings: Settings, body: dict[str, object]) -> None:
    response = await client.post(SPAWN, json=body)
    assert response.status_code == 404, response.text
    assert fake.servers("default") == [] and not (settings.data_dir / "jupyter").exists()


async def test_not_installed_is_501_with_the_install_command(
        client: httpx.AsyncClient, jupyter: JupyterManager, run: Run, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = launch.find_spec
    monkeypatch.setattr(launch, "find_spec", lambda name: None if name == "jupyter_server" else real(name))
    response = await client.post(SPAWN, json={"run": run.uid})
    assert response.status_code == 501
    assert "Jupyter is not installed: pip install 'runyard[jupyter]'" in message(response)
    assert "jupyter_server" in message(response)
    assert not (settings.data_dir / "jupyter").exists()
    health = (await client.get("/health")).json()["jupyter"]
    assert health["healthy"] is True and health["details"]["installed"] is False


async def test_limit_is_429_and_shutdown_stops_everything(
        client: httpx.AsyncClient, fake: JupyterManager, store: Store) -> None:
    fake.settings = fake.settings.with_changes(jupyter_max_servers=2)
    pids = []
    for name in ("a", "b"):
        response = await client.post(SPAWN, json={"run": make_run(store, name=name).uid})
        assert response.status_code == 201, response.text
        pids.append(response.json()["pid"])
    third = await client.post(SPAWN, json={"run": make_run(store, name="c").uid})
    assert third.status_code == 429 and "jupyter_max_servers" in message(third)
    health = (await client.get("/health")).json()["jupyter"]["details"]
    assert health == {"enabled": True, "installed": True, "running": 2, "limit": 2}

    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    for hook in app.state.shutdown_hooks:
        hook()
    assert all(gone(pid) for pid in pids)
    assert (await client.get("/api/jupyter")).json() == {"servers": []}
    late = await client.post(SPAWN, json={"run": "mnist/a"})
    assert late.status_code == 503


@pytest.mark.parametrize(("mode", "timeout_s", "expected"), [
    ("exit", 30.0, "exited with code 3"),
    ("hang", 0.5, "did not answer"),
    ("open", 30.0, "without its token"),
])
async def test_a_failed_start_is_502_and_leaves_nothing(
        client: httpx.AsyncClient, fake: JupyterManager, run: Run, mode: str, timeout_s: float,
        expected: str) -> None:
    fake.argv = fake_argv(mode)
    fake.settings = fake.settings.with_changes(jupyter_start_timeout_s=timeout_s)
    response = await client.post(SPAWN, json={"run": run.uid})
    assert response.status_code == 502, response.text
    assert expected in message(response)
    if mode == "exit":
        assert "boom: bad config" in message(response)  # the log tail
    assert fake.servers("default") == [] and stray_children() == []
    fake.argv = fake_argv("ok")
    assert (await client.post(SPAWN, json={"run": run.uid})).status_code == 201


async def test_a_second_spawn_while_the_first_starts_is_409(
        client: httpx.AsyncClient, fake: JupyterManager, run: Run) -> None:
    fake.argv = fake_argv("hang")
    fake.settings = fake.settings.with_changes(jupyter_start_timeout_s=1.0)
    answers: list[httpx.Response] = []

    async def spawn() -> None:
        answers.append(await client.post(SPAWN, json={"run": run.uid}))

    async with anyio.create_task_group() as group:
        group.start_soon(spawn)
        await anyio.sleep(0.3)
        second = await client.post(SPAWN, json={"run": run.uid})
    assert second.status_code == 409 and "is starting" in message(second)
    assert [answer.status_code for answer in answers] == [502]


async def test_a_server_that_dies_is_reaped(client: httpx.AsyncClient, fake: JupyterManager,
                                            run: Run) -> None:
    body = (await client.post(SPAWN, json={"run": run.uid})).json()
    psutil.Process(body["pid"]).send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 5
    while fake.servers("default") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.servers("default") == []
    assert gone(body["pid"])  # reaped: not even a zombie is left
    again = await client.post(SPAWN, json={"run": run.uid})
    assert again.status_code == 201 and again.json()["id"] != body["id"]


async def test_tenants_see_and_stop_only_their_own(settings: Settings, store: Store,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launch, "missing_modules", lambda: [])
    app = auth_app(settings.with_changes(jupyter_enabled=True), store)
    app.state.jupyter.argv = fake_argv("ok")
    acme = {"Authorization": f"Bearer {store.create_token('acme')[1]}"}
    globex = {"Authorization": f"Bearer {store.create_token('globex')[1]}"}
    secret = make_run(store, project="secret", tenant="acme")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            assert (await http.post(SPAWN, json={"run": secret.uid})).status_code == 401
            body = (await http.post(SPAWN, json={"run": secret.uid}, headers=acme)).json()
            # Every form of reference to another tenant's run reads as missing (issue 12).
            for ref in ({"run": secret.uid}, {"run": secret.id}, {"run": "secret/baseline"},
                        {"experiment": "secret", "run": "baseline"}):
                assert (await http.post(SPAWN, json=ref, headers=globex)).status_code == 404
            assert (await http.get("/api/jupyter", headers=globex)).json() == {"servers": []}
            assert (await http.delete(f"/api/jupyter/{body['id']}", headers=globex)).status_code == 404
            mine = (await http.get("/api/jupyter", headers=acme)).json()["servers"]
            assert [server["id"] for server in mine] == [body["id"]]
    finally:
        app.state.jupyter.stop_all()


async def test_off_by_default_when_tokens_are_required(settings: Settings, store: Store,
                                                       run: Run) -> None:
    app = auth_app(settings.with_changes(jupyter_enabled=False), store)
    headers = {"Authorization": f"Bearer {store.create_token('default')[1]}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post(SPAWN, json={"run": run.uid}, headers=headers)
    assert response.status_code == 403 and "RUNYARD_JUPYTER=1" in message(response)
    assert Settings(host="0.0.0.0").jupyter_allowed is False
    assert Settings(host="0.0.0.0", jupyter_enabled=True).jupyter_allowed is True
    assert Settings(jupyter_enabled=False).jupyter_allowed is False
    assert Settings.from_env({"RUNYARD_JUPYTER": "1"}, host="0.0.0.0").jupyter_allowed is True
    assert Settings.from_env({"RUNYARD_JUPYTER": "0"}).jupyter_allowed is False


async def test_routes_are_documented_under_expman(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path, method in (("/api/jupyter/spawn", "post"), ("/api/jupyter", "get"),
                         ("/api/jupyter/{server_id}", "delete")):
        assert paths[path][method]["tags"] == ["expman"]
