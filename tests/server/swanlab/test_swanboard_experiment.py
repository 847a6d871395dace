"""The experiment routes swanboard 0.1.6 calls beyond the spec, and the flat `system` fields it reads."""

from __future__ import annotations

import httpx
import pytest

from runyard.errors import NotFoundError
from runyard.store import Store
from tests.server.swanlab.conftest import SYSTEM, Seeded, data, error

pytestmark = pytest.mark.anyio
URL = "/api/v1/experiment"


async def test_system_has_the_flat_fields_swanboard_shows(client: httpx.AsyncClient, seeded: Seeded) -> None:
    system = data(await client.get(f"{URL}/{seeded.finished.id}"))["system"]
    assert (system["hostname"], system["pid"], system["cwd"]) == ("gpu-box", 4242, "/work")
    assert (system["executable"], system["python_verbose"]) == ("/venv/bin/python", SYSTEM["python_verbose"])
    assert system["memory"] == 500  # GB
    assert system["git_remote"] == "https://example.com/repo.git" and system["git_info"] == ["main", "abc123"]
    assert system["runtime"]["hostname"] == "gpu-box"  # SwanLab 0.10's nested shape stays beside them
    bare = data(await client.get(f"{URL}/{seeded.live.id}"))["system"]
    assert bare["hostname"] is None and bare["memory"] is None and bare["git_info"] is None


async def test_requirements_are_what_the_sdk_recorded(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    assert data(await client.get(f"{URL}/{seeded.finished.id}/requirements")) == {"requirements": []}
    store.update_run(seeded.finished.id, system={**SYSTEM, "requirements": ["numpy==2.1.0", "torch==2.5.1"]})
    found = data(await client.get(f"{URL}/{seeded.finished.id}/requirements"))
    assert found == {"requirements": ["numpy==2.1.0", "torch==2.5.1"]}
    error(await client.get(f"{URL}/999/requirements"), 404)


async def test_rename_and_describe(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    body = {"name": "  better  ", "description": "tuned"}
    assert data(await client.patch(f"{URL}/{seeded.finished.id}", json=body)) == {"name": "better",
                                                                                  "description": "tuned"}
    run = store.get_run(seeded.finished.id)
    assert (run.name, run.description) == ("better", "tuned")
    error(await client.patch(f"{URL}/{seeded.finished.id}", json={"name": "media-run"}), 409)
    error(await client.patch(f"{URL}/{seeded.finished.id}", json={"description": "x"}), 422)
    error(await client.patch(f"{URL}/999", json={"name": "x"}), 404)


async def test_delete_refuses_a_running_experiment(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    assert "running" in error(await client.delete(f"{URL}/{seeded.live.id}"), 409)
    assert data(await client.delete(f"{URL}/{seeded.finished.id}")) == {"experiment_id": seeded.finished.id}
    with pytest.raises(NotFoundError):
        store.get_run(seeded.finished.id)
    error(await client.get(f"{URL}/{seeded.finished.id}"), 404)


async def test_stop_marks_a_running_experiment_killed(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    stopped = data(await client.get(f"{URL}/{seeded.live.id}/stop"))
    assert stopped["id"] == seeded.live.id and stopped["status"] == -1 and stopped["finish_time"]
    assert store.get_run(seeded.live.id).status == "killed"
    again = data(await client.get(f"{URL}/{seeded.finished.id}/stop"))  # ended: answered as it is
    assert again["status"] == 1 and store.get_run(seeded.finished.id).status == "finished"


async def test_stop_is_refused_from_another_sites_page(client: httpx.AsyncClient, store: Store,
                                                      seeded: Seeded) -> None:
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}):
        error(await client.get(f"{URL}/{seeded.live.id}/stop", headers=headers), 403)
    assert store.get_run(seeded.live.id).status == "running"
    same = {"Sec-Fetch-Site": "same-origin", "Origin": "http://runyard.test"}
    assert data(await client.get(f"{URL}/{seeded.live.id}/stop", headers=same))["status"] == -1


async def test_show_hides_an_experiment_from_the_compare_page(client: httpx.AsyncClient, seeded: Seeded) -> None:
    hidden = data(await client.patch(f"{URL}/{seeded.finished.id}/show", json={"show": False}))
    assert hidden["experiment"]["id"] == seeded.finished.id and hidden["experiment"]["show"] == 0
    shown = {e["id"]: e["show"] for e in data(await client.get("/api/v1/project"))["experiments"]}
    assert shown == {seeded.finished.id: 0, seeded.live.id: 1}
    data(await client.patch(f"{URL}/{seeded.finished.id}/show", json={"show": True}))
    assert all(e["show"] == 1 for e in data(await client.get("/api/v1/project"))["experiments"])
    error(await client.patch(f"{URL}/{seeded.finished.id}/show", json={}), 422)
