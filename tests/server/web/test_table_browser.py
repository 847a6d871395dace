"""The runs table in real Chromium: config columns, the column picker (persisting over a reload),
pin and reorder, metric summaries, grouping (rows and the runyard:groups event), the filter's
error message, CSV export, archive/restore/delete confirmed in a dialog, page events."""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page

from runyard.store import MetricColumns, Store, open_store
from tests.live_server import LiveServer
from tests.server.web.test_browser import PageErrors, errors  # noqa: F401 (the fixture, used by every test here)

pytestmark = pytest.mark.usefixtures("errors")
IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
SWEEP, CLEANUP = "sweep", "cleanup"
OPTIMIZERS = ["adam", "sgd", "lion"]


def seed(store: Store, name: str, runs: int) -> dict[str, int]:
    """Runs with nested config, params, summary, system info, tags; three metrics each (known values)."""
    project = store.create_project(name)
    ids: dict[str, int] = {}
    began = time.time() - 3600
    steps = np.arange(4, dtype=np.int64)
    for i in range(runs):
        run = store.create_run(
            project.id, name=f"run-{i:02d}", params={"lr": [0.1, 0.01, 0.001][i % 3]},
            config={"model": {"width": 32 * (1 + i % 4), "depth": 2 + i % 2}, "optimizer": OPTIMIZERS[i % 3],
                    "batch": 64},
            system={"python": "3.11", "host": f"node-{i % 2}"}, tags=["best"] if i == 4 else [], start_time=began + i)
        store.update_run(run.id, summary={"best_acc": 0.5 + i / 100})
        times = began + i + steps.astype(np.float64)
        store.append_metrics(run.id, {
            "train/loss": MetricColumns(steps, np.array([2.0, 0.5 + i / 10, 1.0, 0.9 + i / 10]), times),
            "system/cpu": MetricColumns(steps, np.array([10.0, 20.0, 30.0, 40.0]), times)})
        store.set_run_status(run.id, "finished", end_time=began + i + 60)
        ids[f"run-{i:02d}"] = run.id
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int], dict[str, int]]]:
    data = tmp_path_factory.mktemp("table-data")
    with open_store(data) as store:
        sweep = seed(store, SWEEP, 12)
        cleanup = seed(store, CLEANUP, 4)
        projects = {p.name: p.id for p in store.list_projects()}
    live = LiveServer(data).start()
    try:
        yield live, {**sweep, "_project": projects[SWEEP]}, {**cleanup, "_project": projects[CLEANUP]}
    finally:
        live.stop()


def view_settings(live: LiveServer, project_id: int) -> dict[tuple[str, str], int]:
    settings = httpx.get(f"{live.url}/web/api/projects/{project_id}/view").json()["settings"]
    return {(s["kind"], s["name"]): s["value"] for s in settings}


def forget_table_settings(live: LiveServer, project_id: int) -> None:
    """Each test starts from the default table (the server lives for the whole module)."""
    remove = [{"kind": k, "name": n} for k, n in view_settings(live, project_id) if k.startswith("tbl_")]
    if remove:
        httpx.put(f"{live.url}/web/api/projects/{project_id}/view", json={"remove": remove}).raise_for_status()


def wait_saved(live: LiveServer, project_id: int, check: Callable[[dict[tuple[str, str], int]], bool]) -> None:
    """Until the page's debounced save has reached the server."""
    deadline = time.monotonic() + 10
    while not check(view_settings(live, project_id)):
        assert time.monotonic() < deadline, view_settings(live, project_id)
        time.sleep(0.1)


def open_table(page: Page, live: LiveServer, project: str = SWEEP) -> None:
    page.goto(f"{live.url}/projects/{project}/runs")
    page.wait_for_function("window.runyard && window.runyard.ready")


def headers(page: Page) -> list[str]:
    return page.eval_on_selector_all("#runs-table thead th[data-col]", "ths => ths.map(th => th.dataset.col)")


def shown_names(page: Page) -> list[str]:
    return page.locator("#runs-table tbody td.name a").all_text_contents()


def picker_row(page: Page, column: str) -> Any:
    return page.locator(f"#column-picker li[data-col='{column}']")


