"""The comparison views in real Chromium: parallel coordinates (axes, brushing the runs table,
persisted axes, 1,000 runs), scatter (hover, log axis), run diff (differences highlighted)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, ConsoleMessage, Page

from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer
from tests.server.web.test_browser import errors  # noqa: F401 (the fixture, used by every test here)

SWEEP = "sweep"
# Every test fails when the page logged an error (console or uncaught).
pytestmark = pytest.mark.usefixtures("errors")
IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]
WIDTHS = [64, 128, 256]


def sweep_run(i: int) -> dict[str, Any]:
    """The i-th run of the sweep: its params, config and final metrics (known to the tests)."""
    lr = LRS[i % len(LRS)]
    width = WIDTHS[(i // len(LRS)) % len(WIDTHS)]
    optimizer = "adam" if i % 2 else "sgd"
    loss = round(0.2 + abs(math.log10(lr) + 2.5) * 0.3 + 64 / width * 0.1 + (0.05 if optimizer == "sgd" else 0), 6)
    return {"name": f"run-{i:04d}", "params": {"lr": lr, "optimizer": optimizer},
            "config": {"model": {"width": width, "depth": 4 + i % 3}, "batch": 128},
            "loss": loss, "acc": round(1 - loss / 2, 6)}


def seed_sweep(store: Store, runs: int, name: str = SWEEP) -> dict[str, int]:
    """A hyperparameter sweep: lr x width x optimizer, each run with val/loss and val/acc curves."""
    project = store.create_project(name)
    ids: dict[str, int] = {}
    began = time.time() - 3600
    steps = np.arange(3, dtype=np.int64)
    for i in range(runs):
        run = sweep_run(i)
        created = store.create_run(project.id, name=run["name"], params=run["params"], config=run["config"],
                                   tags=["sweep"] if i % 4 == 0 else [], start_time=began + i)
        times = began + i + steps.astype(np.float64)
        store.append_metrics(created.id, {
            "val/loss": MetricColumns(steps, np.array([1.0, 0.6, run["loss"]]), times),
            "val/acc": MetricColumns(steps, np.array([0.3, 0.5, run["acc"]]), times)})
        store.set_run_status(created.id, "finished", end_time=began + i + 60)
        ids[run["name"]] = created.id
    return ids


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int]]]:
    """A real server with a 24-run sweep and a 1,000-run project."""
    data = tmp_path_factory.mktemp("compare-data")
    with open_store(data) as store:
        ids = seed_sweep(store, 24)
        seed_sweep(store, 1000, name="big")
        store.create_project("empty")
        growing = seed_sweep(store, 3, name="growing")
        running = store.create_run(store.get_run(growing["run-0000"]).project_id, name="running",
                                   params={"lr": 0.1, "optimizer": "adam"}, status="running")
        store.append_metrics(running.id, {"val/acc": MetricColumns(np.arange(1, dtype=np.int64), np.array([0.9]),
                                                                    np.array([time.time()]))})
        bare = store.create_project("bare")
        store.create_run(bare.id, name="no-params")
    live = LiveServer(data).start()
    try:
        yield live, ids
    finally:
        live.stop()


def screenshot(page: Page, view: str, tmp_path: Path) -> None:
    """The #compare section as docs/images/dashboard-<view>.png with RUNYARD_SCREENSHOTS=1, else into tmp."""
    target = IMAGES if os.environ.get("RUNYARD_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.locator("#compare").screenshot(path=str(target / f"dashboard-{view}.png"))


def open_compare(page: Page, live: LiveServer, project: str = SWEEP, query: str = "") -> None:
    page.goto(f"{live.url}/projects/{project}{query}")
    page.wait_for_function("window.runyard && window.runyard.ready && window.runyard.compare"
                           " && window.runyard.compare.parallel.lines")
    page.locator("#compare [data-tab='parallel']").click()  # the open tab is saved: another test may have left it


# The runs the table shows (it keeps only the rows in view in the DOM).
SHOWN = "window.runyard.table.shown"


def table_ids(page: Page) -> list[int]:
    ids: list[int] = page.evaluate(f"{SHOWN}.map(r => r.id)")
    return sorted(ids)


def wait_shown(page: Page, count: int) -> None:
    page.wait_for_function(f"window.runyard.table && {SHOWN}.length === {count}")


def axis_ids(page: Page) -> list[str]:
    ids: list[str] = page.evaluate("window.runyard.compare.parallel.columns.map(c => c.id)")
    return ids


def brush(page: Page, column: str, low: float, high: float) -> None:
    """Drag along the axis of `column` from position `low` to `high` (0 bottom, 1 top)."""
    page.locator("#compare .pc-wrap").scroll_into_view_if_needed()
    box = page.locator("#compare .pc-wrap .pc-over").bounding_box()
    assert box is not None
    x, y0, y1 = page.evaluate(f"""(() => {{
        const pc = window.runyard.compare.parallel;
        const i = pc.columns.findIndex(c => c.id === {column!r});
        return [pc.axisX(i), pc.y({low}), pc.y({high})];
    }})()""")
    page.mouse.move(box["x"] + x, box["y"] + y0)
    page.mouse.down()
    page.mouse.move(box["x"] + x, box["y"] + (y0 + y1) / 2, steps=3)
    page.mouse.move(box["x"] + x, box["y"] + y1, steps=3)
    page.mouse.up()


def move_axis(page: Page, column: str, to: int) -> None:
    """Drag the title of `column`'s axis sideways onto the axis at index `to`."""
    page.locator("#compare .pc-wrap").scroll_into_view_if_needed()
    box = page.locator("#compare .pc-wrap .pc-over").bounding_box()
    assert box is not None
    x0, x1 = page.evaluate(f"""(() => {{
        const pc = window.runyard.compare.parallel;
        return [pc.axisX(pc.columns.findIndex(c => c.id === {column!r})), pc.axisX({to})];
    }})()""")
    page.mouse.move(box["x"] + x0, box["y"] + 18)
    page.mouse.down()
    page.mouse.move(box["x"] + (x0 + x1) / 2, box["y"] + 18, steps=3)
    page.mouse.move(box["x"] + x1, box["y"] + 18, steps=3)
    page.mouse.up()


def test_parallel_coordinates_draw_the_sweep(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, ids = sweep
    open_compare(page, live)
    # Defaults: the params and config that vary across runs, then the first metric.
    assert axis_ids(page) == ["params.lr", "params.optimizer", "config.model.depth", "config.model.width",
                              "metrics.val/acc"]
    assert page.evaluate("performance.getEntriesByName('runyard:parallel-ready').length") == 1
    assert page.evaluate("window.runyard.compare.parallel.lines.length") == len(ids)
    # lr spans three decades: a log axis; optimizer is categorical.
    assert page.evaluate("window.runyard.compare.parallel.axes.map(a => [a.numeric, a.log])") == [
        [True, True], [False, False], [True, False], [True, False], [True, False]]
    # Something was drawn: the lines' canvas has coloured pixels.
    painted = page.evaluate("""(() => {
        const c = document.querySelector('#compare .pc-wrap canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()""")
    assert painted > 5000


def test_brushing_axes_filters_the_runs_table(page: Page, sweep: tuple[LiveServer, dict[str, int]],
                                             tmp_path: Path) -> None:
    live, ids = sweep
    open_compare(page, live)
    wait_shown(page, len(ids))
    page.evaluate("""window.brushes = [];
        document.addEventListener('runyard:brush', e => window.brushes.push(e.detail.runIds))""")
    # The top half of the log lr axis: 3e-3 (at 0.6) and above.
    brush(page, "params.lr", 0.55, 1.0)
    high_lr = sorted(ids[sweep_run(i)["name"]] for i in range(24) if sweep_run(i)["params"]["lr"] >= 3e-3)
    wait_shown(page, len(high_lr))
    assert table_ids(page) == high_lr
    # ... and those are the rows on screen (few enough for the table to lay them all out).
    assert sorted(page.evaluate(
        "[...document.querySelectorAll('#runs-table tbody tr[data-id]')].map(tr => Number(tr.dataset.id))")) == high_lr
    screenshot(page, "parallel", tmp_path)
    # A second axis is AND-ed: only sgd (the upper of the two categories, in name order).
    brush(page, "params.optimizer", 0.8, 1.0)
    both = sorted(ids[sweep_run(i)["name"]] for i in range(24)
                  if sweep_run(i)["params"]["lr"] >= 3e-3 and sweep_run(i)["params"]["optimizer"] == "sgd")
    wait_shown(page, len(both))
    assert table_ids(page) == both
    assert sorted(page.evaluate("window.brushes.at(-1)")) == both
    # Clicking an axis clears its brush; "clear brushes" clears them all and the table shows every run.
    page.locator("#compare .cmp-clear").click()
    wait_shown(page, len(ids))
    assert page.evaluate("window.brushes.at(-1)") is None


def test_hovering_a_line_highlights_the_run_everywhere(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, ids = sweep
    open_compare(page, live)
    target = ids[sweep_run(9)["name"]]
    page.locator("#compare .pc-wrap").scroll_into_view_if_needed()
    box = page.locator("#compare .pc-wrap .pc-over").bounding_box()
    assert box is not None
    # Halfway between the last two axes, on the run's line (its acc is its own).
    x, y = page.evaluate(f"""(() => {{
        const pc = window.runyard.compare.parallel; const line = pc.byId.get({target}); const n = pc.columns.length;
        return [(pc.axisX(n - 2) + pc.axisX(n - 1)) / 2, (pc.y(line.pos[n - 2]) + pc.y(line.pos[n - 1])) / 2];
    }})()""")
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_function(f"document.querySelector('#runs-table tr.hovered')?.dataset.id === '{target}'")
    assert page.evaluate("window.runyard.compare.parallel.hovered") == target
    # Clicking the line isolates the run (the charts and the table follow runyard:isolate).
    page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.evaluate("window.runyard.compare.parallel.isolated") == target
    # A run hovered in the table is highlighted here.
    other = ids[sweep_run(3)["name"]]
    page.evaluate(f"document.dispatchEvent(new CustomEvent('runyard:hover', {{detail: {{runId: {other}}}}}))")
    assert page.evaluate("window.runyard.compare.parallel.hovered") == other


def test_chosen_axes_and_colour_persist(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, _ids = sweep
    open_compare(page, live)
    page.locator("#compare .cmp-picker summary").click()
    page.locator("#compare .cmp-list input[value='params.optimizer']").uncheck()
    page.locator("#compare .cmp-list input[value='metrics.val/loss']").check()
    page.locator("#compare .cmp-colour").select_option("@run")
    page.locator("#compare h2").click()  # a click elsewhere closes the picker
    assert page.locator("#compare .cmp-list").is_hidden()
    assert axis_ids(page) == ["params.lr", "config.model.depth", "config.model.width", "metrics.val/acc",
                              "metrics.val/loss"]
    # Drag the last axis's title onto the first axis: it moves there.
    move_axis(page, "metrics.val/loss", 0)
    expected = ["metrics.val/loss", "params.lr", "config.model.depth", "config.model.width", "metrics.val/acc"]
    assert axis_ids(page) == expected
    page.evaluate("(async () => { const v = await import('/static/dashboard/viewstate.js');"
                  " await v.flushView(window.runyard.compare.project.id); })()")
    open_compare(page, live)
    assert axis_ids(page) == expected
    assert page.evaluate("window.runyard.compare.parallel.colourColumn") is None
    # Back to the defaults for the other tests.
    page.evaluate("""(async () => {
        const v = await import('/static/dashboard/viewstate.js');
        const id = window.runyard.compare.project.id;
        const view = await v.loadView(id);
        v.saveView(id, [], [...view].filter(([k]) => k.startsWith('cmp_'))
            .flatMap(([kind, names]) => [...names.keys()].map(name => ({kind, name}))));
        await v.flushView(id); })()""")


def test_scatter_hover_shows_the_run(page: Page, sweep: tuple[LiveServer, dict[str, int]], tmp_path: Path) -> None:
    live, ids = sweep
    open_compare(page, live)
    page.locator("#compare [data-tab='scatter']").click()
    page.locator("#compare .cmp-sx").select_option("params.optimizer")
    assert page.locator("#compare .cmp-logx").is_disabled()  # categories: no log scale
    page.locator("#compare .cmp-sx").select_option("params.lr")
    page.locator("#compare .cmp-logx").check()
    page.locator("#compare .cmp-sy").select_option("metrics.val/loss")
    page.wait_for_function("performance.getEntriesByName('runyard:scatter-ready').length === 1")
    scatter = "window.runyard.compare.scatter"
    assert page.evaluate(f"[{scatter}.ax.log, {scatter}.points.length]") == [True, len(ids)]
    page.evaluate("window.hovered = []; document.addEventListener('runyard:hover', e => window.hovered.push(e.detail.runId))")
    target = sweep_run(7)
    x, y = page.evaluate(f"(() => {{ const s = {scatter}; const p = s.byId.get({ids[target['name']]});"
                         " return [s.sx(p), s.sy(p.py)]; })()")
    page.locator("#compare .sc-wrap").scroll_into_view_if_needed()
    box = page.locator("#compare .sc-wrap .pc-over").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.locator("#compare .cmp-tip")
    tip.wait_for(state="visible")
    assert target["name"] in tip.text_content()
    assert "val/loss: 0." in tip.text_content()
    assert page.evaluate("window.hovered.at(-1)") == ids[target["name"]]
    screenshot(page, "scatter", tmp_path)
    page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.evaluate(f"{scatter}.isolated") == ids[target["name"]]
    # A metric's min over the run is a column too (val/loss went 1.0, 0.6, then its last value).
    page.locator("#compare .cmp-sy").select_option("min(metrics.val/loss)")
    lowest = page.evaluate(f"Object.fromEntries({scatter}.points.map(p => [p.id, p.yv]))")
    assert {int(k): v for k, v in lowest.items()} == pytest.approx(
        {ids[sweep_run(i)["name"]]: min(0.6, sweep_run(i)["loss"]) for i in range(24)})
    assert any(sweep_run(i)["loss"] > 0.6 for i in range(24))  # so min differs from last for some runs
    assert "val/loss (min)" in page.locator("#compare .cmp-sy").evaluate("s => s.selectedOptions[0].textContent")


def test_diff_highlights_what_differs(page: Page, sweep: tuple[LiveServer, dict[str, int]], tmp_path: Path) -> None:
    live, ids = sweep
    chosen = [ids[sweep_run(i)["name"]] for i in (0, 1, 6)]
    open_compare(page, live, query=f"?runs={','.join(map(str, chosen))}")
    page.locator("#compare [data-tab='diff']").click()
    diff = page.locator("#compare table.diff")
    assert diff.locator("thead th").count() == 4
    differs = diff.locator("tr.differs")
    rows = sorted(differs.evaluate_all("rows => rows.map(r => r.dataset.col)"))
    # Runs 0, 1, 6: lr 1e-4 / 3e-4 / 1e-4, sgd / adam / sgd, width 64 / 64 / 128, depth 4 / 5 / 4.
    assert {"params.lr", "params.optimizer", "config.model.width", "config.model.depth",
            "metrics.val/loss", "metrics.val/acc"} <= set(rows)
    assert "config.batch" not in rows
    assert diff.locator("tr[data-col='config.batch']").count() == 1
    screenshot(page, "diff", tmp_path)
    link = page.locator("#compare .diff-link")
    assert link.get_attribute("href") == f"/projects/{SWEEP}/diff?runs={','.join(map(str, chosen))}"
    page.locator("#compare .diff-only").check()
    assert diff.locator("tr[data-col='config.batch']").count() == 0
    assert diff.locator("tr[data-col='params.lr']").count() == 1
    # The table's selection drives the diff: untick a run and its column goes.
    page.locator(f"#runs-table tr[data-id='{chosen[2]}'] input.pick").uncheck()
    page.wait_for_function("document.querySelectorAll('#compare table.diff thead th').length === 3")
    page.locator("#compare .diff-only").uncheck()


def test_a_thousand_runs_draw_fast(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, _ids = sweep
    open_compare(page, live, project="big")
    assert page.evaluate("window.runyard.compare.parallel.lines.length") == 1000
    # 1,000 polylines over 5 axes, from the rows to pixels (reading a pixel back waits until
    # the canvas has really painted); best of five, the machine is shared.
    best = page.evaluate("""(() => {
        const pc = window.runyard.compare.parallel; const times = [];
        const ctx = document.querySelector('#compare .pc-wrap canvas').getContext('2d');
        for (let i = 0; i < 5; i++) {
            const t0 = performance.now(); pc.prepare(); pc.draw(); ctx.getImageData(0, 0, 1, 1);
            times.push(performance.now() - t0);
        }
        return Math.min(...times); })()""")
    print(f"parallel coordinates, 1,000 runs x 5 axes: {best:.1f} ms")
    assert best <= 300
    # A brush on 1,000 runs until the runs table has re-rendered (the table renders in the event).
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length > 0")
    brushed = page.evaluate("""(() => {
        const pc = window.runyard.compare.parallel; const t0 = performance.now();
        pc.brushes.set(pc.columns[0].id, { lo: 1e-3, hi: 1, a: 0, b: 1 }); pc.prepare(); pc.draw(); pc.emitBrush();
        const ms = performance.now() - t0; const kept = pc.brushedIds().length; pc.clearBrushes();
        return [ms, kept]; })()""")
    print(f"brushing 1,000 runs until the table has re-rendered: {brushed[0]:.1f} ms")
    assert brushed[1] == sum(1 for i in range(1000) if sweep_run(i)["params"]["lr"] >= 1e-3)
    mark = page.evaluate("performance.getEntriesByName('runyard:parallel-ready')[0].startTime")
    print(f"navigation to parallel coordinates drawn, 1,000 runs: {mark:.0f} ms")
    assert mark > 0



def test_diff_page_shows_the_linked_runs(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, ids = sweep
    chosen = [ids[sweep_run(i)["name"]] for i in (2, 3)]
    page.goto(f"{live.url}/projects/{SWEEP}/diff?runs={chosen[0]},{chosen[1]},999999")
    page.wait_for_function("window.runyard && window.runyard.ready")
    page.locator("#diff-page .diff-only").uncheck()  # an earlier test may have left it on for the project
    diff = page.locator("#diff-page table.diff")
    # Ids of no run of this project are left out.
    assert diff.locator("thead th a").all_text_contents() == ["run-0002", "run-0003"]
    assert diff.locator("tr.differs[data-col='params.lr']").count() == 1
    assert diff.locator("tr.differs[data-col='config.batch']").count() == 0
    assert diff.locator("tr[data-col='config.batch']").count() == 1
    missing = httpx.get(f"{live.url}/projects/nope/diff?runs=1,2")
    assert missing.status_code == 404 and "Not found" in missing.text


def test_axis_scales(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    """axis.js: which columns get a log, linear or categorical axis, and where values and brushes land."""
    live, _ids = sweep
    open_compare(page, live)
    found = page.evaluate("""(async () => {
        const { Axis, brushFor, inBrush } = await import('/static/dashboard/axis.js');
        const lr = new Axis([1e-4, 3e-4, 3e-2]);
        const text = new Axis(["0.001", "0.1", 0.01, undefined]);  // params kept as text
        const cats = new Axis(["b10", "b2", "a", "b2"]);
        const mixed = new Axis([true, "true", 1]);
        const flat = new Axis([5, 5]);
        const gaps = new Axis([1, 2, NaN, null, ""]);
        const wide = new Axis([0, 50, 100]);
        const brush = brushFor(wide, 0.5, 1);  // 50..100, in values
        const catBrush = brushFor(cats, 0.9, 1);
        return {
            lr: [lr.numeric, lr.log, lr.ticks().map(t => t.label)],
            text: [text.numeric, text.log, text.pos("0.1"), text.pos(0.001)],
            cats: [cats.numeric, cats.cats, cats.pos("b2")],
            mixed: mixed.cats.length,
            flat: flat.pos(5),
            gaps: [gaps.pos(NaN), gaps.pos(null), gaps.pos(""), gaps.pos(2)],
            wide: [wide.log, wide.ticks(5).map(t => t.label)],
            brush: [inBrush(brush, 50), inBrush(brush, 100), inBrush(brush, 49.9), inBrush(brush, "75"), inBrush(brush, null)],
            catBrush: [inBrush(catBrush, "b10"), inBrush(catBrush, "b2")],
        };
    })()""")
    assert found["lr"] == [True, True, ["1.000e-4", "0.001", "0.01"]]
    assert found["text"] == [True, True, 1, 0]
    assert found["cats"] == [False, ["a", "b2", "b10"], 0.5]
    assert found["mixed"] == 3  # true, "true" and 1 are three categories
    assert found["flat"] == 0.5
    assert found["gaps"] == [None, None, None, 1]
    assert found["wide"] == [False, ["0", "20", "40", "60", "80", "100"]]
    assert found["brush"] == [True, True, False, True, False]
    assert found["catBrush"] == [True, False]


def test_views_work_under_the_pages_policy(browser: Browser, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    """The other tests bypass the CSP (for wait_for_function): here the views run under it."""
    live, ids = sweep
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    messages: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            messages.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    try:
        page.goto(f"{live.url}/projects/{SWEEP}")
        page.locator("#compare .cmp-status", has_text=f"{len(ids)} runs").wait_for()
        page.locator("#compare [data-tab='scatter']").click()
        page.locator("#compare .sc-wrap canvas").first.wait_for()
        page.goto(f"{live.url}/projects/{SWEEP}/diff?runs={ids['run-0000']},{ids['run-0001']}")
        page.locator("#diff-page table.diff tr.differs").first.wait_for()
    finally:
        context.close()
    assert messages == []


def test_projects_without_runs_or_params(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, _ids = sweep
    open_compare(page, live, project="empty")
    assert page.locator("#compare .cmp-status").text_content() == "no runs yet"
    page.locator("#compare [data-tab='diff']").click()
    assert "tick 2 to 10 runs" in page.locator("#compare .diff-note").text_content()
    # A run with neither params, config nor metrics: its status and duration are the axes.
    open_compare(page, live, project="bare")
    assert axis_ids(page) == ["status", "duration"]
    assert page.locator("#compare .cmp-status").text_content() == "1 run"


def test_a_running_run_is_drawn_again_as_points_arrive(page: Page, sweep: tuple[LiveServer, dict[str, int]]) -> None:
    live, _ids = sweep
    open_compare(page, live, project="growing")
    page.wait_for_function("window.runyard.streamState === 'live'")
    last = "window.runyard.compare.parallel.axes.at(-1)"
    assert page.evaluate("window.runyard.compare.parallel.columns.at(-1).id") == "metrics.val/acc"
    assert page.evaluate(f"{last}.hi") < 1
    running = page.evaluate("window.runyard.compare.rows.find(r => r.name === 'running').id")
    answer = httpx.post(f"{live.url}/api/v1/experiments/runs/{running}/log-metrics",
                        json={"metrics": {"val/acc": 5.0}, "step": 1})
    assert answer.status_code == 200, answer.text
    # The stream updates the table's row; the view draws it again within its 5 s period.
    page.wait_for_function(f"{last}.hi === 5", timeout=15_000)
