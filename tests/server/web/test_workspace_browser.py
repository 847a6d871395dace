"""The charts workspace in real Chromium: sections, legend, x axes, persistence, groups, view state, colours."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page

from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer
from tests.server.web.conftest import series
from tests.server.web.test_browser import PageErrors

PROJECT = "sweep"
IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
LOSS = "train/loss"
STEPS = 2000
EVERY_S = 0.05
Server = tuple[LiveServer, dict[str, int]]


def _columns(steps: np.ndarray, values: np.ndarray, start: float, every_s: float = EVERY_S) -> MetricColumns:
    return MetricColumns(steps.astype(np.int64), values.astype(np.float64), start + steps * every_s)


def seed_sweep(store: Store) -> dict[str, int]:
    """Six runs of a sweep (two optimisers) and one short run; user metrics with and without a
    prefix, an `epoch` counter every 200 steps, a tiny learning rate, a one-point score, system metrics."""
    project = store.create_project(PROJECT)
    ids: dict[str, int] = {}
    began = time.time() - 3600
    for i in range(6):
        name, opt = f"run-{i}", ("adam" if i % 2 else "sgd")
        start = began + i * 300
        run = store.create_run(project.id, name=name, params={"opt": opt, "lr": 10.0 ** -(3 + i % 3)},
                               config={"model": {"width": 64 * (i + 1)}}, start_time=start)
        steps = np.arange(STEPS)
        epochs = np.arange(0, STEPS, 200)
        sparse = np.arange(0, STEPS, 100)
        store.append_metrics(run.id, {
            LOSS: series(STEPS, i, 1 + i / 5 + (0.6 if opt == "adam" else 0), start, EVERY_S),
            "train/acc": _columns(steps, 1 - np.exp(-steps / 500) * (0.9 - i / 20), start),
            "val/loss": _columns(sparse, np.exp(-sparse / 800) + i / 10, start),
            "epoch": _columns(epochs, epochs // 200, start),
            "lr": _columns(steps, 1e-4 * np.exp(-steps / 400) + 1e-7, start),
            "best_score": _columns(np.array([STEPS - 1]), np.array([0.8 + i / 100]), start),
            "system/cpu": _columns(np.arange(60), 40 + 10 * np.sin(np.arange(60) / 5) + i, start, 1.0),
            "system/memory_mb": _columns(np.arange(60), 900 + np.arange(60) * 2.0 + i * 10, start, 1.0),
        })
        store.set_run_status(run.id, "finished", end_time=start + STEPS * EVERY_S)
        ids[name] = run.id
    short = store.create_run(project.id, name="short", params={"opt": "sgd"}, start_time=began + 2000)
    store.append_metrics(short.id, {LOSS: series(500, 42, 1.2, began + 2000, EVERY_S)})
    store.set_run_status(short.id, "failed", end_time=began + 2100)
    ids["short"] = short.id
    ids["project"] = project.id
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server on the seeded sweep (one per module)."""
    data = tmp_path_factory.mktemp("workspace-data")
    with open_store(data) as store:
        ids = seed_sweep(store)
    live = LiveServer(data).start()
    try:
        yield live, ids
    finally:
        live.stop()


@pytest.fixture(autouse=True)
def fresh_view(server: Server) -> None:
    """Each test starts from the default layout (the view state is the project's, on the server)."""
    live, ids = server
    url = f"{live.url}/web/api/projects/{ids['project']}/view"
    stored = httpx.get(url).json()["settings"]
    answer = httpx.put(url, json={"remove": [{"kind": s["kind"], "name": s["name"]} for s in stored]})
    assert answer.status_code == 200 and answer.json()["settings"] == []


@pytest.fixture(autouse=True)
def saves_answered(page: Page, server: Server) -> Iterator[None]:
    """After each test, the page's pending layout saves are sent and answered before it closes.

    Otherwise a save sent as the page closes (keepalive) can land after the next test reset the layout.
    """
    yield
    _live, ids = server
    if page.url.startswith("http"):
        page.evaluate(f"import('/static/dashboard/viewstate.js').then(v => v.flushView({ids['project']}))")


@pytest.fixture
def errors(page: Page) -> Iterator[PageErrors]:
    """Fails the test if the page logged an error."""
    found = PageErrors(page)
    yield found
    assert found.messages == []


