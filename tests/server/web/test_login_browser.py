"""Signing in through the login page in real Chromium, against `runyard serve --auth`."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import Page

from runyard.server.deps import SESSION_COOKIE
from runyard.store import open_store
from tests.live_server import LiveServer
from tests.server.web.conftest import PROJECT, seed_project
from tests.server.web.test_browser import PageErrors, drawn, open_charts

LOSS = "train/loss"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int], str]]:
    """`runyard serve --auth` on a seeded data dir, with a token of the seeded tenant."""
    data = tmp_path_factory.mktemp("login-data")
    with open_store(data) as store:
        ids = seed_project(store)
        secret = store.create_token("default", name="browser")[1]
    live = LiveServer(data, extra=["--auth"]).start()
    try:
        yield live, ids, secret
    finally:
        live.stop()


def test_sign_in_in_chromium_then_charts_stay_live(page: Page,
                                                   auth_server: tuple[LiveServer, dict[str, int], str]) -> None:
    live, ids, secret = auth_server
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{live.url}/", follow_redirects=False).status_code == 303  # tokens are required
    errors = PageErrors(page)
    run_id = ids["live"]
    wanted = f"/projects/{PROJECT}?runs={run_id},{ids['resnet-a']}"

    page.goto(live.url + wanted)
    assert page.url.startswith(f"{live.url}/login?next=")
    page.fill("#token", "ry_wrong")
    page.click("#login-form button[type=submit]")
    assert "not valid" in (page.text_content("#login-message") or "")
    # Chromium logs the 401 answer to the form (the page again, as asked) as a failed load;
    # that one is expected, nothing after it is.
    deadline = time.monotonic() + 5
    while not errors.messages and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert errors.messages == ["console: Failed to load resource: the server responded with a status of 401 "
                               "(Unauthorized)"]
    errors.messages.clear()
    page.fill("#token", secret)
    page.click("#login-form button[type=submit]")
    # Back on the page it was sent from, with its selection (the page re-encodes it: `6%2C1`).
    page.wait_for_function("window.runyard && window.runyard.ready")
    landed = httpx.URL(page.url)
    assert landed.path == f"/projects/{PROJECT}" and landed.params["runs"] == f"{run_id},{ids['resnet-a']}"
    page.wait_for_function("Object.values(window.runyard.charts).filter(c => c.loaded && c.u).length >= 2")
    stored = {c["name"]: c for c in page.context.cookies()}[SESSION_COOKIE]
    assert stored["httpOnly"] and stored["sameSite"] == "Strict" and stored["path"] == "/"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read the token
    page.wait_for_function("window.runyard.streamState === 'live'")
    assert drawn(page, LOSS, run_id)["steps"][-1] == 99  # type: ignore[index]

    for step in (100, 101, 102):
        answer = httpx.post(f"{live.url}/api/v1/experiments/runs/{run_id}/log-metrics",
                            json={"metrics": {LOSS: 0.5}, "step": step}, headers=bearer)
        assert answer.status_code == 200, answer.text
    page.wait_for_function(f"window.runyard.charts[{LOSS!r}].dataOf({run_id}).steps.at(-1) === 102")

    # A cookie-signed edit from the page itself passes the same-origin check. (A finished run:
    # live points re-render the live run's row, which would drop an open editor.)
    edited = ids["resnet-b"]
    page.locator(f"#runs-table tr[data-id='{edited}'] td[data-edit='notes']").dblclick()
    page.locator("#runs-table input.cell-edit").fill("from the browser")
    page.locator("#runs-table input.cell-edit").press("Enter")
    page.wait_for_function(f"document.querySelector(\"#runs-table tr[data-id='{edited}'] td[data-edit='notes']\")"
                           ".textContent === 'from the browser'")
    saved = httpx.get(f"{live.url}/api/projects/{PROJECT}/runs/resnet-b/metadata", headers=bearer)
    assert saved.status_code == 200 and saved.json()["notes"] == "from the browser"

    # Sent to /login while signed in (a link from another site carries no Strict cookie):
    # the page's own check finds the cookie and goes straight on.
    page.goto(f"{live.url}/login?next=%2Fprojects%2F{PROJECT}%2Fruns")
    page.wait_for_url(f"{live.url}/projects/{PROJECT}/runs")
    page.wait_for_function("window.runyard && window.runyard.ready")

    page.click("header form.logout button")
    page.wait_for_url(f"{live.url}/login")
    page.goto(f"{live.url}/projects/{PROJECT}")
    assert page.url == f"{live.url}/login?next=%2Fprojects%2F{PROJECT}"
    # Signed in again from a fresh navigation: the cookie works for page loads too.
    page.fill("#token", secret)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live.url}/projects/{PROJECT}*")
    open_charts(page, f"{live.url}/projects/{PROJECT}", 2)
    assert errors.messages == []
