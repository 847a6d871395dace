"""Every route, by construction: no token and a wrong token get 401; another tenant gets nothing.

The routes come from the app itself (the served OpenAPI schema plus the routes hidden from
it: dashboard pages and `/web/api`), so a new route is covered the day it is added. Its
path parameters are filled from tenant A's seeded objects by parameter name
(`Seeded.value_for`) and writes get a body from `BODIES`: a route this file cannot fill
fails the test until it is added to the mapping.

Public by design (`routes.PUBLIC_PATHS`): `/health`, the API docs and schema, the sign-in
form and `/static`. Pages answer a missing token with a redirect to `/login` rather than 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.server.routes import (
    PUBLIC_MOUNTS,
    PUBLIC_PATHS,
    Route,
    fill,
    schema_operations,
    served_routes,
)
from tests.server.seeded import METRIC, Seeded, seed

pytestmark = pytest.mark.anyio

BASE_URL = "http://127.0.0.1"
# A body for each write route; None: the route takes none. Bodies name tenant A's objects
# where the route reads them from the body, and are otherwise valid: a 2xx for tenant B
# would mean it wrote to A's object.
A_RUN, A_RUN2, A_PROJECT, A_PROJECT_NAME = "{a_run}", "{a_run2}", "{a_project}", "{a_project_name}"
# MLflow names runs by uid and experiments by id, both as JSON strings.
A_RUN_UID, A_PROJECT_ID = "{a_run_uid}", "{a_project_id}"
BODIES: dict[str, Any] = {
    "POST /api/v1/experiments/runs/compare": {"run_ids": [A_RUN, A_RUN2], "metrics": [METRIC]},
    "POST /api/v1/experiments/runs/metrics/query": {"run_ids": [A_RUN], "keys": [METRIC]},
    "POST /api/v1/experiments/read/runs": {"project": A_PROJECT_NAME},
    "POST /api/v1/experiments/runs": {"experiment_id": A_PROJECT, "name": "intruder"},
    "POST /api/v1/experiments/runs/{run_id}/end": {"status": "FINISHED"},
    "POST /api/v1/experiments/runs/{run_id}/log-metrics": {"metrics": {"x": 1.0}, "step": 1},
    "POST /api/v1/experiments/runs/{run_id}/log-params": {"params": {"x": "1"}},
    "POST /api/v1/experiments/runs/{run_id}/log-batch": {"params": [{"key": "x", "value": "1"}]},
    "POST /api/v1/experiments/runs/{run_id}/log-artifact": {"files": {"file": ("x.txt", b"x")}},
    "POST /api/v1/experiments": {"name": "b-own-experiment"},
    "PATCH /api/v1/experiments/{experiment_id}": {"description": "defaced"},
    "DELETE /api/v1/experiments/{experiment_id}": None,
    "POST /api/v1/experiments/{experiment_id}/restore": None,
    "POST /api/v1/sdk/runs": {"project": "b-own-project", "name": "b-own-run"},
    "POST /api/v1/sdk/runs/{uid}/batch": {"batch_id": "b1"},
    "POST /api/v1/sdk/runs/{uid}/heartbeat": None,
    "POST /api/v1/sdk/runs/{uid}/status": {"status": "failed"},
    "POST /api/v1/sdk/runs/{uid}/params": {"params": {"x": 1}},
    "POST /api/v1/sdk/runs/{uid}/update": {"tags": ["defaced"]},
    "POST /api/v1/sdk/runs/{uid}/artifacts": {"content": b"x", "params": {"name": "x.txt"}},
    "PATCH /api/experiments/{experiment}/metadata": {"description": "defaced", "tags": ["defaced"]},
    "PATCH /api/experiments/{experiment}/runs/{run}/metadata": {"description": "defaced", "name": "renamed"},
    "PUT /api/projects/{project}/runs/{run}/metadata": {"notes": "defaced"},
    "DELETE /api/projects/{project}/runs/{run}": None,
    "PUT /api/projects/{project}/metadata": {"notes": "defaced"},
    "DELETE /api/projects/{project}": None,
    "POST /api/jupyter/spawn": {"experiment": A_PROJECT_NAME, "run": A_RUN},
    "DELETE /api/jupyter/{server_id}": None,
    # ExperimentHub names are per tenant: B creating "A's" name would make its own (and start a
    # training), so the type is unknown: the answer must still be a 4xx that leaks nothing.
    "POST /create_experiment/{name}/{experiment_type}": {"target": "y"},
    "POST /flush/{queue}": None,
    "POST /{name}/data": {"y": [1.0]},
    "POST /{name}/train": {"target": "y"},
    "POST /{name}/retrain": None,
    "POST /{name}/predict": None,
    "POST /{name}/stop_training": None,
    "POST /{name}/kill": None,
    "POST /{name}/delete": None,
    "POST /{name}/load": None,
    "POST /{name}/load/{run_id}": None,
    "POST /{name}/save": None,
    "POST /login": None,
    "POST /logout": None,
    "POST /api/2.0/mlflow/experiments/create": {"name": "b-own-mlflow-experiment"},
    "POST /api/2.0/mlflow/experiments/search": {"filter": "name LIKE '%'"},
    "POST /api/2.0/mlflow/experiments/update": {"experiment_id": A_PROJECT_ID, "new_name": "renamed"},
    "POST /api/2.0/mlflow/experiments/delete": {"experiment_id": A_PROJECT_ID},
    "POST /api/2.0/mlflow/experiments/restore": {"experiment_id": A_PROJECT_ID},
    "POST /api/2.0/mlflow/experiments/set-experiment-tag": {"experiment_id": A_PROJECT_ID, "key": "k", "value": "v"},
    "POST /api/2.0/mlflow/experiments/delete-experiment-tag": {"experiment_id": A_PROJECT_ID, "key": "k"},
    "POST /api/2.0/mlflow/runs/create": {"experiment_id": A_PROJECT_ID, "run_name": "intruder"},
    "POST /api/2.0/mlflow/runs/update": {"run_id": A_RUN_UID, "status": "KILLED"},
    "POST /api/2.0/mlflow/runs/delete": {"run_id": A_RUN_UID},
    "POST /api/2.0/mlflow/runs/restore": {"run_id": A_RUN_UID},
    "POST /api/2.0/mlflow/runs/log-metric": {"run_id": A_RUN_UID, "key": "x", "value": 1, "timestamp": 1, "step": 0},
    "POST /api/2.0/mlflow/runs/log-parameter": {"run_id": A_RUN_UID, "key": "x", "value": "1"},
    "POST /api/2.0/mlflow/runs/log-batch": {"run_id": A_RUN_UID, "params": [{"key": "x", "value": "1"}]},
    "POST /api/2.0/mlflow/runs/set-tag": {"run_id": A_RUN_UID, "key": "x", "value": "1"},
    "POST /api/2.0/mlflow/runs/delete-tag": {"run_id": A_RUN_UID, "key": "mlflow.runName"},
    "POST /api/2.0/mlflow/runs/search": {"experiment_ids": [A_PROJECT_ID]},
    "PUT /api/2.0/mlflow-artifacts/artifacts/{artifact_path}": {"content": b"defaced"},
    "DELETE /api/2.0/mlflow-artifacts/artifacts/{artifact_path}": None,
    "POST /api/2.0/mlflow/logged-models": {"experiment_id": A_PROJECT_ID, "name": "intruder", "source_run_id": A_RUN_UID},
    "POST /api/2.0/mlflow/logged-models/search": {"experiment_ids": [A_PROJECT_ID]},
    "PATCH /api/2.0/mlflow/logged-models/{model_id}": {"status": "LOGGED_MODEL_READY"},
    "DELETE /api/2.0/mlflow/logged-models/{model_id}": None,
    "PATCH /api/2.0/mlflow/logged-models/{model_id}/tags": {"tags": [{"key": "secret", "value": "defaced"}]},
    "DELETE /api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}": None,
    "POST /api/2.0/mlflow/logged-models/{model_id}/params": {"params": [{"key": "beta", "value": "1"}]},
    "POST /api/2.0/mlflow/runs/log-inputs": {"run_id": A_RUN_UID, "datasets": [
        {"dataset": {"name": "d", "digest": "1"}, "tags": []}]},
    "POST /api/2.0/mlflow/runs/outputs": {"run_id": A_RUN_UID, "models": []},
    "PATCH /api/v1/project/update": {"name": "defaced", "description": "defaced"},
    "DELETE /api/v1/project": None,
    "PATCH /api/v1/experiment/{experiment_id}": {"name": "defaced", "description": "defaced"},
    "DELETE /api/v1/experiment/{experiment_id}": None,
    "PATCH /api/v1/experiment/{experiment_id}/show": {"show": False},
    "PATCH /api/v1/chart/{chart_id}/status": {"status": 1},
    "PATCH /api/v1/namespace/{namespace_id}/opened": {"opened": False, "experiment_id": A_RUN},
    "PUT /web/api/projects/{project_id}/view": {"set": [{"kind": "ws_hidden", "name": METRIC, "value": 1}]},
    "POST /web/api/projects/{project_id}/runs/archive": {"runs": [A_RUN], "archived": True},
    "POST /web/api/projects/{project_id}/runs/delete": {"runs": [A_RUN2]},
}
# Routes that act on the caller's own namespace whatever the name in the path: B gets its
# own (empty) object, so a 2xx is fine as long as nothing of A's comes back.
OWN_NAMESPACE = frozenset({
    "POST /flush/{queue}",  # hub queues are per tenant: B flushes its own queue of that name
    "POST /{name}/data",  # ...and pushes into its own queue of that name
    "POST /create_experiment/{name}/{experiment_type}",
})
PAGES = frozenset({"GET /", "GET /projects/{project}", "GET /projects/{project}/runs",
                   "GET /projects/{project}/runs/{run}", "GET /projects/{project}/diff"})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", auth=True)


@pytest.fixture
def tenants(store: Store) -> tuple[Seeded, Seeded]:
    return seed(store, "tenant-a", "alpha"), seed(store, "tenant-b", "beta")


@pytest.fixture
async def served(settings: Settings, store: Store, tenants: tuple[Seeded, Seeded]) -> AsyncIterator[FastAPI]:
    app = create_app(settings.with_changes(hub_types=()), store=store)
    async with app.router.lifespan_context(app):
        yield app


def _routes(app: FastAPI) -> list[Route]:
    routes, mounts = served_routes(app)
    assert set(mounts) <= PUBLIC_MOUNTS, f"a new mount must be checked here: {mounts}"
    keys = {route.key for route in routes}
    assert schema_operations(app) <= keys, "the walk missed operations of the OpenAPI schema"
    return [route for route in routes if route.path not in PUBLIC_PATHS]


def _request(route: Route, owner: Seeded) -> dict[str, Any]:
    """URL, query and body of a call on `owner`'s objects; fails when a parameter is unmapped."""
    unmapped = [n for n in route.path_params + route.required_query if owner.value_for(route.path, n) is None]
    assert not unmapped, f"{route.key}: add {unmapped} to Seeded.values so this route gets tested"
    url = fill(route.path, {n: owner.value_for(route.path, n) or "" for n in route.path_params})
    request: dict[str, Any] = {
        "method": route.method, "url": url,
        "params": {n: owner.value_for(route.path, n) for n in route.query_params if owner.value_for(route.path, n)}}
    if route.method in ("GET", "HEAD"):
        return request
    assert route.key in BODIES, f"{route.key}: add its body (or None) to BODIES so this route gets tested"
    body = BODIES[route.key]
    if isinstance(body, dict) and ("files" in body or "content" in body):
        request.update(body if "params" not in body else {**body, "params": {**request["params"], **body["params"]}})
    elif body is not None:
        request["json"] = _named(body, owner)
    return request


