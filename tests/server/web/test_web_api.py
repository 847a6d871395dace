"""The dashboard's server side, in process: pages, run JSON, `/web/api` reads, smoothing, stream."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from runyard.server.web.series import ema
from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer
from tests.server.web.conftest import PROJECT, seed_project, series
from tests.sse_client import read_events

pytestmark = pytest.mark.anyio


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return seed_project(store)


async def test_pages_render_and_escape(client: httpx.AsyncClient, store: Store, ids: dict[str, int]) -> None:
    store.update_run(ids["mlp"], notes="<script>alert(1)</script>")
    home = await client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert f'href="/projects/{PROJECT}"' in home.text
    for path in (f"/projects/{PROJECT}", f"/projects/{PROJECT}/runs"):
        page = await client.get(path)
        assert page.status_code == 200 and "/static/dashboard/project.js" in page.text
    run_page = await client.get(f"/projects/{PROJECT}/runs/mlp")
    assert run_page.status_code == 200
    assert "<script>alert(1)" not in run_page.text and "&lt;script&gt;alert(1)" in run_page.text
    assert "/static/vendor/uplot/uPlot.iife.min.js" in run_page.text
    # Every asset the pages name is served by runyard itself.
    for asset in ("/static/vendor/uplot/uPlot.iife.min.js", "/static/vendor/uplot/uPlot.min.css",
                  "/static/vendor/uplot/LICENSE", "/static/dashboard/project.js", "/static/dashboard/run.js",
                  "/static/dashboard/charts.js", "/static/dashboard/board.js", "/static/dashboard/table.js", "/static/dashboard/common.js",
                  "/static/dashboard/dashboard.css"):
        assert (await client.get(asset)).status_code == 200, asset
    assert "http://" not in run_page.text.replace("http://www.w3.org", "")


async def test_unknown_pages_are_404(client: httpx.AsyncClient, ids: dict[str, int]) -> None:
    for path in ("/projects/nope", "/projects/nope/runs", f"/projects/{PROJECT}/runs/nope"):
        page = await client.get(path)
        assert page.status_code == 404 and "Not found" in page.text
    as_json = await client.get(f"/projects/{PROJECT}/runs/nope", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.headers["content-type"] == "application/json"


async def test_run_page_answers_json_when_asked(client: httpx.AsyncClient, store: Store, ids: dict[str, int]) -> None:
    answer = await client.get(f"/projects/{PROJECT}/runs/resnet-a", headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    detail = answer.json()
    assert detail["project"] == PROJECT and detail["run"] == "resnet-a" and detail["id"] == ids["resnet-a"]
    assert detail["status"] == "completed" and detail["is_finished"] and detail["tags"] == ["baseline"]
    assert detail["params"] == {"model": {"depth": 18}, "batch": 128, "lr": 0.1, "arch": "resnet"}
    assert detail["config"] == {"model": {"depth": 18}, "batch": 128}
    assert detail["duration_ms"] == pytest.approx(250_000, abs=1)
    stored = store.read_metric(ids["resnet-a"], "train/loss")
    assert detail["latest_metrics"]["train/loss"] == stored.values[-1]
    assert detail["metrics"]["train/loss"]["count"] == 5000
    assert [(a["path"], a["size"], len(a["sha256"])) for a in detail["artifacts"]] == [("model/weights.txt", 7, 64)]
    # A browser's Accept (HTML first) gets the page.
    browser = await client.get(f"/projects/{PROJECT}/runs/resnet-a",
                               headers={"Accept": "text/html,application/xhtml+xml,application/json;q=0.9"})
    assert browser.headers["content-type"].startswith("text/html")


async def test_table_rows(client: httpx.AsyncClient, store: Store, ids: dict[str, int]) -> None:
    project = store.get_project_by_name(PROJECT)
    answer = (await client.get(f"/web/api/projects/{project.id}/runs")).json()
    assert answer["cursor"] == store.last_change_seq()
    rows = {row["name"]: row for row in answer["runs"]}
    assert set(rows) == set(ids)
    assert rows["live"]["status"] == "running" and rows["live"]["end_time"] is None
    assert rows["vit-a"]["params"] == {"lr": 0.01, "arch": "vit"}
    acc = store.read_metric(ids["vit-a"], "val/acc").values
    assert rows["vit-a"]["metrics"]["val/acc"] == acc[-1]
    assert rows["vit-a"]["metrics_min"]["val/acc"] == acc.min() and rows["vit-a"]["metrics_max"]["val/acc"] == acc.max()
    # config stays nested (the page flattens it), beside the summary and system info
    assert rows["resnet-a"]["config"] == {"model": {"depth": 18}, "batch": 128}
    assert rows["resnet-a"]["system"] == store.get_run(ids["resnet-a"]).system
    assert (await client.get("/web/api/projects/999/runs")).status_code == 404


async def test_series_keeps_extremes_and_last_points(client: httpx.AsyncClient, store: Store,
                                                      ids: dict[str, int]) -> None:
    run_id = ids["resnet-a"]
    answer = (await client.get("/web/api/series", params={"runs": run_id, "keys": "train/loss,val/acc",
                                                          "buckets": 200})).json()
    line = answer["metrics"]["train/loss"][str(run_id)]
    stored = store.read_metric(run_id, "train/loss")
    assert line["total_points"] == 5000 and len(line["steps"]) <= 3 * 200
    assert line["steps"] == sorted(set(line["steps"]))
    # Every drawn point is a stored point; the extremes and the last point are among them.
    assert np.array_equal(stored.values[line["steps"]], np.array(line["values"]))
    assert max(line["values"]) == stored.values.max() and min(line["values"]) == stored.values.min()
    assert line["steps"][-1] == 4999
    assert np.allclose(line["timestamps"], stored.times[line["steps"]] * 1000)
    short = answer["metrics"]["val/acc"][str(run_id)]
    assert short["steps"] == list(range(50))  # short series come back whole
    # A zoom window: every stored point of it, nothing outside.
    zoom = (await client.get("/web/api/series", params={"runs": run_id, "keys": "train/loss", "buckets": 1000,
                                                        "step_min": 100, "step_max": 400})).json()
    assert zoom["metrics"]["train/loss"][str(run_id)]["steps"] == list(range(100, 401))


async def test_series_smooths_before_downsampling(client: httpx.AsyncClient, store: Store,
                                                  ids: dict[str, int]) -> None:
    run_id = ids["vit-b"]
    stored = store.read_metric(run_id, "train/loss")
    answer = (await client.get("/web/api/series", params={"runs": run_id, "keys": "train/loss", "buckets": 100,
                                                          "smoothing": 0.95})).json()
    line = answer["metrics"]["train/loss"][str(run_id)]
    smoothed, state, count = ema(stored.values, 0.95)
    assert np.allclose(line["values"], smoothed[line["steps"]])
    assert line["ema_last"] == pytest.approx(state) and line["ema_count"] == count == 5000
    # Smoothed first: the bucket maxima come from the smooth curve, far below the raw noise peaks.
    assert max(line["values"][50:]) < stored.values[1000:].max()


async def test_series_rejects_bad_input(client: httpx.AsyncClient, ids: dict[str, int]) -> None:
    bad = [{"runs": "x", "keys": "a"}, {"runs": ",".join(["1"] * 201), "keys": "a"},
           {"runs": "1", "keys": "a", "smoothing": 1}, {"runs": "1", "keys": "a", "step_min": 5, "step_max": 1}]
    for params in bad:
        assert (await client.get("/web/api/series", params=params)).status_code in (400, 422), params
    assert (await client.get("/web/api/series", params={"runs": "999", "keys": "a"})).status_code == 404


def test_ema_matches_the_recurrence_and_skips_non_finite() -> None:
    values = np.random.default_rng(1).standard_normal(3000)
    values[[5, 6, 100]] = [math.nan, math.inf, -math.inf]
    for weight in (0.0, 0.3, 0.9, 0.999):
        out, state, count = ema(values, weight)
        expected, raw, n = values.copy(), 0.0, 0
        for i, value in enumerate(values):
            if not math.isfinite(value):
                continue
            n += 1
            raw = weight * raw + (1 - weight) * value
            expected[i] = raw / (1 - weight ** n) if weight else value
        assert np.allclose(out, expected, rtol=1e-9, atol=1e-12, equal_nan=True)
        assert math.isnan(out[5]) and out[6] == math.inf and out[100] == -math.inf
        if weight:
            assert state == pytest.approx(raw) and count == n


async def test_logs_and_artifact_files(client: httpx.AsyncClient, store: Store, ids: dict[str, int]) -> None:
    run_id = ids["resnet-a"]
    store.append_logs(run_id, [(1.0, "stdout", f"line {i}") for i in range(20)])
    logs = (await client.get(f"/web/api/runs/{run_id}/logs", params={"tail": 5})).json()
    assert [line["line"] for line in logs["lines"]] == [f"line {i}" for i in range(15, 20)]
    assert logs["cursor"] == store.last_change_seq()
    file = await client.get(f"/web/api/runs/{run_id}/artifacts/model/weights.txt")
    assert file.status_code == 200 and file.content == b"weights"
    assert (await client.get(f"/web/api/runs/{run_id}/artifacts/model/missing.txt")).status_code == 404
    assert (await client.get(f"/web/api/runs/{run_id}/artifacts/..%2F..%2Fetc%2Fpasswd")).status_code in (400, 404)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    with open_store(tmp_path) as opened:
        seeded = seed_project(opened)
    server = LiveServer(tmp_path).start()
    yield server, seeded
    server.stop()


def test_stream_merges_runs_and_resumes(live_server: tuple[LiveServer, dict[str, int]]) -> None:
    server, seeded = live_server
    running, done = seeded["live"], seeded["vit-a"]
    with open_store(server.data_dir) as store:
        start = store.last_change_seq()
        more = series(110, 5)
        store.append_metrics(running, {"train/loss": MetricColumns(more.steps[100:], more.values[100:],
                                                                   more.times[100:])})
        store.append_logs(running, [(1.0, "stdout", "hello")])
        store.set_run_status(running, "finished")
    url = f"{server.url}/web/api/stream?runs={running},{done}&after={start}"
    events = read_events(url, timeout=20)
    kinds = [(event.event, event.data.get("run_id") if isinstance(event.data, dict) else None) for event in events]
    assert ("metrics", str(running)) in kinds and ("logs", str(running)) in kinds
    assert ("status", str(done)) in kinds and ("status", str(running)) in kinds
    assert kinds[-1] == ("end", None)
    ids = [int(event.id) for event in events if event.id]
    assert ids == sorted(ids)  # one order for every run: the last id is an exact resume point
    metrics = next(event for event in events if event.event == "metrics")
    assert metrics.data["metrics"]["train/loss"]["steps"] == list(range(100, 110))
    # Resuming after the metrics event replays only what came after it: by the browser's
    # Last-Event-ID when the URL has no `after`, by `after` when it has one (it wins, as in every dialect).
    plain = f"{server.url}/web/api/stream?runs={running},{done}"
    resumed = read_events(plain, headers={"Last-Event-ID": metrics.id}, timeout=20)
    assert "metrics" not in [event.event for event in resumed]
    resumed = read_events(f"{plain}&after={metrics.id}", headers={"Last-Event-ID": str(start)}, timeout=20)
    assert "metrics" not in [event.event for event in resumed]
    replayed = read_events(url, headers={"Last-Event-ID": metrics.id}, timeout=20)
    assert "metrics" in [event.event for event in replayed]
    assert (httpx.get(f"{server.url}/web/api/stream", params={"runs": "abc"})).status_code == 400


async def test_names_with_slashes_stay_one_segment(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("team/vision")
    store.create_run(project.id, name="sweep/1")
    page = await client.get("/projects/team%2Fvision")
    assert page.status_code == 200 and 'href="/projects/team%2Fvision/runs"' in page.text
    detail = await client.get("/projects/team%2Fvision/runs/sweep%2F1", headers={"Accept": "application/json"})
    assert detail.status_code == 200 and detail.json()["run"] == "sweep/1"
    home = await client.get("/")
    assert 'href="/projects/team%2Fvision"' in home.text
