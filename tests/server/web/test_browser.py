"""The dashboard in real Chromium: pages load cleanly, live points arrive, zoom, smoothing, selection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import ConsoleMessage, Page

from runyard.store import MetricColumns, open_store
from tests.live_server import LiveServer
from tests.server.web.conftest import PROJECT, seed_project, series

LOSS = "train/loss"


class PageErrors:
    """Console errors and uncaught exceptions of a page."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text}")


@pytest.fixture
def errors(page: Page) -> Iterator[PageErrors]:
    """Fails the test if the page logged an error."""
    found = PageErrors(page)
    yield found
    assert found.messages == []


def open_charts(page: Page, url: str, charts: int) -> None:
    """Go to a chart page and wait until `charts` charts have drawn data."""
    page.goto(url)
    page.wait_for_function("window.runyard && window.runyard.ready")
    page.wait_for_function(
        f"Object.values(window.runyard.charts).filter(c => c.loaded && c.u).length >= {charts}")


def drawn(page: Page, key: str, run_id: int) -> dict[str, Any] | None:
    """What the chart of `key` holds for a run."""
    result: dict[str, Any] | None = page.evaluate(f"window.runyard.charts[{key!r}].dataOf({run_id})")
    return result


def test_pages_load_without_console_errors(page: Page, server: tuple[LiveServer, dict[str, int]],
                                           errors: PageErrors) -> None:
    live, ids = server
    page.goto(live.url + "/")
    assert page.locator("#projects tbody tr").count() == 1
    assert page.locator("#projects").get_by_text(PROJECT).count() == 1

    open_charts(page, f"{live.url}/projects/{PROJECT}", 2)
    assert page.locator("#runs-table tbody tr[data-id]").count() == len(ids)
    assert sorted(page.evaluate("Object.keys(window.runyard.charts)")) == [LOSS, "val/acc"]
    assert page.locator(".chart canvas").count() == 2

    page.goto(f"{live.url}/projects/{PROJECT}/runs")
    page.wait_for_function("window.runyard && window.runyard.ready")
    assert page.locator("#runs-table tbody tr[data-id]").count() == len(ids)
    assert page.locator("#charts").count() == 0

    open_charts(page, f"{live.url}/projects/{PROJECT}/runs/resnet-a", 2)
    page.wait_for_function("document.querySelector('#console').textContent.includes('epoch 1 of resnet-a')")
    assert page.locator("#artifacts").get_by_text("model/weights.txt").count() == 1
    assert page.locator("#params").get_by_text("resnet").count() == 1

    missing = httpx.get(f"{live.url}/projects/nope")
    assert missing.status_code == 404 and "Not found" in missing.text


def test_points_logged_while_open_appear_live(page: Page, server: tuple[LiveServer, dict[str, int]],
                                              errors: PageErrors) -> None:
    live, ids = server
    run_id = ids["live"]
    open_charts(page, f"{live.url}/projects/{PROJECT}?runs={run_id},{ids['resnet-a']}", 2)
    page.wait_for_function("window.runyard.streamState === 'live'")
    before = drawn(page, LOSS, run_id)
    assert before is not None and before["steps"][-1] == 99
    fetches = page.evaluate("window.runyard.fetches.length")

    for step in range(100, 105):
        answer = httpx.post(f"{live.url}/api/v1/experiments/runs/{run_id}/log-metrics",
                            json={"metrics": {LOSS: 0.5 + step / 1000, "new/metric": step}, "step": step})
        assert answer.status_code == 200, answer.text
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps.at(-1) === 104")
    after = drawn(page, LOSS, run_id)
    assert after is not None
    assert after["steps"][-5:] == [100, 101, 102, 103, 104]
    assert after["values"][-1] == pytest.approx(0.604)
    # A key first logged now gets its own chart, fed by the stream.
    page.wait_for_function("window.runyard.charts['new/metric'] !== undefined")
    # Drawn from the stream: no history was fetched again for the existing chart.
    assert [f["key"] for f in page.evaluate("window.runyard.fetches")[fetches:]] in ([], ["new/metric"])

    # A status change reaches the table without a reload.
    row = page.locator(f"#runs-table tr[data-id='{run_id}'] .status")
    assert row.text_content() == "running"
    ended = httpx.post(f"{live.url}/api/v1/experiments/runs/{run_id}/end", json={"status": "FINISHED"})
    assert ended.status_code == 200, ended.text
    page.wait_for_function(
        f"document.querySelector(\"#runs-table tr[data-id='{run_id}'] .status\").textContent === 'finished'")


