"""The dashboard and the API docs work in Chromium under their Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Browser, ConsoleMessage, Page

from tests.live_server import LiveServer
from tests.server.web.conftest import PROJECT


@pytest.fixture
def page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """A page that enforces the CSP (the other browser tests bypass it for `wait_for_function`)."""
    context = browser.new_context(**{**browser_context_args, "bypass_csp": False})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_pages_work_under_the_policy(page: Page, server: tuple[LiveServer, dict[str, int]]) -> None:
    live, ids = server
    messages: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            messages.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    response = page.goto(live.url + "/")
    assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.locator("#projects tbody tr").first.wait_for()
    page.goto(f"{live.url}/projects/{PROJECT}")
    page.locator(".chart canvas").nth(1).wait_for()
    page.locator("#runs-table tbody tr[data-id]").nth(len(ids) - 1).wait_for()
    page.locator(".swatch").first.wait_for()  # inline colour styles set by the table script
    page.goto(f"{live.url}/projects/{PROJECT}/runs/resnet-a")
    page.locator(".chart canvas").first.wait_for()
    page.locator("#artifacts").get_by_text("model/weights.txt").wait_for()
    page.goto(live.url + "/docs/v1")
    page.locator(".swagger-ui .opblock").first.wait_for()  # Swagger UI booted from its inline script
    assert messages == []
