"""swanboard 0.1.6's own dashboard (`runyard serve --swanboard-port`) in Chromium, on data logged by runyard's SDK.

The built Vue app comes unmodified from swanboard's PyPI wheel and runs under the site's CSP
(not bypassed). Pages: overview, experiment card, charts, logs, environment (index, hardware,
requirements), compare; actions: pin, hide, collapse, hide an experiment, rename, delete, stop. Its charts are G2Plot canvases without DOM: a recorder installed before the
app's scripts keeps, per canvas, the labels and line segments of its last full redraw
(x-axis labels are centred, y-axis labels end-aligned).
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, Response

import runyard
from tests.live_server import LiveServer, free_port
from tests.side_packages import wheel_files

PROJECT = "swan"
GIB = 1 << 30
RECORDER = """
(() => {
  const frames = new Map();
  const proto = CanvasRenderingContext2D.prototype;
  const clearRect = proto.clearRect, fillText = proto.fillText, lineTo = proto.lineTo;
  proto.clearRect = function (x, y, w, h) {
    if (x === 0 && y === 0 && w >= this.canvas.width / 2) frames.set(this.canvas, {x: [], y: [], segments: 0});
    return clearRect.apply(this, arguments);
  };
  proto.fillText = function (text) {
    const frame = frames.get(this.canvas);
    if (frame && this.textAlign === 'center') frame.x.push(String(text));
    if (frame && this.textAlign === 'end') frame.y.push(String(text));
    return fillText.apply(this, arguments);
  };
  proto.lineTo = function () {
    const frame = frames.get(this.canvas);
    if (frame) frame.segments += 1;
    return lineTo.apply(this, arguments);
  };
  window.__charts = () => Array.from(document.querySelectorAll('section.chart-container')).map((card) => {
    const canvas = card.querySelector('canvas');
    const frame = canvas ? frames.get(canvas) : null;
    const title = card.querySelector('p');
    return {name: title ? title.textContent.trim() : null, x: frame ? frame.x : [], y: frame ? frame.y : [],
            segments: frame ? frame.segments : 0, visible: card.offsetParent !== null};
  });
})();
"""
LIVE = """
import sys, time
import runyard
run = runyard.init(project=sys.argv[2], name="live", dir=sys.argv[1], capture_console=False, system_info=False,
                   monitor=False)
step = 0
while True:
    run.log({"train/loss": 1.0 / (step + 1)}, step=step)
    step += 1
    time.sleep(0.05)
"""


def _log_finished_runs(data: Path) -> dict[str, int]:
    """`baseline` (with system info: host, memory, packages), `wide` and `scratch` (renamed and deleted by a
    test), 50 steps each; `spiky` has NaN and +inf."""
    ids = {}
    for name, offset in (("baseline", 0), ("wide", 1), ("scratch", 0)):
        run = runyard.init(project=PROJECT, name=name, dir=data, config={"lr": 0.1 / (offset + 1)},
                           capture_console=False, system_info=name == "baseline", monitor=False)
        for step in range(50):
            spiky = math.inf if step == 10 else math.nan if step == 20 else float(step)
            run.log({"train/loss": 1.0 / (step + 1) + offset, "train/acc": step / 50, "spiky": spiky}, step=step)
        run.finish()
        ids[name] = run.id
    return ids


@dataclass
class Site:
    server: LiveServer
    url: str
    ids: dict[str, int]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One `runyard serve --swanboard-port` (swanboard 0.1.6 importable), two finished runs and a live one."""
    data = tmp_path_factory.mktemp("swanboard-site")
    ids = _log_finished_runs(data)
    live = subprocess.Popen([sys.executable, "-c", LIVE, str(data), PROJECT])
    port = free_port()
    try:
        with pytest.MonkeyPatch.context() as patch:
            path = [str(wheel_files("swanboard", "0.1.6")), *filter(None, [os.environ.get("PYTHONPATH")])]
            patch.setenv("PYTHONPATH", os.pathsep.join(path))
            server = LiveServer(data, extra=["--swanboard-port", str(port)]).start()
        try:
            ids["live"] = _wait_for_live(server.url)
            yield Site(server, f"http://127.0.0.1:{port}", ids)
        finally:
            server.stop()
    finally:
        live.kill()
        live.wait()