def request_body(request: httpx.Request) -> bytes:
    """What was sent (a multipart body is a stream: read it first)."""
    return request.read()


def _named(body: Any, owner: Seeded) -> Any:
    """The body with the placeholders replaced by the owner's ids."""
    if isinstance(body, dict):
        return {key: _named(value, owner) for key, value in body.items()}
    if isinstance(body, list):
        return [_named(value, owner) for value in body]
    named = {A_RUN: owner.run.id, A_RUN2: owner.other_run_id, A_PROJECT: owner.project.id, A_PROJECT_NAME: owner.project.name,
             A_RUN_UID: owner.run.uid, A_PROJECT_ID: str(owner.project.id)}
    return named.get(body, body) if isinstance(body, str) else body


async def _stream_status(app: FastAPI, request: dict[str, Any], token: str | None) -> int:
    """The status of a GET whose answer may be an endless event stream (Aspara's streams stay
    open after their runs end): httpx's ASGITransport waits for the body's end, so this drives
    the app itself and disconnects as soon as the status line is sent."""
    url = httpx.URL(BASE_URL + request["url"], params=request.get("params") or None)
    headers = [(b"host", url.host.encode())]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": url.path, "raw_path": url.raw_path.split(b"?")[0], "root_path": "", "query_string": url.query,
        "headers": headers, "client": ("127.0.0.1", 1234), "server": (url.host, 80)}
    started = anyio.Event()
    status: list[int] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            started.set()

    with anyio.move_on_after(10):  # a stream that ignores the disconnect still gets cut off
        await app(scope, receive, send)
    assert status, f"{request['url']}: no status line within 10 s"
    return status[0]


