"""Logged media in real Chromium: image slider, histogram heatmap, sortable table, live steps, runs side by side.

The media are logged by the real SDK (local mode, into the served data dir), so the test
covers the whole way: runyard.Image/Histogram/Table -> media thread -> artifacts -> change
feed -> SSE `media` event -> the page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, ConsoleMessage, Page

import runyard
from runyard.sdk.media_encode import encode
from runyard.server.deps import SESSION_COOKIE
from runyard.store import open_store
from tests.live_server import LiveServer
from tests.server.web.test_browser import PageErrors

PROJECT = "media-demo"
IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
STEPS = [0, 10, 20, 30, 40]
Server = tuple[LiveServer, dict[str, Any]]


def colour_of(step: int, shift: int = 0) -> list[int]:
    """The colour every pixel of the image logged at `step` has (a run's `shift` changes it)."""
    return [(step * 5 + shift) % 256, (200 - step * 4) % 256, (60 + shift * 3) % 256]


def picture(step: int, shift: int = 0) -> np.ndarray[Any, Any]:
    """A 48x64 image: one colour with a white diagonal (so the screenshot shows a picture, not a swatch)."""
    image = np.zeros((48, 64, 3), np.uint8)
    image[:] = colour_of(step, shift)
    for i in range(48):
        image[i, i + 8:i + 10] = 255
    return image


def log_run(data: Path, name: str, shift: int, *, finish: bool = True) -> runyard.Run:
    run = runyard.init(project=PROJECT, name=name, dir=data, capture_console=False, system_info=False)
    rng = np.random.default_rng(shift)
    for step in STEPS:
        run.log({"loss": 1.0 / (step + 1), "samples": runyard.Image(picture(step, shift), caption=f"{name} at {step}"),
                 "weights": runyard.Histogram(rng.normal(step / 20, 1 + step / 40, 2000), num_bins=40)}, step=step)
    run.log({"predictions": runyard.Table(["id", "label", "score"], [[1, "cat", 0.9], [2, "dog", 0.35], [3, "bird", 0.6],
                                                                    [4, "ant", 0.05]])}, step=STEPS[-1])
    if finish:
        run.finish()
    return run


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server over runs the SDK logged media into; `live` stays running for the live test."""
    data = tmp_path_factory.mktemp("media-data")
    runs = {name: log_run(data, name, shift) for name, shift in (("resnet", 0), ("vit", 40))}
    live = runyard.init(project=PROJECT, name="live", dir=data, capture_console=False, system_info=False)
    live.log({"samples": runyard.Image(picture(0), caption="first")}, step=0)
    served = LiveServer(data).start()
    try:
        yield served, {"runs": {name: run.id for name, run in runs.items()}, "live": live}
    finally:
        live.finish()
        served.stop()


@pytest.fixture
def errors(page: Page) -> Iterator[PageErrors]:
    found = PageErrors(page)
    yield found
    assert found.messages == []


def screenshot(page: Page, name: str, tmp_path: Path, selector: str) -> None:
    """docs/images/<name>.png with RUNYARD_SCREENSHOTS=1, else into tmp (tests do not rewrite tracked files)."""
    target = (IMAGES if os.environ.get("RUNYARD_SCREENSHOTS") == "1" else tmp_path) / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.locator(selector).screenshot(path=str(target))
    assert target.stat().st_size > 5_000


def open_run(page: Page, live: LiveServer, name: str) -> None:
    page.goto(f"{live.url}/projects/{PROJECT}/runs/{name}")
    page.wait_for_function("window.runyard && window.runyard.mediaReady === true")


def panel(page: Page, kind: str, key: str, expression: str) -> Any:
    """`expression` evaluated with `p` the panel of (kind, key)."""
    return page.evaluate(f"(() => {{ const p = window.runyard.media.get({f'{kind}:{key}'!r}); return {expression}; }})()")


def wait_panel(page: Page, kind: str, key: str, condition: str) -> None:
    page.wait_for_function(f"(() => {{ const p = window.runyard.media.get({f'{kind}:{key}'!r}); return !!(p && {condition}); }})()")


def shown_pixel(page: Page, selector: str) -> list[int]:
    """The middle-left pixel of a loaded <img> (same origin, so a canvas may read it)."""
    pixel: list[int] = page.evaluate(f"""(() => {{
        const img = document.querySelector({selector!r});
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
        return [...ctx.getImageData(2, 40, 1, 1).data.slice(0, 3)];
    }})()""")
    return pixel


def test_image_slider_changes_the_image(page: Page, server: Server, errors: PageErrors, tmp_path: Path) -> None:
    live, _ids = server
    open_run(page, live, "resnet")
    assert page.evaluate("performance.getEntriesByName('runyard:media-ready').length") == 1
    assert page.locator("#media .media-card").evaluate_all("els => els.map(e => e.dataset.kind + ':' + e.dataset.key)") \
        == ["image:samples", "histogram:weights", "table:predictions"]
    image = "#media .media-image img"
    # It opens on the newest step, with its caption.
    assert panel(page, "image", "samples", "p.step") == 40
    assert shown_pixel(page, image) == colour_of(40)
    assert page.locator("#media .media-image figcaption").text_content() == "resnet at 40"
    slider = page.locator("#media .media-image input[type=range]")
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    wait_panel(page, "image", "samples", "p.step === 10 && p.drawn >= 2 && p.img.complete")
    page.wait_for_function("document.querySelector('#media .media-image img').src.includes('step=10')")
    assert shown_pixel(page, image) == colour_of(10)
    assert page.locator("#media .media-image figcaption").text_content() == "resnet at 10"
    assert page.locator("#media .media-image .media-step").text_content() == "step 10 (2 of 5)"
    # The artifacts table leaves the media files to this section (a run may log thousands).
    assert page.locator("#artifacts tbody tr, #artifacts > tr").count() == 0
    assert (page.locator("#media-artifacts").text_content() or "").startswith("16 files of logged media")
    screenshot(page, "dashboard-media", tmp_path, "#media")


def test_histogram_heatmap_is_drawn(page: Page, server: Server, errors: PageErrors) -> None:
    live, _ids = server
    open_run(page, live, "resnet")
    wait_panel(page, "histogram", "weights", "p.drawn >= 1")
    assert panel(page, "histogram", "weights", "p.layout.shown") == STEPS
    # Every column holds colour: the canvas is not blank where each step's distribution peaks.
    painted = panel(page, "histogram", "weights", """(() => {
        const ctx = p.canvas.getContext('2d'); const r = window.devicePixelRatio || 1;
        const {colW} = p.layout; const x0 = 56;
        return p.layout.shown.map((s, c) => {
            const x = Math.floor((x0 + c * colW + colW / 2) * r);
            const column = ctx.getImageData(x, 0, 1, p.canvas.height).data;
            let coloured = 0;
            for (let i = 0; i < column.length; i += 4) if (column[i] < 200 && column[i + 2] > 30) coloured++;
            return coloured;
        });
    })()""")
    assert all(count > 10 for count in painted), painted
    box = page.locator("#media .media-heatmap").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] - 20, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#media .media-readout').textContent.startsWith('step 40:')")
    drawn = panel(page, "histogram", "weights", "p.drawn")
    page.set_viewport_size({"width": 900, "height": 1000})  # narrower: redrawn at the new width
    wait_panel(page, "histogram", "weights", f"p.drawn > {drawn} && Math.abs(p.layout.width - p.canvas.clientWidth) <= 1")


def test_table_sorts_by_a_clicked_column(page: Page, server: Server, errors: PageErrors) -> None:
    live, _ids = server
    open_run(page, live, "resnet")
    cells = "els => els.map(e => e.textContent)"
    labels = page.locator("#media .media-table tbody td:nth-child(2)")
    assert labels.evaluate_all(cells) == ["cat", "dog", "bird", "ant"]
    header = page.locator("#media .media-table th[data-col='2']")
    header.click()
    page.wait_for_function("document.querySelector(\"#media .media-table th[data-col='2']\").getAttribute('aria-sort') === 'ascending'")
    assert labels.evaluate_all(cells) == ["ant", "dog", "bird", "cat"]
    header = page.locator("#media .media-table th[data-col='2']")
    header.click()
    page.wait_for_function("document.querySelector(\"#media .media-table th[data-col='2']\").getAttribute('aria-sort') === 'descending'")
    assert labels.evaluate_all(cells) == ["cat", "bird", "dog", "ant"]
    page.locator("#media .media-table th[data-col='1']").click()  # text sorts as text
    page.wait_for_function("document.querySelector(\"#media .media-table th[data-col='1']\").getAttribute('aria-sort') === 'ascending'")
    assert labels.evaluate_all(cells) == ["ant", "bird", "cat", "dog"]


def test_a_live_run_adds_steps_and_keys_as_they_arrive(page: Page, server: Server, errors: PageErrors) -> None:
    live_server, ids = server
    run: runyard.Run = ids["live"]
    open_run(page, live_server, "live")
    assert panel(page, "image", "samples", "p.slider.steps") == [0]
    run.log({"samples": runyard.Image(picture(7), caption="second")}, step=7)
    wait_panel(page, "image", "samples", "p.step === 7 && p.drawn >= 2")
    page.wait_for_function("document.querySelector('#media .media-image figcaption').textContent === 'second'")
    assert shown_pixel(page, "#media .media-image img") == colour_of(7)
    # A key the page has not seen yet gets its own panel.
    run.log({"live_hist": runyard.Histogram([1.0, 2.0, 2.0, 3.0], num_bins=3)}, step=8)
    wait_panel(page, "histogram", "live_hist", "p.drawn >= 1")
    assert panel(page, "histogram", "live_hist", "p.layout.shown") == [8]


def test_images_side_by_side_across_runs(page: Page, server: Server, errors: PageErrors, tmp_path: Path) -> None:
    live, ids = server
    chosen = [ids["runs"]["resnet"], ids["runs"]["vit"]]
    page.goto(f"{live.url}/projects/{PROJECT}?runs={','.join(map(str, chosen))}")
    figures = "#media-compare .media-figure"
    page.wait_for_function(f"document.querySelectorAll('{figures} img').length === 2 && "
                           f"[...document.querySelectorAll('{figures} img')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator(figures).evaluate_all("els => els.map(e => Number(e.dataset.run))") == chosen
    assert shown_pixel(page, f"{figures}[data-run='{chosen[1]}'] img") == colour_of(40, 40)
    slider = page.locator("#media-compare input[type=range]")
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function(f"[...document.querySelectorAll('{figures} img')].every(i => i.src.includes('step=0') && i.complete)")
    assert shown_pixel(page, f"{figures}[data-run='{chosen[0]}'] img") == colour_of(0)
    screenshot(page, "dashboard-media-compare", tmp_path, "#media-compare")
    # It follows the runs table's selection (runyard:selection): unticking a run takes it out.
    page.locator(f"#runs-table tbody tr[data-id='{chosen[1]}'] input[type=checkbox]").click()
    page.wait_for_function(f"[...document.querySelectorAll('{figures}')].map(f => f.dataset.run).join() === '{chosen[0]}'")


def test_media_views_work_under_the_pages_policy(browser: Browser, server: Server) -> None:
    """Under the real CSP (the tests above bypass it to poll with `wait_for_function`)."""
    live, ids = server
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=False)
    messages: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            messages.append(message.text)

    try:
        page = context.new_page()
        page.on("console", console)
        page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
        page.goto(f"{live.url}/projects/{PROJECT}/runs/resnet")
        page.locator("#media .media-image figcaption").get_by_text("resnet at 40").wait_for()
        page.locator("#media .media-table td").get_by_text("bird").wait_for()
        page.locator("#media .media-heatmap").wait_for()
        chosen = ",".join(str(ids["runs"][name]) for name in ("resnet", "vit"))
        page.goto(f"{live.url}/projects/{PROJECT}?runs={chosen}")
        page.locator("#media-compare .media-figure img").nth(1).wait_for()
        page.locator("#media-compare .swatch").first.wait_for()  # inline colour styles
    finally:
        context.close()
    assert messages == []


def test_media_load_for_a_signed_in_browser_when_tokens_are_required(page: Page, errors: PageErrors,
                                                                      tmp_path: Path) -> None:
    """Images and JSON come from the v1 routes with the sign-in cookie (GETs: no CSRF concern)."""
    data = tmp_path / "data"
    with open_store(data) as store:  # stored as the SDK's media thread does (the module's live run stays current)
        run = store.create_run(store.create_project(PROJECT).id, name="secured")
        for path, content in [*encode("samples", 40, runyard.Image(picture(40, 7), caption="secured at 40")),
                              *encode("weights", 40, runyard.Histogram([1.0, 2.0, 2.0]))]:
            store.add_artifact_bytes(run.id, path, content)
        store.set_run_status(run.id, "finished")
        secret = store.create_token("default", name="browser")[1]
    served = LiveServer(data, extra=["--auth"]).start()
    try:
        page.context.add_cookies([{"name": SESSION_COOKIE, "value": secret, "url": served.url}])
        open_run(page, served, "secured")
        wait_panel(page, "image", "samples", "p.drawn >= 1")
        wait_panel(page, "histogram", "weights", "p.drawn >= 1")
        assert shown_pixel(page, "#media .media-image img") == colour_of(40, 7)
        assert page.locator("#media .media-image figcaption").text_content() == "secured at 40"
    finally:
        served.stop()
