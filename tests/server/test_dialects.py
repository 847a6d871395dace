"""The dialect registry: one ordered list, each dialect's record mounted as it says."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.server.dialect import Dialect
from runyard.server.dialects import DIALECTS
from runyard.settings import Settings
from runyard.store import Store

pytestmark = pytest.mark.anyio


def test_one_record_per_dialect_in_routing_order() -> None:
    names = [d.name for d in DIALECTS]
    assert len(set(names)) == len(names) and all(isinstance(d, Dialect) for d in DIALECTS)
    assert names[0] == "v1" and names[-1] == "hub"  # hub's root-level `/{name}/...` routes come last
    assert names.index("web") < names.index("hub")


def test_install_results_become_health_entries_and_shutdown_hooks(app: FastAPI) -> None:
    assert list(app.state.health_probes) == ["jupyter", "mlops", "datastream"]
    assert app.state.shutdown_hooks == [app.state.jupyter.stop_all, app.state.hub.stop_all]
    assert [d.name for d in app.state.dialects] == [d.name for d in DIALECTS]


def test_a_disabled_dialect_is_not_mounted(settings: Settings, store: Store) -> None:
    app = create_app(settings.with_changes(hub_enabled=False), store=store)
    assert "mlops" not in app.state.health_probes and not hasattr(app.state, "hub")
    assert "/available_experiments" not in app.openapi()["paths"]


async def test_fixed_v1_run_paths_win_over_the_experiment_id(client: httpx.AsyncClient) -> None:
    # `/runs` would be experiment "runs" if `/{experiment_id}` were mounted first.
    created = (await client.post("/api/v1/experiments", json={"name": "order"})).json()
    answer = await client.get("/api/v1/experiments/runs", params={"experiment_id": created["id"]})
    assert answer.status_code == 200 and answer.json()["runs"] == []


async def test_docs_list_only_dialects_with_their_own_swagger_page(client: httpx.AsyncClient) -> None:
    index = (await client.get("/docs")).text
    assert "/docs/dashboard" in index and "/docs/hub" in index and "/docs/jupyter" not in index
    assert (await client.get("/docs/jupyter")).status_code == 404
    assert (await client.get("/docs/web")).status_code == 404


async def test_each_prefix_answers_in_its_dialects_error_shape(client: httpx.AsyncClient) -> None:
    jupyter = await client.delete("/api/jupyter/nope")
    assert jupyter.status_code == 404 and set(jupyter.json()) == {"error"}
    swanlab = await client.get("/api/v1/experiment/999/chart")
    assert swanlab.status_code == 404 and swanlab.json()["code"] == 3404
    page = await client.get("/web/api/runs/999/logs")
    assert page.status_code == 404 and "detail" in page.json()