def test_a_run_started_while_the_page_is_open_appears_live(page: Page, server: tuple[LiveServer, dict[str, int]],
                                                           errors: PageErrors) -> None:
    live, ids = server
    open_charts(page, f"{live.url}/projects/{PROJECT}?runs={ids['resnet-a']}", 2)
    experiment = httpx.get(f"{live.url}/api/v1/experiments").json()["experiments"]
    experiment_id = next(e["id"] for e in experiment if e["name"] == PROJECT)
    created = httpx.post(f"{live.url}/api/v1/experiments/runs", json={"experiment_id": experiment_id, "name": "fresh"})
    assert created.status_code == 201, created.text
    run_id = int(created.json()["id"])
    httpx.post(f"{live.url}/api/v1/experiments/runs/{run_id}/log-metrics", json={"metrics": {LOSS: 2.0}, "step": 0})
    page.wait_for_selector(f"#runs-table tr[data-id='{run_id}']")
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].order.includes({run_id})")
    for step in (1, 2, 3):
        httpx.post(f"{live.url}/api/v1/experiments/runs/{run_id}/log-metrics",
                   json={"metrics": {LOSS: 2.0 - step / 10}, "step": step})
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps.at(-1) === 3")
    assert drawn(page, LOSS, run_id) == {"steps": [0, 1, 2, 3], "values": [2.0, 1.9, 1.8, 1.7],
                                         "times": drawn(page, LOSS, run_id)["times"]}  # type: ignore[index]
    httpx.post(f"{live.url}/api/v1/experiments/runs/{run_id}/end", json={"status": "FINISHED"})


def test_console_lines_arrive_live_on_the_run_page(page: Page, server: tuple[LiveServer, dict[str, int]],
                                                   errors: PageErrors) -> None:
    live, _ids = server
    # Another process writes the same data dir (a local-mode SDK): the change feed finds it.
    with open_store(live.data_dir) as store:
        project = store.get_project_by_name(PROJECT)
        run = store.create_run(project.id, name="trainer")
        store.append_logs(run.id, [(time.time(), "stdout", "starting")])
        store.append_metrics(run.id, {LOSS: series(10, 3)})
    open_charts(page, f"{live.url}/projects/{PROJECT}/runs/trainer", 1)
    page.wait_for_function("document.querySelector('#console').textContent.includes('starting')")
    page.wait_for_function("window.runyard.streamState === 'live'")
    with open_store(live.data_dir) as store:
        store.append_logs(run.id, [(time.time(), "stderr", "late line from the trainer")])
        store.set_run_status(run.id, "failed")
    page.wait_for_function("document.querySelector('#console').textContent.includes('late line from the trainer')")
    page.wait_for_function("document.querySelector('#run-status').textContent === 'failed'")
    assert page.locator("#console .err").last.text_content() == "late line from the trainer"


def test_zoom_fetches_finer_buckets(page: Page, server: tuple[LiveServer, dict[str, int]],
                                    errors: PageErrors) -> None:
    live, ids = server
    run_id = ids["resnet-b"]
    open_charts(page, f"{live.url}/projects/{PROJECT}?runs={run_id}", 2)
    coarse = drawn(page, LOSS, run_id)
    assert coarse is not None and len(coarse["steps"]) < 5000  # downsampled
    overlay = page.locator(f".chart[data-key='{LOSS}'] .u-over")
    box = overlay.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.40, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=5)
    page.mouse.up()
    page.wait_for_function(f"window.runyard.fetches.some(f => f.key === {LOSS!r} && f.step_min !== null)")
    fetch = [f for f in page.evaluate("window.runyard.fetches") if f["key"] == LOSS and f["step_min"] is not None][-1]
    lo, hi = fetch["step_min"], fetch["step_max"]
    assert 1500 < lo < hi < 2700
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps[0] >= {lo}")
    fine = drawn(page, LOSS, run_id)
    assert fine is not None
    in_range = sum(1 for step in coarse["steps"] if lo <= step <= hi)
    assert len(fine["steps"]) > 2 * in_range  # finer: every stored point of the range here
    assert fine["steps"] == list(range(lo, hi + 1))
    x_scale = page.evaluate(f"(() => {{ const u = window.runyard.charts[{LOSS!r}].u; return [u.scales.x.min, u.scales.x.max]; }})()")
    assert lo - 1 <= x_scale[0] and x_scale[1] <= hi + 1

    # Double-click: back to the whole series.
    overlay.dblclick()
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps.at(-1) === 4999 && "
                           f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps[0] < 10")


