"""Aspara 0.1.0's own dashboard (`runyard serve --aspara-port`) in Chromium, on data logged by runyard's SDK.

Aspara's templates and scripts come unmodified from its PyPI wheel (with pystache, which
renders them, on the server's PYTHONPATH). The pages run under the site's CSP (not
bypassed). What a canvas draws is read through a recorder installed before the page's
scripts (the chart has no DOM): per chart, the x-axis labels and the number of line
segments of its last frame.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

import runyard
from tests.live_server import LiveServer, free_port
from tests.server.web.conftest import watched_page
from tests.side_packages import wheel_files

PROJECT = "vision"
QUIET: dict[str, Any] = {"capture_console": False, "system_info": False, "monitor": False}
# Per canvas, the last frame Aspara's Chart.draw() made: it starts by filling the canvas white,
# writes the x-axis labels centred (y labels are right-aligned) and draws lines with lineTo.
RECORDER = """
(() => {
  const frames = new Map();
  const proto = CanvasRenderingContext2D.prototype;
  const fillRect = proto.fillRect, fillText = proto.fillText, lineTo = proto.lineTo;
  proto.fillRect = function (x, y, w, h) {
    if (x === 0 && y === 0 && this.fillStyle === '#ffffff') frames.set(this.canvas, {x: [], segments: 0});
    return fillRect.apply(this, arguments);
  };
  proto.fillText = function (text, x, y) {
    const frame = frames.get(this.canvas);
    if (frame && this.textAlign === 'center') frame.x.push([x, String(text)]);
    return fillText.apply(this, arguments);
  };
  proto.lineTo = function () {
    const frame = frames.get(this.canvas);
    if (frame) frame.segments += 1;
    return lineTo.apply(this, arguments);
  };
  // Every stream the page opens (Aspara's scripts reconnect by opening a new EventSource).
  const Native = window.EventSource;
  window.__streams = [];
  window.EventSource = class extends Native {
    constructor(...args) { super(...args); window.__streams.push(this); }
  };
  window.__charts = () => Array.from(document.querySelectorAll('canvas')).map((canvas) => {
    const frame = frames.get(canvas);
    const holder = canvas.closest('[id^="chart-"]');
    const labels = frame ? frame.x.slice().sort((a, b) => a[0] - b[0]).map((entry) => entry[1]) : [];
    return {metric: holder ? holder.id.slice(6) : null, labels, segments: frame ? frame.segments : 0};
  });
})();
"""


def _log_finished_runs(data: Path) -> None:
    """`long`: 2,000 steps of loss and acc; `odd`: a loss and a key with NaN and +inf (runyard's SDK, local mode)."""
    long = runyard.init(project=PROJECT, name="long", dir=data, config={"lr": 0.01, "optimizer": "adam"}, **QUIET)
    for step in range(2000):
        long.log({"loss": 1.0 / (step + 1), "acc": step / 2000}, step=step)
    long.finish()
    odd = runyard.init(project=PROJECT, name="odd", dir=data, **QUIET)
    for step in range(50):
        odd.log({"loss": 2.0 / (step + 1), "odd": math.nan if step == 10 else math.inf if step == 20 else step},
                step=step)
    odd.finish()


@dataclass
class Site:
    server: LiveServer
    url: str
    data: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One `runyard serve --aspara-port` with Aspara 0.1.0 and pystache importable, on SDK-logged data."""
    packages = [str(wheel_files("aspara", "0.1.0")), str(wheel_files("pystache", "0.6.8"))]
    data = tmp_path_factory.mktemp("aspara-site")
    _log_finished_runs(data)
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join([*packages, *filter(None, [os.environ.get("PYTHONPATH")])]))
        server = LiveServer(data, extra=["--aspara-port", str(port)]).start()
    try:
        yield Site(server, f"http://127.0.0.1:{port}", data)
    finally:
        server.stop()


@dataclass
class Watch:
    """What went wrong on a page: failed requests to runyard, uncaught errors, console errors."""

    origin: str
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def request(self, request: Request) -> None:
        self.requests.append(request.url)

    def response(self, response: Response) -> None:
        if response.url.startswith(self.origin) and response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")

    def failed(self, request: Request) -> None:
        left = "/stream?" in request.url and request.failure == "net::ERR_ABORTED"  # an open stream, page left
        if request.url.startswith(self.origin) and not left:
            self.problems.append(f"failed {request.url}: {request.failure}")

    def console(self, message: ConsoleMessage) -> None:
        # Aspara's layout links Google Fonts; the CSP keeps the page off other sites (as Aspara's own does).
        if message.type == "error" and "fonts.g" not in message.text:
            self.problems.append(f"console: {message.text}")

    def count(self, fragment: str) -> int:
        return sum(fragment in url for url in self.requests)


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[tuple[Page, Watch]]:
    """A page under the site's CSP, with the canvas recorder, watched for failures (asserted by each test)."""
    watch = Watch(site.url)
    with watched_page(browser, watch, RECORDER) as opened:
        yield opened, watch


def until(page: Page, check: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 15.0) -> list[dict[str, Any]]:
    """The charts once `check` holds for them (polled: the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout_s
    while True:
        charts: list[dict[str, Any]] = page.evaluate("window.__charts()")
        if check(charts):
            return charts
        if time.monotonic() > deadline:
            raise AssertionError(f"charts never got there: {charts}")
        time.sleep(0.1)


def drawn(charts: list[dict[str, Any]], count: int) -> bool:
    return len(charts) >= count and all(chart["labels"] and chart["segments"] for chart in charts)


def by_metric(charts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {chart["metric"]: chart for chart in charts}


def _wait_for_points(site: Site, run: str, key: str, count: int, timeout_s: float = 10.0) -> None:
    """Until the SDK's background flush has stored `count` points of the key."""
    url = f"{site.server.url}/api/projects/{PROJECT}/runs/{run}/metrics"
    deadline = time.monotonic() + timeout_s
    while len(httpx.get(url, params={"metrics": key}).json()["metrics"].get(key, {}).get("steps", [])) < count:
        assert time.monotonic() < deadline, f"{run}/{key} never reached {count} points"
        time.sleep(0.05)


def test_pages_render_from_aspara_templates(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    response = tab.goto(site.url + "/")
    assert response is not None and "text/html" in response.headers["content-type"]
    tab.locator(f'[data-project="{PROJECT}"]').first.wait_for()
    assert "2 runs" in tab.locator(f'[data-project="{PROJECT}"]').first.inner_text()
    tab.goto(f"{site.url}/projects/{PROJECT}/runs")
    tab.locator('[data-run-status-icon="long"][data-status="completed"]').wait_for()
    assert tab.locator(".run-card").count() == 2
    # Aspara 0.1.0's own bug, the same on its server: the runs list loads js/runs-list/sse.js (an ES
    # module) as a classic script, so the inline script that would start the page's live status
    # updates finds no RunsListSSE (on Aspara's server its CSP blocks that inline script instead).
    # Nothing else may go wrong.
    assert watch.problems == ["pageerror: Cannot use import statement outside a module",
                              "pageerror: RunsListSSE is not defined"]
    watch.problems.clear()
    tab.goto(f"{site.url}/projects/{PROJECT}")
    tab.locator("#project-note-edit-btn button").wait_for()  # the note editor its inline script starts
    tab.goto(f"{site.url}/projects/{PROJECT}/runs/long")
    tab.get_by_text("optimizer").wait_for()  # params
    assert tab.locator("#metrics-container").count() == 1
    assert watch.problems == []


def test_run_page_draws_each_metric_with_its_own_step_range(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/projects/{PROJECT}/runs/long")
    charts = until(tab, lambda found: drawn(found, 2))
    assert [chart["metric"] for chart in charts] == ["loss", "acc"]  # the order they were first logged
    for chart in charts:  # steps 0..1999: 2k (a series sent as absolute steps summed up to 1,999k)
        assert chart["labels"][0] == "0" and chart["labels"][-1] == "2k", chart
    tab.goto(f"{site.url}/projects/{PROJECT}/runs/odd")
    charts = by_metric(until(tab, lambda found: len(found) >= 2 and all(chart["labels"] for chart in found)))
    assert charts["loss"]["labels"][-1] == "49" and charts["loss"]["segments"] > 0
    # NaN and +inf come through as numbers: Aspara's chart scales to include +inf (as on its own server)
    assert charts["odd"]["labels"][0] == "0" and charts["odd"]["labels"][-1] == "49"
    assert watch.problems == []


def test_notes_edited_on_the_pages_persist_across_a_reload(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    for url, note, api in ((f"{site.url}/projects/{PROJECT}/runs/odd", "odd spikes at 10 and 20",
                            f"/api/projects/{PROJECT}/runs/odd/metadata"),
                           (f"{site.url}/projects/{PROJECT}", "vision baselines", f"/api/projects/{PROJECT}/metadata")):
        tab.goto(url)
        tab.locator(".note-edit-btn").click()
        tab.locator(".note-textarea").fill(note)
        tab.locator(".note-save-btn").click()
        tab.locator(".note-content", has_text=note).wait_for()
        tab.reload()
        tab.locator(".note-content", has_text=note).wait_for()  # read back from runyard's store
        assert httpx.get(site.server.url + api).json()["notes"] == note
    assert watch.problems == []


def test_finished_run_page_keeps_one_stream_open(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/projects/{PROJECT}/runs/long")
    until(tab, lambda found: drawn(found, 2))
    # Aspara's script reconnects 1 s after a stream closes (then 2, 4, ... s), fetching metrics each time.
    time.sleep(3.5)
    streams = tab.evaluate("window.__streams.map((stream) => [stream.url, stream.readyState])")
    assert len(streams) == 1 and "/runs/stream?runs=long&since=" in streams[0][0]
    assert streams[0][1] == 1  # EventSource.OPEN: still connected, past the run's end
    assert watch.count("/runs/metrics?") == 1
    assert watch.problems == []


def test_live_run_line_grows_while_other_charts_stay_drawn(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    live = runyard.init(project=PROJECT, name="live", dir=site.data, flush_interval=0.1, **QUIET)
    stop = threading.Event()
    step = 0
    while step < 20:  # some history before the page loads
        live.log({"loss": 1.0, "progress": step * 0.5}, step=step)
        step += 1

    def keep_logging() -> None:
        at = step
        while not stop.is_set():
            live.log({"loss": 1.0 / (at + 1), "progress": at * 0.5}, step=at)
            at += 1
            time.sleep(0.05)

    writer = threading.Thread(target=keep_logging, daemon=True)
    try:
        _wait_for_points(site, "live", "progress", 20)
        tab.goto(f"{site.url}/projects/{PROJECT}")
        first = by_metric(until(tab, lambda found: drawn(found, 4)))
        assert set(first) == {"loss", "acc", "odd", "progress"}
        writer.start()
        # The live run's loss line grows inside the chart that `long` (2k steps) spans.
        grown = by_metric(until(tab, lambda found: by_metric(found)["loss"]["segments"]
                                > first["loss"]["segments"] + 20))
        assert grown["loss"]["labels"] == first["loss"]["labels"] and grown["loss"]["labels"][-1] == "2k"
        for metric in ("acc", "odd"):  # no live data: still drawn as they were
            assert grown[metric] == first[metric]
        # Aspara 0.1.0 keeps a chart's axis range from when it was drawn (its addDataPoint finds the
        # point already merged into the shared cache and skips the range update), so the live-only
        # key's new points are drawn (clipped) beyond it until the page re-renders its charts.
        assert grown["progress"]["segments"] > first["progress"]["segments"]
    finally:
        stop.set()
        if writer.is_alive():
            writer.join(5)
        live.finish()
    assert watch.problems == []


def test_deleting_a_project_from_its_card_deletes_it_in_runyard(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    doomed = runyard.init(project="doomed", name="r", dir=site.data, **QUIET)
    doomed.log({"loss": 1.0}, step=0)
    doomed.finish()
    tab.goto(site.url + "/")
    tab.locator('.delete-project-btn[data-project="doomed"]').click()
    tab.locator('#delete-confirm-dialog button[value="confirm"]').click()
    tab.locator('[data-project="doomed"]').first.wait_for(state="detached")  # removed once the API said so
    assert httpx.get(f"{site.server.url}/api/projects/doomed/metadata").status_code == 404
    assert tab.locator(f'[data-project="{PROJECT}"]').count() > 0
    assert watch.problems == []