def screenshot(page: Page, name: str, tmp_path: Path) -> Path:
    """docs/images/<name>.png with RUNYARD_SCREENSHOTS=1, else into tmp (tests do not rewrite tracked files)."""
    target = (IMAGES if os.environ.get("RUNYARD_SCREENSHOTS") == "1" else tmp_path) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000
    return target


def open_workspace(page: Page, live: LiveServer, ids: dict[str, int], runs: list[str] | None = None) -> None:
    chosen = ",".join(str(ids[name]) for name in (runs or [f"run-{i}" for i in range(6)]))
    page.goto(f"{live.url}/projects/{PROJECT}?runs={chosen}")
    page.wait_for_function("window.runyard && window.runyard.ready && window.runyard.chartsReady")


def chart(page: Page, key: str, expression: str) -> Any:
    """`expression` evaluated with `p` the chart of `key` and `u` its uPlot."""
    return page.evaluate(f"(() => {{ const p = window.runyard.charts[{key!r}]; const u = p.u; return {expression}; }})()")


def wait_chart(page: Page, key: str, condition: str) -> None:
    page.wait_for_function(f"(() => {{ const p = window.runyard.charts[{key!r}]; const u = p && p.u; "
                           f"return !!(p && {condition}); }})()")


def sections(page: Page) -> list[tuple[str, bool]]:
    """(section id, open) in page order."""
    found: list[list[Any]] = page.evaluate(
        "[...document.querySelectorAll('#charts .ws-section:not([hidden])')]"
        ".map(s => [s.dataset.section, !s.classList.contains('closed')])")
    return [(name, is_open) for name, is_open in found]


def test_sections_user_metrics_first_and_system_closed(page: Page, server: Server, errors: PageErrors,
                                                      tmp_path: Path) -> None:
    live, ids = server
    open_workspace(page, live, ids)
    assert sections(page) == [("", True), ("train", True), ("val", True), ("system", False)]
    keys = page.locator("#charts .ws-section[data-section='train'] .chart").evaluate_all(
        "els => els.map(e => e.dataset.key)")
    assert keys == ["train/acc", LOSS]
    assert page.evaluate("performance.getEntriesByName('runyard:charts-ready').length") == 1
    # Closed: the system charts are not laid out, so nothing of them was fetched.
    page.locator(".ws-section[data-section='system']").scroll_into_view_if_needed()
    assert not page.locator(".chart[data-key='system/cpu']").is_visible()
    assert not [f for f in page.evaluate("window.runyard.fetches") if f["key"].startswith("system/")]
    page.locator(".ws-section[data-section='system'] .ws-section-toggle").click()
    wait_chart(page, "system/cpu", "p.loaded && u")
    # System metrics are over time: seconds since each run's start, whatever the x axis.
    assert chart(page, "system/cpu", "[u.scales.x.min, u.scales.x.max]")[1] == pytest.approx(59, abs=1)
    # A series with one point is drawn as a dot, not an empty panel.
    wait_chart(page, "best_score", "p.loaded && u")
    assert chart(page, "best_score", "[p.el.classList.contains('empty'), u.series[1].points.show(u, 1), "
                                     "u.data[1][0].length]") == [False, True, 1]
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(f"#ws-legend [data-run='{ids['run-2']}']").hover()  # run-2 highlighted in the picture
    wait_chart(page, "lr", f"u && u.series[p.order.indexOf({ids['run-2']}) + 1]._focus === true")
    screenshot(page, "dashboard-workspace", tmp_path)


def test_legend_hover_highlights_and_click_isolates(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids)
    wait_chart(page, LOSS, "p.loaded && u")
    target = ids["run-2"]
    item = page.locator(f"#ws-legend [data-run='{target}']")
    item.hover()
    page.wait_for_function(f"document.querySelector(\"#ws-legend [data-run='{target}']\").classList.contains('hot')")
    # Every chart fades the other runs.
    for key in (LOSS, "train/acc"):
        wait_chart(page, key, f"u && u.series[p.order.indexOf({target}) + 1]._focus === true")
        alphas = chart(page, key, "u.series.slice(1).map(s => s.alpha)")
        assert sorted(alphas) == [0.2] * 5 + [1]
    page.mouse.move(5, 5)  # off the legend: no run highlighted
    wait_chart(page, LOSS, "u && u.series.slice(1).every(s => s.alpha === 1)")

    item.click()
    wait_chart(page, LOSS, f"JSON.stringify(p.order) === '[{target}]'")
    assert chart(page, "train/acc", "p.order") == [target]
    assert page.locator("#ws-legend .isolated").count() == 1
    item.click()  # again: every run
    wait_chart(page, LOSS, "p.order.length === 6")