async def _call(app: FastAPI, request: dict[str, Any], token: str | None) -> httpx.Response:
    headers = dict(request.pop("headers", {}))
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=30) as http:
        return await http.request(headers=headers, **request)


def _refused(route: Route, response: httpx.Response) -> bool:
    if route.key in PAGES and response.status_code in (302, 303, 307):  # a browser goes to sign in
        return response.headers["location"].startswith("/login")
    return response.status_code == 401


async def test_every_route_is_listed_and_fillable(served: FastAPI, tenants: tuple[Seeded, Seeded]) -> None:
    routes = _routes(served)
    assert len(routes) > 70
    for route in routes:
        _request(route, tenants[0])


@pytest.mark.parametrize("token", [None, "wrong-token", ""], ids=["no-token", "wrong-token", "empty-bearer"])
async def test_every_route_refuses_a_missing_or_wrong_token(
        served: FastAPI, tenants: tuple[Seeded, Seeded], token: str | None) -> None:
    failures = []
    for route in _routes(served):
        request = _request(route, tenants[0])
        if token == "":
            request["headers"] = {**request.get("headers", {}), "authorization": "Bearer "}
        response = await _call(served, request, token or None)
        if not _refused(route, response):
            failures.append(f"{route.key}: {response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures)


async def test_another_tenants_token_gets_nothing_of_its_objects(
        served: FastAPI, tenants: tuple[Seeded, Seeded]) -> None:
    owner, intruder = tenants
    failures = []
    for route in _routes(served):
        response = await _call(served, _request(route, owner), intruder.token)
        status, text = response.status_code, response.text
        sent = str(response.request.url) + str(request_body(response.request))
        # Echoing a name the caller sent is no leak; anything else of A's is.
        leaked = [marker for marker in owner.markers if marker in text and marker not in sent]
        names_owner = bool(route.path_params) and route.key not in OWN_NAMESPACE
        if status == 403:
            # A refusal the owner gets too (Jupyter spawning off) says nothing about the tenant.
            as_owner = await _call(served, _request(route, owner), owner.token)
            if (as_owner.status_code, as_owner.text) == (status, text):
                continue
        if status >= 500:
            failures.append(f"{route.key}: {status} {text[:160]}")
        elif leaked:
            failures.append(f"{route.key}: {status} leaks {leaked}: {text[:160]}")
        # One rule (issue 12): another tenant's object is missing, never forbidden (a 403 tells it exists).
        elif names_owner and status != 404:
            failures.append(f"{route.key}: {status} for another tenant's object: {text[:160]}")
        elif route.key in BODIES and BODIES[route.key] is not None and status != 404 \
                and any(ref in str(BODIES[route.key]) for ref in (A_RUN, A_RUN_UID, A_PROJECT_ID)):
            failures.append(f"{route.key}: {status} for another tenant's run in the body: {text[:160]}")
    assert not failures, "\n".join(failures)


async def test_the_owner_reaches_its_objects(served: FastAPI, tenants: tuple[Seeded, Seeded]) -> None:
    """The same requests with A's own token: the 403/404 above are about the tenant, not the request."""
    owner = tenants[0]
    reads = [route for route in _routes(served) if route.method == "GET" and route.key not in PAGES
             and "/plot" not in route.path and "/jupyter" not in route.path]
    failures = []
    for route in reads:
        if route.path.endswith("/stream"):  # event streams: only their status line is read
            status = await _stream_status(served, _request(route, owner), owner.token)
            if status >= 400 and route.path_params:
                failures.append(f"{route.key}: {status}")
            continue
        response = await _call(served, _request(route, owner), owner.token)
        if response.status_code >= 400 and route.path_params:
            failures.append(f"{route.key}: {response.status_code} {response.text[:160]}")
    assert not failures, "\n".join(failures)