def test_smoothing_is_applied_before_downsampling(page: Page, server: tuple[LiveServer, dict[str, int]],
                                                  errors: PageErrors) -> None:
    live, ids = server
    run_id = ids["vit-b"]
    open_charts(page, f"{live.url}/projects/{PROJECT}?runs={run_id}", 2)
    raw = drawn(page, "val/acc", run_id)
    assert raw is not None
    page.locator("#smoothing").fill("0.9")
    page.wait_for_function("window.runyard.fetches.some(f => f.key === 'val/acc' && f.smoothing === 0.9)")
    page.wait_for_function(f"window.runyard.charts['val/acc'].dataOf({run_id}).values[1] !== {raw['values'][1]}")
    smooth = drawn(page, "val/acc", run_id)
    assert smooth is not None and smooth["steps"] == raw["steps"]
    # Debiased EMA of the stored points (val/acc has 50, all drawn).
    expected, state = [], 0.0
    for n, value in enumerate(raw["values"], start=1):
        state = 0.9 * state + 0.1 * value
        expected.append(state / (1 - 0.9 ** n))
    assert smooth["values"] == pytest.approx(expected, rel=1e-9)
    assert np.abs(np.diff(smooth["values"])).sum() < np.abs(np.diff(raw["values"])).sum() / 2


def test_x_axis_modes_log_scale_and_hover(page: Page, server: tuple[LiveServer, dict[str, int]],
                                          errors: PageErrors) -> None:
    live, ids = server
    run_id = ids["resnet-a"]
    open_charts(page, f"{live.url}/projects/{PROJECT}?runs={run_id}", 2)
    x_range = f"(() => {{ const u = window.runyard.charts[{LOSS!r}].u; return [u.scales.x.min, u.scales.x.max]; }})()"
    assert page.evaluate(x_range)[1] == pytest.approx(4999, abs=1)

    page.locator("#x-axis").select_option("relative")
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].u.scales.x.max < 1000")
    low, high = page.evaluate(x_range)
    assert low >= -1 and high == pytest.approx(4999 * 0.05, abs=2)  # seconds since the run started

    page.locator("#x-axis").select_option("wall")
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].u.scales.x.min > 1e9")
    run = httpx.get(f"{live.url}/projects/{PROJECT}/runs/resnet-a", headers={"Accept": "application/json"}).json()
    low, high = page.evaluate(x_range)
    assert low == pytest.approx(datetime.fromisoformat(run["start_time"]).timestamp(), abs=2)  # epoch seconds

    page.locator("#log-scale").check()
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].u.scales.y.distr === 3")
    box = page.locator(f".chart[data-key='{LOSS}'] .u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = page.locator(f".chart[data-key='{LOSS}'] .hover")
    hover.wait_for(state="visible")
    assert "resnet-a" in (hover.text_content() or "")


def test_run_selection_changes_the_overlaid_series(page: Page, server: tuple[LiveServer, dict[str, int]],
                                                   errors: PageErrors) -> None:
    live, ids = server
    a, b = ids["resnet-a"], ids["vit-a"]
    open_charts(page, f"{live.url}/projects/{PROJECT}?runs={a},{b}", 2)
    assert sorted(page.evaluate(f"window.runyard.charts[{LOSS!r}].order")) == sorted([a, b])
    assert page.evaluate(f"window.runyard.charts[{LOSS!r}].u.series.length") == 3

    page.locator(f"#runs-table tr[data-id='{b}'] input.pick").uncheck()
    page.wait_for_function(f"JSON.stringify(window.runyard.charts[{LOSS!r}].order) === '[{a}]'")
    page.locator(f"#runs-table tr[data-id='{ids['mlp']}'] input.pick").check()
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].order.includes({ids['mlp']})")
    assert page.evaluate(f"window.runyard.charts[{LOSS!r}].u.series.length") == 3
    assert f"runs={a}%2C{ids['mlp']}" in page.url or f"runs={a},{ids['mlp']}" in page.url

    page.locator("#run-filter").fill("lr<0.05")  # the server answers the matching runs
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 3")  # 0.03, 0.01, 0.003
    page.locator("#select-visible").click()
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].order.length === 3")