def _wait_for_live(url: str, timeout_s: float = 20.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        experiments = httpx.get(f"{url}/api/v1/project", params={"project": PROJECT}).json()["data"]["experiments"]
        found = [e["id"] for e in experiments if e["name"] == "live"]
        if found and httpx.get(f"{url}/api/v1/experiment/{found[0]}/chart").json()["data"]["charts"]:
            return int(found[0])
        time.sleep(0.1)
    raise AssertionError("the live run never logged")


@dataclass
class Watch:
    """What went wrong on a page: failed requests to runyard, uncaught errors, console errors; and the tag answers."""

    origin: str
    problems: list[str] = field(default_factory=list)
    tags: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def response(self, response: Response) -> None:
        if not response.url.startswith(self.origin):
            return
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")
        elif "/tag/" in response.url:
            self.tags.append((response.url, response.json()["data"]))

    def failed(self, request: Request) -> None:
        if request.url.startswith(self.origin) and request.failure != "net::ERR_ABORTED":  # aborted: page left
            self.problems.append(f"failed {request.url}: {request.failure}")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[tuple[Page, Watch]]:
    """A page under the site's CSP with the canvas recorder; every test ends with no problem on it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RECORDER)
    opened = context.new_page()
    watch = Watch(site.url)
    opened.on("response", watch.response)
    opened.on("requestfailed", watch.failed)
    opened.on("console", watch.console)
    opened.on("pageerror", lambda error: watch.problems.append(f"pageerror: {error}"))
    try:
        yield opened, watch
        assert watch.problems == []
    finally:
        context.close()


Charts = list[dict[str, Any]]


def until(page: Page, check: Callable[[Charts], bool], timeout_s: float = 15.0) -> dict[str, dict[str, Any]]:
    """The charts by name once `check` holds for them (polled)."""
    deadline = time.monotonic() + timeout_s
    while True:
        charts: Charts = page.evaluate("window.__charts()")
        if check(charts):
            return {chart["name"]: chart for chart in charts}
        if time.monotonic() > deadline:
            raise AssertionError(f"charts never got there: {charts}")
        time.sleep(0.1)


def drawn(names: set[str]) -> Callable[[Charts], bool]:
    """Every named chart is drawn: labels on both axes and line segments."""
    def check(charts: Charts) -> bool:
        done = {c["name"] for c in charts if c["x"] and c["y"] and c["segments"]}
        return names <= done
    return check


def _card(tab: Page, name: str) -> Locator:
    return tab.locator("section.chart-container", has=tab.locator("p", has_text=name)).first


def test_project_page_lists_experiments_with_their_latest_values(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    tab.goto(site.url + "/")
    # A metric column and its values: what `/project/summaries` answered.
    tab.locator(".table-header-item", has_text="train/loss").first.wait_for()
    table = tab.locator(".main-content")
    for name in ("baseline", "wide", "live"):
        table.locator("p.truncate", has_text=name).first.wait_for()
    table.get_by_text("1.02", exact=True).first.wait_for()  # wide's last train/loss: 1 + 1/50


def test_experiment_charts_with_nan_and_inf_are_drawn(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/experiment/{site.ids['baseline']}/chart")
    charts = until(tab, drawn({"spiky", "train/loss", "train/acc"}))
    assert charts["spiky"]["x"][0] == "0" and charts["spiky"]["x"][-1] == "50"
    assert charts["spiky"]["y"] == ["0", "10", "20", "30", "40", "50"]  # +inf and NaN leave gaps, not the range
    assert charts["train/acc"]["y"][-1] == "1" and charts["train/loss"]["y"][-1] == "1"
    spiky = next(data for url, data in watch.tags if url.endswith("/tag/spiky"))
    assert (spiky["max"], spiky["min"], spiky["sum"]) == (49, 0, 50)
    assert [entry["data"] for entry in spiky["list"][9:12]] == [9, "INF", 11] and spiky["list"][20]["data"] == "NaN"


def test_compare_page_draws_every_experiment(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    tab.goto(site.url + "/charts")
    charts = until(tab, drawn({"spiky", "train/loss", "train/acc"}))
    assert charts["train/loss"]["y"][-1] == "2"  # wide's loss starts at 2, baseline's at 1
    legend = _card(tab, "train/loss").inner_text()
    assert "baseline" in legend and "wide" in legend and "live" in legend


def test_the_live_runs_line_grows(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/experiment/{site.ids['live']}/chart")
    first = until(tab, drawn({"train/loss"}))["train/loss"]

    def sums() -> list[int]:
        return [data["sum"] for url, data in watch.tags if url.endswith("/tag/train/loss")]

    # The page polls the running experiment and fetches its series again: more points each time.
    until(tab, lambda _charts: len(sums()) >= 2 and sums()[-1] >= sums()[0] + 10)
    grown = until(tab, lambda charts: any(c["name"] == "train/loss" and c["segments"] > first["segments"]
                                          for c in charts))["train/loss"]
    assert int(grown["x"][-1]) >= int(first["x"][-1])


def _section_names(tab: Page) -> list[str]:
    return [text.split("\n")[0].strip() for text in tab.locator(".charts-container > div:first-child").all_inner_texts()]


def test_pin_hide_and_collapse_persist_across_a_reload(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    tab.goto(f"{site.url}/experiment/{site.ids['wide']}/chart")
    until(tab, drawn({"spiky", "train/loss", "train/acc"}))
    card = _card(tab, "train/acc")
    card.hover()
    with tab.expect_response(lambda r: "/api/v1/chart/" in r.url and r.request.method == "PATCH"):
        card.locator("button.pannel-button").first.click()  # the pin
    tab.locator(".charts-container", has_text="Pinned").first.wait_for()
    card = _card(tab, "spiky")
    card.hover()
    card.locator("button.pannel-button").last.click()  # "More actions"
    with tab.expect_response(lambda r: "/api/v1/chart/" in r.url and r.request.method == "PATCH"):
        tab.get_by_text("Hide", exact=True).click()
    tab.locator(".charts-container", has_text="Hidden").first.wait_for()
    train = tab.locator(".charts-container", has=tab.locator("button", has_text="train")).last
    with tab.expect_response(lambda r: "/api/v1/namespace/" in r.url and r.request.method == "PATCH"):
        train.locator("button").first.click()  # collapse the `train` group
    tab.reload()
    charts = until(tab, drawn({"train/acc"}))
    assert _section_names(tab) == ["Pinned", "train", "Hidden"]
    assert charts["train/acc"]["visible"] and not charts["train/loss"]["visible"]  # pinned shown, train collapsed
    assert not charts["spiky"]["visible"]  # the hidden section starts collapsed, as swanboard's


def test_hidden_experiment_stays_hidden_on_the_compare_page(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    tab.goto(site.url + "/charts")
    until(tab, drawn({"train/loss"}))
    eye = tab.locator("a.experiment-link", has_text="baseline").locator("button.show-button")
    with tab.expect_response(lambda r: r.url.endswith("/show") and r.request.method == "PATCH"):
        eye.click()
    with tab.expect_response(lambda r: r.url.endswith("/api/v1/project")) as project:
        tab.reload()
    shown = {e["name"]: e["show"] for e in project.value.json()["data"]["experiments"]}
    assert (shown["baseline"], shown["wide"], shown["live"]) == (0, 1, 1)
    until(tab, drawn({"train/loss"}))
    # Shown again for the other tests of the module.
    httpx.patch(f"{site.url}/api/v1/experiment/{site.ids['baseline']}/show", json={"show": True}).raise_for_status()


def test_environment_shows_host_memory_and_packages(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    tab.goto(f"{site.url}/experiment/{site.ids['baseline']}/env")
    tab.get_by_text("Hostname").first.wait_for()
    assert socket.gethostname() in tab.locator("body").inner_text()
    tab.goto(f"{site.url}/experiment/{site.ids['baseline']}/env/hardware")
    tab.get_by_text(f"{round(psutil.virtual_memory().total / GIB)}GB", exact=True).wait_for()
    tab.goto(f"{site.url}/experiment/{site.ids['baseline']}/env/requirements")
    tab.get_by_text(f"numpy=={np.__version__}", exact=True).first.wait_for()


def test_card_and_logs_pages_load(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    tab.goto(f"{site.url}/experiment/{site.ids['baseline']}/index")
    tab.get_by_text("train/acc", exact=True).first.wait_for()  # the summary table: /summary answered
    with tab.expect_response(lambda r: r.url.endswith("/recent_log")):
        tab.goto(f"{site.url}/experiment/{site.ids['baseline']}/log")
    tab.locator(".experiment-title").wait_for()


def test_rename_and_delete_buttons(page: tuple[Page, Watch], site: Site) -> None:
    tab, _ = page
    scratch = site.ids["scratch"]
    tab.goto(f"{site.url}/experiment/{scratch}/chart")
    until(tab, drawn({"train/loss"}))
    tab.locator(".experiment-title button").first.click()  # the pencil next to the name
    tab.locator("input.input").fill("renamed")
    tab.locator("textarea.input").fill("described")
    with tab.expect_response(lambda r: r.url.endswith(f"/experiment/{scratch}") and r.request.method == "PATCH"):
        tab.get_by_text("save changes").click()
    tab.locator(".experiment-title h1", has_text="renamed").wait_for()
    run = httpx.get(f"{site.url}/api/v1/experiment/{scratch}").json()["data"]
    assert (run["name"], run["description"]) == ("renamed", "described")
    tab.locator(".experiment-title button", has_text="Delete").click()
    with tab.expect_response(lambda r: r.url.endswith(f"/experiment/{scratch}") and r.request.method == "DELETE"):
        tab.get_by_text("Yes, I confirm").click()
    tab.wait_for_url(site.url + "/")
    tab.locator(".table-header-item", has_text="train/loss").first.wait_for()
    assert httpx.get(f"{site.url}/api/v1/experiment/{scratch}").status_code == 404
    assert tab.locator("a.experiment-link", has_text="renamed").count() == 0


def test_stop_button_ends_the_live_run(page: tuple[Page, Watch], site: Site) -> None:
    """Last in the module: the live run stays stopped (its process keeps logging into a killed run)."""
    tab, _ = page
    live = site.ids["live"]
    tab.goto(f"{site.url}/experiment/{live}/chart")
    until(tab, drawn({"train/loss"}))
    tab.get_by_text("is over?").click()
    with tab.expect_response(lambda r: r.url.endswith(f"/experiment/{live}/stop")) as stopped:
        tab.get_by_text("Yes, I confirm").click()
    assert stopped.value.json()["data"]["status"] == -1
    assert httpx.get(f"{site.server.url}/api/v1/experiment/{live}").json()["data"]["status"] == -1
    tab.reload()
    tab.locator(".sl-status-label").first.wait_for()
    assert "Running" not in tab.locator(".experiment-title").inner_text()
