"""The charts workspace in real Chromium: view state, colours, sections, legend, x axes, groups."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page

from tests.live_server import LiveServer
from tests.server.web.conftest import PROJECT
from tests.server.web.test_browser import PageErrors

Server = tuple[LiveServer, dict[str, int]]


@pytest.fixture
def errors(page: Page) -> Iterator[PageErrors]:
    """Fails the test if the page logged an error."""
    found = PageErrors(page)
    yield found
    assert found.messages == []


def project_id(page: Page) -> int:
    found: int = page.evaluate("JSON.parse(document.getElementById('page-data').textContent).project.id")
    return found


def open_project(page: Page, live: LiveServer) -> None:
    page.goto(f"{live.url}/projects/{PROJECT}")
    page.wait_for_function("window.runyard && window.runyard.ready")


def test_view_state_saves_debounced_and_loads(page: Page, server: Server, errors: PageErrors) -> None:
    live, _ids = server
    open_project(page, live)
    pid = project_id(page)
    saved: dict[str, Any] = page.evaluate(f"""async () => {{
        const view = await import('/static/dashboard/viewstate.js');
        const before = window.runyard.viewSaves || 0;
        // A burst of changes is one request; the last change of a (kind, name) wins.
        view.saveView({pid}, [{{kind: 'ws_test', name: 'a', value: 1}}]);
        view.saveView({pid}, [{{kind: 'ws_test', name: 'a', value: 2}}, {{kind: 'ws_test', name: 'b', value: -3}}]);
        view.saveView({pid}, [], [{{kind: 'ws_test', name: 'b'}}]);
        await view.flushView({pid});
        const loaded = await view.loadView({pid});
        const result = {{requests: (window.runyard.viewSaves || 0) - before,
                         a: loaded.get('ws_test').get('a'), b: loaded.get('ws_test').has('b')}};
        view.saveView({pid}, [], [{{kind: 'ws_test', name: 'a'}}]);
        await view.flushView({pid});
        return result;
    }}""")
    assert saved == {"requests": 1, "a": 2, "b": False}


def test_run_colours_are_stable_and_neighbours_differ(page: Page, server: Server, errors: PageErrors) -> None:
    live, _ids = server
    open_project(page, live)
    colours: list[str] = page.evaluate("""async () => {
        const palette = await import('/static/dashboard/palette.js');
        return Array.from({length: 40}, (_, i) => palette.runColour(i + 1));
    }""")
    assert all(a != b for a, b in itertools.pairwise(colours))
    assert len(set(colours)) >= 10
    again: str = page.evaluate("import('/static/dashboard/palette.js').then(p => p.runColour(7))")
    assert again == colours[6]
