"""Browser tests: Debian's Chromium driven by Playwright against a real `runyard serve`.

Under `CI=true` they must run (a missing browser is an error); elsewhere they skip with
the reason. The browser is the system one (`playwright install` is never needed).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pytest

from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserType,
        ConsoleMessage,
        Page,
        Playwright,
        Request,
        Response,
    )

CHROMIUM = Path(os.environ.get("RUNYARD_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"
RESULTS = Path(__file__).resolve().parents[3] / "test-results"
PROJECT = "vision"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (scripts/install-chromium.sh installs it)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None or IN_CI:
        return  # under CI a missing browser must fail the tests, not skip them
    here = Path(__file__).parent
    for item in items:
        # Only the tests that drive the browser need it; the in-process API tests always run.
        if Path(str(item.fspath)).is_relative_to(here) and "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any],
                             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The system Chromium, quiet (no network at start) and writing only under a tmp dir."""
    config = tmp_path_factory.mktemp("chromium-config")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
        "env": {**os.environ, "XDG_CONFIG_HOME": str(config), "HOME": str(config)},
    }


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    """A wide viewport, so charts sit side by side as on a desktop.

    `bypass_csp`: Playwright's `wait_for_function` polls its string predicate through eval,
    which the pages' CSP rightly forbids; test_csp_browser.py loads the pages under the CSP.
    """
    return {"viewport": {"width": 1400, "height": 1000}, "bypass_csp": True}


# pytest-playwright keeps one Playwright for the whole session, and its sync API leaves an
# event loop set on the main thread: every anyio test collected after the browser tests
# would fail with "Cannot run the event loop while another loop is running". These
# module-scoped overrides stop Playwright when a browser test module ends.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright, for one test module."""
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright) -> BrowserType:
    """Chromium (the only browser the tests use)."""
    return playwright.chromium


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args: dict[str, Any], browser_type: BrowserType) -> Callable[..., Browser]:
    """Launches the system Chromium."""
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="module")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    """One browser per test module."""
    launched = launch_browser()
    try:
        yield launched
    finally:
        launched.close()


class PageWatch(Protocol):
    """What a test watches on a page (third-party frontends: failed calls, errors); asserted by the test."""

    problems: list[str]

    def request(self, request: Request) -> None: ...
    def response(self, response: Response) -> None: ...
    def failed(self, request: Request) -> None: ...
    def console(self, message: ConsoleMessage) -> None: ...


@contextmanager
def watched_page(browser: Browser, watch: PageWatch, init_script: str) -> Iterator[Page]:
    """A page under the site's own CSP (not bypassed), `init_script` run before the page's scripts,
    its requests, failures, console and uncaught errors reported to `watch`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(init_script)
    opened = context.new_page()
    opened.on("request", watch.request)
    opened.on("response", watch.response)
    opened.on("requestfailed", watch.failed)
    opened.on("console", watch.console)
    opened.on("pageerror", lambda error: watch.problems.append(f"pageerror: {error}"))
    try:
        yield opened
    finally:
        context.close()


def series(n: int, seed: int, scale: float = 1.0, start: float = 1.7e9, every_s: float = 0.01) -> MetricColumns:
    """A noisy decaying loss curve of n points, `every_s` apart."""
    rng = np.random.default_rng(seed)
    steps = np.arange(n, dtype=np.int64)
    values = scale * (np.exp(-steps / (n / 4)) + 0.05 * rng.standard_normal(n) + 0.1)
    return MetricColumns(steps, values.astype(np.float64), start + steps * every_s)


def seed_project(store: Store) -> dict[str, int]:
    """`vision`: five finished runs with two metrics and params, one running run."""
    project = store.create_project(PROJECT, description="image models", tags=["demo"])
    ids: dict[str, int] = {}
    began = time.time() - 6 * 3600
    for i, (name, lr) in enumerate([("resnet-a", 0.1), ("resnet-b", 0.03), ("vit-a", 0.01), ("vit-b", 0.003),
                                    ("mlp", 0.3)]):
        start = began + i * 1800  # runs of a few minutes each, half an hour apart
        run = store.create_run(project.id, name=name, params={"lr": lr, "arch": name.split("-")[0]},
                               config={"model": {"depth": 18 + i}, "batch": 128}, tags=["baseline"] if i < 2 else [],
                               system={"python": "3.11", "gpus": 0}, start_time=start)
        store.append_metrics(run.id, {"train/loss": series(5000, i, 1 + i / 4, start, 0.05 + i * 0.01),
                                      "val/acc": series(50, 10 + i, 0.5, start, 5.0 + i)})
        store.append_logs(run.id, [(start, "stdout", f"epoch 1 of {name}"), (start + 1, "stderr", "a warning")])
        store.set_run_status(run.id, "failed" if name == "mlp" else "finished", end_time=start + 250 + i * 50)
        ids[name] = run.id
    live = store.create_run(project.id, name="live", params={"lr": 0.05, "arch": "resnet"})
    store.append_metrics(live.id, {"train/loss": series(100, 99)})
    ids["live"] = live.id
    store.add_artifact_bytes(ids["resnet-a"], "model/weights.txt", b"weights")
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    """A real server on a seeded data dir (one per test module)."""
    data = tmp_path_factory.mktemp("dashboard-data")
    with open_store(data) as store:
        ids = seed_project(store)
    live = LiveServer(data).start()
    try:
        yield live, ids
    finally:
        live.stop()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    """Where the test run leaves screenshots (git-ignored)."""
    RESULTS.mkdir(exist_ok=True)
    return RESULTS

