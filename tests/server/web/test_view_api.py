"""`/web/api/projects/{id}/view`: the dashboard's remembered layout of a project, in process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from runyard.store.view_state import ViewSetting

pytestmark = pytest.mark.anyio


@pytest.fixture
def project_id(store: Store) -> int:
    return store.create_project("vision").id


def _url(project_id: int | str) -> str:
    return f"/web/api/projects/{project_id}/view"


async def test_settings_round_trip(client: httpx.AsyncClient, project_id: int) -> None:
    assert (await client.get(_url(project_id))).json() == {"settings": []}
    change = {"set": [{"kind": "ws_section", "name": "system", "value": 1},
                      {"kind": "ws_xaxis", "name": "epoch", "value": 1},
                      {"kind": "ws_smoothing", "name": "", "value": 600},
                      {"kind": "tbl_col", "name": "config.model.width", "value": -1}]}
    answer = await client.put(_url(project_id), json=change)
    assert answer.status_code == 200
    assert sorted(map(_triple, answer.json()["settings"])) == sorted(map(_triple, change["set"]))
    # Replacing one and forgetting another, in one write.
    answer = await client.put(_url(project_id), json={"set": [{"kind": "ws_section", "name": "system", "value": 0}],
                                                        "remove": [{"kind": "ws_xaxis", "name": "epoch"}]})
    after = {(s["kind"], s["name"]): s["value"] for s in (await client.get(_url(project_id))).json()["settings"]}
    assert after == {("ws_section", "system"): 0, ("ws_smoothing", ""): 600, ("tbl_col", "config.model.width"): -1}
    assert {(s["kind"], s["name"]): s["value"] for s in answer.json()["settings"]} == after
    # Forgetting what was never set is fine.
    assert (await client.put(_url(project_id), json={"remove": [{"kind": "ws_pinned", "name": "x"}]})).status_code == 200


def _triple(setting: dict[str, Any]) -> tuple[str, str, int]:
    return setting["kind"], setting["name"], setting["value"]


async def test_swanboard_settings_stay_apart(client: httpx.AsyncClient, store: Store, project_id: int) -> None:
    """swanboard's kinds (and per-run settings) share the table: this route neither shows nor writes them."""
    run = store.create_run(project_id, name="r")
    store.set_view_settings([ViewSetting(project_id, None, "section", "pinned", 1),
                             ViewSetting(project_id, run.id, "ws_hidden", "loss", 1)])
    assert (await client.get(_url(project_id))).json() == {"settings": []}
    refused = await client.put(_url(project_id), json={"set": [{"kind": "section", "name": "pinned", "value": 0}]})
    assert refused.status_code == 422
    assert store.view_settings(project_id)[0] == ViewSetting(project_id, None, "section", "pinned", 1)


@pytest.mark.parametrize("body", [
    {"set": [{"kind": "ws_x", "name": "a", "value": 1001}]},
    {"set": [{"kind": "ws_x", "name": "a", "value": -1001}]},
    {"set": [{"kind": "ws_x", "name": "a", "value": 1.5}]},
    {"set": [{"kind": "ws_x", "name": "a", "value": "1"}]},
    {"set": [{"kind": "ws_x", "name": "a", "value": True}]},
    {"set": [{"kind": "ws_x", "name": "a"}]},
    {"set": [{"kind": "ws-x", "name": "a", "value": 1}]},
    {"set": [{"kind": "WS_X", "name": "a", "value": 1}]},
    {"set": [{"kind": "ws_", "name": "a", "value": 1}]},
    {"set": [{"kind": "ws_x", "name": "a\x00b", "value": 1}]},
    {"set": [{"kind": "ws_x", "name": "a" * 1001, "value": 1}]},
    {"set": [{"kind": "ws_x", "name": "a", "value": 1, "extra": 2}]},
    {"set": [{"kind": "ws_x", "name": str(i), "value": 1} for i in range(1001)]},
    {"remove": [{"kind": "ws_x"}]},
    {"sett": []},
    [],
])
async def test_bad_changes_are_422(client: httpx.AsyncClient, store: Store, project_id: int, body: Any) -> None:
    answer = await client.put(_url(project_id), json=body)
    assert answer.status_code == 422, answer.text
    assert "detail" in answer.json()
    assert store.view_settings(project_id) == []


async def test_unknown_projects(client: httpx.AsyncClient, project_id: int) -> None:
    for ref in (project_id + 1, "0", "x", str(2**63)):
        for method in ("GET", "PUT"):
            answer = await client.request(method, _url(ref), json={"set": []})
            assert answer.status_code in (400, 404), (method, ref, answer.text)
    assert (await client.get(_url(project_id + 1))).status_code == 404


async def test_another_tenants_project_is_missing(tmp_path: Path, store: Store, project_id: int) -> None:
    """Tokens required: tenant B's token finds nothing of A's project (404, as if missing)."""
    store.set_view_settings([ViewSetting(project_id, None, "ws_hidden", "loss", 1)])
    own = store.create_project("theirs", tenant="b")
    _, secret = store.create_token("b", name="b")
    app: FastAPI = create_app(Settings(data_dir=tmp_path / "data", auth=True), store=store)
    headers = {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1",
                                 headers=headers) as http:
        assert (await http.get(_url(project_id))).status_code == 404
        change = {"set": [{"kind": "ws_hidden", "name": "loss", "value": -1}]}
        assert (await http.put(_url(project_id), json=change)).status_code == 404
        assert (await http.put(_url(own.id), json=change)).status_code == 200
    assert store.view_settings(project_id) == [ViewSetting(project_id, None, "ws_hidden", "loss", 1)]
