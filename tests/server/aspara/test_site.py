"""Aspara's dashboard site (`--aspara-port`) in-process: its templates rendered from runyard's data.

Aspara 0.1.0's templates come from its PyPI wheel and pystache (which renders them) from its
own; the browser test (tests/server/web/test_aspara_site.py) runs the pages' scripts.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from runyard.server.aspara.site import aspara_site
from runyard.server.sites import site_app
from runyard.settings import Settings
from runyard.store import Store
from tests.server.aspara.conftest import T0, columns
from tests.server.conftest import auth_app
from tests.side_packages import wheel_files

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def dashboard() -> Path:
    return wheel_files("aspara", "0.1.0") / "aspara" / "dashboard"


@pytest.fixture
def with_pystache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(wheel_files("pystache", "0.6.8")))


def _seed(store: Store) -> None:
    project = store.create_project("vision", tags=["cv"])
    run = store.create_run(project.id, name="base", config={"lr": 0.01}, params={"arch": "resnet"},
                           tags=["best"], start_time=T0)
    store.append_metrics(run.id, {"loss": columns([0, 1], [1.0, 0.5]), "acc": columns([0, 1], [0.1, math.nan])})
    store.add_artifact_bytes(run.id, "model/weights.txt", b"w")
    store.set_run_status(run.id, "finished", end_time=T0 + 3725)
    store.create_project("other", tenant="acme")


@pytest.fixture
async def site(app: FastAPI, store: Store, dashboard: Path, with_pystache: None) -> AsyncIterator[httpx.AsyncClient]:
    _seed(store)
    served = site_app(aspara_site(dashboard), app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url="http://runyard.test") as http:
        yield http


async def test_pages_are_aspara_templates_filled_with_runyard_data(site: httpx.AsyncClient) -> None:
    home = await site.get("/")
    assert home.status_code == 200 and "text/html" in home.headers["content-type"]
    assert 'data-project="vision"' in home.text and "1 runs" in home.text
    assert 'data-project="other"' not in home.text  # another tenant's
    project = await site.get("/projects/vision")
    assert 'value="base"' in project.text and 'data-status="completed"' in project.text
    runs = await site.get("/projects/vision/runs")
    assert 'data-run="base"' in runs.text and 'data-param-count="2"' in runs.text and ">best<" in runs.text
    run = (await site.get("/projects/vision/runs/base")).text
    assert 'data-run="base"' in run and "/static/dist/pages/run-detail.js" in run
    assert ">lr<" in run and "0.01" in run and "resnet" in run  # params: config and params
    assert "1h 02m 05s" in run and "model/weights.txt" in run


async def test_inline_scripts_of_a_page_and_nothing_else_are_allowed(site: httpx.AsyncClient) -> None:
    page = await site.get("/projects/vision")
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(scripts) == 1  # the project note editor's start
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert f"'sha256-{digest}'" in script_src and "unsafe-inline" not in script_src
    home = await site.get("/")
    assert "sha256-" not in home.headers["content-security-policy"]  # no inline script there


async def test_static_files_and_nothing_outside_them(site: httpx.AsyncClient, dashboard: Path) -> None:
    script = await site.get("/static/dist/pages/project-detail.js")
    assert script.status_code == 200 and script.content == (dashboard / "static/dist/pages/project-detail.js").read_bytes()
    for path in ("/static/../templates/layout.mustache", "/static/%2e%2e/main.py", "/main.py",
                 "/templates/layout.mustache", "/static/", "/projects/vision/runs/base/extra"):
        assert (await site.get(path)).status_code == 404, path


async def test_api_calls_are_runyards(site: httpx.AsyncClient) -> None:
    body = (await site.get("/api/projects/vision/runs/metrics", params={"runs": "base"})).json()
    assert list(body["metrics"]) == ["loss", "acc"] and body["metrics"]["loss"]["base"]["steps"] == [0, 1]


async def test_unknown_names_are_404_in_the_api_shape(site: httpx.AsyncClient) -> None:
    for path, detail in (("/projects/nope", "Project 'nope' not found"),
                         ("/projects/other/runs", "Project 'other' not found"),  # another tenant's
                         ("/projects/vision/runs/ghost", "Run 'ghost' not found in project 'vision'")):
        response = await site.get(path)
        assert response.status_code == 404 and response.json() == {"detail": detail}, path


async def test_pages_need_a_token_when_auth_is_on(settings: Settings, store: Store, dashboard: Path,
                                                  with_pystache: None) -> None:
    _seed(store)
    app = auth_app(settings, store)
    _token, secret = store.create_token("default")
    served = site_app(aspara_site(dashboard), app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url="http://runyard.test") as http:
        assert (await http.get("/projects/vision")).status_code == 401
        page = await http.get("/projects/vision", headers={"Authorization": f"Bearer {secret}"})
        assert page.status_code == 200 and 'value="base"' in page.text


def test_serve_without_aspara_says_what_to_install(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "runyard", "serve", "--dir", str(tmp_path), "--port", "0",
                           "--aspara-port", "1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--aspara-port needs the aspara package: pip install aspara==0.1.0 pystache" in done.stderr