def test_table_sorts_and_edits_tags_and_notes(page: Page, server: tuple[LiveServer, dict[str, int]],
                                              errors: PageErrors) -> None:
    live, ids = server
    page.goto(f"{live.url}/projects/{PROJECT}/runs")
    page.wait_for_function("window.runyard && window.runyard.ready")
    page.locator("#runs-table th[data-col='params.lr']").click()
    names = page.locator("#runs-table tbody td.name a").all_text_contents()
    assert names[:3] == ["vit-b", "vit-a", "resnet-b"]  # lr ascending

    cell = page.locator(f"#runs-table tr[data-id='{ids['vit-b']}'] td[data-edit='notes']")
    cell.dblclick()
    page.locator("#runs-table input.cell-edit").fill("best so far")
    page.locator("#runs-table input.cell-edit").press("Enter")
    page.wait_for_function(
        f"document.querySelector(\"#runs-table tr[data-id='{ids['vit-b']}'] td[data-edit='notes']\").textContent === 'best so far'")
    meta = httpx.get(f"{live.url}/api/projects/{PROJECT}/runs/vit-b/metadata").json()
    assert meta["notes"] == "best so far"

    # The run page edits tags and notes too; they survive a reload.
    page.goto(f"{live.url}/projects/{PROJECT}/runs/vit-b")
    page.wait_for_function("window.runyard && window.runyard.ready")
    page.locator("#tags-edit").click()
    page.locator("#tags-input").fill("sota, small")
    page.locator("#tags-edit").click()
    page.wait_for_function("window.runyard.saved === 1")
    page.reload()
    assert page.locator("#tags-view .tag").all_text_contents() == ["sota", "small"]
    assert page.locator("#notes-view").text_content() == "best so far"


def test_dropped_connection_resumes(page: Page, tmp_path: Path, errors: PageErrors) -> None:
    with open_store(tmp_path) as store:
        ids = seed_project(store)
    run_id = ids["live"]
    first = LiveServer(tmp_path).start()
    second: LiveServer | None = None
    try:
        open_charts(page, f"{first.url}/projects/{PROJECT}?runs={run_id}", 1)
        page.wait_for_function("window.runyard.streamState === 'live'")
        first.stop()
        page.wait_for_function("window.runyard.streamState === 'reconnecting'")
        # Points written while the server is down reach the page once it is back.
        with open_store(tmp_path) as store:
            more = series(120, 7)
            store.append_metrics(run_id, {LOSS: MetricColumns(more.steps[100:], more.values[100:], more.times[100:])})
        second = LiveServer(tmp_path, port=first.port).start()
        page.wait_for_function(f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps.at(-1) === 119",
                               timeout=30_000)
        steps = drawn(page, LOSS, run_id)
        assert steps is not None and steps["steps"] == list(range(120))  # no gap, no duplicate
    finally:
        first.stop()
        if second is not None:
            second.stop()
    # Chromium logs the cut stream and the refused reconnects as network errors: expected here.
    expected = ("ERR_CONNECTION_REFUSED", "ERR_INCOMPLETE_CHUNKED_ENCODING")
    errors.messages = [m for m in errors.messages if not any(code in m for code in expected)]


def test_screenshot_of_the_project_page(page: Page, tmp_path: Path, results_dir: Path, errors: PageErrors) -> None:
    with open_store(tmp_path) as store:
        ids = seed_project(store)
    live = LiveServer(tmp_path).start()
    try:
        chosen = ",".join(str(ids[name]) for name in ("resnet-a", "resnet-b", "vit-a", "vit-b", "mlp", "live"))
        open_charts(page, f"{live.url}/projects/{PROJECT}?runs={chosen}", 2)
        page.locator("#smoothing").fill("0.6")
        page.wait_for_function("window.runyard.fetches.filter(f => f.smoothing === 0.6).length >= 2")
        page.wait_for_timeout(200)  # the redraw after the last answer
        target = results_dir / "dashboard-project.png"
        page.screenshot(path=str(target), full_page=True)
    finally:
        live.stop()
    assert target.stat().st_size > 20_000