def test_hover_lists_only_runs_with_data_there(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids, ["run-0", "run-1", "short"])
    wait_chart(page, LOSS, "p.loaded && u")
    page.locator(f".chart[data-key='{LOSS}']").scroll_into_view_if_needed()
    box = page.locator(f".chart[data-key='{LOSS}'] .u-over").bounding_box()
    assert box is not None
    hover = page.locator(f".chart[data-key='{LOSS}'] .hover")
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)  # step ~200: all three
    hover.wait_for(state="visible")
    assert "short" in (hover.text_content() or "")
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)  # step ~1600: short ended at 499
    page.wait_for_function(f"!document.querySelector(\".chart[data-key='{LOSS}'] .hover\").textContent.includes('short')")
    text = hover.text_content() or ""
    assert "run-0" in text and "run-1" in text
    # The crosshair follows in the other charts of the same x unit.
    assert chart(page, "train/acc", "u.cursor.left") > 0
    # The pointer on a run's line highlights that run everywhere (legend, other charts).
    run = ids["run-1"]
    x, y = chart(page, LOSS, f"(() => {{ const [xs, ys] = u.data[p.order.indexOf({run}) + 1]; const k = 300; "
                             f"return [u.valToPos(xs[k], 'x'), u.valToPos(ys[k], 'y')]; }})()")
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_function(f"document.querySelector(\"#ws-legend [data-run='{run}']\").classList.contains('hot')")
    wait_chart(page, "train/acc", f"u && u.series[p.order.indexOf({run}) + 1]._focus === true")
    # ...and a click there isolates it; a click on it again shows every run.
    page.mouse.click(box["x"] + x, box["y"] + y)
    wait_chart(page, "train/acc", f"JSON.stringify(p.order) === '[{run}]'")
    wait_chart(page, LOSS, f"u && JSON.stringify(p.order) === '[{run}]'")
    # Alone, the run fills the y axis: its line has moved.
    x, y = chart(page, LOSS, "(() => { const [xs, ys] = u.data[1]; return [u.valToPos(xs[300], 'x'), "
                             "u.valToPos(ys[300], 'y')]; })()")
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].hotRun === {run}")
    page.mouse.click(box["x"] + x, box["y"] + y)
    wait_chart(page, LOSS, "p.order.length === 3")


