from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import RunQuery, Store
from tests.server.conftest import auth_app
from tests.server.v1.conftest import EXPERIMENTS, RUNS

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http(settings: Settings, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = auth_app(settings, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as client:
        yield client


@pytest.fixture
def tokens(store: Store) -> dict[str, dict[str, str]]:
    return {tenant: {"Authorization": f"Bearer {store.create_token(tenant)[1]}"} for tenant in ("acme", "globex")}


@pytest.fixture
async def owned(http: httpx.AsyncClient, tokens: dict[str, dict[str, str]]) -> dict[str, Any]:
    """An experiment and a run of tenant acme."""
    exp = (await http.post(EXPERIMENTS, json={"name": "secret"}, headers=tokens["acme"])).json()
    run = (await http.post(RUNS, json={"experiment_id": exp["id"], "name": "r"}, headers=tokens["acme"])).json()
    return {"exp": exp["id"], "run": run["id"], "uid": run["uid"]}


CROSS_TENANT = [
    ("GET", "/api/v1/experiments/{exp}", None),
    ("PATCH", "/api/v1/experiments/{exp}", {"name": "stolen"}),
    ("DELETE", "/api/v1/experiments/{exp}", None),
    ("POST", "/api/v1/experiments/{exp}/restore", None),
    ("GET", "/api/v1/experiments/runs?experiment_id={exp}", None),
    ("POST", "/api/v1/experiments/runs", {"experiment_id": "{exp}"}),
    ("GET", "/api/v1/experiments/runs/{run}", None),
    ("GET", "/api/v1/experiments/runs/{uid}", None),
    ("POST", "/api/v1/experiments/runs/{run}/log-metrics", {"metrics": {"x": 1}}),
    ("POST", "/api/v1/experiments/runs/{run}/log-params", {"params": {"x": 1}}),
    ("POST", "/api/v1/experiments/runs/{run}/log-batch", {"metrics": [{"key": "x", "value": 1}]}),
    ("POST", "/api/v1/experiments/runs/{run}/end", {"status": "KILLED"}),
    ("POST", "/api/v1/experiments/runs/compare", {"run_ids": ["{run}", "{mine}"]}),
]


def _request(path: str, body: dict[str, Any] | None, names: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    payload = None if body is None else {
        key: (value.format(**names) if isinstance(value, str) else
              [v.format(**names) for v in value] if key == "run_ids" else value)
        for key, value in body.items()
    }
    return path.format(**names), payload


@pytest.mark.parametrize(("method", "path", "body"), CROSS_TENANT)
async def test_other_tenant_404(http: httpx.AsyncClient, store: Store, tokens: dict[str, dict[str, str]],
                                owned: dict[str, Any], method: str, path: str, body: dict[str, Any] | None) -> None:
    """Issue 12: another tenant's experiment or run answers exactly as one nobody holds (v1's spec says 403)."""
    mine_exp = (await http.post(EXPERIMENTS, json={"name": "mine"}, headers=tokens["globex"])).json()
    mine = (await http.post(RUNS, json={"experiment_id": mine_exp["id"]}, headers=tokens["globex"])).json()
    names = {**owned, "mine": mine["id"]}
    url, payload = _request(path, body, names)
    response = await http.request(method, url, json=payload, headers=tokens["globex"])
    assert response.status_code == 404, response.text
    ghost = {**names, "exp": "987654", "run": "987653", "uid": "no-such-run"}
    url, payload = _request(path, body, ghost)
    missing = await http.request(method, url, json=payload, headers=tokens["globex"])
    assert missing.status_code == 404, missing.text
    expected = missing.json()["detail"]
    for key in ("exp", "run", "uid"):
        expected = expected.replace(str(ghost[key]), str(owned[key]))
    assert response.json() == {"detail": expected}
    untouched = await http.get(f"{RUNS}/{owned['run']}", headers=tokens["acme"])
    assert untouched.json()["status"] == "RUNNING" and untouched.json()["metrics"] == {}
    assert untouched.json()["params"] == {}
    exp = (await http.get(f"{EXPERIMENTS}/{owned['exp']}", headers=tokens["acme"])).json()
    assert exp["name"] == "secret" and exp["lifecycle_stage"] == "active"
    assert store.count_runs(RunQuery(project_ids=(int(owned["exp"]),))) == 1


async def test_other_tenant_artifact_404(http: httpx.AsyncClient, store: Store, tokens: dict[str, dict[str, str]],
                                         owned: dict[str, Any]) -> None:
    response = await http.post(f"{RUNS}/{owned['run']}/log-artifact", files={"file": ("f.txt", b"x")},
                               headers=tokens["globex"])
    assert response.status_code == 404 and response.json() == {"detail": f"run {owned['run']} not found"}
    assert store.list_artifacts(int(owned["run"])) == []


async def test_tenants_see_only_their_experiments(http: httpx.AsyncClient, tokens: dict[str, dict[str, str]],
                                                  owned: dict[str, Any]) -> None:
    theirs = (await http.get(EXPERIMENTS, headers=tokens["globex"])).json()
    assert theirs["total"] == 0 and theirs["experiments"] == []
    # Names are unique per tenant, not globally.
    same = await http.post(EXPERIMENTS, json={"name": "secret"}, headers=tokens["globex"])
    assert same.status_code == 201
    ours = (await http.get(EXPERIMENTS, headers=tokens["acme"])).json()
    assert [e["id"] for e in ours["experiments"]] == [owned["exp"]]


async def test_token_required(http: httpx.AsyncClient, owned: dict[str, Any]) -> None:
    assert (await http.get(EXPERIMENTS)).status_code == 401
    assert (await http.post(RUNS, json={"experiment_id": owned["exp"]})).status_code == 401