def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """docs/images/<name>.png with RUNYARD_SCREENSHOTS=1, else into tmp (tests do not rewrite tracked files)."""
    target = (IMAGES if os.environ.get("RUNYARD_SCREENSHOTS") == "1" else tmp_path) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#runs").screenshot(path=str(target))


def test_config_columns_and_the_picker_persist(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]],
                                               tmp_path: Path) -> None:
    live, ids, _ = server
    project_id = ids["_project"]
    forget_table_settings(live, project_id)
    open_table(page, live)
    cols = headers(page)
    assert {"config.model.width", "config.model.depth", "config.optimizer", "params.lr", "summary.best_acc",
            "metrics.train/loss"} <= set(cols)
    # system info and system/* metrics are there to pick, hidden by default
    assert "system.host" not in cols and "metrics.system/cpu" not in cols and "id" not in cols
    cell = page.locator(f"#runs-table tr[data-id='{ids['run-05']}'] td").nth(cols.index("config.model.width") + 1)
    assert cell.text_content() == "64"
    assert page.evaluate("performance.getEntriesByName('runyard:table-ready').length") == 1

    page.locator("#column-picker summary").click()
    picker_row(page, "config.batch").locator("input.col-shown").uncheck()
    picker_row(page, "system.host").locator("input.col-shown").check()
    picker_row(page, "config.optimizer").locator("button.col-pin").click()
    for _ in range(2):
        picker_row(page, "summary.best_acc").locator("button.col-up").click()
    page.eval_on_selector("#column-picker .col-panel", "el => { el.scrollTop = 0; }")
    screenshot(page, "dashboard-table", tmp_path)
    cols = headers(page)
    assert "config.batch" not in cols and "system.host" in cols
    assert cols[:2] == ["name", "config.optimizer"]  # pinned: right after the name
    assert page.eval_on_selector("#runs-table th[data-col='config.optimizer']", "th => getComputedStyle(th).position") == "sticky"
    wait_saved(live, project_id, lambda s: s.get(("tbl_col", "config.batch")) == 0 and s.get(("tbl_pin", "config.optimizer")) == 1
               and ("tbl_order", "summary.best_acc") in s)
    moved = cols

    page.reload()
    page.wait_for_function("window.runyard && window.runyard.ready")
    assert headers(page) == moved
    # Scrolled sideways, the name and pinned columns stay where they were.
    name_x = page.locator("#runs-table th[data-col='name']").bounding_box()["x"]
    pinned_x = page.locator("#runs-table th[data-col='config.optimizer']").bounding_box()["x"]
    page.set_viewport_size({"width": 700, "height": 900})
    page.eval_on_selector(".table-wrap", "el => { el.scrollLeft = 400; }")
    page.wait_for_function("document.querySelector('.table-wrap').scrollLeft > 0")
    assert page.locator("#runs-table th[data-col='name']").bounding_box()["x"] == pytest.approx(name_x, abs=1)
    assert page.locator("#runs-table th[data-col='config.optimizer']").bounding_box()["x"] == pytest.approx(pinned_x, abs=1)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_metric_summary_choice(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]]) -> None:
    live, ids, _ = server
    forget_table_settings(live, ids["_project"])
    open_table(page, live)
    row = f"#runs-table tr[data-id='{ids['run-07']}'] td"

    def loss_cell() -> str | None:
        return page.locator(row).nth(headers(page).index("metrics.train/loss") + 1).text_content()

    assert loss_cell() == "1.6"  # last: 0.9 + 7/10
    page.locator("#column-picker summary").click()
    picker_row(page, "metrics.train/loss").locator("select.col-summary").select_option("min")
    assert loss_cell() == "1"  # min: 1.0
    assert page.locator("#runs-table th[data-col='metrics.train/loss']").text_content().startswith("train/loss (min)")
    picker_row(page, "metrics.train/loss").locator("select.col-summary").select_option("max")
    assert loss_cell() == "2"
    wait_saved(live, ids["_project"], lambda s: s.get(("tbl_summary", "train/loss")) == 2)
    page.reload()
    page.wait_for_function("window.runyard && window.runyard.ready")
    assert loss_cell() == "2"
    # sorting by the column sorts by the chosen summary
    page.locator("#runs-table th[data-col='metrics.train/loss']").click()
    assert page.evaluate("performance.getEntriesByName('runyard:table-updated').length") >= 1


