"""`runyard serve --swanboard-port`: a second port in the same process, swanboard's files and runyard's API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runyard.errors import NotFoundError
from runyard.store import open_store
from tests.live_server import LiveServer, free_port
from tests.side_packages import wheel_files


@pytest.fixture(scope="module")
def swanboard_path() -> str:
    """A PYTHONPATH under which swanboard 0.1.6 (its wheel, unpacked) is importable."""
    return str(wheel_files("swanboard", "0.1.6"))


@pytest.fixture
def with_swanboard(swanboard_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [swanboard_path, os.environ.get("PYTHONPATH")])))
    yield


def _serve(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runyard", "serve", "--dir", str(tmp_path), *extra],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.usefixtures("with_swanboard")
def test_swanboard_port_serves_the_app_and_the_api(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.create_project("vision")
    site_port = free_port()
    server = LiveServer(tmp_path, extra=["--swanboard-port", str(site_port)]).start()
    try:
        site = f"http://127.0.0.1:{site_port}"
        index = httpx.get(site + "/")
        assert index.status_code == 200 and "<title>SwanLab</title>" in index.text
        assert "wasm-unsafe-eval" in index.headers["content-security-policy"]
        assert httpx.get(site + "/experiment/1").text == index.text  # client-side route
        from_site = httpx.get(site + "/api/v1/project").json()
        assert from_site == httpx.get(server.url + "/api/v1/project").json()
        assert from_site["data"]["name"] == "vision"
        assert httpx.get(site + "/", headers={"Host": "attacker.example"}).status_code == 400
    finally:
        server.stop()
    with pytest.raises(httpx.TransportError):  # both ports stop together
        httpx.get(f"http://127.0.0.1:{site_port}/", timeout=2)


@pytest.mark.usefixtures("with_swanboard")
def test_busy_swanboard_port_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _serve(tmp_path, "--port", str(free_port()), "--swanboard-port", str(port), "--demo")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"port {port} is in use: pass --swanboard-port N or set RUNYARD_SWANBOARD_PORT"
    with open_store(tmp_path) as store, pytest.raises(NotFoundError):
        store.get_project_by_name("demo")  # nothing started before every port was known to be free


@pytest.mark.usefixtures("with_swanboard")
def test_swanboard_port_equal_to_the_main_port_is_refused(tmp_path: Path) -> None:
    port = str(free_port())
    done = _serve(tmp_path, "--port", port, "--swanboard-port", port)
    assert done.returncode == 2 and f"port {port} is taken by another server of this command" in done.stderr


def test_missing_swanboard_says_how_to_install_it(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--port", str(free_port()), "--swanboard-port", str(free_port()))
    assert done.returncode == 2
    assert "pip install swanboard==0.1.6" in done.stderr and "Traceback" not in done.stderr
