"""expman-rs 1.3.0's own web app (`runyard serve --expman-port`) in Chromium, on data logged by runyard's SDK.

The app is the vendored build (`server/expman/webapp`, byte-exact from expman-rs's wheel),
run under the site's CSP (not bypassed: its WebAssembly needs 'wasm-unsafe-eval', its
loader the inline script's hash). The data comes from the SDK in child processes (local
mode, console captured, as a training script would): a finished run with NaN and +inf, and
a live run printing and logging while the tests look. Charts are canvases: what they draw
is read through a `fillText` recorder installed before the app starts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

from tests.live_server import LiveServer, free_port
from tests.server.web.conftest import watched_page

EXPERIMENT, LIVE = "mnist", "live-mnist"
# The finished run: 50 steps; `odd` has NaN at step 3 and +inf at step 7 (neither can be drawn).
SEED = """
import math, sys
import runyard
run = runyard.init(project="mnist", name="baseline", dir=sys.argv[1], config={"lr": 0.1}, monitor=False)
for step in range(50):
    run.log({"loss": 1.0 / (step + 1), "acc": step / 50,
             "odd": math.nan if step == 3 else math.inf if step == 7 else float(step)}, step=step)
print("hello from stdout")
print("a warning", file=sys.stderr)
notes = __import__("pathlib").Path(sys.argv[1]) / "notes.txt"
notes.write_text("hello artifact")
run.log_artifact(notes, name="notes.txt")
runyard.finish()
"""
# The live run: a point and a console line every 0.2 s until the test module stops it.
LIVE_SCRIPT = """
import sys, time
import runyard
run = runyard.init(project="live-mnist", name="live", dir=sys.argv[1], monitor=False, flush_interval=0.1)
step = 0
while True:
    run.log({"loss": 1.0 / (step + 1)}, step=step)
    print(f"tick {step}", flush=True)
    step += 1
    time.sleep(0.2)