def test_grouping_rows_and_the_groups_event(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]],
                                            tmp_path: Path) -> None:
    live, ids, _ = server
    forget_table_settings(live, ids["_project"])
    open_table(page, live)
    page.evaluate("window.__groups = []; document.addEventListener('runyard:groups', e => window.__groups.push(e.detail))")
    page.locator("#group-by").select_option("config.optimizer")
    page.wait_for_function("window.__groups.length > 0")  # sent once the table is drawn
    groups = page.locator("#runs-table tr.group-row")
    assert groups.count() == 3
    assert [g.strip() for g in groups.all_text_contents()] == [
        "▾config.optimizer = adam 4 runs", "▾config.optimizer = lion 4 runs", "▾config.optimizer = sgd 4 runs"]
    event = page.evaluate("window.__groups[window.__groups.length - 1]")
    assert event["column"] == "config.optimizer"
    by_label = {g["label"]: set(g["runIds"]) for g in event["groups"]}
    assert by_label == {opt: {ids[f"run-{i:02d}"] for i in range(12) if OPTIMIZERS[i % 3] == opt} for opt in OPTIMIZERS}
    assert all(g["colour"].startswith("#") for g in event["groups"])
    screenshot(page, "dashboard-table-grouped", tmp_path)
    # collapse one group: its rows go, the others stay
    groups.nth(0).locator("button.group-toggle").click()
    assert page.locator("#runs-table tbody tr[data-id]").count() == 8
    # the group's checkbox ticks its runs (and tells the page)
    page.evaluate("window.__selection = null; document.addEventListener('runyard:selection', e => window.__selection = e.detail)")
    page.locator("#runs-table tr.group-row").nth(0).locator("input.pick-group").check()  # adam: run-00 was not ticked
    assert set(page.evaluate("window.__selection.runIds")) >= by_label["adam"]
    wait_saved(live, ids["_project"], lambda s: s.get(("tbl_group", "config.optimizer")) == 1)
    page.locator("#group-by").select_option("")
    assert page.locator("#runs-table tr.group-row").count() == 0
    page.wait_for_function("window.__groups[window.__groups.length - 1].column === null")
    assert page.evaluate("window.__groups[window.__groups.length - 1]") == {"column": None}


def test_filter_says_why_it_cannot_parse(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]],
                                         errors: PageErrors) -> None:  # noqa: F811 (the fixture)
    live, ids, _ = server
    forget_table_settings(live, ids["_project"])
    open_table(page, live)
    page.locator("#run-filter").fill("lr <")
    error = page.locator("#filter-error")
    error.wait_for(state="visible")
    assert "a value must follow '<'" in (error.text_content() or "")
    assert page.locator("#run-filter").get_attribute("aria-invalid") == "true"
    assert page.locator("#runs-table tbody tr[data-id]").count() == 12  # nothing filtered by a broken filter
    page.locator("#run-filter").fill("lr<0.05 model.width>=96 optimizer=sgd")  # the short form
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2")
    assert error.is_hidden()
    assert sorted(shown_names(page)) == ["run-07", "run-10"]
    page.locator("#run-filter").fill("config.model.depth = 3 and metrics.`train/loss` > 1.5")  # the long form
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 3")
    assert sorted(shown_names(page)) == ["run-07", "run-09", "run-11"]
    # The browser itself logs the 422 answer as a failed load; the page handled it (the message above).
    errors.messages[:] = [m for m in errors.messages if "status of 422" not in m]
    assert errors.messages == []


def test_csv_export_has_the_visible_columns_and_rows(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]]) -> None:
    live, ids, _ = server
    forget_table_settings(live, ids["_project"])
    open_table(page, live)
    page.locator("#run-filter").fill("best")  # a free word: the tag of run-04
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 1")
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    download = info.value
    assert download.suggested_filename == "sweep-runs.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert rows[0] == [("duration_s" if c == "duration" else c) for c in headers(page)]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == "run-04" and row["config.model.width"] == "32" and row["config.optimizer"] == "sgd"
    assert row["params.lr"] == "0.01" and row["metrics.train/loss"] == "1.3" and row["tags"] == "best"
    assert row["duration_s"] == "60"


