"""What expman-rs 1.3.0's web app reads and writes, with the shapes its serde structs parse.

The contract is the app's `src/app/models.rs` and the real `exp serve` of expman-rs 1.3.0
(answers recorded in docs/api-expman.md): run `id` a string, `scalars`/`vectors` maps of
numbers or strings (never null: the app's `MetricValue` has no null), `GlobalStats` with six
counts, `ExperimentMetadata` with four fields, and what the Interactive/TensorBoard tabs ask.
"""

from __future__ import annotations

import time

import httpx
import pytest

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import Store
from tests.server.expman.conftest import BASE, EXPERIMENT, RUN, Seeded, columns, run_url, seg

pytestmark = pytest.mark.anyio
RUN_FIELDS = {"id", "name", "experiment", "status", "group", "rank", "started_at", "finished_at", "heartbeat_at",
              "duration_secs", "description", "tags", "scalars", "vectors", "language", "env_path"}


def _metric_value(value: object) -> bool:
    """What the app's untagged `MetricValue` (f64 | i64 | bool | String) accepts."""
    return isinstance(value, int | float | bool | str)


async def test_run_list_has_the_apps_run_shape(client: httpx.AsyncClient, seeded: Seeded) -> None:
    runs = (await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs")).json()
    first = next(r for r in runs if r["name"] == RUN)
    assert set(first) >= RUN_FIELDS
    assert first["id"] == RUN and isinstance(first["id"], str)
    assert first["scalars"] == {}
    assert first["vectors"] == {"acc": 0.75, "loss": 0.25}
    assert all(_metric_value(v) for r in runs for v in r["vectors"].values())
    assert first["group"] is None and first["rank"] is None and first["heartbeat_at"].endswith("Z")
    assert isinstance(first["started_at"], str) and isinstance(first["duration_secs"], float)


async def test_vectors_never_hold_null(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    # `?metrics=` may name keys a run lacks (null there); `vectors` is only what the run has.
    store.append_metrics(seeded.other.id, {"nan": columns([0], [float("nan")])})
    runs = (await client.get(f"{BASE}/{seg(EXPERIMENT)}/runs", params={"metrics": "missing"})).json()
    assert [r["metrics"] for r in runs] == [{"missing": None}, {"missing": None}]
    assert [r["vectors"] for r in runs] == [{"loss": 2.0, "nan": "NaN"}, {"acc": 0.75, "loss": 0.25}]


async def test_experiment_list_has_project(client: httpx.AsyncClient, seeded: Seeded) -> None:
    item = next(e for e in (await client.get(BASE)).json() if e["id"] == EXPERIMENT)
    assert item["project"] is None and item["display_name"] == EXPERIMENT and item["runs_count"] == 2


async def test_experiment_metadata_round_trip(client: httpx.AsyncClient, seeded: Seeded) -> None:
    url = f"{BASE}/{seg(EXPERIMENT)}/metadata"
    got = await client.get(url)
    assert got.json() == {"display_name": EXPERIMENT, "description": "resnets", "tags": ["cv"], "project": None}
    # Exactly what the app's "Save Changes" sends.
    edit = {"description": "deeper nets", "display_name": EXPERIMENT, "project": None, "tags": ["cv", "2025"]}
    saved = await client.patch(url, json=edit)
    assert saved.status_code == 200, saved.text
    assert (await client.get(url)).json() == {**edit, "project": None}
    listed = next(e for e in (await client.get(BASE)).json() if e["id"] == EXPERIMENT)
    assert listed["description"] == "deeper nets" and listed["tags"] == ["cv", "2025"]
    untouched = await client.patch(url, json={"description": None, "tags": None})
    assert untouched.json()["description"] == "deeper nets"


@pytest.mark.parametrize(("body", "status"), [
    ({"display_name": "another name"}, 400),
    ({"project": "vision"}, 400),
    ({"tags": "cv"}, 422),
    ({"tags": [""]}, 422),
    ({"colour": "red"}, 422),
])
async def test_experiment_metadata_refuses_what_it_cannot_keep(client: httpx.AsyncClient, seeded: Seeded,
                                                               body: dict[str, object], status: int) -> None:
    url = f"{BASE}/{seg(EXPERIMENT)}/metadata"
    response = await client.patch(url, json={"description": "changed", **body})
    assert response.status_code == status and set(response.json()) == {"error"}
    assert (await client.get(url)).json()["description"] == "resnets"  # nothing half-written


async def test_metadata_of_unknown_experiment(client: httpx.AsyncClient) -> None:
    for response in (await client.get(f"{BASE}/nope/metadata"),
                     await client.patch(f"{BASE}/nope/metadata", json={"description": "x"})):
        assert response.status_code == 404 and response.json() == {"error": "experiment 'nope' not found"}


async def test_run_metadata_read_and_edit(client: httpx.AsyncClient, seeded: Seeded) -> None:
    got = await client.get(f"{run_url()}/metadata")
    assert got.status_code == 200 and set(got.json()) >= RUN_FIELDS and got.json()["id"] == RUN
    edited = await client.patch(f"{run_url()}/metadata", json={"name": None, "description": "best so far",
                                                                "tags": ["best", "kept"]})
    assert edited.status_code == 200 and edited.json()["description"] == "best so far"
    assert (await client.get(f"{run_url()}/metadata")).json()["tags"] == ["best", "kept"]
    renamed = await client.patch(f"{run_url()}/metadata", json={"name": "renamed"})
    assert renamed.json()["id"] == "renamed"
    assert (await client.get(f"{run_url(run='renamed')}/metadata")).status_code == 200
    taken = await client.patch(f"{run_url(run='renamed')}/metadata", json={"name": "second"})
    assert taken.status_code == 409 and set(taken.json()) == {"error"}


async def test_stats(client: httpx.AsyncClient, store: Store, seeded: Seeded) -> None:
    store.create_project("empty")
    store.add_artifact_bytes(seeded.other.id, "big.bin", b"x" * 1000)
    stats = (await client.get("/api/expman/stats")).json()
    assert stats == {"total_experiments": 2, "total_projects": 0, "total_runs": 2, "active_runs": 1,
                     "stale_runs": 0, "total_storage_bytes": len(b"\x89PNG fake") + len(b"\x00\x01weights") + 1000}


async def test_stats_counts_silent_running_runs(settings: Settings, store: Store, seeded: Seeded) -> None:
    # A running run whose last heartbeat is older than `stale_after_s` (the reaper is not running here).
    app = create_app(settings.with_changes(stale_after_s=0.05), store=store)
    time.sleep(0.1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runyard.test") as http:
        stats = (await http.get("/api/expman/stats")).json()
    assert stats["active_runs"] == 1 and stats["stale_runs"] == 1


async def test_projects_are_none(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get("/api/expman/projects")
    assert response.status_code == 200 and response.json() == []


async def test_notebook_and_tensorboard_answers(client: httpx.AsyncClient, seeded: Seeded) -> None:
    answers = {
        "/api/expman/jupyter/available": {"backend": "none"},
        "/api/expman/tensorboard/available": {"available": False},
        f"{BASE}/{seg(EXPERIMENT)}/jupyter/status": {"running": False, "port": None},
        f"{BASE}/{seg(EXPERIMENT)}/jupyter/notebook": {"exists": False, "content": None},
        f"{run_url()}/jupyter/status": {"running": False, "port": None},
        f"{run_url()}/jupyter/notebook": {"exists": False, "content": None},
        f"{run_url()}/tensorboard/status": {"running": False, "port": None},
        f"{run_url()}/tensorboard/has_logs": {"has_logs": False},
    }
    for url, expected in answers.items():
        response = await client.get(url)
        assert (response.status_code, response.json()) == (200, expected), url
    missing = await client.get(f"{run_url(run='nope')}/tensorboard/has_logs")
    assert missing.status_code == 404 and set(missing.json()) == {"error"}