"""
# Per canvas (in DOM order), the text of its last frame: plotters redraws the whole chart,
# title first, so a title starts a new frame.
RECORDER = """
(() => {
  const frames = new Map();
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y) {
    const label = String(text);
    const frame = frames.get(this.canvas);
    if (!frame || (frame.done && !/^-?[0-9.e+-]+$/.test(label) && label !== 'Value' && label !== 'Step')) {
      frames.set(this.canvas, {labels: [[label, Math.round(x), Math.round(y)]], done: false});
    } else {
      frame.labels.push([label, Math.round(x), Math.round(y)]);
      if (label === 'Step') frame.done = true;
    }
    return fillText.apply(this, arguments);
  };
  window.__charts = () => Array.from(document.querySelectorAll('canvas')).map((canvas) => {
    const frame = frames.get(canvas);
    return frame ? frame.labels : [];
  });
})();
"""


@dataclass
class Site:
    server: LiveServer
    url: str
    data: Path


def _wait(check: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One `runyard serve --expman-port` on SDK-logged data, with a live run logging meanwhile."""
    data = tmp_path_factory.mktemp("expman-site")
    subprocess.run([sys.executable, "-c", SEED, str(data)], check=True, timeout=120, capture_output=True)
    live = subprocess.Popen([sys.executable, "-c", LIVE_SCRIPT, str(data)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    port = free_port()
    server = LiveServer(data, extra=["--expman-port", str(port)]).start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{url}/api/experiments/{LIVE}/runs").status_code == 200, "the live run")
        yield Site(server, url, data)
    finally:
        live.kill()
        live.wait()
        server.stop()


# Files the app asks for that are not vendored: the woff2 fonts its CSS names (see
# docs/api-expman.md) and a favicon; the browser falls back to system fonts.
NOT_VENDORED = ("/fonts/", "/favicon.ico")


@dataclass
class Watch:
    """Failed API calls, uncaught errors (a WASM panic is one), console errors, on one page."""

    origin: str
    problems: list[str] = field(default_factory=list)
    pending: set[Request] = field(default_factory=set)  # API calls not answered yet (tails aside)

    def request(self, request: Request) -> None:
        if "/api/" in request.url and "/log/stream?" not in request.url:
            self.pending.add(request)

    def finished(self, request: Request) -> None:
        self.pending.discard(request)

    def settle(self, tab: Page, timeout_s: float = 20.0) -> None:
        """Until no API call is in flight (before a reload, which would cut one off). Waiting through
        the page lets Playwright deliver its events (the sync API hands them out only inside its calls)."""
        deadline = time.monotonic() + timeout_s
        while self.pending:
            assert time.monotonic() < deadline, f"API calls never answered: {[r.url for r in self.pending]}"
            tab.wait_for_timeout(100)

    def _expected_missing(self, url: str) -> bool:
        return url.startswith(self.origin) and url[len(self.origin):].startswith(NOT_VENDORED)

    def response(self, response: Response) -> None:
        if response.url.startswith(self.origin) and response.status >= 400 and not (
                response.status == 404 and self._expected_missing(response.url)):
            self.problems.append(f"{response.status} {response.url}")

    def failed(self, request: Request) -> None:
        # The page left while a log tail was open or a missing file was still loading.
        left = request.failure == "net::ERR_ABORTED" and (
            "/log/stream?" in request.url or self._expected_missing(request.url))
        self.pending.discard(request)
        if request.url.startswith(self.origin) and not left:
            self.problems.append(f"failed {request.url}: {request.failure}")

    def console(self, message: ConsoleMessage) -> None:
        missing = message.text.startswith("Failed to load resource") and self._expected_missing(
            message.location.get("url", ""))
        if message.type == "error" and not missing:
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[tuple[Page, Watch]]:
    """A page under the site's CSP, with the canvas recorder, watched for failures (asserted by each test)."""
    watch = Watch(site.url)
    with watched_page(browser, watch, RECORDER) as opened:
        opened.on("requestfinished", watch.finished)
        yield opened, watch


def _charts(tab: Page, count: int, timeout_s: float = 15.0) -> dict[str, list[Any]]:
    """Title -> drawn labels of each chart, once `count` charts have drawn and stayed unchanged for
    half a second (the app first draws empty axes, 0..100, then the data). Polled: the CSP forbids eval."""
    deadline = time.monotonic() + timeout_s
    last: list[list[Any]] = []
    steady_since = time.monotonic()
    while True:
        frames: list[list[Any]] = tab.evaluate("window.__charts()")
        done = [frame for frame in frames if frame and any(label == "Step" for label, _x, _y in frame)]
        if frames != last:
            last, steady_since = frames, time.monotonic()
        elif len(done) >= count and time.monotonic() - steady_since >= 0.5:
            return {frame[0][0]: frame for frame in done}
        assert time.monotonic() < deadline, f"charts never drew: {frames}"
        time.sleep(0.1)


def _axes(frame: list[Any]) -> tuple[list[float], list[float]]:
    """(x tick values, y tick values): y labels share the leftmost x, x labels the lowest y."""
    numbers = [(float(label), x, y) for label, x, y in frame if label.replace(".", "", 1).lstrip("-").isdigit()]
    left = min(x for _v, x, _y in numbers)
    bottom = max(y for _v, _x, y in numbers)
    return [v for v, _x, y in numbers if y == bottom], [v for v, x, _y in numbers if x == left]


def test_every_page_loads(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    response = tab.goto(site.url + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "'wasm-unsafe-eval'" in policy and "'unsafe-eval'" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    tab.get_by_text("Dashboard Overview").wait_for()
    tab.get_by_text(LIVE, exact=True).first.wait_for()  # Recent Experiments, from /api/experiments
    assert "Total Experiments" in tab.inner_text("body")
    tab.goto(site.url + "/experiments")
    tab.get_by_text(EXPERIMENT, exact=True).first.wait_for()
    tab.goto(site.url + "/projects")
    tab.get_by_text("No projects yet").wait_for()  # runyard has no grouping above experiments
    tab.goto(site.url + "/settings")
    tab.get_by_text("Debug Logs").wait_for()
    tab.goto(f"{site.url}/experiments/{EXPERIMENT}")
    tab.get_by_text("RUNS", exact=True).click()
    tab.get_by_text("baseline").first.wait_for()
    tab.get_by_text("ARTIFACTS", exact=True).click()
    tab.get_by_text("notes.txt").first.click()
    tab.get_by_text("hello artifact").wait_for()
    tab.get_by_text("console.log", exact=True).first.click()  # a default file: the run's console
    tab.get_by_text("hello from stdout").first.wait_for()
    tab.get_by_text("CONSOLE", exact=True).click()
    tab.get_by_text("Run Completed / Connection Closed").first.wait_for()
    tab.get_by_text("a warning").nth(1).wait_for()  # in run.log (stderr) and in console.log
    tab.get_by_text("INTERACTIVE", exact=True).click()
    tab.get_by_text("TENSORBOARD", exact=True).click()
    tab.get_by_text("Interactive", exact=False).first.wait_for()
    tab.wait_for_load_state("networkidle")
    assert watch.problems == []


def test_charts_have_the_right_axes(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/experiments/{EXPERIMENT}")
    charts = _charts(tab, 3)
    assert set(charts) == {"acc", "loss", "odd"}
    for title, (top_x, top_y) in {"loss": (50.0, 1.0), "acc": (50.0, 1.0), "odd": (50.0, 50.0)}.items():
        xs, ys = _axes(charts[title])
        assert (min(xs), max(xs)) == (0.0, top_x), (title, xs)
        # NaN and +inf come as "NaN"/"Infinity" strings, which the app leaves out: `odd` spans 0..49.
        assert (min(ys), max(ys)) == (0.0, top_y), (title, ys)
    assert watch.problems == []


def test_live_run_grows(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    with tab.expect_response(lambda r: r.url.endswith("/runs/live/metrics")) as first:
        tab.goto(f"{site.url}/experiments/{LIVE}")
    rows_before = len(first.value.json())
    before = max(_axes(_charts(tab, 1)["loss"])[0])
    tab.get_by_text("CONSOLE", exact=True).click()
    tab.get_by_text("Streaming Live").first.wait_for()
    console = tab.locator("#console-scroll").nth(1)  # console.log (stdout); run.log is the first

    def ticks() -> int:
        return int(console.inner_text().count("tick "))

    _wait(lambda: ticks() > 0, "the console's first lines")
    seen = ticks()
    _wait(lambda: ticks() >= seen + 5, "new console lines, live")  # no reload: the tail streams them
    # The app draws a run's metrics once per visit (it has no live metric call): a reload shows more.
    tab.wait_for_timeout(1000)
    watch.settle(tab)
    with tab.expect_response(lambda r: r.url.endswith("/runs/live/metrics")) as second:
        tab.reload()
    rows = second.value.json()
    assert len(rows) > rows_before
    # The redrawn x axis reaches the newest step (its last tick is at or past it, or within one tick).
    xs = _axes(_charts(tab, 1)["loss"])[0]
    tick = xs[1] - xs[0]
    assert max(xs) >= before and max(xs) + tick > rows[-1]["step"]
    assert watch.problems == []


def test_metadata_edit_persists(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/experiments/{EXPERIMENT}")
    tab.get_by_text("Edit Metadata").click()
    tab.locator("textarea").first.fill("tuned by the browser test")
    tab.get_by_placeholder("research, mnist, baseline").fill("cnn, small")
    with tab.expect_response(lambda r: r.request.method == "PATCH") as saved:
        tab.get_by_text("Save Changes").click()
    assert saved.value.status == 200
    tab.get_by_text("Edit Experiment Metadata").wait_for(state="hidden")
    tab.wait_for_timeout(500)  # the app reads the metadata back after a save: let it ask, then let it finish
    watch.settle(tab)
    tab.reload()
    tab.get_by_text("tuned by the browser test").first.wait_for()
    stored = httpx.get(f"{site.server.url}/api/experiments/{EXPERIMENT}/metadata").json()
    assert stored == {"display_name": EXPERIMENT, "description": "tuned by the browser test",
                      "tags": ["cnn", "small"], "project": None}
    assert watch.problems == []


def test_run_edit_persists(page: tuple[Page, Watch], site: Site) -> None:
    tab, watch = page
    tab.goto(f"{site.url}/experiments/{EXPERIMENT}")
    tab.get_by_text("baseline").first.hover()
    tab.get_by_title("Edit Run").first.click(force=True)  # shown on hover
    tab.get_by_text("Edit Run Metadata").wait_for()
    tab.locator("textarea").first.fill("the run the browser described")
    with tab.expect_response(lambda r: r.request.method == "PATCH") as saved:
        tab.get_by_text("Save Changes").click()
    assert saved.value.status == 200
    tab.wait_for_timeout(500)
    watch.settle(tab)
    tab.reload()
    tab.get_by_text("RUNS", exact=True).click()
    tab.get_by_text("the run the browser described").first.wait_for()  # the runs table's description
    stored = httpx.get(f"{site.server.url}/api/experiments/{EXPERIMENT}/runs/baseline/metadata").json()
    assert stored["description"] == "the run the browser described" and stored["id"] == "baseline"
    assert watch.problems == []
