"""runyard's SwanLab answers carry the fields of SwanLab 0.10.3's real answers (reference/)
and of the spec's examples, object for object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.swanlab.conftest import Seeded

pytestmark = pytest.mark.anyio
REFERENCE = Path(__file__).parent / "reference"
# The spec's `system` (older SwanLab) beside 0.10's sections; `_version` tags 0.10's shape alone.
SPEC_SYSTEM = {"cpu", "gpu", "os", "python", "command", "swanlab"}
SPEC_SWANLAB = {"version", "logdir", "_monitor"}
# swanboard 0.1.6's Environment page reads SwanLab 0.3's flat system fields (docs/api-swanlab.md).
SWANBOARD_SYSTEM = {"hostname", "pid", "cwd", "executable", "python_verbose", "git_remote", "git_info", "memory"}
DATA_MAPS = (".source_map", ".config")  # keyed by metric or config names: compare the values only
KIND = {bool: "bool", int: "number", float: "number", str: "string", dict: "object", list: "array"}


def _reference(name: str) -> Any:
    return json.loads((REFERENCE / name).read_text())


def same_shape(ours: Any, theirs: Any, where: str = "$") -> None:
    """Same keys in every object; same JSON kind where both values are set; list items alike."""
    if theirs is None or ours is None:
        return
    if isinstance(theirs, float | int) and not isinstance(theirs, bool) and isinstance(ours, str):
        assert ours in ("NaN", "INF", "-INF"), where  # SwanLab's spelling
        return
    assert KIND[type(ours)] == KIND[type(theirs)], f"{where}: {ours!r} vs {theirs!r}"
    if isinstance(theirs, dict) and where.endswith(DATA_MAPS):
        # Entries alike (`{desc, sort, value}` per config key); the values themselves are user data.
        for key, value in ours.items():
            for sample in list(theirs.values())[:1]:
                assert KIND[type(value)] == KIND[type(sample)], f"{where}.{key}"
                assert not isinstance(sample, dict) or set(value) == set(sample), f"{where}.{key}"
    elif isinstance(theirs, dict):
        expected = set(theirs) - ({"_version"} if where.endswith(".system") else set())
        assert set(ours) >= expected, f"{where}: missing {expected - set(ours)}"
        extra = set(ours) - expected
        allowed = SPEC_SYSTEM | SWANBOARD_SYSTEM if where.endswith(".system") else SPEC_SWANLAB if where.endswith("system.swanlab") else set()
        assert extra <= allowed, f"{where}: extra fields {extra - allowed}"
        for key in expected:
            same_shape(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        samples = [item for item in theirs if not (isinstance(item, str) and item.startswith("... "))]
        for item in ours:
            like = [s for s in samples if isinstance(s, dict) and set(s) == set(item)] or samples[:1]
            for sample in like[:1]:
                same_shape(item, sample, f"{where}[]")


async def _get(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


async def test_project(client: httpx.AsyncClient, seeded: Seeded) -> None:
    same_shape(await _get(client, "/api/v1/project"), _reference("project.json"))


async def test_experiment(client: httpx.AsyncClient, seeded: Seeded) -> None:
    ours = await _get(client, f"/api/v1/experiment/{seeded.finished.id}")
    same_shape(ours, _reference("experiment.json"))
    assert set(ours["data"]["system"]) >= SPEC_SYSTEM and set(ours["data"]["system"]["swanlab"]) >= SPEC_SWANLAB
    assert set(ours["data"]["system"]["gpu"]["nvidia"]) == {"type", "memory", "cuda"}


@pytest.mark.parametrize(("suffix", "name"), [
    ("chart", "chart.json"), ("status", "status.json"), ("summary", "summary.json"),
    ("recent_log", "recent_log.json"), ("tag/train/loss", "tag_train_loss.json"),
])
async def test_finished_run(client: httpx.AsyncClient, seeded: Seeded, suffix: str, name: str) -> None:
    same_shape(await _get(client, f"/api/v1/experiment/{seeded.finished.id}/{suffix}"), _reference(name))


async def test_running_status(client: httpx.AsyncClient, seeded: Seeded) -> None:
    same_shape(await _get(client, f"/api/v1/experiment/{seeded.live.id}/status"), _reference("status_running.json"))


async def test_tag_with_non_finite_values(client: httpx.AsyncClient, seeded: Seeded) -> None:
    same_shape(await _get(client, f"/api/v1/experiment/{seeded.live.id}/tag/loss"), _reference("tag_train_loss.json"))


def test_same_shape_can_fail() -> None:
    with pytest.raises(AssertionError):
        same_shape({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(AssertionError):
        same_shape({"a": 1, "c": 3}, {"a": 1})
    with pytest.raises(AssertionError):
        same_shape({"a": [{"x": "1"}]}, {"a": [{"x": 1}]})
