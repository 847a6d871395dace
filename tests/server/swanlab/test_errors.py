"""Every failure answers SwanLab's envelope with a non-zero code and a 4xx status, never 500."""

from __future__ import annotations

import httpx
import pytest

from runyard.settings import Settings
from runyard.store import Store
from tests.server.swanlab.conftest import Seeded, client_for, data, error

pytestmark = pytest.mark.anyio
BASE = "/api/v1/experiment"
ENDPOINTS = ("", "/chart", "/status", "/summary", "/recent_log", "/tag/train/loss")


@pytest.mark.parametrize("suffix", ENDPOINTS)
async def test_unknown_experiment_is_404(client: httpx.AsyncClient, seeded: Seeded, suffix: str) -> None:
    assert "999" in error(await client.get(f"{BASE}/999{suffix}"), 404)


@pytest.mark.parametrize("ref", ["abc", "0", "-1", "1.5", str(1 << 64)])
async def test_malformed_id_is_422(client: httpx.AsyncClient, seeded: Seeded, ref: str) -> None:
    error(await client.get(f"{BASE}/{ref}"), 422)
    error(await client.get(f"{BASE}/{ref}/tag/train/loss"), 422)


async def test_unknown_tag_is_404(client: httpx.AsyncClient, seeded: Seeded) -> None:
    run = seeded.finished.id
    for tag in ("nope", "train/nope", "train", "default/train/loss", "loss"):
        assert "not found" in error(await client.get(f"{BASE}/{run}/tag/{tag}"), 404)


async def test_bad_queries_are_422(client: httpx.AsyncClient, seeded: Seeded) -> None:
    run = seeded.finished.id
    error(await client.get(f"{BASE}/{run}/tag/train/loss", params={"max_points": 9}), 422)
    error(await client.get(f"{BASE}/{run}/tag/train/loss", params={"max_points": "x"}), 422)
    error(await client.get(f"{BASE}/{run}/recent_log", params={"limit": 0}), 422)
    error(await client.get(f"{BASE}/{run}/recent_log", params={"limit": 10_001}), 422)


async def test_unknown_path_and_method(client: httpx.AsyncClient, seeded: Seeded) -> None:
    error(await client.get(f"{BASE}/{seeded.finished.id}/nothing"), 404)
    error(await client.post(f"{BASE}/{seeded.finished.id}"), 405)


async def test_deleted_project_hides_its_runs(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.set_project_lifecycle(seeded.project.id, "deleted")
    error(await client.get(f"{BASE}/{seeded.finished.id}"), 404)


async def test_other_tenants_run_is_404(settings: Settings, store: Store, seeded: Seeded) -> None:
    token = store.create_token("acme")[1]
    async with client_for(settings, store, auth=True) as http:
        assert error(await http.get(f"{BASE}/{seeded.finished.id}"), 401)
        headers = {"Authorization": f"Bearer {token}"}
        error(await http.get(f"{BASE}/{seeded.finished.id}", headers=headers), 404)
        error(await http.get(f"{BASE}/{seeded.finished.id}/tag/train/loss", headers=headers), 404)


async def test_too_many_points_is_413_unless_thinned(settings: Settings, store: Store, seeded: Seeded) -> None:
    async with client_for(settings, store, max_points_per_request=1000) as http:
        url = f"{BASE}/{seeded.finished.id}/tag/train/loss"
        assert "max_points" in error(await http.get(url), 413)
        assert len(data(await http.get(url, params={"max_points": 500}))["list"]) <= 500


async def test_plural_v1_paths_keep_their_own_dialect(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """`/api/v1/experiments...` is Experiments API v1, with FastAPI's `{"detail": ...}` errors."""
    response = await client.get("/api/v1/experiments/999999")
    assert response.status_code == 404 and "detail" in response.json()
    assert (await client.get("/api/v1/experimentsfoo")).json().get("code") is None


async def test_docs_list_the_dialect(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi/swanlab.json")).json()
    assert set(schema["paths"]) == {
        "/api/v1/project", "/api/v1/experiment/{experiment_id}", "/api/v1/experiment/{experiment_id}/chart",
        "/api/v1/experiment/{experiment_id}/status", "/api/v1/experiment/{experiment_id}/summary",
        "/api/v1/experiment/{experiment_id}/recent_log", "/api/v1/experiment/{experiment_id}/tag/{tag}",
        # What swanboard 0.1.6 calls besides (docs/api-swanlab.md#swanboard-on-runyards-data).
        "/api/v1/project/summaries", "/api/v1/project/charts", "/api/v1/project/update",
        "/api/v1/experiment/{experiment_id}/requirements", "/api/v1/experiment/{experiment_id}/stop",
        "/api/v1/experiment/{experiment_id}/show", "/api/v1/chart/{chart_id}/status",
        "/api/v1/namespace/{namespace_id}/opened",
    }
    assert (await client.get("/docs/swanlab")).status_code == 200
    assert "/api/v1/experiment" in (await client.get("/docs")).text
