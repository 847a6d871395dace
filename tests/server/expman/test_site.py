"""`runyard serve --expman-port`'s site, in-process: the vendored app, its CSP, its moved API calls."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from runyard.server.expman.site import WEBAPP, expman_site
from runyard.server.sites import site_app
from runyard.settings import Settings
from runyard.store import Store
from tests.live_server import free_port
from tests.server.conftest import auth_app
from tests.server.expman.conftest import EXPERIMENT, Seeded, seg

pytestmark = pytest.mark.anyio


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=site_app(expman_site(), app)),
                             base_url="http://runyard.test")


@pytest.fixture
async def site(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as http:
        yield http


def test_the_vendored_app_is_byte_exact() -> None:
    # index.html names each file with its sha384 (subresource integrity): a changed byte shows.
    index = (WEBAPP / "index.html").read_text()
    named = re.findall(r'href="/([^"]+)"[^>]*integrity="sha384-([^"]+)"', index)
    assert {name for name, _ in named} == {"fonts-f04da4ddc1e668f5.css", "tailwind-ba59062a386bc267.css",
                                           "expman-app-3b91cdd2f1dd22fd.js", "expman-app-3b91cdd2f1dd22fd_bg.wasm"}
    for name, digest in named:
        assert base64.b64encode(hashlib.sha384((WEBAPP / name).read_bytes()).digest()).decode() == digest, name
    assert "MIT License" in (WEBAPP / "LICENSE").read_text()


async def test_the_app_under_its_policy(site: httpx.AsyncClient) -> None:
    index = await site.get("/")
    assert index.status_code == 200 and b"expman-app-3b91cdd2f1dd22fd.js" in index.content
    policy = index.headers["content-security-policy"]
    inline = re.search(rb'<script type="module">(.*?)</script>', index.content, re.DOTALL)
    assert inline is not None
    digest = base64.b64encode(hashlib.sha256(inline.group(1)).digest()).decode()
    script_src = policy.split("script-src ", 1)[1].split(";", 1)[0].split()
    assert sorted(script_src) == sorted(["'self'", f"'sha256-{digest}'", "'wasm-unsafe-eval'"])
    wasm = await site.get("/expman-app-3b91cdd2f1dd22fd_bg.wasm")
    assert wasm.status_code == 200 and wasm.headers["content-type"] == "application/wasm"
    assert wasm.content[:4] == b"\0asm"
    for route in ("/experiments/a/b", "/projects", "/settings"):  # the app routes on the client
        assert (await site.get(route)).content == index.content
    assert (await site.get("/fonts/nunito-latin-wght-normal.woff2")).status_code == 404  # not vendored
    assert (await site.get("/..%2f..%2fpyproject.toml")).status_code == 404


async def test_the_apps_calls_are_answered(site: httpx.AsyncClient, seeded: Seeded) -> None:
    stats = await site.get("/api/stats")
    assert stats.status_code == 200 and stats.json()["total_experiments"] == 1
    assert (await site.get("/api/projects")).json() == []
    assert (await site.get("/api/jupyter/available")).json() == {"backend": "none"}
    assert (await site.get("/api/tensorboard/available")).json() == {"available": False}
    runs = await site.get(f"/api/experiments/{seg(EXPERIMENT)}/runs")  # an encoded `/` stays in the name
    assert runs.status_code == 200 and {r["id"] for r in runs.json()} == {"run 1/a", "second"}
    # Anything else under /api/projects is not expman's: no Aspara answer leaks into the app's paths.
    assert (await site.get(f"/api/projects/{seg(EXPERIMENT)}/runs")).status_code == 404


async def test_tokens_apply_on_the_site(settings: Settings, store: Store, seeded: Seeded) -> None:
    _token, secret = store.create_token("default", name="mine")
    async with _client(auth_app(settings, store)) as http:
        refused = await http.get("/api/stats")
        assert refused.status_code == 401 and set(refused.json()) == {"error"}  # expman's error shape
        answered = await http.get("/api/stats", headers={"Authorization": f"Bearer {secret}"})
        assert answered.status_code == 200 and answered.json()["total_runs"] == 2


def test_the_port_setting() -> None:
    assert Settings.from_env({"RUNYARD_EXPMAN_PORT": "8123"}).expman_port == 8123
    assert Settings.from_env({}).expman_port is None


def test_a_busy_expman_port_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "runyard", "serve", "--dir", str(tmp_path), "--port",
                               str(free_port()), "--expman-port", str(port)], capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"port {port} is in use: pass --expman-port N or set RUNYARD_EXPMAN_PORT"