def test_x_axis_metric_relative_and_log_ticks(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids)
    wait_chart(page, LOSS, "p.loaded && u")
    page.locator("#x-axis").select_option("m:epoch")
    # epoch is logged every 200 steps: each point takes the last epoch at or before its step.
    wait_chart(page, LOSS, "p.loaded && u && p.mode === 'metric' && u.scales.x.max <= 9.5")
    assert chart(page, LOSS, "[u.scales.x.min, u.scales.x.max]") == pytest.approx([0, 9], abs=0.5)
    assert chart(page, LOSS, "u.axes[0].label") == "epoch"
    # Zoomed to epochs ~3-5: finer steps of that range, still paired with the epoch logged before them.
    page.locator(f".chart[data-key='{LOSS}']").scroll_into_view_if_needed()
    box = page.locator(f".chart[data-key='{LOSS}'] .u-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_function(f"window.runyard.fetches.some(f => f.key === {LOSS!r} && f.step_min !== null)")
    wait_chart(page, LOSS, "p.loaded && p.zoom && u && u.data[1][0].length > 100")
    low, high = chart(page, LOSS, "[Math.min(...u.data[1][0]), Math.max(...u.data[1][0])]")
    assert 2 <= low <= high <= 6
    page.locator("#reset-zoom").click()

    page.locator("#x-axis").select_option("relative")
    wait_chart(page, LOSS, "p.loaded && p.mode === 'relative' && u && u.scales.x.max > 50")
    assert chart(page, LOSS, "u.scales.x.max") == pytest.approx((STEPS - 1) * EVERY_S, abs=2)

    page.locator("#log-scale").check()
    wait_chart(page, "lr", "p.loaded && u && u.scales.y.distr === 3")
    labels = [label for label in chart(page, "lr", "u.axes[1]._values") if label]  # minor ticks are unlabelled
    assert len(labels) >= 2 and all(float(label) > 0 for label in labels)  # no "0" for 1e-6
    assert "1e-5" in labels  # rather than 0.00001


def test_layout_survives_a_reload(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids)
    page.locator(".chart[data-key='train/acc'] .chart-hide").click()
    page.locator(".chart[data-key='val/loss'] .chart-pin").click()
    page.locator(".ws-section[data-section='train'] .ws-section-toggle").click()  # close train
    page.locator(".ws-section[data-section='system'] .ws-section-toggle").click()  # open system
    page.locator("#x-axis").select_option("m:epoch")
    page.locator("#smoothing").fill("0.5")
    page.locator(".ws-section[data-section='system'] .ws-link-zoom").check()
    page.wait_for_function("window.runyard.fetches.some(f => f.smoothing === 0.5)")
    page.evaluate(f"import('/static/dashboard/viewstate.js').then(v => v.flushView({ids['project']}))")

    page.reload()
    page.evaluate("window.scrollTo(0, 0)")  # a reload keeps the scroll position
    page.wait_for_function("window.runyard && window.runyard.ready && window.runyard.chartsReady")
    assert sections(page) == [("/pinned", True), ("", True), ("train", False), ("system", True), ("/hidden", False)]
    assert page.locator(".ws-section[data-section='/pinned'] .chart").evaluate_all(
        "els => els.map(e => e.dataset.key)") == ["val/loss"]
    assert page.locator(".ws-section[data-section='/hidden'] .chart").evaluate_all(
        "els => els.map(e => e.dataset.key)") == ["train/acc"]
    assert page.locator("#x-axis").input_value() == "m:epoch"
    assert page.locator("#smoothing").input_value() == "0.5"
    assert page.locator(".ws-section[data-section='system'] .ws-link-zoom").is_checked()
    wait_chart(page, "val/loss", "p.loaded && u && p.mode === 'metric'")
    assert page.evaluate("window.runyard.fetches.every(f => f.smoothing === 0.5)")


def test_zoom_together_in_a_section(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids, ["run-0"])
    page.locator(".ws-section[data-section='train'] .ws-link-zoom").check()
    wait_chart(page, "train/acc", "p.loaded && u")
    page.locator(f".chart[data-key='{LOSS}']").scroll_into_view_if_needed()
    box = page.locator(f".chart[data-key='{LOSS}'] .u-over").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=5)
    page.mouse.up()
    for key in (LOSS, "train/acc"):
        wait_chart(page, key, "p.zoom && u && u.scales.x.max < 1000")
    assert chart(page, "val/loss", "p.zoom") is None  # another section: untouched
    page.locator(".chart[data-key='train/acc'] .u-over").dblclick()
    for key in (LOSS, "train/acc"):
        wait_chart(page, key, "!p.zoom")


