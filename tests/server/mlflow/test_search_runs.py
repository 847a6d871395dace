"""runs/search in process: MLflow's filter grammar (metrics/params/tags/attributes, backquotes, AND), order_by, paging."""

from __future__ import annotations

import httpx
import pytest

from tests.server.mlflow.helpers import error_code, new_experiment, new_run, post

pytestmark = pytest.mark.anyio
T0 = 1_700_000_000_000


@pytest.fixture
async def runs(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """Experiment id and run ids by name: r0..r3 with `val loss`, lr params, tags; r3 has no metric."""
    ref = await new_experiment(client)
    ids: dict[str, str] = {}
    for i in range(4):
        run = await new_run(client, ref, run_name=f"r{i}", start_time=T0 + i * 1000)
        run_id = run["info"]["run_id"]
        ids[f"r{i}"] = run_id
        metrics = [{"key": "val loss", "value": 1.0 - i / 10, "timestamp": T0, "step": 0}] if i < 3 else []
        await post(client, "runs/log-batch", {"run_id": run_id, "metrics": metrics,
                                              "params": [{"key": "lr", "value": ["0.1", "0.01", "0.1", "1e-3"][i]}],
                                              "tags": [{"key": "team", "value": "ab"[i % 2]}]})
    await post(client, "runs/update", {"run_id": ids["r1"], "status": "FINISHED", "end_time": T0 + 9000})
    return ref, ids


async def _names(client: httpx.AsyncClient, ref: str, **query: object) -> list[str]:
    answer = await post(client, "runs/search", {"experiment_ids": [ref], **query})
    return [run["info"]["run_name"] for run in answer.get("runs", [])]


async def test_default_order_is_newest_first(client: httpx.AsyncClient, runs: tuple[str, dict[str, str]]) -> None:
    assert await _names(client, runs[0]) == ["r3", "r2", "r1", "r0"]


async def test_filters(client: httpx.AsyncClient, runs: tuple[str, dict[str, str]]) -> None:
    ref, ids = runs
    cases = {
        "metrics.`val loss` < 0.95": ["r2", "r1"],
        "metrics.`val loss` >= 0.9 AND params.lr = '0.1'": ["r0"],
        "params.lr = '0.1'": ["r2", "r0"],  # params compare as strings: '1e-3' is not 0.001
        "params.lr != '0.1'": ["r3", "r1"],
        "tags.team = 'b' and attributes.status = 'FINISHED'": ["r1"],
        "tags.`team` LIKE 'a%'": ["r2", "r0"],
        "attributes.run_name ILIKE 'R_'": ["r3", "r2", "r1", "r0"],
        f"attributes.run_id IN ('{ids['r0']}', '{ids['r3']}')": ["r3", "r0"],
        f"attributes.start_time > {T0 + 1500}": ["r3", "r2"],
        "params.missing IS NULL AND metrics.`val loss` IS NOT NULL": ["r2", "r1", "r0"],
        'tags."team" = "a" AND run_name != "r0"': ["r2"],
    }
    for text, expected in cases.items():
        assert await _names(client, ref, filter=text) == expected, text


async def test_order_by_and_paging(client: httpx.AsyncClient, runs: tuple[str, dict[str, str]]) -> None:
    ref = runs[0]
    assert await _names(client, ref, order_by=["metrics.`val loss` ASC"]) == ["r2", "r1", "r0", "r3"]  # missing last
    assert await _names(client, ref, order_by=["metrics.`val loss` DESC"]) == ["r0", "r1", "r2", "r3"]
    assert await _names(client, ref, order_by=["params.lr DESC", "attributes.start_time ASC"]) == \
        ["r3", "r0", "r2", "r1"]
    first = await post(client, "runs/search", {"experiment_ids": [ref], "max_results": 3})
    second = await post(client, "runs/search", {"experiment_ids": [ref], "max_results": 3,
                                                "page_token": first["next_page_token"]})
    assert [r["info"]["run_name"] for r in first["runs"] + second["runs"]] == ["r3", "r2", "r1", "r0"]
    assert "next_page_token" not in second


async def test_deleted_runs_show_only_when_asked(client: httpx.AsyncClient, runs: tuple[str, dict[str, str]]) -> None:
    ref, ids = runs
    await post(client, "runs/delete", {"run_id": ids["r2"]})
    assert await _names(client, ref) == ["r3", "r1", "r0"]
    assert await _names(client, ref, run_view_type="DELETED_ONLY") == ["r2"]
    assert await _names(client, ref, run_view_type="ALL") == ["r3", "r2", "r1", "r0"]


@pytest.mark.parametrize("bad", ["metrics.x = 'text'", "params.lr > 1", "bogus.x = 1", "attributes.nope = 'a'",
                                 "tags.a = 'x' OR tags.b = 'y'", "metrics.x <", "params.lr = 0.1", "(tags.a = 'x')"])
async def test_bad_filters_are_invalid_parameter_values(client: httpx.AsyncClient, bad: str) -> None:
    ref = await new_experiment(client)
    answer = await post(client, "runs/search", {"experiment_ids": [ref], "filter": bad}, 400)
    assert error_code(answer) == "INVALID_PARAMETER_VALUE", bad
