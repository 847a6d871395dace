"""`server/sites`: a third-party frontend's files and its API calls, in-process (no socket)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from runyard.server import create_app
from runyard.server.deps import SESSION_COOKIE
from runyard.server.sites import SITE_POLICY, FrontendSite, site_app
from runyard.server.sites.site import locate
from runyard.settings import Settings
from runyard.store import Store

pytestmark = pytest.mark.anyio
INDEX = b"<!doctype html><div id=app></div>"


@pytest.fixture
def site_files(tmp_path: Path) -> Path:
    """A built SPA (index, a hashed asset, a folder with its own index) beside a file it must never serve."""
    root = tmp_path / "site"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app-1234.js").write_text("console.log('app')")
    (root / "docs").mkdir()
    (root / "docs" / "index.html").write_text("docs page")
    (tmp_path / "secret.txt").write_text("outside the site")
    (root / "assets" / "escape.js").symlink_to(tmp_path / "secret.txt")
    return root


def _client(site: FrontendSite, app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=site_app(site, app)), base_url="http://runyard.test")


@pytest.fixture
async def site(site_files: Path, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(FrontendSite(name="spa", files=site_files, api_prefixes=("/api/",)), app) as http:
        yield http


async def test_files_are_served_with_the_site_policy(site: httpx.AsyncClient) -> None:
    index = await site.get("/")
    assert index.status_code == 200 and index.content == INDEX
    assert index.headers["content-security-policy"] == SITE_POLICY
    assert index.headers["x-frame-options"] == "DENY" and index.headers["x-content-type-options"] == "nosniff"
    assert index.headers["cache-control"] == "no-cache"
    script = await site.get("/assets/app-1234.js")
    assert script.status_code == 200 and script.text == "console.log('app')"
    assert "javascript" in script.headers["content-type"]
    assert (await site.get("/docs/")).text == "docs page"
    head = await site.head("/assets/app-1234.js")
    assert head.status_code == 200 and head.content == b""


async def test_client_routes_get_the_index_and_missing_files_404(site: httpx.AsyncClient) -> None:
    for route in ("/experiment/3", "/charts", "/project/a%20b"):
        answer = await site.get(route)
        assert answer.status_code == 200 and answer.content == INDEX, route
    assert (await site.get("/assets/missing-99.js")).status_code == 404


async def test_no_path_leaves_the_site_folder(site: httpx.AsyncClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/assets/escape.js",
                 "/assets/%2e%2e%5c..%5csecret.txt", "/%00.js"):
        answer = await site.get(path)
        assert "outside the site" not in answer.text, path
        assert answer.status_code == 404 or answer.content == INDEX, path


def test_locate_stays_under_the_root(site_files: Path) -> None:
    assert locate(site_files, "/assets/app-1234.js", "index.html", spa_fallback=False) == \
        (site_files / "assets" / "app-1234.js").resolve()
    assert locate(site_files, "/../secret.txt", "index.html", spa_fallback=False) is None
    assert locate(site_files, "/assets/escape.js", "index.html", spa_fallback=False) is None
    assert locate(site_files, "/charts", "index.html", spa_fallback=False) is None


async def test_without_spa_fallback_unknown_routes_404(site_files: Path, app: FastAPI) -> None:
    async with _client(FrontendSite(name="files", files=site_files, api_prefixes=("/api/",), spa_fallback=False),
                       app) as http:
        assert (await http.get("/charts")).status_code == 404
        assert (await http.get("/")).content == INDEX


async def test_api_paths_are_answered_by_runyard(site: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("vision")
    store.create_run(project.id, name="r1")
    answer = await site.get("/api/v1/project", params={"project": "vision"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["name"] == "vision"
    missing = await site.get("/api/v1/experiment/999")
    assert missing.status_code == 404 and missing.json()["code"] == 3404  # the dialect's own error shape
    # Writes reach the main app too: not the site's 405.
    assert (await site.post("/api/v1/experiments", json={"name": "e"})).status_code in (200, 201)


async def test_file_paths_take_only_reads(site: httpx.AsyncClient) -> None:
    answer = await site.post("/assets/app-1234.js", content=b"x")
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, HEAD"


async def test_foreign_host_is_refused_for_files_and_api(site: httpx.AsyncClient) -> None:
    for path in ("/", "/assets/app-1234.js", "/api/v1/project"):
        answer = await site.get(path, headers={"Host": "attacker.example"})
        assert answer.status_code == 400, path
        assert "not allowed" in answer.text


async def test_server_side_pages_come_before_files(site_files: Path, app: FastAPI, store: Store) -> None:
    store.create_project("vision")

    async def render(request: Request) -> Response | None:
        if request.url.path != "/projects":
            return None
        names = [project.name for project in request.app.state.store.list_projects()]
        return HTMLResponse(f"<p>{','.join(names)}</p>")

    async with _client(FrontendSite(name="ssr", files=site_files, api_prefixes=("/api/",), render=render),
                       app) as http:
        page = await http.get("/projects")
        assert page.text == "<p>vision</p>" and page.headers["content-security-policy"] == SITE_POLICY
        assert (await http.get("/assets/app-1234.js")).status_code == 200


async def test_cookie_signed_writes_from_the_sites_own_pages_pass(site_files: Path, settings: Settings,
                                                                  store: Store) -> None:
    """Under auth the dashboard's sign-in cookie works on the site's port; its own origin is same-origin."""
    project = store.create_project("vision")
    run = store.create_run(project.id, name="r1", status="finished")
    _token, secret = store.create_token("default", name="browser")
    app = create_app(settings.with_changes(auth=True), store=store)
    site = FrontendSite(name="spa", files=site_files, api_prefixes=("/api/",))
    async with _client(site, app) as http:
        http.cookies.set(SESSION_COOKIE, secret)
        url = f"/api/v1/experiment/{run.id}/show"
        own = await http.patch(url, json={"show": False}, headers={"Origin": "http://runyard.test"})
        assert own.status_code == 200, own.text
        foreign = await http.patch(url, json={"show": True}, headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        assert (await http.get("/api/v1/project")).status_code == 200
        http.cookies.clear()
        assert (await http.get("/api/v1/project")).status_code == 401