def test_archive_restore_and_delete_are_confirmed(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]],
                                                  ) -> None:
    live, _, ids = server
    open_table(page, live, CLEANUP)
    rows_url = f"{live.url}/web/api/projects/{ids['_project']}/runs"
    page.locator("#select-none").click()
    for name in ("run-00", "run-01"):
        page.locator(f"#runs-table tr[data-id='{ids[name]}'] input.pick").check()
    dialog = page.locator("#confirm-dialog")
    page.locator("#archive-selected").click()
    assert dialog.is_visible() and "Archive 2 runs (run-00, run-01)" in (dialog.text_content() or "")
    dialog.locator("button[value=cancel]").click()
    assert dialog.is_hidden() and page.locator("#runs-table tbody tr[data-id]").count() == 4
    page.locator("#archive-selected").click()
    dialog.locator("button[value=ok]").click()
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 2")
    assert {r["name"] for r in httpx.get(rows_url).json()["runs"]} == {"run-02", "run-03"}
    # shown again on request, marked, and restorable
    page.locator("#show-archived").check()
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 4")
    assert page.locator("#runs-table tr.archived .archived-badge").count() == 2
    for name in ("run-00", "run-01"):
        page.locator(f"#runs-table tr[data-id='{ids[name]}'] input.pick").check()
    page.locator("#restore-selected").click()
    assert "Restore 2 runs" in (dialog.text_content() or "")
    dialog.locator("button[value=ok]").click()
    page.wait_for_function("document.querySelectorAll('#runs-table tr.archived').length === 0")
    page.locator("#show-archived").uncheck()
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 4")
    # delete: confirmed, gone for good
    page.locator("#select-none").click()
    page.locator(f"#runs-table tr[data-id='{ids['run-03']}'] input.pick").check()
    page.locator("#delete-selected").click()
    assert "cannot be undone" in (dialog.text_content() or "")
    dialog.locator("button[value=ok]").click()
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr[data-id]').length === 3")
    assert {r["name"] for r in httpx.get(rows_url, params={"archived": 1}).json()["runs"]} == {"run-00", "run-01", "run-02"}


def test_brush_hover_and_selection_events(page: Page, server: tuple[LiveServer, dict[str, int], dict[str, int]]) -> None:
    live, ids, _ = server
    forget_table_settings(live, ids["_project"])
    open_table(page, live)
    brushed = [ids["run-02"], ids["run-05"], ids["run-09"]]
    page.evaluate(f"document.dispatchEvent(new CustomEvent('runyard:brush', {{detail: {{runIds: {brushed}}}}}))")
    assert sorted(shown_names(page)) == ["run-02", "run-05", "run-09"]
    assert "(brushed)" in (page.locator("#run-count").text_content() or "")
    page.evaluate("document.dispatchEvent(new CustomEvent('runyard:brush', {detail: {runIds: null}}))")
    assert page.locator("#runs-table tbody tr[data-id]").count() == 12
    # a hover elsewhere highlights the row; hovering a row tells the page
    page.evaluate(f"document.dispatchEvent(new CustomEvent('runyard:hover', {{detail: {{runId: {ids['run-03']}}}}}))")
    assert page.locator("#runs-table tr.hovered").get_attribute("data-id") == str(ids["run-03"])
    page.evaluate("window.__hover = []; document.addEventListener('runyard:hover', e => window.__hover.push(e.detail.runId))")
    page.locator(f"#runs-table tr[data-id='{ids['run-06']}'] td.notes").hover()
    assert page.evaluate("window.__hover")[-1] == ids["run-06"]
    page.evaluate("window.__selection = null; document.addEventListener('runyard:selection', e => window.__selection = e.detail)")
    was_ticked = ids["run-06"] in page.evaluate("[...window.runyard.table.selected]")
    page.locator(f"#runs-table tr[data-id='{ids['run-06']}'] input.pick").click()
    ticked = page.evaluate("[...window.runyard.table.selected]")
    assert (ids["run-06"] in ticked) != was_ticked
    assert sorted(page.evaluate("window.__selection.runIds")) == sorted(ticked)
    page.evaluate("window.__isolate = []; document.addEventListener('runyard:isolate', e => window.__isolate.push(e.detail.runId))")
    page.locator(f"#runs-table tr[data-id='{ids['run-06']}'] .swatch").click()
    assert page.evaluate("window.__isolate") == [ids["run-06"]]