def test_grouped_charts_draw_mean_and_band(page: Page, server: Server, errors: PageErrors, tmp_path: Path) -> None:
    """Grouping the runs table (its own control) groups the charts: a mean line in a min-max band per group."""
    live, ids = server
    open_workspace(page, live, ids)
    wait_chart(page, LOSS, "p.loaded && u")
    page.locator("#group-by").focus()  # the table fills its columns in
    page.locator("#group-by").select_option("params.opt")
    page.evaluate("window.scrollTo(0, 0)")  # back to the charts (charts off screen load when scrolled to)
    wait_chart(page, LOSS, "p.loaded && p.grouped && u")
    # Every run of the table is in a group: sgd has the short run too.
    stats = chart(page, LOSS, "p.grouped.stats.map(s => [s.group.label, s.runs])")
    assert stats == [["adam", 3], ["sgd", 4]]
    assert chart(page, LOSS, "u.bands.length") == 2
    # adam's runs were seeded 0.6 higher: its mean sits above sgd's, inside its own band.
    means = chart(page, LOSS, "p.grouped.stats.map(s => s.agg.mean.filter(v => v != null))")
    assert np.mean(means[0]) > np.mean(means[1])
    inside = chart(page, LOSS, "p.grouped.stats.every(s => s.agg.mean.every((m, i) => m == null || "
                               "(s.agg.min[i] <= m + 1e-12 && m <= s.agg.max[i] + 1e-12)))")
    assert inside
    # After step 499 the short run has no points: sgd's late bins count its three other runs.
    assert chart(page, LOSS, "Math.max(...p.grouped.stats[1].agg.count.slice(-50))") == 3
    legend = page.locator("#ws-legend .ws-legend-item").all_text_contents()
    assert legend == ["adam 3 runs", "sgd 4 runs"]
    wait_chart(page, "best_score", "p.loaded && p.grouped && u && u.series[1].points.show(u, 1)")  # one point: a dot
    page.locator(".ws-section[data-section='train']").evaluate("e => e.scrollIntoView()")
    wait_chart(page, "val/loss", "p.loaded && p.grouped && u")  # sparse points: binned lines span the gaps
    screenshot(page, "dashboard-workspace-groups", tmp_path)
    # The table remembers its grouping: after a reload the charts are grouped again.
    page.evaluate(f"import('/static/dashboard/viewstate.js').then(v => v.flushView({ids['project']}))")
    page.reload()
    page.evaluate("window.scrollTo(0, 0)")
    wait_chart(page, LOSS, "p.loaded && p.grouped && u && p.grouped.stats.length === 2")
    page.locator("#group-by").select_option("")
    page.evaluate("window.scrollTo(0, 0)")
    wait_chart(page, LOSS, "p.loaded && !p.grouped && u && p.order.length === 6")


def test_run_page_sections_and_x_axis(page: Page, server: Server, errors: PageErrors, tmp_path: Path) -> None:
    live, _ids = server
    page.goto(f"{live.url}/projects/{PROJECT}/runs/run-1")
    page.wait_for_function("window.runyard && window.runyard.ready")
    wait_chart(page, LOSS, "p.loaded && u")
    assert sections(page) == [("", True), ("train", True), ("val", True), ("system", False)]
    page.locator("#x-axis").select_option("m:epoch")
    wait_chart(page, LOSS, "p.loaded && u && p.mode === 'metric' && u.scales.x.max <= 9.5")
    screenshot(page, "dashboard-workspace-run", tmp_path)


def test_view_state_saves_debounced_and_loads(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids)
    pid = ids["project"]
    saved: dict[str, Any] = page.evaluate(f"""async () => {{
        const view = await import('/static/dashboard/viewstate.js');
        const before = window.runyard.viewSaves || 0;
        // A burst of changes is one request; the last change of a (kind, name) wins.
        view.saveView({pid}, [{{kind: 'ws_test', name: 'a', value: 1}}]);
        view.saveView({pid}, [{{kind: 'ws_test', name: 'a', value: 2}}, {{kind: 'ws_test', name: 'b', value: -3}}]);
        view.saveView({pid}, [], [{{kind: 'ws_test', name: 'b'}}]);
        await view.flushView({pid});
        const loaded = await view.loadView({pid});
        return {{requests: (window.runyard.viewSaves || 0) - before,
                 a: loaded.get('ws_test').get('a'), b: loaded.get('ws_test').has('b')}};
    }}""")
    assert saved == {"requests": 1, "a": 2, "b": False}


def test_run_colours_are_stable_and_neighbours_differ(page: Page, server: Server, errors: PageErrors) -> None:
    live, ids = server
    open_workspace(page, live, ids)
    colours: list[str] = page.evaluate("""async () => {
        const palette = await import('/static/dashboard/palette.js');
        return Array.from({length: 40}, (_, i) => palette.runColour(i + 1));
    }""")
    assert all(a != b for a, b in itertools.pairwise(colours))
    assert len(set(colours)) >= 10
    again: str = page.evaluate("import('/static/dashboard/palette.js').then(p => p.runColour(7))")
    assert again == colours[6]
    # The legend and the lines use them.
    run = ids["run-0"]
    assert chart(page, LOSS, f"u.series[p.order.indexOf({run}) + 1].stroke()") == colours[run - 1]
